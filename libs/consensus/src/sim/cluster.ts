import type { Logger } from '@consortium/telemetry';
import { Ed25519Signer, type Ed25519KeyPair, type Ed25519Verifier } from '../crypto/ed25519.js';
import type { Genesis, MemberId } from '../genesis/types.js';
import { Mempool, peerQuotaFor } from '../mempool/index.js';
import { ConsensusNode } from '../node/consensus-node.js';
import type { WireLimits } from '../node/wire.js';
import type { MemoryChainStore } from '../store/index.js';
import { ValidatorSet } from '../validators.js';
import { combineBehaviours, createEquivocator, ByzantineStats, type ByzantineBehaviour, type ByzantineBehaviourName, type ByzantineContext } from './byzantine.js';
import { createEquivocationFlooder, createFarRoundFlooder, createTxFlooder } from './byzantine-flood.js';
import { createStatusLiar, type SyncAnswer } from './byzantine-liar.js';
import { createMalformedSender } from './byzantine-malformed.js';
import { createProposalTamperer } from './byzantine-tamper.js';
import { SimDiskFullError, SimDiskReadError } from './errors.js';
import { AppDisk, CRASH_POINTS, FaultyApplication, FaultyStore, REFUSABLE_WRITES, type AppCall, type AppTiming, type CrashPoint, type IncarnationFaults, type StoreWrite } from './faulty-ports.js';
import type { SimulationInvariants } from './invariants.js';
import type { SimNetwork, SimTransport } from './network.js';
import { WalAudit, type ResourceBounds } from './resource-bounds.js';
import { SimClock, SkewedTime, type ClockSkewLimits, type Scheduler } from './scheduler.js';
import { SimRandom } from './random.js';

/**
 * The members of one simulated run and their node incarnations: booting a node from what its
 * store (and, for a durable application, its application's disk) kept; crashing it cleanly or
 * in the middle of an operation (the port wrappers ask this cluster's fault plan); failing its
 * writes and start-up reads; and making some members Byzantine.
 */

/** Chance that a process dies at each pass through a crash point (per call). Points passed once per height fire more often. */
export const CRASH_POINT_RATES: Readonly<Record<CrashPoint, number>> = {
  'wal-synced-before-send': 0.004,
  'wal-input-before-apply': 0.001,
  'block-executed-before-stored': 0.02,
  'block-stored-before-app-commit': 0.02,
  'app-committed-before-snapshot': 0.02,
  'snapshot-saved-before-wal-prune': 0.02,
  'mid-broadcast': 0.002,
  'pending-tx-stored-before-ack': 0.002,
};
/** Chance that a store write fails as on a full disk. */
const WRITE_FAILURE_RATE = 0.0005;
/** Chance that a start-up read fails (per read), by operation. */
const READ_FAILURE_RATES: Readonly<Record<string, number>> = { readWal: 0.3, latestAppSnapshot: 0.05, listPendingTxs: 0.05 };
/** How long each application call takes with slowApplication, in virtual ms (min, max). */
const APP_CALL_MS: Readonly<Record<AppCall, readonly [number, number]>> = {
  info: [0, 0],
  checkTx: [0, 2],
  prepareProposal: [1, 5],
  processProposal: [1, 10],
  finalizeBlock: [2, 20],
  commit: [1, 5],
  snapshot: [0, 2],
  restore: [0, 5],
};
/** After a failed write, the supervisor restarts the node this much later (a fixed node has exited by then). */
const SUPERVISOR_RESTART_MS = 1_000;
/**
 * A slow disk's synced writes, in virtual ms: mostly a few ms, sometimes tens or hundreds, and one
 * in fifty slower than a round timeout (the simulated chain's are 300 to 600 ms), as a disk shared
 * with a backup job or a cloud volume out of burst credits does. Unsynced writes take no time but
 * wait their turn behind the synced ones. [share of writes, min ms, max ms]
 */
