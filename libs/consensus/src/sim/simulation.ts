import { createHash } from 'node:crypto';
import { toHex } from '../crypto/hash.js';
import { ed25519KeyPairFromSeed, Ed25519Verifier } from '../crypto/ed25519.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import { DEFAULT_CONSENSUS_PARAMS, type ConsensusParams, type Genesis, type GenesisMember, type MemberId } from '../genesis/types.js';
import { decodeConsensusMessage, type ConsensusMessage, type WireLimits } from '../node/wire.js';
import type { Mempool } from '../mempool/index.js';
import type { AddTxOutcome } from '../node/ports.js';
import { MemoryChainStore } from '../store/index.js';
import { ValidatorSet } from '../validators.js';
import type { MessageChannel } from '../transport.js';
import { BYZANTINE_BEHAVIOURS, type ByzantineBehaviourName } from './byzantine.js';
import { SimCluster } from './cluster.js';
import type { CrashPoint } from './faulty-ports.js';
import { SimulationInvariants, type InvariantKind } from './invariants.js';
import { CALM_NETWORK, SimNetwork, type NetworkFaults } from './network.js';
import { SimRandom } from './random.js';
import { resourceBoundsFor } from './resource-bounds.js';
import { Scheduler } from './scheduler.js';
import { transportLimitsFor, type SimTransportLimits } from './transport-limits.js';
import { startWorkload } from './workload.js';
import { IdleCheck, SIM_EMPTY_BLOCKS_INTERVAL_MS, type IdleFigures } from './idle-check.js';
import { encodeKeyValueTx } from '../kv-app.js';
import { txHash } from '../block.js';

/**
 * The deterministic simulator (TigerBeetle's VOPR idea): n real ConsensusNodes, the real state
 * machine, WAL, mempool and key-value application, over a simulated network with delay, loss,
 * duplication, reordering and partitions, and the real transport's frame caps, rate limits and
 * peer scoring; with crashes and restarts (cleanly between events, or in the middle of an
 * operation), failing disks, and Byzantine members. One seed determines everything; a failing
 * seed replays exactly.
 *
 * It checks, while running, the invariants of invariants.ts (agreement, validity, no honest
 * double signing over a validator's whole life, resource bounds, no process dying of an
 * exception, no honest member penalised, fatal means stop). After the fault phase every fault
 * heals (Byzantine members keep misbehaving), and every honest node must commit
 * `livenessHeights` further heights within `livenessBoundMs` of virtual time.
 */

