import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KEYS_MANIFEST_FILE, Groth16Verifier, publicSignalsOf, VerificationKeys, type Groth16Proof, type KeysManifest, type SettlementPublicInputs, type VerificationKey } from '@consortium/zkp';
import { pino } from 'pino';
import { readApiToken } from '../devnet/api-tokens.js';
import { NodeProcess } from '../devnet/processes.js';
import { waitFor, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import { SettlementApiClient, statementIdOf, type StatementJson } from '../traffic/client.js';
import type { MemberNode } from '../traffic/endpoints.js';
import { runTraffic } from '../traffic/runner.js';
import { drawIndex } from '../traffic/seeded.js';
import type { CorruptedProofFigures } from './byzantine-proofs.js';
import type { ByzantineCounts } from './byzantine-transport.js';
import type { ChaosDevnet } from './chaos-devnet.js';
import type { ScenarioReport } from './report.js';

/**
 * A member sends invalid proofs, on a settlement devnet (ChaosDevnet with `keysDir`): its honest
 * node is stopped and the same member runs byzantine-node.ts with `invalid-proofs`, while the
 * settlement traffic generator (tools/src/traffic) settles a period between every pair through
 * the nodes' APIs, this member's included. Each statement the member proves goes out in tx
 * gossip with a valid-looking, invalid proof signed again with its key, and the first time it
 * proposes the statement, in its proposal too (byzantine-proofs.ts).
 *
 * Checked: every honest node refuses the gossiped statements with the proof's own error
 * (ProofRejectedError, code invalid_proof, counted in consortium_settlement_check_tx_refused_total)
 * and counts them against the member (consortium_security_invalid_gossiped_txs_total{member});
 * honest nodes refuse its proposals carrying one (an invalid proposal-stage verdict, a nil
 * prevote) and the chain commits other blocks; the traffic completes (every pair's statements
 * committed and the period netted identically on every node: the member's statements too, from
 * its proposals where it sent them as proved); no corrupted transaction is in any block, and
 * every committed statement's proof verifies with a real Groth16 verifier over the devnet's
 * keys; then the member's honest node catches up, no fork, and no equivocation evidence against
 * anyone, the member included (sending a rewritten proposal instead of the signed one is not
 * equivocating: no node holds two).
 *
 * With a Prometheus (the default; not with --no-alerts), every honest node's InvalidProofsReceived
 * alert fires, evaluated by a real Prometheus on the shipped rules.
 */

export interface InvalidProofsOptions {
  readonly seed: string;
  /** The devnet's keys folder (the one ChaosDevnet.start took): the committed proofs are verified against its keys. */
  readonly keysDir: string;
  /** Usage records per direction (creditor -> debtor) of the one period settled. */
  readonly recordsPerDirection: number;
}

const byzantineNodeScript = resolve(import.meta.dirname, 'byzantine-node.ts');
/** Statements each creditor's node proves at once: two keeps a 2-core machine's prover pools busy without queueing for minutes. */
const STATEMENTS_IN_FLIGHT_PER_CREDITOR = 2;

interface RogueCounts extends ByzantineCounts {
  readonly corruptedProofs: CorruptedProofFigures | null;
}

interface GenesisMembers {
  readonly members: readonly { readonly id: string; readonly tadig: string }[];
}

async function readRogueCounts(file: string): Promise<RogueCounts | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as RogueCounts);
}

/** What honest nodes counted against the member, read from each one's /metrics. */
interface HonestCounts {
  /** checkTx refusals with ProofRejectedError's code. */
  readonly refusedInvalidProof: number;
  /** Gossiped transactions refused, counted against the member. */
  readonly invalidGossipedFromMember: number;
  /** Proposal-stage proof verdicts that were invalid (a proposal carrying a corrupted statement). */
  readonly invalidProposalVerdicts: number;
  readonly invalidProofSecurityEvents: number;
}

