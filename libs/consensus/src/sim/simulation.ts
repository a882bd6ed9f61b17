import { createHash } from 'node:crypto';
import type { Logger } from '@consortium/telemetry';
import { ed25519KeyPairFromSeed, Ed25519Signer, Ed25519Verifier } from '../crypto/ed25519.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import { DEFAULT_CONSENSUS_PARAMS, type Genesis, type GenesisMember, type MemberId } from '../genesis/types.js';
import { encodeKeyValueTx, KeyValueApplication } from '../kv-app.js';
import { Mempool } from '../mempool/index.js';
import { ConsensusNode } from '../node/consensus-node.js';
import { decodeConsensusMessage, type WireLimits } from '../node/wire.js';
import { MemoryChainStore } from '../store/index.js';
import type { MessageChannel } from '../transport.js';
import { createEquivocator } from './byzantine.js';
import { SimulationInvariants } from './invariants.js';
import { CALM_NETWORK, SimNetwork, type NetworkFaults } from './network.js';
import { SimRandom } from './random.js';
import { Scheduler, SimClock } from './scheduler.js';

/**
 * The deterministic simulator (TigerBeetle's VOPR idea): n real ConsensusNodes, the real state
 * machine, WAL, mempool and key-value application, over a simulated network with delay,
 * loss, duplication, reordering and partitions, with crashes and restarts from the WAL, and
 * optionally one Byzantine validator that equivocates. One seed determines everything; a
 * failing seed replays exactly.
 *
 * It checks, while running: agreement (no two different blocks at one height), validity
 * (every committed transaction was submitted, none committed twice), and that no honest node
 * ever signs two values for one height/round/step, across restarts. After the fault phase
 * every fault heals, and every node must commit `livenessHeights` further heights within
 * `livenessBoundMs` of virtual time.
 */

export interface SimulationOptions {
  readonly seed: number;
  readonly members: number;
  /** Virtual time with faults. */
  readonly faultPhaseMs: number;
  /** Heights every node must commit after the heal, beyond the highest height at the heal. */
  readonly livenessHeights: number;
  /** Virtual time allowed for that after the heal. */
  readonly livenessBoundMs: number;
  readonly byzantine: boolean;
  readonly crashes: boolean;
  readonly partitions: boolean;
  readonly network: NetworkFaults;
  readonly txsPerSecond: number;
}

export const DEFAULT_SIMULATION: Omit<SimulationOptions, 'seed' | 'members'> = {
  faultPhaseMs: 20_000,
  livenessHeights: 3,
  livenessBoundMs: 30_000,
  byzantine: true,
  crashes: true,
  partitions: true,
  network: { lossProbability: 0.05, duplicateProbability: 0.05, minDelayMs: 1, maxDelayMs: 120 },
  txsPerSecond: 40,
};

export interface SimulationReport {
  readonly seed: number;
  readonly members: number;
  readonly ok: boolean;
  readonly failure: string | null;
  /** Highest height committed by all nodes at the end. */
  readonly committedHeight: number;
  readonly heightAtHeal: number;
  readonly virtualTimeMs: number;
  readonly events: number;
  readonly messagesDelivered: number;
  readonly messagesDropped: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly equivocationsSent: number;
  readonly invalidMessagesReported: number;
  readonly committedTxs: number;
  /** Where each live node stands at the end (height/round/step), for diagnosing liveness failures. */
  readonly finalStatus: readonly string[];
  /** Hash over everything decided and counted: two runs of one seed have equal digests. */
  readonly digest: string;
}

/** Timeouts scaled for simulated links of up to ~100 ms. */
const SIM_PARAMS = {
  ...DEFAULT_CONSENSUS_PARAMS,
  timeoutProposeMs: 600,
  timeoutProposeDeltaMs: 200,
  timeoutPrevoteMs: 300,
  timeoutPrevoteDeltaMs: 100,
  timeoutPrecommitMs: 300,
  timeoutPrecommitDeltaMs: 100,
  timeoutCommitMs: 50,
  blockMaxBytes: 1024 * 1024,
  blockMaxTxs: 2000,
  txMaxBytes: 4096,
};

class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';
}

interface Incarnation {
  readonly node: ConsensusNode;
  readonly clock: SimClock;
  readonly store: MemoryChainStore;
}

/** A logger with pino's method shape that hands structured lines, stamped with virtual time, to `sink`. */
function simLogger(member: MemberId, nowMs: () => number, sink: (line: Record<string, unknown>) => void): Logger {
  const write = (level: string) => (fields: unknown, msg?: string) => {
    const extra = typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : { msg: fields };
    sink({ t: nowMs(), member, level, msg, ...extra });
  };
  const logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  return logger as unknown as Logger;
}