const SLOW_DISK_SYNCED_WRITE_MS: readonly (readonly [number, number, number])[] = [
  [0.7, 1, 4],
  [0.2, 5, 40],
  [0.08, 50, 300],
  [0.02, 400, 2_000],
];
/** A write at least this slow outlasts the shortest round timeout of the simulated chain (prevote, precommit). */
const ROUND_TIMEOUT_MS = 300;
/** Clock skew: up to 2 s ahead (well inside the 5 s a proposal's time may lead a validator's clock) and 5 % fast or slow for 2 to 6 s at a time. */
export const CLOCK_SKEW: ClockSkewLimits = { offsetMaxMs: 2_000, rateSpread: 0.05, stretchMs: [2_000, 6_000] };
/** Copies of a member's store kept for the old-copy restore, newest last (one taken every BACKUP_INTERVAL_MS). */
const BACKUPS_KEPT = 6;

export interface ClusterOptions {
  readonly genesis: Genesis;
  readonly keys: ReadonlyMap<MemberId, Ed25519KeyPair>;
  /**
   * One signature verifier for every node (a simulator-only saving, see ConsensusNodeOptions.verifier):
   * each node checks every signature it would check, and the curve runs once per distinct triple.
   */
  readonly verifier: Ed25519Verifier;
  readonly limits: WireLimits;
  readonly byzantine: ReadonlyMap<MemberId, readonly ByzantineBehaviourName[]>;
  readonly midOperationCrashes: boolean;
  readonly diskFaults: boolean;
  /** Application calls take virtual time, and one made while another is in flight is a violation. */
  readonly slowApplication: boolean;
  /** Members' clocks are offset and drift (clock-skew). */
  readonly clockSkew: boolean;
  /** Synced writes take long, some longer than a round timeout (slow-disk). */
  readonly slowDisk: boolean;
  readonly mempool: { readonly maxTxs: number; readonly maxBytes: number };
  readonly bounds: ResourceBounds;
  readonly checkResourceBounds: boolean;
  readonly debugLog: ((line: Record<string, unknown>) => void) | undefined;
  /** `member`'s application checked `tx` and said whether it is valid. */
  readonly onCheckTx?: (member: MemberId, tx: Uint8Array, valid: boolean) => void;
}

interface Incarnation {
  readonly member: MemberId;
  readonly number: number;
  readonly node: ConsensusNode;
  readonly clock: SimClock;
  readonly store: MemoryChainStore;
  readonly transport: SimTransport;
  readonly mempool: Mempool;
  readonly faults: IncarnationFaultPlan;
  readonly signer: AuditedSigner;
  readonly snapshotIntervalBlocks: number;
  started: boolean;
  /** The first store write that failed (a fixed node stops there). */
  failedWrite: { readonly operation: StoreWrite; readonly atMs: number } | null;
}

/** A copy of a member's store (and its application's disk) as a backup would hold it. */
interface Backup {
  readonly store: MemoryChainStore;
  readonly appSnapshot: AppDisk['snapshot'];
  readonly height: number;
  readonly atMs: number;
}

/** Signs as the member's key does, and tells the audit about every signature it produces. */
/** Tells the audit of every signature the key makes; a signature whose write failed is taken back. */
class AuditedSigner extends Ed25519Signer {
  /** The slot the last signature filled first, until its write settles. */
  private unsettledSlot: string | null = null;

  constructor(
    keyPair: Ed25519KeyPair,
    private readonly onSign: (signBytes: Uint8Array) => string | null,
    private readonly onDiscard: (slot: string) => void,
  ) {
    super(keyPair);
  }

  override sign(message: Uint8Array): Uint8Array {
    const signature = super.sign(message);
    this.unsettledSlot = this.onSign(message);
    return signature;
  }

  /** The write of the last signature failed (nothing written; the node halts). */
  writeFailed(): void {
    if (this.unsettledSlot !== null) this.onDiscard(this.unsettledSlot);
    this.unsettledSlot = null;
  }

  /** The last signature and its record are on disk: it counts for good. */
  writeDone(): void {
    this.unsettledSlot = null;
  }

  /**
   * The process died while the last signature's write was in flight (a slow disk): it was never
   * written nor sent, as with a failed write, so a later incarnation may fill the slot afresh.
   */
  died(): void {
    this.writeFailed();
  }
}

