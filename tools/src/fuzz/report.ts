import type { TargetReport } from './run.js';

/** What `npm run fuzz` prints: a line per finished target, the summary table, and how to replay a failure. */

const number = (value: number) => value.toLocaleString('en-US');

export function inputsPerSecond(report: Pick<TargetReport, 'inputs' | 'seconds'>): number {
  return report.seconds > 0 ? Math.round(report.inputs / report.seconds) : 0;
}

/** Refusal counts, largest first: `MalformedMessageError 15,904, OversizedMessageError 1,218`. */
export function describeRefusals(refused: Readonly<Record<string, number>>): string {
  const entries = Object.entries(refused).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? '-' : entries.map(([name, count]) => `${name} ${number(count)}`).join(', ');
}

export function targetLine(report: TargetReport): string {
  const status = report.failure === null ? 'ok  ' : 'FAIL';
  return `${status} ${report.target.padEnd(20)} ${number(report.inputs).padStart(9)} inputs  ${report.seconds.toFixed(1).padStart(7)} s  ${number(inputsPerSecond(report)).padStart(7)} inputs/s`;
}

export function summaryTable(reports: readonly TargetReport[]): string {
  const header = ['target', 'inputs', 'valid', 'failures', 'seconds', 'inputs/s', 'refused by error class'];
  const rows = reports.map((r) => [r.target, number(r.inputs), number(r.valid), r.failure === null ? '0' : '1', r.seconds.toFixed(1), number(inputsPerSecond(r)), describeRefusals(r.refused)]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

/** The failure, and the command that replays exactly that input. */
export function failureReport(report: TargetReport): string {
  const { failure } = report;
  if (failure === null) return '';
  const path = failure.path === null ? '' : ` --path ${failure.path}`;
  return [
    `FAIL ${report.target}: ${failure.message}`,
    `  input: ${failure.counterexample}`,
    `  replay: npm run fuzz -- --target ${report.target} --seed ${failure.seed}${path}`,
  ].join('\n');
}
