import type { Verification } from './chaos-devnet.js';

/** What a scenario injected, what it checked and what it measured: one section of docs/reliability.md. */
export interface ScenarioReport {
  readonly scenario: string;
  readonly members: number;
  readonly seed: string;
  readonly durationMs: number;
  readonly injected: readonly string[];
  readonly checks: readonly string[];
  readonly figures: Readonly<Record<string, string | number>>;
  readonly verification: Verification;
}

/** A run's report in Markdown, `machine` naming where it ran. */
export function renderReport(report: ScenarioReport, when: Date, machine: string): string {
  const lines = [
    `### ${report.scenario}, ${report.members} members (${when.toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Seed \`${report.seed}\`, ${(report.durationMs / 1000).toFixed(0)} s on ${machine}. Replay: \`npm run chaos -- --scenario ${report.scenario} --members ${report.members} --seed ${report.seed}\`.`,
    '',
    'Injected:',
    ...report.injected.map((line) => `- ${line}`),
    '',
    'Checked (all held):',
    ...report.checks.map((line) => `- ${line}`),
    '',
    '| figure | value |',
    '|---|---:|',
    ...Object.entries(report.figures).map(([name, value]) => `| ${name} | ${typeof value === 'number' ? value.toLocaleString('en-US') : value} |`),
    '',
  ];
  return lines.join('\n');
}