class IncarnationFaultPlan implements IncarnationFaults {
  dead = false;
  booting = true;
  readonly slowDisk: boolean;

  constructor(
    private readonly cluster: SimCluster,
    private readonly member: MemberId,
  ) {
    this.slowDisk = cluster.options.slowDisk;
  }

  writeLatencyMs(_operation: StoreWrite, synced: boolean): number {
    if (!synced || this.dead || !this.cluster.faultsArmed()) return 0;
    const random = this.cluster.random;
    let roll = random.int(0, 999_999) / 1_000_000;
    for (const [share, minMs, maxMs] of SLOW_DISK_SYNCED_WRITE_MS) {
      if (roll < share) {
        const latencyMs = random.int(minMs, maxMs);
        if (latencyMs >= ROUND_TIMEOUT_MS) this.cluster.writesOverRoundTimeout += 1;
        return latencyMs;
      }
      roll -= share;
    }
    return 0;
  }

  sleep(delayMs: number): Promise<void> {
    // Disk time is physical: true virtual time, whatever the member's clock says.
    return new Promise<void>((resolve) => {
      this.cluster.after(delayMs, () => {
        if (!this.dead) resolve();
      });
    });
  }

  crashesAt(point: CrashPoint): boolean {
    if (this.dead || this.booting || !this.cluster.options.midOperationCrashes || !this.cluster.faultsArmed()) return false;
    if (!this.cluster.random.chance(CRASH_POINT_RATES[point]) || !this.cluster.mayCrashAnother()) return false;
    this.cluster.crash(this.member, point);
    return true;
  }

  writeFails(operation: StoreWrite): Error | null {
    if (this.dead || this.booting || !this.cluster.options.diskFaults || !this.cluster.faultsArmed()) return null;
    if (!this.cluster.random.chance(WRITE_FAILURE_RATE)) return null;
    // A refused client transaction is not a failure the node must stop for.
    if (REFUSABLE_WRITES.has(operation)) this.cluster.writeFailures += 1;
    else this.cluster.writeFailed(this.member, operation);
    return new SimDiskFullError(operation);
  }

  readFails(operation: string): Error | null {
    if (!this.booting || !this.cluster.options.diskFaults || !this.cluster.faultsArmed()) return null;
    if (!this.cluster.random.chance(READ_FAILURE_RATES[operation] ?? 0)) return null;
    this.cluster.readFailures += 1;
    this.failedRead ??= operation;
    return new SimDiskReadError(operation);
  }

  /** The first read that failed while the node started (a fixed node refuses to start). */
  failedRead: string | null = null;
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

export class SimCluster {
  readonly ids: readonly MemberId[];
  readonly honest: readonly MemberId[];
  readonly live = new Map<MemberId, Incarnation>();
  readonly pendingBoots: MemberId[] = [];
  readonly byzantineStats = new ByzantineStats();
  readonly walAudits: ReadonlyMap<MemberId, WalAudit>;
  /** Each member's skewed wall clock (clock-skew), shared by its incarnations. */
  readonly skews: ReadonlyMap<MemberId, SkewedTime>;
  /** Copies of honest members' stores taken during the fault phase (old-copy restores), oldest first. */
  private readonly backups = new Map<MemberId, Backup[]>();
  /** Each restored member, and the height after the highest any member had stored at its restore (the most its signer may fence). */
  private readonly restoredThrough = new Map<MemberId, number>();
  private readonly validators: ValidatorSet;
  private readonly appDisks: ReadonlyMap<MemberId, AppDisk | null>;
  private readonly incarnations = new Map<MemberId, number>();
  private readonly maxDown: number;
  healed = false;
  crashes = 0;
  readonly crashPoints = Object.fromEntries(CRASH_POINTS.map((point) => [point, 0])) as Record<CrashPoint, number>;
  writeFailures = 0;
  readFailures = 0;
  bootFailures = 0;
  clientErrors = 0;
  writesOverRoundTimeout = 0;
  /** Restarts from a copy of the member's store taken heights earlier. */
  oldCopyRestores = 0;
  /** Honest incarnations' stale-store guards, summed as each incarnation ends (and at the end of the run). */
  readonly staleStore = { detections: 0, fencedSignatures: 0 };