export interface SimulationOptions {
  readonly seed: number;
  readonly members: number;
  /** Virtual time with faults. */
  readonly faultPhaseMs: number;
  /** Heights every honest node must commit after the heal, beyond the highest height at the heal. */
  readonly livenessHeights: number;
  /** Virtual time allowed for that after the heal. */
  readonly livenessBoundMs: number;
  /** One equivocating member (when `byzantineBehaviours` is not given). */
  readonly byzantine: boolean;
  readonly crashes: boolean;
  readonly partitions: boolean;
  readonly network: NetworkFaults;
  readonly txsPerSecond: number;
  /** Processes die in the middle of operations (crash points in the store, application and transport). */
  readonly midOperationCrashes?: boolean;
  /** Store writes fail as on a full disk; start-up reads fail. */
  readonly diskFaults?: boolean;
  /** Application calls take virtual time; a call made while another is in flight is a violation. */
  readonly slowApplication?: boolean;
  /** What each Byzantine member does (overrides `byzantine`); empty: no Byzantine member. */
  readonly byzantineBehaviours?: readonly ByzantineBehaviourName[];
  /** Each Byzantine member draws a random non-empty subset of `byzantineBehaviours`. */
  readonly byzantineSubsets?: boolean;
  /** Byzantine members (default 1; at most f; "f": as many as the member count tolerates). */
  readonly byzantineMembers?: number | 'f';
  /** Clients send bursts of large transactions to one node. */
  readonly txBursts?: boolean;
  /** Members' clocks run ahead of true time by up to 2 s and 5 % fast or slow at times (scheduler.ts SkewedTime); never healed. */
  readonly clockSkew?: boolean;
  /** Synced writes take long, one in fifty longer than a round timeout; writes queue in order. */
  readonly slowDisk?: boolean;
  /** Honest members are restarted from a copy of their store taken heights earlier (old WAL, old last-signed record). */
  readonly oldCopyRestores?: boolean;
  /** Tiny transactions a client submits at once to one node (0: none). */
  readonly tinyTxFlood?: number;
  /** Clients fill every block with large transactions. */
  readonly fullBlocks?: boolean;
  /** One honest member is cut off from everyone this long, early in the fault phase (0: none). */
  readonly laggardMs?: number;
  /** Overrides of the simulated chain's consensus parameters. */
  readonly consensusParams?: Partial<ConsensusParams>;
  readonly mempool?: { readonly maxTxs: number; readonly maxBytes: number };
  /** Default: transportLimitsFor(genesis), what a real node's transport enforces on this chain. */
  readonly transportLimits?: SimTransportLimits;
  /** Check the WAL, task queue and next-height buffer bounds (default true). */
  readonly checkResourceBounds?: boolean;
  /** Invariants not checked in this run (to see what a defect leads to past its first symptom). */
  readonly ignoreInvariants?: readonly InvariantKind[];
  /**
   * After the liveness check, the clients fall quiet and the empty-blocks check runs
   * (idle-check.ts): about one block per interval, and a transaction to any one node committed
   * promptly. Only on a chain with an interval (default true).
   */
  readonly idleCheck?: boolean;
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
  idleCheck: true,
};

export interface SimulationReport {
  readonly seed: number;
  readonly members: number;
  readonly ok: boolean;
  readonly failure: string | null;
  /** Which invariant failed (null when ok). */
  readonly invariant: InvariantKind | null;
  /** Highest height committed by all honest nodes at the end. */
  readonly committedHeight: number;
  readonly heightAtHeal: number;
  readonly virtualTimeMs: number;
  readonly events: number;
  readonly messagesDelivered: number;
  readonly messagesDropped: number;
  readonly crashes: number;
  readonly crashPoints: Readonly<Record<CrashPoint, number>>;
  readonly partitions: number;
  readonly equivocationsSent: number;
  readonly invalidMessagesReported: number;
  readonly committedTxs: number;
  /** Byzantine members and what each did. */
  readonly byzantine: Readonly<Record<MemberId, readonly ByzantineBehaviourName[]>>;
  readonly byzantineActions: Readonly<Record<string, number>>;
  /** The transport: frames refused above their cap, dropped over their rate, penalties and disconnections. */
  readonly oversizedFrames: number;
  readonly rateLimitedFrames: number;
  readonly penalties: number;
  /** Penalties by "observer>subject:kind", e.g. "member-1>member-3:oversized". */
  readonly penaltiesBy: Readonly<Record<string, number>>;
  readonly disconnections: number;
  readonly writeFailures: number;
  readonly readFailures: number;
  readonly bootFailures: number;
  /** Synced writes that took at least a round timeout (slow-disk). */
  readonly writesOverRoundTimeout: number;
  /** Restarts from an old copy of the store (old-copy-restore). */
  readonly oldCopyRestores: number;
  /** The largest difference between two members' clocks seen at the end (clock-skew), in ms. */
  readonly clockSpreadMs: number;
  /** Honest nodes' stale-store guards (signer.ts), summed over incarnations: detections and signatures withheld. */
  readonly staleStore: { readonly detections: number; readonly fencedSignatures: number };
  /** Client calls (submitTx) that failed with an exception. */
  readonly clientErrors: number;
  /** Largest figures an honest node reached (sampled every RESOURCE_SAMPLE_MS). */
  readonly resources: {
    readonly walEntriesPerHeight: number;
    readonly walBytesPerHeight: number;
    /** Copies of one input written to one WAL (the WAL logs before it deduplicates). */
    readonly walCopiesOfOneEntry: number;
    readonly taskQueue: number;
    readonly futureMessages: number;
    readonly futureMessageBytes: number;
  };
  /** Where each live node stands at the end (height/round/step), for diagnosing liveness failures. */
  readonly finalStatus: readonly string[];
  /** What the empty-blocks check measured (null when it did not run). */
  readonly idle: IdleFigures | null;
  /** Hash over everything decided and counted: two runs of one seed have equal digests. */
  readonly digest: string;
}