async function honestCounts(node: NodeProcess, member: string): Promise<HonestCounts> {
  const read = async (name: string, labels: Record<string, string>) => node.metric(name, labels).catch(() => 0);
  const [refusedInvalidProof, invalidGossipedFromMember, invalidProposalVerdicts, invalidProofSecurityEvents] = await Promise.all([
    read('consortium_settlement_check_tx_refused_total', { code: 'invalid_proof' }),
    read('consortium_security_invalid_gossiped_txs_total', { member }),
    read('consortium_settlement_proof_verifications_total', { stage: 'proposal', outcome: 'invalid' }),
    read('consortium_security_events_total', { kind: 'invalid_proof' }),
  ]);
  return { refusedInvalidProof, invalidGossipedFromMember, invalidProposalVerdicts, invalidProofSecurityEvents };
}

/** Every member's clients, in genesis order, each acting with its own operator token; `byzantine` is the running Byzantine process. */
async function trafficNodes(devnet: ChaosDevnet, byzantine: NodeProcess, signal: AbortSignal): Promise<MemberNode[]> {
  const genesis = JSON.parse(await readFile(join(devnet.consortium.dir, 'genesis.json'), 'utf8')) as GenesisMembers;
  return Promise.all(
    genesis.members.map(async ({ id, tadig }) => {
      const node = id === byzantine.memberId ? byzantine : devnet.node(id);
      const token = await readApiToken(devnet.consortium.dir, id, 'operator');
      return { member: { id, tadig }, client: new SettlementApiClient({ apiUrl: node.httpUrl, token, signal }) };
    }),
  );
}

/** A verifier over the keys folder's verification keys (the ones genesis pinned). */
async function verifierOf(keysDir: string): Promise<Groth16Verifier> {
  const manifest = JSON.parse(await readFile(join(keysDir, KEYS_MANIFEST_FILE), 'utf8')) as KeysManifest;
  const keys = new VerificationKeys();
  for (const [circuit, files] of Object.entries(manifest.circuits)) {
    keys.add(manifest.epoch, circuit, JSON.parse(await readFile(join(keysDir, files.vkey.path), 'utf8')) as VerificationKey);
  }
  return new Groth16Verifier(keys, { metrics: null, security: null, tracer: null });
}

/** A statement as its parties read it: with its public inputs and proof. */
interface StatementWithProof extends StatementJson {
  readonly epoch: number;
  readonly circuit: string;
  readonly proof: Groth16Proof | null;
  readonly publicInputs: Record<keyof SettlementPublicInputs, string> & { readonly total: string };
}

/**
 * Every committed statement, each read by one of its parties (only they see its proof), and how
 * many of their proofs do not verify. Throws when a statement comes without its proof.
 */
async function verifyCommittedStatements(nodes: readonly MemberNode[], keysDir: string): Promise<{ statements: number; invalid: string[]; byCreditor: Map<string, number> }> {
  const byId = new Map<string, StatementWithProof>();
  for (const { member, client } of nodes) {
    for (const statement of (await client.statements({ creditor: member.id, limit: 1_000 })) as StatementWithProof[]) byId.set(statementIdOf(statement), statement);
  }
  const verifier = await verifierOf(keysDir);
  const invalid: string[] = [];
  const byCreditor = new Map<string, number>();
  try {
    for (const [id, statement] of byId) {
      if (statement.proof === null) throw new Error(`statement ${id} was served to its creditor ${statement.creditor} without its proof`);
      const inputs = Object.fromEntries(Object.entries(statement.publicInputs).map(([name, value]) => [name, BigInt(value)])) as unknown as SettlementPublicInputs;
      const result = await verifier.verify({ epoch: statement.epoch, circuit: statement.circuit, proof: statement.proof, publicSignals: publicSignalsOf(inputs) });
      if (result.outcome !== 'valid') invalid.push(`${id} (${statement.creditor} -> ${statement.debtor}): ${result.outcome}`);
      byCreditor.set(statement.creditor, (byCreditor.get(statement.creditor) ?? 0) + 1);
    }
  } finally {
    await verifier.close();
  }
  return { statements: byId.size, invalid, byCreditor };
}