/** Lets every promise chain woken by the last event run to completion (no real I/O exists here). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** `debugLog` receives every node's log lines with virtual time: for diagnosing one seed. */
export async function runSimulation(options: SimulationOptions, debugLog?: (line: Record<string, unknown>) => void): Promise<SimulationReport> {
  const random = new SimRandom(options.seed);
  const scheduler = new Scheduler();
  const ids: MemberId[] = Array.from({ length: options.members }, (_, i) => `member-${i}`);
  const keys = new Map(ids.map((id) => [id, ed25519KeyPairFromSeed(random.bytes(32))]));
  const genesis: Genesis = {
    chainId: 'sim',
    genesisTimeMs: 0,
    members: ids.map(
      (id, i): GenesisMember => ({ id, operator: id, tadig: `SIM${String(i).padStart(2, '0')}`, publicKey: keys.get(id)!.publicKey, peerId: `12D3KooWsim${i}`, votingPower: 1 }),
    ),
    consensus: SIM_PARAMS,
    artifacts: {},
  };
  const limits: WireLimits = { blockMaxBytes: SIM_PARAMS.blockMaxBytes, blockMaxTxs: SIM_PARAMS.blockMaxTxs, txMaxBytes: SIM_PARAMS.txMaxBytes };
  const byzantine = options.byzantine ? random.pick(ids) : null;
  const f = Math.floor((options.members - 1) / 3);
  const network = new SimNetwork(scheduler, random, ids);
  network.faults = { ...options.network };

  let failure: string | null = null;
  const fail = (message: string) => {
    failure ??= message;
  };
  const checkInvariants = () => {
    if (invariants.violation !== null) fail(invariants.violation);
  };

  // --- invariants --------------------------------------------------------------------------
  const invariants = new SimulationInvariants(new Set(byzantine === null ? [] : [byzantine]));
  for (const id of ids) invariants.restarted(id, 0);
  const auditVerifier = new Ed25519Verifier();
  // A broadcast hands the same payload object to every recipient: audit it once.
  const audited = new WeakSet<Uint8Array>();
  network.onSend = (from, channel: MessageChannel, payload) => {
    if (channel !== 'consensus' || audited.has(payload)) return;
    audited.add(payload);
    const message = decodeConsensusMessage(payload, limits);
    if (message.kind === 'status') return;
    const [signer, signBytes, signature] =
      message.kind === 'vote'
        ? [message.vote.validator, voteSignBytes(genesis.chainId, message.vote), message.vote.signature]
        : [message.proposal.proposer, proposalSignBytes(genesis.chainId, message.proposal), message.proposal.signature];
    // Only what the named validator really signed counts (a node could relay a forgery).
    if (auditVerifier.verify(keys.get(signer)!.publicKey, signBytes, signature)) invariants.signed(from, message);
  };

  // --- node incarnations -------------------------------------------------------------------
  const live = new Map<MemberId, Incarnation>();
  const stores = new Map<MemberId, MemoryChainStore>(ids.map((id) => [id, new MemoryChainStore({ limits })]));
  let crashes = 0;
  let partitions = 0;

  const boot = async (member: MemberId) => {
    const clock = new SimClock(scheduler);
    const transport = network.attach(member);
    const signer = new Ed25519Signer(keys.get(member)!);
    if (member === byzantine) {
      transport.outgoing = createEquivocator({ chainId: genesis.chainId, self: member, signer, members: ids, random, limits, rate: 0.3 });
    }
    const store = stores.get(member)!;
    const app = new KeyValueApplication();
    const mempool = new Mempool(
      { maxTxs: 10_000, maxBytes: 8 * 1024 * 1024, txMaxBytes: SIM_PARAMS.txMaxBytes, recheck: false },
      { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => clock.nowMs() },
    );
    const node = new ConsensusNode({
      genesis,
      self: member,
      signer,
      app,
      store,
      mempool,
      transport,
      clock,
      gossipIntervalMs: 250,
      syncLagGraceMs: 800,
      syncRequestTimeoutMs: 1_000,
      logger: debugLog === undefined ? null : simLogger(member, () => scheduler.nowMs, debugLog),
    });
    node.onCommit((committed) => invariants.committed(member, committed));
    invariants.restarted(member, store.latestHeight());
    live.set(member, { node, clock, store });
    await node.start();
  };

  const crash = (member: MemberId) => {
    const incarnation = live.get(member);
    if (incarnation === undefined) return;
    incarnation.clock.disable();
    network.detach(member);
    live.delete(member);
    stores.set(member, incarnation.store.crashCopy({ loseUnsyncedWal: random.chance(0.5) }));
    crashes += 1;
  };

  // --- workload and chaos ------------------------------------------------------------------
  let nonce = 0;
  const submitTx = () => {
    const members = [...live.keys()];
    if (members.length > 0) {
      const tx = encodeKeyValueTx({ key: `k${random.int(0, 999)}`, value: `v${random.int(0, 1_000_000)}`, nonce: nonce++ });
      invariants.submittedTx(tx);
      void live.get(random.pick(members))!.node.submitTx(tx);
    }
    scheduler.schedule(Math.max(1, Math.round(1000 / options.txsPerSecond)), submitTx);
  };

  let healed = false;
  const chaos = () => {
    if (healed) return;
    const down = ids.filter((id) => !live.has(id));
    const roll = random.int(0, 99);
    if (options.crashes && roll < 15 && down.length < Math.max(1, f)) {
      crash(random.pick(ids.filter((id) => live.has(id))));
    } else if (options.crashes && roll < 35 && down.length > 0) {
      pendingBoots.push(random.pick(down));
    } else if (options.partitions && roll < 45) {
      const isolated = random.pick(ids);
      for (const other of ids) if (other !== isolated && random.chance(0.7)) network.cut(isolated, other);
      partitions += 1;
    } else if (options.partitions && roll < 60) {
      network.healAll();
    }
    scheduler.schedule(random.int(200, 1_500), chaos);
  };

  let heightAtHeal = 0;
  let livenessTarget = Number.POSITIVE_INFINITY;
  let livenessDeadlineMs = Number.POSITIVE_INFINITY;
  const heal = () => {
    healed = true;
    network.healAll();
    network.faults = { ...CALM_NETWORK };
    for (const id of ids) if (!live.has(id)) pendingBoots.push(id);
    heightAtHeal = Math.max(...ids.map((id) => invariants.committedHeight(id)));
    livenessTarget = heightAtHeal + options.livenessHeights;
    livenessDeadlineMs = scheduler.nowMs + options.livenessBoundMs;
  };

  // Boots are async (store reads, WAL replay); they run between events, not inside one.
  const pendingBoots: MemberId[] = [];
  for (const id of ids) pendingBoots.push(id);
  scheduler.schedule(10, submitTx);
  scheduler.schedule(random.int(200, 1_000), chaos);
  scheduler.schedule(options.faultPhaseMs, heal);

  const allReached = () => healed && ids.every((id) => live.has(id) && invariants.committedHeight(id) >= livenessTarget);
  try {
    for (;;) {
      while (pendingBoots.length > 0) {
        const member = pendingBoots.shift()!;
        if (!live.has(member)) await boot(member);
        await settle();
      }
      checkInvariants();
      if (failure !== null || allReached()) break;
      if (scheduler.nowMs > livenessDeadlineMs) {
        const heights = ids.map((id) => `${id}=${invariants.committedHeight(id)}`).join(' ');
        fail(`liveness: not every node reached height ${livenessTarget} within ${options.livenessBoundMs} ms after the heal (${heights})`);
        break;
      }
      if (!scheduler.runNext()) {
        fail('the simulation ran out of events');
        break;
      }
      await settle();
      checkInvariants();
    }
  } catch (error) {
    fail(error instanceof SimulationFailure ? error.message : `crashed: ${(error as Error).stack ?? String(error)}`);
  }
  const finalStatus = ids.map((id) => {
    const status = live.get(id)?.node.status();
    return status === undefined ? `${id}: down` : `${id}: ${status.height}/${status.round}/${status.step}${status.syncing ? ' syncing' : ''}`;
  });
  for (const { clock } of live.values()) clock.disable();

  const digest = createHash('sha256');
  for (const [height, hash] of [...invariants.decidedHeights].sort(([a], [b]) => a - b)) digest.update(`${height}:${hash};`);
  digest.update(`${scheduler.processed}/${network.delivered}/${network.dropped}/${crashes}/${partitions}`);
  return {
    seed: options.seed,
    members: options.members,
    ok: failure === null,
    failure,
    committedHeight: Math.min(...ids.map((id) => invariants.committedHeight(id))),
    heightAtHeal,
    virtualTimeMs: scheduler.nowMs,
    events: scheduler.processed,
    messagesDelivered: network.delivered,
    messagesDropped: network.dropped,
    crashes,
    partitions,
    equivocationsSent: invariants.equivocationsSent,
    invalidMessagesReported: network.invalidReports.length,
    committedTxs: invariants.committedTxs,
    finalStatus,
    digest: digest.digest('hex'),
  };
}