/** Timeouts scaled for simulated links of up to ~100 ms. */
const SIM_PARAMS: ConsensusParams = {
  ...DEFAULT_CONSENSUS_PARAMS,
  timeoutProposeMs: 600,
  timeoutProposeDeltaMs: 200,
  timeoutPrevoteMs: 300,
  timeoutPrevoteDeltaMs: 100,
  timeoutPrecommitMs: 300,
  timeoutPrecommitDeltaMs: 100,
  timeoutCommitMs: 50,
  emptyBlocksIntervalMs: SIM_EMPTY_BLOCKS_INTERVAL_MS,
  blockMaxBytes: 1024 * 1024,
  blockMaxTxs: 2000,
  txMaxBytes: 4096,
};
const DEFAULT_MEMPOOL = { maxTxs: 10_000, maxBytes: 8 * 1024 * 1024 };
const RESOURCE_SAMPLE_MS = 100;
/** How often a copy of each honest member's store is taken for the old-copy restores (a few heights apart). */
const BACKUP_INTERVAL_MS = 1_000;

/** Lets every promise chain woken by the last event run to completion (no real I/O exists here). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Which members are Byzantine and what each does. */
function chooseByzantine(options: SimulationOptions, ids: readonly MemberId[], random: SimRandom): Map<MemberId, ByzantineBehaviourName[]> {
  const pool = options.byzantineBehaviours ?? (options.byzantine ? (['equivocate'] as const) : []);
  const chosen = new Map<MemberId, ByzantineBehaviourName[]>();
  if (pool.length === 0) return chosen;
  const f = Math.floor((options.members - 1) / 3);
  const wanted = options.byzantineMembers === 'f' ? f : (options.byzantineMembers ?? 1);
  const count = Math.max(1, Math.min(Math.max(1, f), wanted));
  const candidates = [...ids];
  for (let i = 0; i < count; i++) {
    const member = candidates.splice(random.int(0, candidates.length - 1), 1)[0]!;
    let behaviours = [...pool];
    if (options.byzantineSubsets === true) {
      behaviours = pool.filter(() => random.chance(0.5));
      if (behaviours.length === 0) behaviours = [random.pick(pool)];
    }
    chosen.set(member, BYZANTINE_BEHAVIOURS.filter((name) => behaviours.includes(name)));
  }
  return chosen;
}