export async function invalidProofs(devnet: ChaosDevnet, options: InvalidProofsOptions, log: (line: string) => void): Promise<ScenarioReport> {
  const { consortium } = devnet;
  const startedMs = Date.now();
  const member = devnet.nodes[drawIndex(devnet.nodes.length, options.seed, 'byzantine')]!;
  const honest = devnet.nodes.filter((node) => node !== member);
  const countsFile = join(consortium.dir, member.memberId, 'byzantine-counts.json');
  const rogue = new NodeProcess(consortium.dir, member.memberId, { entry: { script: byzantineNodeScript, args: ['--behaviours', 'invalid-proofs', '--counts-file', countsFile] } });
  const trafficLogFile = join(consortium.dir, 'traffic.log');
  const stopTraffic = new AbortController();
  let heightAtStart: number;
  let blocksDuring: number;
  let corrupted: CorruptedProofFigures;
  let counts: HonestCounts[] = [];
  let periodStatements: number;
  let roundChanges: number;
  let alertMs: number | null = null;
  try {
    await member.kill('SIGTERM');
    await rogue.start();
    heightAtStart = Math.max(...(await consortium.heights(honest)));
    log(`${member.memberId} runs Byzantine (invalid-proofs) from height ${heightAtStart}; settlement traffic (${options.recordsPerDirection} records per direction, log ${trafficLogFile})`);
    const trafficLog = pino({ base: { component: 'traffic' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: trafficLogFile, sync: true }));
    const summaries = await runTraffic({
      nodes: await trafficNodes(devnet, rogue, stopTraffic.signal),
      options: { seed: options.seed, periods: 1, recordsPerDirection: options.recordsPerDirection, disputeOneIn: 0, anomalyEvery: 0, statementsInFlightPerCreditor: STATEMENTS_IN_FLIGHT_PER_CREDITOR },
      log: trafficLog,
      signal: stopTraffic.signal,
    });
    periodStatements = summaries.reduce((sum, summary) => sum + summary.statements, 0);
    log(`traffic done: ${summaries.map((summary) => `${summary.period}: ${summary.records} records, ${summary.batches} batches, ${summary.statements} statements, ${summary.payments} payments`).join('; ')}`);
    // The member's statements committed (the traffic waited for them): it corrupted each in its gossip and its first proposal.
    let rogueCounts: RogueCounts | null = null;
    await waitFor(`${member.memberId}'s counts of corrupted proofs, gossiped and proposed`, async () => {
      rogueCounts = await readRogueCounts(countsFile);
      const figures = rogueCounts?.corruptedProofs ?? null;
      return { done: figures !== null && figures.statements > 0 && figures.proposals > 0, seen: JSON.stringify(figures) };
    }, WAIT_DEADLINES_MS.progress, 1_000);
    corrupted = (rogueCounts as RogueCounts | null)!.corruptedProofs!;
    await waitFor(`every honest node refused ${member.memberId}'s corrupted statements (invalid_proof) and counted them against it`, async () => {
      counts = await Promise.all(honest.map(async (node) => honestCounts(node, member.memberId)));
      const done = counts.every((count) => count.refusedInvalidProof > 0 && count.invalidGossipedFromMember > 0) && counts.some((count) => count.invalidProposalVerdicts > 0);
      return { done, seen: counts.map((count, i) => `${honest[i]!.memberId}: ${JSON.stringify(count)}`).join('; ') };
    }, WAIT_DEADLINES_MS.progress, 1_000);
    if (devnet.prometheus !== null) {
      // Each honest node refused some: each one's alert fires (the rule sums by the refusing node).
      const alertStartedMs = Date.now();
      for (const node of honest) await devnet.waitAlert('InvalidProofsReceived', { member: node.memberId }, true);
      alertMs = Date.now() - alertStartedMs;
      log(`InvalidProofsReceived fired for every honest node within ${alertMs} ms of their refusals`);
    }
    blocksDuring = Math.max(...(await consortium.heights(honest))) - heightAtStart;
    roundChanges = (await Promise.all(honest.map(async (node) => node.metric('consortium_consensus_round_changes_total').catch(() => 0)))).reduce((a, b) => a + b, 0);
    log(`${corrupted.statements} statements corrupted, sent ${corrupted.gossipedToPeers} times in gossip and in ${corrupted.proposals} proposals; refused with invalid_proof per honest node: ${counts.map((count, i) => `${honest[i]!.memberId} ${count.refusedInvalidProof}`).join(', ')}; ${blocksDuring} blocks meanwhile`);
  } finally {
    stopTraffic.abort();
    await rogue.kill('SIGTERM');
  }
  await member.start();
  await consortium.waitHeight(Math.max(...(await consortium.heights(honest))), WAIT_DEADLINES_MS.progress, [member]);
  // Settlement transactions are not the steady load's: no acknowledged set, the traffic waited for
  // each of its own. No evidence against anyone, the member included: each rewritten proposal
  // replaced the signed one on every path (relays too), so no node saw two of one slot.
  const verification = await devnet.verify(new Map(), WAIT_DEADLINES_MS.progress, []);
  const problems: string[] = [];
  const committedCorrupted = (
    await Promise.all(devnet.nodes.flatMap((node) => corrupted.txHashes.map(async (hash) => ((await node.hasCommittedTx(hash)) ? `${hash} on ${node.memberId}` : null))))
  ).filter((found) => found !== null);
  if (committedCorrupted.length > 0) problems.push(`corrupted statements committed: ${committedCorrupted.join(', ')}`);
  const statementNodes = await trafficNodes(devnet, member, new AbortController().signal);
  const committed = await verifyCommittedStatements(statementNodes, options.keysDir);
  if (committed.invalid.length > 0) problems.push(`committed statements whose proof does not verify: ${committed.invalid.join('; ')}`);
  const memberStatements = committed.byCreditor.get(member.memberId) ?? 0;
  if (memberStatements === 0) problems.push(`no statement of ${member.memberId} committed: its proved statements never reached a block`);
  if (problems.length > 0) {
    consortium.markFailed();
    throw new Error(`invalid-proofs, up to height ${verification.height}:\n${problems.join('\n')}`);
  }
  log(`${committed.statements} statements committed, every proof valid (${memberStatements} of ${member.memberId}); none of its ${corrupted.statements} corrupted ones in a block`);
  const sum = (pick: (count: HonestCounts) => number) => counts.reduce((total, count) => total + pick(count), 0);
  return {
    scenario: 'invalid-proofs',
    members: devnet.nodes.length,
    seed: options.seed,
    durationMs: Date.now() - startedMs,
    injected: [
      `${member.memberId} Byzantine while one period is settled: each statement it proves goes out with an invalid proof (A negated: on the curve, in the subgroup, failing the pairing), signed again with its key, in tx gossip always and in its proposal the first time it proposes the statement`,
      `settlement traffic (tools/src/traffic): agreements between every pair, ${options.recordsPerDirection} usage records per direction, a statement per batch proved on the creditor's node, accepted by the debtor, the period closed and netted`,
    ],
    checks: [
      'every honest node refuses the gossiped statements with ProofRejectedError (code invalid_proof) and counts them against the member (consortium_security_invalid_gossiped_txs_total{member})',
      'honest nodes refuse its proposals carrying one (an invalid proposal-stage verdict, prevote nil) and commit other blocks',
      ...(alertMs === null ? [] : ['InvalidProofsReceived fires for every honest node (a real Prometheus with the shipped rules)']),
      'the traffic completes: every statement committed, the netting the same on every node',
      'no corrupted transaction in any block; every committed statement verifies (a real Groth16 verifier over the devnet\'s keys)',
      'its honest node catches up afterwards; no fork; no equivocation evidence against anyone, the member included (each rewritten proposal replaced the signed one everywhere)',
    ],
    figures: {
      'statements corrupted': corrupted.statements,
      'corrupted statements sent in gossip (per recipient)': corrupted.gossipedToPeers,
      'proposals carrying a corrupted statement': corrupted.proposals,
      'refused with invalid_proof, per honest node': counts.map((count, i) => `${honest[i]!.memberId} ${count.refusedInvalidProof}`).join(', '),
      'counted against the member (invalid gossiped txs), all honest nodes': sum((count) => count.invalidGossipedFromMember),
      'invalid proposal-stage verdicts, all honest nodes': sum((count) => count.invalidProposalVerdicts),
      'invalid_proof security events, all honest nodes': sum((count) => count.invalidProofSecurityEvents),
      'round changes, all honest nodes': roundChanges,
      ...(alertMs === null ? {} : { 'InvalidProofsReceived fired for every honest node within': `${alertMs} ms` }),
      'statements proposed by the traffic': periodStatements,
      'statements committed (all valid)': committed.statements,
      "the Byzantine member's statements committed": memberStatements,
      'blocks committed while Byzantine': blocksDuring,
      'chain height at the end': verification.height,
    },
    verification,
  };
}
