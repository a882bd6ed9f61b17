import type { SimulationReport } from '@consortium/consensus';
import type { RunResult } from './runs.js';

/** One line per run: enough to see what it went through without replaying it. */
export function describeRun({ report: r, cpuSeconds }: RunResult): string {
  const byzantine = Object.entries(r.byzantine).map(([member, behaviours]) => `${member}=${behaviours.join('+')}`);
  const acted = Object.entries(r.byzantineActions).filter(([, count]) => count > 0).map(([action, count]) => `${action} ${count}`);
  const crashPoints = Object.entries(r.crashPoints).filter(([, count]) => count > 0).map(([point, count]) => `${point} ${count}`);
  return [
    `seed ${r.seed} members ${r.members}: height ${r.committedHeight} (heal at ${r.heightAtHeal}), ${r.virtualTimeMs} ms virtual, ${cpuSeconds.toFixed(2)} s CPU`,
    `${r.crashes} crashes${crashPoints.length > 0 ? ` (${crashPoints.join(', ')})` : ''}, ${r.partitions} partitions, ${r.writeFailures} failed writes, ${r.readFailures} failed reads`,
    ...(r.oldCopyRestores > 0 || r.staleStore.detections > 0 ? [`${r.oldCopyRestores} restores from an old copy (signers fenced ${r.staleStore.detections} times, ${r.staleStore.fencedSignatures} signatures withheld)`] : []),
    ...(r.writesOverRoundTimeout > 0 ? [`${r.writesOverRoundTimeout} writes slower than a round timeout`] : []),
    ...(r.clockSpreadMs > 0 ? [`clocks ${r.clockSpreadMs} ms apart at the end`] : []),
    `${r.oversizedFrames} oversized and ${r.rateLimitedFrames} rate-limited frames, ${r.penalties} penalties, ${r.disconnections} disconnections`,
    byzantine.length === 0 ? 'no Byzantine member' : `Byzantine ${byzantine.join(' ')}${acted.length > 0 ? `: ${acted.join(', ')}` : ''}`,
    `${r.committedTxs} txs, digest ${r.digest.slice(0, 12)}`,
    ...(r.idle === null ? [] : [describeIdle(r.idle)]),
  ].join('; ');
}

function describeIdle(idle: NonNullable<SimulationReport['idle']>): string {
  const blocks = idle.blocksInWindowMin === idle.blocksInWindowMax ? `${idle.blocksInWindowMin}` : `${idle.blocksInWindowMin}-${idle.blocksInWindowMax}`;
  return `idle: ${blocks} blocks in ${idle.windowMs} ms, a tx committed everywhere in ${idle.txCommitMs ?? '-'} ms`;
}

/** The empty-blocks check over every run that reached it: blocks per idle window, and the slowest idle transaction. */
function idleLine(results: readonly RunResult[]): string | null {
  const idle = results.flatMap(({ report }) => (report.idle === null ? [] : [report.idle]));
  if (idle.length === 0) return null;
  const committed = idle.flatMap((figures) => (figures.txCommitMs === null ? [] : [figures.txCommitMs])).sort((a, b) => a - b);
  const quantile = (q: number) => committed[Math.min(committed.length - 1, Math.floor(q * committed.length))] ?? 0;
  return (
    `  idle chain (${idle.length} runs): ${Math.min(...idle.map((f) => f.blocksInWindowMin))}-${Math.max(...idle.map((f) => f.blocksInWindowMax))} blocks per ${idle[0]!.windowMs} ms window; ` +
    `a tx to one node committed everywhere in p50 ${quantile(0.5)} ms, max ${quantile(1)} ms`
  );
}

/** Counts of failures by invariant and member count, the failing seeds, and the CPU per run by member count. */
export function summarise(results: readonly RunResult[], replayFlags: string): string {
  const lines: string[] = [];
  const failed = results.filter(({ report }) => !report.ok);
  const byInvariant = new Map<string, SimulationReport[]>();
  for (const { report } of failed) {
    const key = report.invariant ?? 'unknown';
    byInvariant.set(key, [...(byInvariant.get(key) ?? []), report]);
  }
  for (const [invariant, reports] of [...byInvariant].sort(([, a], [, b]) => b.length - a.length)) {
    const byMembers = new Map<number, number[]>();
    for (const report of reports) byMembers.set(report.members, [...(byMembers.get(report.members) ?? []), report.seed]);
    const seeds = [...byMembers].sort(([a], [b]) => a - b).map(([members, list]) => `${members} members: seeds ${list.sort((a, b) => a - b).join(' ')}`);
    lines.push(`  ${invariant}: ${reports.length} run(s); ${seeds.join('; ')}`);
  }
  const cpu = new Map<number, number[]>();
  for (const { report, cpuSeconds } of results) cpu.set(report.members, [...(cpu.get(report.members) ?? []), cpuSeconds]);
  const cpuLine = [...cpu].sort(([a], [b]) => a - b).map(([members, list]) => `${members} members ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(2)} s`);
  lines.unshift(`sim: ${results.length} runs, ${failed.length} failed; CPU per run: ${cpuLine.join(', ')}`);
  const idle = idleLine(results);
  if (idle !== null) lines.splice(1, 0, idle);
  if (failed.length > 0) lines.push(`replay one: npm run sim -- --seed S --members M ${replayFlags}`);
  return lines.join('\n');
}