/** `debugLog` receives every node's log lines with virtual time: for diagnosing one seed. */
export async function runSimulation(options: SimulationOptions, debugLog?: (line: Record<string, unknown>) => void): Promise<SimulationReport> {
  const random = new SimRandom(options.seed);
  const scheduler = new Scheduler();
  const ids: MemberId[] = Array.from({ length: options.members }, (_, i) => `member-${i}`);
  const keys = new Map(ids.map((id) => [id, ed25519KeyPairFromSeed(random.bytes(32))]));
  const params: ConsensusParams = { ...SIM_PARAMS, ...options.consensusParams };
  const genesis: Genesis = {
    chainId: 'sim',
    genesisTimeMs: 0,
    members: ids.map(
      (id, i): GenesisMember => ({ id, operator: id, tadig: `SIM${String(i).padStart(2, '0')}`, publicKey: keys.get(id)!.publicKey, peerId: `12D3KooWsim${i}`, votingPower: 1 }),
    ),
    consensus: params,
    artifacts: {},
  };
  const limits: WireLimits = { blockMaxBytes: params.blockMaxBytes, blockMaxTxs: params.blockMaxTxs, txMaxBytes: params.txMaxBytes };
  const byzantine = chooseByzantine(options, ids, random);
  const transportLimits = options.transportLimits ?? transportLimitsFor(genesis);
  const network = new SimNetwork(scheduler, random, ids, transportLimits);
  network.faults = { ...options.network };
  const invariants = new SimulationInvariants(new Set(byzantine.keys()), options.ignoreInvariants);
  const bounds = resourceBoundsFor(options.members, limits);
  const checkResourceBounds = options.checkResourceBounds ?? true;
  const stores = new Map<MemberId, MemoryChainStore>(ids.map((id) => [id, new MemoryChainStore({ limits })]));
  // Invalid transactions an honest node's application refused, by "receiver|sender" (first time):
  // each sender must be reported. What a node refuses before checking (its pool is full, the
  // sender is over its quota, the process died) is not expected to be reported.
  const invalidTxsRefused = new Map<string, number>();
  const onCheckTx = (member: MemberId, tx: Uint8Array, valid: boolean) => {
    if (valid || !invariants.isHonest(member)) return;
    const sender = cluster.byzantineStats.invalidTxSenders.get(toHex(tx));
    if (sender === undefined) return;
    const key = `${member}|${sender}`;
    if (!invalidTxsRefused.has(key)) invalidTxsRefused.set(key, scheduler.nowMs);
  };
  // Shared by the nodes and the audit of what they send (see ClusterOptions.verifier).
  const verifier = new Ed25519Verifier();
  const cluster = new SimCluster(
    {
      genesis,
      keys,
      verifier,
      limits,
      byzantine,
      midOperationCrashes: options.midOperationCrashes ?? false,
      diskFaults: options.diskFaults ?? false,
      slowApplication: options.slowApplication ?? false,
      clockSkew: options.clockSkew ?? false,
      slowDisk: options.slowDisk ?? false,
      mempool: options.mempool ?? DEFAULT_MEMPOOL,
      bounds,
      checkResourceBounds,
      debugLog,
      onCheckTx,
    },
    random,
    scheduler,
    network,
    stores,
    invariants,
  );
  const honest = cluster.honest;
  const validators = ValidatorSet.fromGenesis(genesis);
  for (const id of ids) invariants.restarted(id, 0);

  // --- what the network sees -----------------------------------------------------------------
  // A broadcast hands the same payload object to every recipient: audit it once.
  const audited = new WeakSet<Uint8Array>();
  network.onSend = (from, channel: MessageChannel, payload) => {
    cluster.sent(from);
    if (channel !== 'consensus') return;
    if (audited.has(payload)) return;
    audited.add(payload);
    let message: ConsensusMessage;
    try {
      message = decodeConsensusMessage(payload, limits);
    } catch {
      return; // a Byzantine member's malformed frame: its receivers judge it
    }
    if (message.kind === 'status') return;
    const [signer, signBytes, signature] =
      message.kind === 'vote'
        ? [message.vote.validator, voteSignBytes(genesis.chainId, message.vote), message.vote.signature]
        : [message.proposal.proposer, proposalSignBytes(genesis.chainId, message.proposal), message.proposal.signature];
    const key = keys.get(signer);
    // Only what the named validator really signed counts (a node could relay a forgery).
    if (key !== undefined && verifier.verify(key.publicKey, signBytes, signature)) invariants.signed(from, message);
  };
  const penaltiesBy: Record<string, number> = {};
  network.onPenalty = (penalty) => {
    const key = `${penalty.observer}>${penalty.subject}:${penalty.kind}`;
    penaltiesBy[key] = (penaltiesBy[key] ?? 0) + 1;
    // A member restored from an old copy no longer holds blocks it claimed, with their certificates,
    // before the restore: a peer that asks for them scores it unresponsive, as it would any member
    // failing a backed claim. The restore regressed it; its peers are right.
    const regressed = penalty.kind === 'unresponsive' && invariants.restoredMembers.has(penalty.subject);
    if (invariants.isHonest(penalty.observer) && invariants.isHonest(penalty.subject) && !regressed) {
      invariants.fail('honest-penalised', `${penalty.observer} penalised honest ${penalty.subject}: ${penalty.kind} (${penalty.reason})`);
    }
  };
  network.onOversizedSend = (member, channel, what, sizeBytes, capBytes) => {
    if (invariants.isHonest(member)) invariants.fail('frame-over-cap', `${member} made a ${channel} ${what} of ${sizeBytes} bytes, above the transport's cap of ${capBytes}: no member can receive it`);
  };

  // Transactions honest nodes acknowledged to their clients, by key: each must be committed.
  const acknowledged = new Map<string, { readonly member: MemberId; readonly atMs: number }>();
  const noteOutcome = (member: MemberId, tx: Uint8Array, outcome: AddTxOutcome) => {
    if (outcome.accepted && invariants.isHonest(member)) acknowledged.set(toHex(txHash(tx)), { member, atMs: scheduler.nowMs });
  };

  // --- the empty-blocks check, after the liveness check ---------------------------------------
  // A Byzantine member that floods transactions, or proposes its turns of the next height early,
  // makes blocks of its own: only the lower bound holds then.
  const makesBlocks = [...byzantine.values()].some((behaviours) => behaviours.includes('flood-txs') || behaviours.includes('flood-equivocations'));
  let idleNonce = 0;
  const idleCheck =
    (options.idleCheck ?? false) && params.emptyBlocksIntervalMs > 0
      ? new IdleCheck(scheduler, params.emptyBlocksIntervalMs, !makesBlocks, {
          honest,
          committedHeight: (member) => invariants.committedHeight(member),
          committedAt: (key) => invariants.committedAt(key),
          txsAt: (height) => invariants.txsAt(height),
          fail: (kind, message) => invariants.fail(kind, message),
          submitOne: () => {
            const targets = honest.filter((id) => cluster.live.has(id));
            if (targets.length === 0) return null;
            const member = random.pick(targets);
            const tx = encodeKeyValueTx({ key: 'idle', value: 'one', nonce: idleNonce++ });
            invariants.submittedTx(tx);
            cluster.live
              .get(member)!
              .node.submitTx(tx)
              .then(
                (outcome) => noteOutcome(member, tx, outcome),
                () => {
                  cluster.clientErrors += 1;
                },
              );
            return { member, key: toHex(txHash(tx)) };
          },
        })
      : null;

  // --- workload and chaos ------------------------------------------------------------------
  const txFlooders = [...byzantine.values()].some((behaviours) => behaviours.includes('flood-txs'));
  /** A Byzantine member holding more of `mempool` than a gossiping peer's quota, said in words; null if none. */
  const byzantineOverQuota = (mempool: Mempool | undefined): string | null => {
    if (mempool === undefined) return null;
    const quota = mempool.peerQuota;
    for (const member of byzantine.keys()) {
      const share = mempool.peerShare(member);
      if (share.txs > quota.txs || share.bytes > quota.bytes) return `${member} holds ${share.txs} transactions (${share.bytes} bytes) of it, above a peer's quota of ${quota.txs} (${quota.bytes} bytes)`;
    }
    return null;
  };
  startWorkload(
    scheduler,
    random,
    { txsPerSecond: options.txsPerSecond, txBursts: options.txBursts ?? false, tinyTxFlood: options.tinyTxFlood ?? 0, fullBlocks: options.fullBlocks ?? false, txMaxBytes: params.txMaxBytes },
    {
      submit: (tx, honestOnly) => {
        const targets = [...cluster.live.keys()].filter((id) => !honestOnly || invariants.isHonest(id));
        if (targets.length === 0) return;
        const member = random.pick(targets);
        invariants.submittedTx(tx);
        cluster.live
          .get(member)!
          .node.submitTx(tx)
          .then(
            (outcome) => {
              noteOutcome(member, tx, outcome);
              // A full pool is load (honest bursts fill it too), unless the Byzantine members hold
              // more of it than a gossiping peer's quota: then the refusal is their doing.
              if (!outcome.accepted && outcome.reason === 'full' && invariants.isHonest(member) && txFlooders) {
                const overQuota = byzantineOverQuota(cluster.live.get(member)?.mempool);
                if (overQuota !== null) invariants.fail('mempool-quota', `${member} refused an honest client's transaction: its mempool is full (${outcome.log ?? ''}) and ${overQuota}`);
              }
            },
            () => {
              cluster.clientErrors += 1;
            },
          );
      },
      submitMany: (txs, to) => {
        const honestLive = [...cluster.live.keys()].filter((id) => invariants.isHonest(id));
        if (honestLive.length === 0) return;
        for (const tx of txs) invariants.submittedTx(tx);
        const member = to === 'next-proposer' ? nextProposer(honestLive) : random.pick(honestLive);
        const node = cluster.live.get(member)!.node;
        for (const tx of txs) {
          node.submitTx(tx).then(
            (outcome) => noteOutcome(member, tx, outcome),
            () => {
              cluster.clientErrors += 1;
            },
          );
        }
      },
      inFaultPhase: () => !cluster.healed,
      quiet: () => idleCheck?.quiet ?? false,
    },
  );

  /** The honest live node that proposes round 0 of the soonest height after the highest one in progress. */
  const nextProposer = (candidates: readonly MemberId[]): MemberId => {
    const height = Math.max(...candidates.map((id) => cluster.live.get(id)!.node.status().height));
    for (let ahead = 1; ahead <= ids.length; ahead++) {
      const proposer = validators.proposer(height + ahead, 0);
      if (candidates.includes(proposer)) return proposer;
    }
    return candidates[0]!;
  };

  let partitions = 0;
  const f = Math.floor((options.members - 1) / 3);
  const chaos = () => {
    if (cluster.healed) return;
    const down = cluster.down();
    const roll = random.int(0, 99);
    if (options.crashes && roll < 15 && down.length < Math.max(1, f)) {
      cluster.crash(random.pick(ids.filter((id) => cluster.live.has(id))), 'chaos');
    } else if (roll < 35 && down.length > 0) {
      cluster.pendingBoots.push(random.pick(down));
    } else if (options.partitions && roll < 45) {
      const isolated = random.pick(ids);
      for (const other of ids) if (other !== isolated && random.chance(0.7)) network.cut(isolated, other);
      partitions += 1;
    } else if (options.partitions && roll < 60) {
      network.healAll();
    } else if (options.oldCopyRestores === true && roll >= 92) {
      const restorable = cluster.restorable();
      if (restorable.length > 0) cluster.restoreFromOldCopy(random.pick(restorable));
    }
    scheduler.schedule(random.int(200, 1_500), chaos);
  };

  let heightAtHeal = 0;
  let livenessTarget = Number.POSITIVE_INFINITY;
  let livenessDeadlineMs = Number.POSITIVE_INFINITY;
  const heal = () => {
    cluster.healed = true;
    network.healAll();
    network.faults = { ...CALM_NETWORK };
    for (const id of cluster.down()) cluster.pendingBoots.push(id);
    heightAtHeal = Math.max(...honest.map((id) => invariants.committedHeight(id)));
    livenessTarget = heightAtHeal + options.livenessHeights;
    livenessDeadlineMs = scheduler.nowMs + options.livenessBoundMs;
  };

  // --- resources, sampled --------------------------------------------------------------------
  const resources = { walEntriesPerHeight: 0, walBytesPerHeight: 0, walCopiesOfOneEntry: 0, taskQueue: 0, futureMessages: 0, futureMessageBytes: 0 };
  const sample = () => {
    for (const incarnation of cluster.live.values()) {
      if (!incarnation.started || !invariants.isHonest(incarnation.member)) continue;
      const usage = incarnation.node.status();
      resources.taskQueue = Math.max(resources.taskQueue, usage.routineTasks);
      resources.futureMessages = Math.max(resources.futureMessages, usage.bufferedFutureMessages);
      resources.futureMessageBytes = Math.max(resources.futureMessageBytes, usage.bufferedFutureBytes);
      if (!checkResourceBounds) continue;
      const who = incarnation.member;
      if (usage.routineTasks > bounds.taskQueue) invariants.fail('task-queue-bound', `${who}'s task queue holds ${usage.routineTasks} tasks, above the bound of ${bounds.taskQueue}`);
      if (usage.bufferedFutureBytes > bounds.futureMessageBytes) {
        invariants.fail('future-buffer-bound', `${who} buffers ${usage.bufferedFutureBytes} bytes of messages for the next height, above the bound of ${bounds.futureMessageBytes}`);
      }
    }
    scheduler.schedule(RESOURCE_SAMPLE_MS, sample);
  };

  if ((options.laggardMs ?? 0) > 0) {
    const laggard = random.pick(honest);
    scheduler.schedule(500, () => network.isolate(laggard, scheduler.nowMs + options.laggardMs!));
  }

  // Boots are async (store reads); they run between events, not inside one.
  for (const id of ids) cluster.pendingBoots.push(id);
  scheduler.schedule(random.int(200, 1_000), chaos);
  scheduler.schedule(options.faultPhaseMs, heal);
  scheduler.schedule(RESOURCE_SAMPLE_MS, sample);
  if (options.oldCopyRestores === true) {
    const backup = () => {
      if (cluster.healed) return;
      cluster.takeBackups();
      scheduler.schedule(BACKUP_INTERVAL_MS, backup);
    };
    scheduler.schedule(BACKUP_INTERVAL_MS, backup);
  }

  const allReached = () => cluster.healed && honest.every((id) => cluster.live.has(id) && invariants.committedHeight(id) >= livenessTarget);
  try {
    for (;;) {
      while (cluster.pendingBoots.length > 0) {
        const member = cluster.pendingBoots.shift()!;
        if (!cluster.live.has(member)) await cluster.boot(member);
        await settle();
      }
      if (invariants.violation !== null) break;
      if (allReached()) {
        // Liveness holds; then the empty-blocks check, if the chain has an interval.
        livenessDeadlineMs = Number.POSITIVE_INFINITY;
        if (idleCheck === null || idleCheck.done) break;
        idleCheck.start();
        idleCheck.poll();
        if (idleCheck.done) continue;
      }
      if (scheduler.nowMs > livenessDeadlineMs) {
        const heights = honest.map((id) => `${id}=${invariants.committedHeight(id)}`).join(' ');
        invariants.fail('liveness', `not every honest node reached height ${livenessTarget} within ${options.livenessBoundMs} ms after the heal (${heights})`);
        break;
      }
      if (!scheduler.runNext()) {
        invariants.fail('simulator', 'the simulation ran out of events');
        break;
      }
      await settle();
    }
  } catch (error) {
    invariants.fail('simulator', `crashed: ${(error as Error).stack ?? String(error)}`);
  }
  // Once the clients fell quiet for the empty-blocks check, every acknowledged transaction has had
  // intervals of an idle chain to reach a block, whatever crashes and partitions came before.
  if (invariants.violation === null && idleCheck?.done === true) {
    const lost = [...acknowledged].filter(([key, { member, atMs }]) => invariants.committedAt(key) === undefined && !invariants.forgotten(member, atMs));
    if (lost.length > 0) {
      const [key, { member, atMs }] = lost[0]!;
      invariants.fail('acknowledged-lost', `${lost.length} of ${acknowledged.size} transactions honest nodes acknowledged were never committed; the first, ${key.slice(0, 12)}, ${member} acknowledged at ${atMs} ms`);
    }
  }
  if (invariants.violation === null) {
    for (const [key, firstAtMs] of invalidTxsRefused) {
      const [receiver, sender] = key.split('|') as [MemberId, MemberId];
      const reported = network.invalidReports.some((report) => report.by === receiver && report.from === sender);
      if (!reported) invariants.fail('bad-input-unreported', `${receiver}'s application refused transactions gossiped by ${sender} (first at ${firstAtMs} ms) and it never reported the sender`);
    }
  }
  const finalStatus = ids.map((id) => {
    const status = cluster.live.get(id)?.node.status();
    const role = invariants.isHonest(id) ? '' : ' (Byzantine)';
    return status === undefined ? `${id}${role}: down` : `${id}${role}: ${status.height}/${status.round}/${status.step}${status.syncing ? ' syncing' : ''}`;
  });
  for (const incarnation of cluster.live.values()) {
    cluster.countStaleStore(incarnation);
    incarnation.clock.disable();
    incarnation.faults.dead = true;
  }
  for (const audit of cluster.walAudits.values()) {
    resources.walEntriesPerHeight = Math.max(resources.walEntriesPerHeight, audit.maxEntriesPerHeight);
    resources.walBytesPerHeight = Math.max(resources.walBytesPerHeight, audit.maxBytesPerHeight);
    resources.walCopiesOfOneEntry = Math.max(resources.walCopiesOfOneEntry, audit.maxCopiesOfOneEntry);
  }

  const clockSpreadMs = () => {
    const offsets = [...cluster.skews.values()].map((skew) => skew.offsetMs(scheduler.nowMs));
    return offsets.length === 0 ? 0 : Math.max(...offsets) - Math.min(...offsets);
  };
  const digest = createHash('sha256');
  for (const [height, hash] of [...invariants.decidedHeights].sort(([a], [b]) => a - b)) digest.update(`${height}:${hash};`);
  digest.update(`${scheduler.processed}/${network.delivered}/${network.dropped}/${cluster.crashes}/${partitions}/${network.penaltyCount}`);
  const stats = cluster.byzantineStats;
  return {
    seed: options.seed,
    members: options.members,
    ok: invariants.violation === null,
    failure: invariants.violation,
    invariant: invariants.violationKind,
    committedHeight: Math.min(...honest.map((id) => invariants.committedHeight(id))),
    heightAtHeal,
    virtualTimeMs: scheduler.nowMs,
    events: scheduler.processed,
    messagesDelivered: network.delivered,
    messagesDropped: network.dropped,
    crashes: cluster.crashes,
    crashPoints: { ...cluster.crashPoints },
    partitions,
    equivocationsSent: invariants.equivocationsSent,
    invalidMessagesReported: network.invalidReports.length,
    committedTxs: invariants.committedTxs,
    byzantine: Object.fromEntries(byzantine),
    byzantineActions: {
      equivocations: stats.equivocations,
      statusLies: stats.statusLies,
      syncRequestsStalled: stats.syncRequestsStalled,
      farRoundVotes: stats.farRoundVotes,
      tamperedProposals: stats.tamperedProposals,
      withheldMessages: stats.withheldMessages,
      malformedFrames: stats.malformedFrames,
      extraEquivocations: stats.extraEquivocations,
      largeProposals: stats.largeProposals,
      floodTxs: stats.floodTxs,
      invalidTxs: stats.invalidTxs,
    },
    oversizedFrames: network.oversizedFrames,
    rateLimitedFrames: network.rateLimitedFrames,
    penalties: network.penaltyCount,
    penaltiesBy,
    disconnections: network.disconnections,
    writeFailures: cluster.writeFailures,
    readFailures: cluster.readFailures,
    bootFailures: cluster.bootFailures,
    writesOverRoundTimeout: cluster.writesOverRoundTimeout,
    oldCopyRestores: cluster.oldCopyRestores,
    clockSpreadMs: clockSpreadMs(),
    staleStore: { ...cluster.staleStore },
    clientErrors: cluster.clientErrors,
    resources,
    finalStatus,
    idle: idleCheck?.figures ?? null,
    digest: digest.digest('hex'),
  };
}