  constructor(
    readonly options: ClusterOptions,
    readonly random: SimRandom,
    private readonly scheduler: Scheduler,
    readonly network: SimNetwork,
    private readonly stores: Map<MemberId, MemoryChainStore>,
    private readonly invariants: SimulationInvariants,
  ) {
    this.ids = options.genesis.members.map((member) => member.id);
    this.honest = this.ids.filter((id) => !options.byzantine.has(id));
    this.validators = ValidatorSet.fromGenesis(options.genesis);
    // Half the members keep their application's state on their own disk (as ABCI applications do).
    this.appDisks = new Map(this.ids.map((id) => [id, random.chance(0.5) ? new AppDisk() : null]));
    this.walAudits = new Map(this.ids.map((id) => [id, new WalAudit(id, options.limits, options.bounds)]));
    this.maxDown = Math.max(1, Math.floor((this.ids.length - 1) / 3));
    // Drawn only with the class on, from a source of each member's own: other classes replay as before.
    this.skews = new Map(options.clockSkew ? this.ids.map((id) => [id, new SkewedTime(new SimRandom(random.int(1, 2 ** 31 - 1)), CLOCK_SKEW)]) : []);
  }

  /** Runs `run` after `delayMs` of true virtual time. */
  after(delayMs: number, run: () => void): void {
    this.scheduler.schedule(delayMs, run);
  }

  /** Copies every live honest member's store as it is on disk now (a backup an operator could restore). */
  takeBackups(): void {
    for (const incarnation of this.live.values()) {
      if (!incarnation.started || this.isByzantine(incarnation.member)) continue;
      const kept = this.backups.get(incarnation.member) ?? [];
      const appDisk = this.appDisks.get(incarnation.member) ?? null;
      kept.push({
        store: incarnation.store.crashCopy({ loseUnsyncedWal: true }),
        appSnapshot: appDisk?.snapshot ?? null,
        height: incarnation.store.latestHeight(),
        atMs: this.scheduler.nowMs,
      });
      if (kept.length > BACKUPS_KEPT) kept.shift();
      this.backups.set(incarnation.member, kept);
    }
  }

  /**
   * Members that can be restored from an old copy now: live, honest, with a copy of a lower height
   * than their store's. The restored member may sit out a height (its signer fences it), so it
   * counts as a fault: only while the Byzantine members leave room for one more within f, and
   * within the crash budget.
   */
  restorable(): MemberId[] {
    const f = Math.floor((this.ids.length - 1) / 3);
    const regressed = [...this.restoredThrough.keys()].filter((member) => this.stillRegressed(member)).length;
    if (this.options.byzantine.size + regressed + 1 > f || !this.mayCrashAnother()) return [];
    return [...this.live.values()]
      .filter((incarnation) => incarnation.started && !this.isByzantine(incarnation.member))
      .filter((incarnation) => (this.backups.get(incarnation.member) ?? []).some((backup) => backup.height < incarnation.store.latestHeight()))
      .map((incarnation) => incarnation.member);
  }

  /**
   * A restored member is a fault until it runs again past what it may have signed before: down or
   * starting, or at a height up to the one after the chain's at its restore, where its signer may
   * fence (it sits that height out). Counting it only once fenced let a second member be restored
   * first, and both sat one height out at 4 members (seeds 30037, 30163).
   */
  private stillRegressed(member: MemberId): boolean {
    const incarnation = this.live.get(member);
    if (incarnation === undefined || !incarnation.started) return true;
    const through = Math.max(this.restoredThrough.get(member) ?? 0, incarnation.node.staleStore.fencedThroughHeight);
    return incarnation.node.status().height <= through;
  }

