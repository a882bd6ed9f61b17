import { drawIndex } from '../traffic/seeded.js';
import { waitFor, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import type { ChaosDevnet } from './chaos-devnet.js';
import { SteadyLoad } from './load.js';
import type { ScenarioReport } from './report.js';

/**
 * kill -9 a random node under steady load, then restart it, `cycles` times. Each cycle checks
 * that the others keep committing without it, that it catches up after its restart, and (with
 * Prometheus) that NodeDown fires for it and resolves. After the last cycle: no fork, no
 * evidence of a double signature, every acknowledged transaction committed exactly once.
 */

export interface KillRestartOptions {
  readonly cycles: number;
  readonly txPerSecond: number;
  readonly seed: string;
  /** Blocks the survivors must commit while the victim is down. */
  readonly blocksWhileDown?: number;
}

export interface KillCycle {
  readonly victim: string;
  readonly heightAtKill: number;
  /** From the kill until Prometheus shows NodeDown firing (null without Prometheus). */
  readonly alertFiredMs: number | null;
  readonly downMs: number;
  /** From the restart until the victim reached the height the others had then. */
  readonly catchUpMs: number;
  /** From the restart until NodeDown is gone (null without Prometheus). */
  readonly alertResolvedMs: number | null;
}

export interface KillRestartReport extends ScenarioReport {
  readonly cycles: readonly KillCycle[];
}

export const maxHeight = (heights: readonly number[]) => Math.max(-1, ...heights);

export async function killRestart(devnet: ChaosDevnet, options: KillRestartOptions, log: (line: string) => void): Promise<KillRestartReport> {
  const { consortium } = devnet;
  const startedMs = Date.now();
  const load = new SteadyLoad(() => consortium.running, { txPerSecond: options.txPerSecond, tag: `kill-${options.seed}` });
  const cycles: KillCycle[] = [];
  load.start();
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const victim = devnet.nodes[drawIndex(devnet.nodes.length, options.seed, 'victim', cycle)]!;
      const heightAtKill = maxHeight(await consortium.heights());
      const killedMs = Date.now();
      await victim.kill('SIGKILL');
      const survivors = consortium.running;
      const alertFiredMs = devnet.prometheus === null ? null : await devnet.waitAlert('NodeDown', { member: victim.memberId }, true);
      await consortium.waitHeight(heightAtKill + (options.blocksWhileDown ?? 2), WAIT_DEADLINES_MS.progress, survivors);
      const downMs = Date.now() - killedMs;
      const restartedMs = Date.now();
      await victim.start();
      const target = maxHeight(await consortium.heights(survivors));
      await consortium.waitHeight(target, WAIT_DEADLINES_MS.progress, [victim]);
      const catchUpMs = Date.now() - restartedMs;
      const alertResolvedMs = devnet.prometheus === null ? null : (await devnet.waitAlert('NodeDown', { member: victim.memberId }, false)) + catchUpMs;
      cycles.push({ victim: victim.memberId, heightAtKill, alertFiredMs, downMs, catchUpMs, alertResolvedMs });
      log(`cycle ${cycle}/${options.cycles}: killed ${victim.memberId} at height ${heightAtKill}, down ${(downMs / 1000).toFixed(1)} s, caught up ${(catchUpMs / 1000).toFixed(1)} s after its restart${alertFiredMs === null ? '' : `, NodeDown fired after ${(alertFiredMs / 1000).toFixed(1)} s and resolved ${(alertResolvedMs! / 1000).toFixed(1)} s after the restart`}`);
    }
  } finally {
    await load.stop();
  }
  await waitFor('every node running', () => consortium.running.length === devnet.nodes.length);
  const verification = await devnet.verify(load.acknowledged);
  const figures = load.figures();
  const perVictim = new Map<string, number>();
  for (const { victim } of cycles) perVictim.set(victim, (perVictim.get(victim) ?? 0) + 1);
  return {
    scenario: 'kill-restart',
    members: devnet.nodes.length,
    seed: options.seed,
    durationMs: Date.now() - startedMs,
    injected: [
      `${options.cycles} kill -9 of a random node (${[...perVictim].map(([member, n]) => `${member} ${n}`).join(', ')}), each restarted once the others had committed ${options.blocksWhileDown ?? 2} blocks without it`,
      `steady load of ${options.txPerSecond} tx/s (POST /v1/txs, spread over the running nodes)`,
    ],
    checks: [
      'the survivors commit while a node is down',
      'the restarted node catches up with the others',
      ...(devnet.prometheus === null ? [] : ['NodeDown fires for the killed node and resolves after its restart (a real Prometheus with the shipped rules)']),
      'no fork: every height the same block on every node, each certificate a quorum of distinct members',
      'no node double-signed: no equivocation evidence on any node',
      'every acknowledged transaction committed exactly once',
    ],
    figures: {
      'transactions sent': figures.sent,
      'transactions acknowledged (202)': figures.acknowledged,
      'acknowledged and committed': verification.acknowledged.committed,
      'lost or doubled': verification.acknowledged.missing.length + verification.acknowledged.duplicated.length,
      'refused or unreachable': Object.entries(figures.refused).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none',
      'chain height at the end': verification.height,
      'catch-up after restart, median / max': `${median(cycles.map((c) => c.catchUpMs))} / ${Math.max(...cycles.map((c) => c.catchUpMs))} ms`,
      ...(devnet.prometheus === null
        ? {}
        : {
            'NodeDown fired after kill, median / max': `${median(cycles.map((c) => c.alertFiredMs!))} / ${Math.max(...cycles.map((c) => c.alertFiredMs!))} ms`,
            'NodeDown resolved after restart, median / max': `${median(cycles.map((c) => c.alertResolvedMs!))} / ${Math.max(...cycles.map((c) => c.alertResolvedMs!))} ms`,
          }),
    },
    verification,
    cycles,
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
