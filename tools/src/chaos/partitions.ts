import { readFile } from 'node:fs/promises';
import type { ConsensusParams } from '@consortium/consensus';
import { join } from 'node:path';
import { drawIndex } from '../traffic/seeded.js';
import { waitFor, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import type { ChaosDevnet } from './chaos-devnet.js';
import { median } from './kill-restart.js';
import { SteadyLoad } from './load.js';
import type { ScenarioReport } from './report.js';

/**
 * Network partitions between the node processes, through the proxy mesh, under steady load:
 * a minority cut off (the majority keeps committing), no side with a quorum (the chain waits),
 * flapping links, and latency with loss on every link. After each phase the links heal and the
 * chain must commit again within two round timeouts (at the round the nodes had reached); after
 * all of them: no fork, no evidence, every acknowledged transaction committed exactly once.
 */

export interface PartitionOptions {
  readonly seed: string;
  readonly txPerSecond: number;
  /** How long each fault lasts. */
  readonly holdMs: number;
  /** Phases to run (default all), by name. */
  readonly phases?: readonly PhaseName[];
  /** Rounds of phases (each round runs every phase once). */
  readonly repeat?: number;
}

export const PHASES = ['minority-cut-off', 'no-quorum', 'flapping-links', 'latency-and-loss'] as const;
export type PhaseName = (typeof PHASES)[number];

/** The genesis timeouts a round runs on. */
type RoundTimeouts = Pick<ConsensusParams, 'timeoutProposeMs' | 'timeoutProposeDeltaMs' | 'timeoutPrevoteMs' | 'timeoutPrevoteDeltaMs' | 'timeoutPrecommitMs' | 'timeoutPrecommitDeltaMs'>;

/** The longest a round `round` can last without a decision: its three timeouts. */
export function roundTimeoutMs(params: RoundTimeouts, round: number): number {
  return (
    params.timeoutProposeMs + round * params.timeoutProposeDeltaMs + params.timeoutPrevoteMs + round * params.timeoutPrevoteDeltaMs + params.timeoutPrecommitMs + round * params.timeoutPrecommitDeltaMs
  );
}

/**
 * How soon after a heal the chain must commit again: two round timeouts, those of the round the
 * nodes were stuck in (which the heal lets them finish) and of the next (which decides).
 */
export function resumeBoundMs(params: RoundTimeouts, roundAtHeal: number): number {
  return roundTimeoutMs(params, roundAtHeal) + roundTimeoutMs(params, roundAtHeal + 1);
}

export interface PhaseResult {
  readonly phase: PhaseName;
  /** Which pass over the phases (1 for the first). */
  readonly repeat: number;
  readonly description: string;
  /** Blocks the chain committed while the fault lasted (by the nodes that could). */
  readonly blocksDuring: number;
  /** From the heal until every node was connected to every other again. */
  readonly reconnectedMs: number;
  /** From the heal until some node committed a new block. */
  readonly resumedMs: number;
  /** From the heal until every node held that block. */
  readonly allCaughtUpMs: number;
  /** resumeBoundMs at the highest round a node was in at the heal: the bound on resumedMs. */
  readonly boundMs: number;
}

export class ChaosBoundError extends Error {
  override readonly name = 'ChaosBoundError';
}

/** Quorum of n equal votes. */
const quorum = (members: number) => Math.floor((2 * members) / 3) + 1;

export async function partitions(devnet: ChaosDevnet, options: PartitionOptions, log: (line: string) => void): Promise<ScenarioReport> {
  const { consortium, mesh } = devnet;
  const members = devnet.nodes.map((node) => node.memberId);
  const n = members.length;
  const genesis = JSON.parse(await readFile(join(consortium.dir, 'genesis.json'), 'utf8')) as { consensus: RoundTimeouts };
  const startedMs = Date.now();
  const load = new SteadyLoad(() => consortium.running, { txPerSecond: options.txPerSecond, tag: `partitions-${options.seed}` });
  const results: PhaseResult[] = [];
  const phases = options.phases ?? PHASES;
  load.start();
  try {
    for (let repeat = 1; repeat <= (options.repeat ?? 1); repeat++) {
      for (const phase of phases) {
        const draw = (what: string, size: number) => drawIndex(size, options.seed, phase, repeat, what);
        const heightBefore = Math.max(...(await consortium.heights()));
        let description: string;
        let releaseFault: () => void = () => undefined;
        if (phase === 'minority-cut-off') {
          // f = floor((n-1)/3) members: the most the others can do without.
          const cutOff = rotate(members, draw('first', n)).slice(0, Math.floor((n - 1) / 3));
          mesh.partition([cutOff, members.filter((member) => !cutOff.includes(member))]);
          description = `${cutOff.join(', ')} cut off from the other ${n - cutOff.length} for ${(options.holdMs / 1000).toFixed(0)} s`;
          await Promise.all([holdFor(options.holdMs), consortium.waitHeight(heightBefore + 2, WAIT_DEADLINES_MS.progress, consortium.nodes.filter((node) => !cutOff.includes(node.memberId)))]);
        } else if (phase === 'no-quorum') {
          const order = rotate(members, draw('first', n));
          const half = order.slice(0, Math.ceil(n / 2));
          mesh.partition([half, order.slice(half.length)]);
          description = `split ${half.length} / ${n - half.length} for ${(options.holdMs / 1000).toFixed(0)} s: neither side holds a quorum of ${quorum(n)}`;
          await holdFor(options.holdMs);
        } else if (phase === 'flapping-links') {
          const flips = await flapLinks(devnet, options.holdMs, (size, i) => drawIndex(size, options.seed, phase, repeat, 'flip', i));
          description = `${flips} link flips (a random link cut or healed every 0.2-1 s) for ${(options.holdMs / 1000).toFixed(0)} s`;
        } else {
          mesh.setFaults({ latencyMs: 40, lossRate: 0.05 });
          description = `40 ms latency each way and 5 % chunk loss (200 ms retransmission) on every link for ${(options.holdMs / 1000).toFixed(0)} s`;
          releaseFault = () => mesh.clearFaults();
          await Promise.all([holdFor(options.holdMs), consortium.waitHeight(heightBefore + 2)]);
        }
        const heightsAtHeal = await consortium.heights();
        const highestRound = Math.max(0, ...(await Promise.all(consortium.nodes.map(async (node) => (await node.status())?.consensus.round ?? 0))));
        const atHeal = Math.max(...heightsAtHeal);
        mesh.healAll();
        releaseFault();
        const healedMs = Date.now();
        let resumedMs = -1;
        let reconnectedMs = -1;
        await waitFor(`a block above ${atHeal} on every node, and every node connected to every other, after healing ${phase}`, async () => {
          const statuses = await Promise.all(consortium.nodes.map(async (node) => node.status()));
          const heights = statuses.map((status) => status?.consensus.committedHeight ?? -1);
          const sinceHealMs = Date.now() - healedMs;
          if (resumedMs < 0 && heights.some((height) => height > atHeal)) resumedMs = sinceHealMs;
          if (reconnectedMs < 0 && statuses.every((status) => status?.connectedMembers.length === n - 1)) reconnectedMs = sinceHealMs;
          return { done: heights.every((height) => height > atHeal) && reconnectedMs >= 0, seen: `heights ${heights.join(', ')}; ${reconnectedMs < 0 ? 'not all connected' : 'all connected'}` };
        }, WAIT_DEADLINES_MS.progress, 100);
        const result: PhaseResult = {
          phase,
          repeat,
          description,
          blocksDuring: atHeal - heightBefore,
          reconnectedMs,
          resumedMs,
          allCaughtUpMs: Date.now() - healedMs,
          boundMs: resumeBoundMs(genesis.consensus, highestRound),
        };
        results.push(result);
        log(`${phase}: ${description}; ${result.blocksDuring} blocks meanwhile; after the heal all connected in ${result.reconnectedMs} ms, a block in ${result.resumedMs} ms (bound ${result.boundMs} ms at round ${highestRound}), on every node in ${result.allCaughtUpMs} ms`);
        if (result.resumedMs > result.boundMs) throw new ChaosBoundError(`after ${phase} (${description}) the chain took ${result.resumedMs} ms to commit again, more than two round timeouts (${result.boundMs} ms: rounds ${highestRound} and ${highestRound + 1})`);
      }
    }
  } finally {
    mesh.healAll();
    mesh.clearFaults();
    await load.stop();
  }
  const verification = await devnet.verify(load.acknowledged);
  const figures = load.figures();
  const stats = mesh.stats();
  return {
    scenario: 'partitions',
    members: n,
    seed: options.seed,
    durationMs: Date.now() - startedMs,
    injected: [...results.map((result) => `${result.phase}: ${result.description}`), `steady load of ${options.txPerSecond} tx/s`],
    checks: [
      'while a minority is cut off, the majority commits',
      'after every heal the chain commits again within two round timeouts',
      'no fork, no equivocation evidence, every acknowledged transaction committed exactly once',
    ],
    figures: {
      ...Object.fromEntries(results.map((result) => [`${result.phase}${(options.repeat ?? 1) > 1 ? ` (pass ${result.repeat})` : ''}: blocks during / reconnected / resumed (bound) / all caught up`, `${result.blocksDuring} / ${result.reconnectedMs} ms / ${result.resumedMs} ms (${result.boundMs} ms) / ${result.allCaughtUpMs} ms`])),
      'resumed after heal, median / max': `${median(results.map((r) => r.resumedMs))} / ${Math.max(...results.map((r) => r.resumedMs))} ms`,
      'transactions acknowledged (202)': figures.acknowledged,
      'acknowledged and committed': verification.acknowledged.committed,
      'lost or doubled': verification.acknowledged.missing.length + verification.acknowledged.duplicated.length,
      'refused or unreachable': Object.entries(figures.refused).map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none',
      'proxied connections / chunks lost and retransmitted / resets': `${stats.connections} / ${stats.lostChunks} / ${stats.resets}`,
      'chain height at the end': verification.height,
    },
    verification,
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return [...items.slice(by), ...items.slice(0, by)];
}

async function holdFor(ms: number): Promise<void> {
  // The fault itself lasts this long; nothing is compared at its end but what the nodes serve.
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Cuts or heals a random link every 0.2-1 s for `durationMs`; returns the flips made. */
async function flapLinks(devnet: ChaosDevnet, durationMs: number, draw: (size: number, i: number) => number): Promise<number> {
  const members = devnet.nodes.map((node) => node.memberId);
  const cut = new Set<string>();
  const endMs = Date.now() + durationMs;
  let flips = 0;
  while (Date.now() < endMs) {
    const a = members[draw(members.length, 3 * flips)]!;
    const others = members.filter((member) => member !== a);
    const b = others[draw(others.length, 3 * flips + 1)]!;
    const key = [a, b].sort().join('|');
    const nowCut = !cut.has(key);
    devnet.mesh.setCut(a, b, nowCut);
    if (nowCut) cut.add(key);
    else cut.delete(key);
    flips += 1;
    await holdFor(200 + draw(800, 3 * flips + 2));
  }
  return flips;
}