  /**
   * The classic double-sign hazard: the member's process dies and its operator restores its data
   * from a copy taken heights earlier (an old WAL, an old last-signed record, an old application
   * state), and starts it again at once.
   */
  restoreFromOldCopy(member: MemberId): void {
    const incarnation = this.live.get(member);
    const candidates = (this.backups.get(member) ?? []).filter((backup) => incarnation !== undefined && backup.height < incarnation.store.latestHeight());
    if (candidates.length === 0) return;
    // Mostly the newest copy a height or two back: the node then restarts at the heights it was
    // signing at, where its peers still hold its votes. Sometimes an older one.
    const backup = this.random.chance(0.7) ? candidates[candidates.length - 1]! : this.random.pick(candidates);
    this.crash(member, 'old-copy-restore');
    this.stores.set(member, backup.store.crashCopy({ loseUnsyncedWal: false }));
    const appDisk = this.appDisks.get(member);
    if (appDisk) appDisk.snapshot = backup.appSnapshot;
    this.oldCopyRestores += 1;
    // The operator starts it again at once.
    this.pendingBoots.push(member);
    this.invariants.restoredFromOldCopy(member, backup.atMs, this.scheduler.nowMs);
    const chainHeight = Math.max(0, ...[...this.live.values()].map((live) => live.store.latestHeight()));
    this.restoredThrough.set(member, chainHeight + 1);
    this.options.debugLog?.({ t: this.scheduler.nowMs, member, level: 'sim', msg: `restored from a copy of height ${backup.height} taken at ${backup.atMs} ms` });
  }

  faultsArmed(): boolean {
    return !this.healed;
  }

  /** Crashes keep at most max(1, f) members down at once. */
  mayCrashAnother(): boolean {
    return this.ids.length - this.live.size < this.maxDown;
  }

  down(): MemberId[] {
    return this.ids.filter((id) => !this.live.has(id));
  }

  isByzantine(member: MemberId): boolean {
    return this.options.byzantine.has(member);
  }

  /** Boots `member` from what survived; its node starts in the background. */
  async boot(member: MemberId): Promise<void> {
    const number = (this.incarnations.get(member) ?? 0) + 1;
    this.incarnations.set(member, number);
    const faults = new IncarnationFaultPlan(this, member);
    const clock = new SimClock(this.scheduler, (error) => this.uncaught(member, number, error), this.skews.get(member) ?? null);
    const transport = this.network.attach(member);
    const store = this.stores.get(member)!;
    const nextHeight = store.latestHeight() + 1;
    const audit = this.walAudits.get(member)!;
    audit.restarted(nextHeight, await store.readWal(nextHeight));
    const signer = new AuditedSigner(
      this.options.keys.get(member)!,
      (signBytes) => this.signedBy(member, number, signBytes),
      (slot) => this.invariants.unproduced(slot),
    );
    const wal = {
      appended: (height: number, entry: Uint8Array) => this.walAppended(member, height, entry),
      pruned: (belowHeight: number) => audit.pruned(belowHeight),
      signedWriteFailed: () => signer.writeFailed(),
      signedWriteDone: () => signer.writeDone(),
    };
    const onCheckTx = this.options.onCheckTx;
    const app = await FaultyApplication.open(
      faults,
      this.appDisks.get(member)!,
      this.options.slowApplication ? this.appTiming(member, clock) : null,
      onCheckTx === undefined ? null : (tx, result) => onCheckTx(member, tx, result.ok),
    );
    const faultyStore = new FaultyStore(store, faults, wal);
    const params = this.options.genesis.consensus;
    const pool = { ...this.options.mempool, txMaxBytes: params.txMaxBytes };
    const mempool = new Mempool(
      // Sized as apps/node sizes it: each gossiping peer holds at most twice a fair share.
      { ...pool, recheck: false, ...peerQuotaFor(pool, this.ids.length) },
      { app, isCommitted: async (hash) => (await faultyStore.findTx(hash)) !== null, metrics: null, nowMs: () => clock.nowMs() },
    );
    const snapshotIntervalBlocks = this.random.chance(0.5) ? 1 : 4;
    const node = new ConsensusNode({
      genesis: this.options.genesis,
      self: member,
      signer,
      verifier: this.options.verifier,
      app,
      store: faultyStore,
      mempool,
      transport,
      clock,
      snapshotIntervalBlocks,
      gossipIntervalMs: 250,
      syncLagGraceMs: 800,
      syncRequestTimeoutMs: 1_000,
      logger: this.options.debugLog === undefined ? null : simLogger(member, () => this.scheduler.nowMs, this.options.debugLog),
    });
    const incarnation: Incarnation = { member, number, node, clock, store, transport, mempool, faults, signer, snapshotIntervalBlocks, started: false, failedWrite: null };
    node.onCommit((committed) => {
      if (incarnation.failedWrite !== null) this.continuedAfterFailure(incarnation, `committed height ${committed.block.header.height}`);
      this.invariants.committed(member, committed);
    });
    this.invariants.restarted(member, store.latestHeight());
    this.live.set(member, incarnation);
    transport.crashesMidBroadcast = () => faults.crashesAt('mid-broadcast');
    const behaviour = this.byzantineBehaviour(member, clock, transport, node);
    if (behaviour !== null) transport.byzantine = behaviour;

    // Not awaited: a start that waits on virtual time must not stall the simulator's loop.
    node.start().then(
      () => {
        if (this.live.get(member) !== incarnation) return;
        faults.booting = false;
        incarnation.started = true;
        if (faults.failedRead !== null && !this.isByzantine(member)) {
          this.invariants.fail('fatal-continued', `${member} started although a store read failed while it started (${faults.failedRead}): it runs without what it could not read`);
        }
        behaviour?.start?.();
      },
      (error: unknown) => {
        // A node that refuses to start (a fixed node halts on a failed replay): down until a later boot.
        if (this.live.get(member) !== incarnation) return;
        this.bootFailures += 1;
        this.options.debugLog?.({ t: this.scheduler.nowMs, member, level: 'sim', msg: 'start failed', err: String(error) });
        this.teardown(member, 'start-failed');
      },
    );
  }

