import { resolve } from 'node:path';
import { drawIndex } from '../traffic/seeded.js';
import { NodeProcess } from '../devnet/processes.js';
import { waitFor, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import { KEY_VALUE_BEHAVIOURS, type ByzantineBehaviour } from './byzantine-transport.js';
import type { ChaosDevnet } from './chaos-devnet.js';
import { SteadyLoad } from './load.js';
import type { ScenarioReport } from './report.js';

/**
 * One member turns Byzantine under steady load: its honest node is stopped and the same member
 * (same keys, store and addresses) runs byzantine-node.ts, which equivocates on every proposal
 * and vote, sends malformed frames and spams transactions. The honest members must keep
 * committing, record evidence against it, count its faults, back it off, and (with Prometheus)
 * fire EquivocationDetected for it. Then the member's honest node comes back and catches up;
 * no fork, every acknowledged transaction committed once, and evidence against no one else.
 */

export interface ByzantineOptions {
  readonly seed: string;
  readonly txPerSecond: number;
  /** How long the member misbehaves (at least until the checks above are seen). */
  readonly holdMs: number;
  readonly behaviours?: readonly ByzantineBehaviour[];
}

const byzantineNodeScript = resolve(import.meta.dirname, 'byzantine-node.ts');

interface EvidenceEntry {
  readonly kind: string;
  readonly validator: string;
}

async function evidenceAgainst(node: NodeProcess, member: string): Promise<number> {
  const response = await fetch(`${node.httpUrl}/v1/evidence`, { headers: await node.authorization('observer'), signal: AbortSignal.timeout(10_000) }).catch(() => null);
  if (response?.ok !== true) return 0;
  return ((await response.json()) as EvidenceEntry[]).filter((entry) => entry.validator === member).length;
}

export async function byzantine(devnet: ChaosDevnet, options: ByzantineOptions, log: (line: string) => void): Promise<ScenarioReport> {
  const { consortium } = devnet;
  const behaviours = options.behaviours ?? KEY_VALUE_BEHAVIOURS;
  const startedMs = Date.now();
  const member = devnet.nodes[drawIndex(devnet.nodes.length, options.seed, 'byzantine')]!;
  const honest = devnet.nodes.filter((node) => node !== member);
  const load = new SteadyLoad(() => consortium.running, { txPerSecond: options.txPerSecond, tag: `byzantine-${options.seed}` });
  load.start();
  const rogue = new NodeProcess(consortium.dir, member.memberId, { entry: { script: byzantineNodeScript, args: ['--behaviours', behaviours.join(',')] } });
  let evidence: number[] = [];
  let alertMs: number | null = null;
  let heightAtStart: number;
  let blocksDuring: number;
  let malformedCounted = 0;
  let backoffs = 0;
  try {
    await member.kill('SIGTERM');
    await rogue.start();
    heightAtStart = Math.max(...(await consortium.heights(honest)));
    log(`${member.memberId} runs Byzantine (${behaviours.join(', ')}) from height ${heightAtStart}`);
    const holdUntilMs = Date.now() + options.holdMs;
    if (behaviours.includes('equivocate')) {
      await waitFor(`evidence against ${member.memberId} on an honest node`, async () => {
        evidence = await Promise.all(honest.map(async (node) => evidenceAgainst(node, member.memberId)));
        return { done: evidence.some((count) => count > 0), seen: evidence.join(', ') };
      }, WAIT_DEADLINES_MS.progress, 500);
      if (devnet.prometheus !== null) alertMs = await devnet.waitAlert('EquivocationDetected', { exported_member: member.memberId }, true);
    }
    if (behaviours.includes('malformed')) {
      await waitFor(`${member.memberId} disconnected for exceeding its limits by an honest node`, async () => {
        const counts = await Promise.all(honest.map(async (node) => node.metric('consortium_p2p_disconnects_total', { member: member.memberId, reason: 'limit_exceeded' }).catch(() => 0)));
        backoffs = counts.reduce((sum, count) => sum + count, 0);
        return { done: backoffs > 0, seen: counts.join(', ') };
      }, WAIT_DEADLINES_MS.progress, 500);
      malformedCounted = (await Promise.all(honest.map(async (node) => node.metric('consortium_security_invalid_messages_total', { kind: 'malformed' }).catch(() => 0)))).reduce((a, b) => a + b, 0);
    }
    // The honest members commit meanwhile: three blocks at least, and on until the hold ends.
    await consortium.waitHeight(heightAtStart + 3, WAIT_DEADLINES_MS.progress, honest);
    await new Promise((done) => setTimeout(done, Math.max(0, holdUntilMs - Date.now())));
    blocksDuring = Math.max(...(await consortium.heights(honest))) - heightAtStart;
    log(`honest members committed ${blocksDuring} blocks; evidence against ${member.memberId} on ${evidence.filter((count) => count > 0).length} of ${honest.length} honest nodes${alertMs === null ? '' : `, EquivocationDetected fired after ${alertMs} ms`}; ${backoffs} disconnects for exceeding its limits, ${malformedCounted} malformed frames counted`);
  } finally {
    await rogue.kill('SIGTERM');
    await load.stop();
  }
  await member.start();
  await consortium.waitHeight(Math.max(...(await consortium.heights(honest))), WAIT_DEADLINES_MS.progress, [member]);
  const verification = await devnet.verify(load.acknowledged, WAIT_DEADLINES_MS.progress, [member.memberId]);
  const figures = load.figures();
  return {
    scenario: 'byzantine',
    members: devnet.nodes.length,
    seed: options.seed,
    durationMs: Date.now() - startedMs,
    injected: [
      `${member.memberId} Byzantine for ${(options.holdMs / 1000).toFixed(0)} s: ${behaviours.map((behaviour) => BEHAVIOUR_TEXT[behaviour]).join('; ')}`,
      `steady load of ${options.txPerSecond} tx/s to the honest members`,
    ],
    checks: [
      'the honest members keep committing',
      ...(behaviours.includes('equivocate') ? ['evidence against the Byzantine member recorded by honest nodes', ...(devnet.prometheus === null ? [] : ['EquivocationDetected fires for it (a real Prometheus with the shipped rules)'])] : []),
      ...(behaviours.includes('malformed') ? ['its malformed frames counted as security events, and it is disconnected and backed off for exceeding its limits'] : []),
      'its honest node catches up afterwards; no fork; no evidence against any other member; every acknowledged transaction committed exactly once',
    ],
    figures: {
      'blocks committed while Byzantine': blocksDuring,
      'honest nodes holding evidence against it': `${evidence.filter((count) => count > 0).length} of ${honest.length}`,
      ...(alertMs === null ? {} : { 'EquivocationDetected fired after': `${alertMs} ms` }),
      'disconnects for exceeding its limits': backoffs,
      'malformed frames counted (all honest nodes)': malformedCounted,
      'transactions acknowledged (202)': figures.acknowledged,
      'acknowledged and committed': verification.acknowledged.committed,
      'lost or doubled': verification.acknowledged.missing.length + verification.acknowledged.duplicated.length,
      'chain height at the end': verification.height,
    },
    verification,
  };
}

const BEHAVIOUR_TEXT: Readonly<Record<ByzantineBehaviour, string>> = {
  equivocate: 'a conflicting signed version of every own proposal and vote (double votes, equivocating proposals)',
  malformed: 'random bytes on the consensus channel twice a second',
  spam: '200 valid and 50 undecodable transactions a second gossiped to every member',
  'invalid-proofs': 'its own settlement statements sent with an invalid proof, signed again with its key (invalid-proofs scenario)',
};
