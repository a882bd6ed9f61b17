/** Totals of the vitest JSON reports one `npm run test:all` wrote, per package and suite. */

export interface VitestJsonReport {
  /** When the vitest run started (ms since the epoch). */
  startTime?: number;
  testResults: {
    name: string;
    /** 'failed' also when the file failed outside its tests (an import, a beforeAll); `message` says why. */
    status?: string;
    message?: string;
    startTime?: number;
    endTime?: number;
    assertionResults: { status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled'; fullName: string; duration?: number | null; failureMessages?: string[] }[];
  }[];
}

export interface SuiteTotals {
  readonly package: string;
  readonly suite: Suite;
  files: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** `/repo/libs/telemetry/test/e2e/x.test.ts` -> package `libs/telemetry`, suite `e2e`. */
export type Suite = 'unit' | 'e2e' | 'sim';

export function classify(testFile: string): { package: string; suite: Suite } | null {
  const match = /(?:^|\/)((?:libs|apps)\/[^/]+|tools|circuits)\/test\/(unit|e2e|sim)\//.exec(testFile);
  if (match?.[1] === undefined) return null;
  return { package: match[1], suite: match[2] as Suite };
}

export function summarize(reports: readonly VitestJsonReport[]): SuiteTotals[] {
  const totals = new Map<string, SuiteTotals>();
  for (const report of reports) {
    for (const file of report.testResults) {
      const where = classify(file.name) ?? { package: 'other', suite: 'unit' as const };
      const key = `${where.package} ${where.suite}`;
      let entry = totals.get(key);
      if (entry === undefined) totals.set(key, (entry = { ...where, files: 0, passed: 0, failed: 0, skipped: 0 }));
      entry.files += 1;
      for (const assertion of file.assertionResults) {
        if (assertion.status === 'passed') entry.passed += 1;
        else if (assertion.status === 'failed') entry.failed += 1;
        else entry.skipped += 1;
      }
    }
  }
  return [...totals.values()].sort((a, b) => `${a.package} ${a.suite}`.localeCompare(`${b.package} ${b.suite}`));
}

export function formatSummary(rows: readonly SuiteTotals[], elapsedSeconds: number): string {
  const sum = (pick: (row: SuiteTotals) => number) => rows.reduce((total, row) => total + pick(row), 0);
  const line = (cells: (string | number)[]) => cells.map((cell, i) => String(cell).padEnd(i === 0 ? 22 : 8)).join('');
  return [
    '',
    '== test summary',
    line(['package', 'suite', 'files', 'passed', 'failed', 'skipped']),
    ...rows.map((row) => line([row.package, row.suite, row.files, row.passed, row.failed, row.skipped])),
    line(['total', '', sum((r) => r.files), sum((r) => r.passed), sum((r) => r.failed), sum((r) => r.skipped)]),
    `elapsed: ${elapsedSeconds} s`,
  ].join('\n');
}

/** A path from the repository root on (`/repo/libs/zkp/test/e2e/a.test.ts` -> `libs/zkp/test/e2e/a.test.ts`). */
function shortPath(testFile: string): string {
  const match = /(?:^|\/)((?:libs|apps)\/[^/]+\/test\/.*|tools\/test\/.*|circuits\/test\/.*)$/.exec(testFile);
  return match?.[1] ?? testFile;
}

/** The first line of a failure, which names the assertion or the timeout. */
const firstLine = (text: string | undefined) => (text ?? '').split('\n').find((line) => line.trim() !== '')?.trim() ?? '';

/** Every failed test as `file > test name: first line of the failure`, and files that failed outside any test. */
export function failures(reports: readonly VitestJsonReport[]): string[] {
  const lines: string[] = [];
  for (const report of reports) {
    for (const file of report.testResults) {
      const failed = file.assertionResults.filter((assertion) => assertion.status === 'failed');
      for (const assertion of failed) lines.push(`${shortPath(file.name)} > ${assertion.fullName}: ${firstLine(assertion.failureMessages?.[0])}`);
      if (failed.length === 0 && file.status === 'failed') lines.push(`${shortPath(file.name)}: ${firstLine(file.message) || 'failed outside its tests'}`);
    }
  }
  return lines;
}

/**
 * The `limit` vitest runs (one package's suite each, an Nx target) that took longest, slowest
 * first: from the run's start to its last file's end, so hooks such as a beforeAll are counted
 * (a file's own start time comes after its beforeAll).
 */
export function slowestRuns(reports: readonly VitestJsonReport[], limit = 8): { readonly run: string; readonly seconds: number }[] {
  return reports
    .flatMap((report) => {
      const ends = report.testResults.map((file) => file.endTime).filter((end) => end !== undefined);
      const where = report.testResults.map((file) => classify(file.name)).find((found) => found !== null);
      if (report.startTime === undefined || ends.length === 0 || where === undefined) return [];
      return [{ run: `${where.package} ${where.suite}`, seconds: Math.round((Math.max(...ends) - report.startTime) / 100) / 10 }];
    })
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, limit);
}

export function formatDetails(reports: readonly VitestJsonReport[]): string {
  const failed = failures(reports);
  const lines = ['', '== slowest suites (wall time of each vitest run)', ...slowestRuns(reports).map(({ run, seconds }) => `${String(seconds).padStart(8)} s  ${run}`)];
  if (failed.length > 0) lines.push('', `== failed (${failed.length})`, ...failed.map((line) => `  ${line}`));
  return lines.join('\n');
}