  private appTiming(member: MemberId, clock: SimClock): AppTiming {
    return {
      delay: (call) => {
        const [min, max] = APP_CALL_MS[call];
        const delayMs = this.random.int(min, max);
        return delayMs === 0 ? Promise.resolve() : new Promise<void>((resolve) => clock.setTimer(delayMs, resolve));
      },
      onOverlap: (call, inFlight) => {
        if (!this.isByzantine(member)) this.invariants.fail('app-concurrency', `${member}'s application got ${call} while ${inFlight} was in flight (application.ts: calls never overlap)`);
      },
    };
  }

  private byzantineBehaviour(member: MemberId, clock: SimClock, transport: SimTransport, node: ConsensusNode): ByzantineBehaviour | null {
    const names = this.options.byzantine.get(member);
    if (names === undefined || names.length === 0) return null;
    // Its own signatures: what it signs outside the honest code is not the honest signer's business.
    const ownSigner = new Ed25519Signer(this.options.keys.get(member)!);
    const context: ByzantineContext = {
      chainId: this.options.genesis.chainId,
      self: member,
      signer: ownSigner,
      members: this.ids,
      validators: this.validators,
      random: this.random,
      limits: this.options.limits,
      caps: this.network.limits.caps,
      clock,
      transport,
      stats: this.byzantineStats,
      status: () => node.status(),
    };
    const behaviours = names.map((name): ByzantineBehaviour => {
      switch (name) {
        case 'equivocate':
          return createEquivocator(context, 0.3);
        case 'lie-status':
          return createStatusLiar(context, this.random.pick<SyncAnswer>(['silent', 'empty', 'garbage']));
        case 'flood-far-rounds':
          return createFarRoundFlooder(context);
        case 'tamper-proposals':
          this.network.fastMembers.add(member);
          return createProposalTamperer(context);
        case 'malformed-frames':
          return createMalformedSender(context);
        case 'flood-equivocations':
          return createEquivocationFlooder(context);
        case 'flood-txs':
          return createTxFlooder(context, (tx) => this.invariants.submittedTx(tx));
      }
    });
    return combineBehaviours(behaviours);
  }

