/** Totals of the vitest JSON reports one `npm run test:all` wrote, per package and suite. */

export interface VitestJsonReport {
  testResults: {
    name: string;
    assertionResults: { status: 'passed' | 'failed' | 'skipped' | 'pending' | 'todo' | 'disabled'; fullName: string }[];
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