  /** Ends an incarnation as a power loss would: what its store did not sync may be lost. */
  private teardown(member: MemberId, cause: string): void {
    const incarnation = this.live.get(member);
    if (incarnation === undefined) return;
    this.countStaleStore(incarnation);
    incarnation.signer.died();
    incarnation.faults.dead = true;
    incarnation.clock.disable();
    this.network.detach(member);
    this.live.delete(member);
    this.stores.set(member, incarnation.store.crashCopy({ loseUnsyncedWal: this.random.chance(0.5) }));
    this.options.debugLog?.({ t: this.scheduler.nowMs, member, level: 'sim', msg: `process ended: ${cause}` });
  }

  /** Adds what an ending honest incarnation's signer fenced to the run's figures. */
  countStaleStore(incarnation: { readonly member: MemberId; readonly node: ConsensusNode }): void {
    if (this.isByzantine(incarnation.member)) return;
    const { detections, fencedSignatures } = incarnation.node.staleStore;
    this.staleStore.detections += detections;
    this.staleStore.fencedSignatures += fencedSignatures;
  }

  /** The process dies now (a chaos crash, or at a crash point in the middle of an operation). */
  crash(member: MemberId, point: CrashPoint | 'chaos' | 'uncaught' | 'supervisor' | 'old-copy-restore'): void {
    if (!this.live.has(member)) return;
    this.teardown(member, point);
    this.crashes += 1;
    if (point in this.crashPoints) this.crashPoints[point as CrashPoint] += 1;
  }

  writeFailed(member: MemberId, operation: StoreWrite): void {
    const incarnation = this.live.get(member);
    if (incarnation === undefined) return;
    this.writeFailures += 1;
    incarnation.failedWrite ??= { operation, atMs: this.scheduler.nowMs };
    // The supervisor restarts what exited; a node that did not exit is killed and restarted too.
    this.scheduler.schedule(SUPERVISOR_RESTART_MS, () => {
      if (this.live.get(member) !== incarnation) return;
      this.crash(member, 'supervisor');
      this.pendingBoots.push(member);
    });
  }

  /** A Byzantine member's own writes are its business; an honest one must stop after a failed write. */
  private continuedAfterFailure(incarnation: Incarnation, what: string): void {
    if (this.isByzantine(incarnation.member) || incarnation.failedWrite === null) return;
    const { operation, atMs } = incarnation.failedWrite;
    this.invariants.fail('fatal-continued', `${incarnation.member} ${what} ${this.scheduler.nowMs - atMs} ms after its store failed a write (${operation}): fatal must mean stop`);
  }

  /** `member` sent a frame: after a failed write, an honest process has no business sending. */
  sent(member: MemberId): void {
    const incarnation = this.live.get(member);
    if (incarnation?.failedWrite != null) this.continuedAfterFailure(incarnation, 'sent a consensus frame');
  }

  private signedBy(member: MemberId, number: number, signBytes: Uint8Array): string | null {
    const firstInSlot = this.invariants.produced(member, signBytes, number);
    const incarnation = this.live.get(member);
    if (incarnation?.number === number && incarnation.failedWrite !== null) this.continuedAfterFailure(incarnation, 'signed');
    return firstInSlot;
  }

  private walAppended(member: MemberId, height: number, entry: Uint8Array): void {
    const incarnation = this.live.get(member);
    if (incarnation?.failedWrite != null) this.continuedAfterFailure(incarnation, 'wrote to its WAL');
    if (this.isByzantine(member) || incarnation === undefined) return;
    const round = incarnation.started ? incarnation.node.status().round : 0;
    const violation = this.walAudits.get(member)!.appended(height, entry, round, this.invariants.highestHonestRound(height), this.options.checkResourceBounds);
    if (violation !== null) this.invariants.fail(violation.kind, violation.message);
  }

  private uncaught(member: MemberId, number: number, error: unknown): void {
    if (this.live.get(member)?.number !== number) return;
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    if (!this.isByzantine(member)) this.invariants.fail('process-crash', `${member}'s process died: ${name} escaped a timer callback: ${message}`);
    this.crash(member, 'uncaught');
  }
}
