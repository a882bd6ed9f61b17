import { context, trace, type Tracer } from '@opentelemetry/api';
import type { ConsensusMetrics, Logger, SecurityMetrics } from '@consortium/telemetry';
import type { Application, FinalizeBlockResult } from '../application.js';
import { serializedApplication } from '../application-lane.js';
import { Ed25519Verifier, type Ed25519SigningKey } from '../crypto/ed25519.js';
import { toHex } from '../crypto/hash.js';
import { bytesEqual } from '../encoding/canonical.js';
import {
  CommitFailedError,
  ConsensusHaltedError,
  InvalidSignatureError,
  LastSignedRecordError,
  PendingTxsReadError,
  PersistenceFailedError,
  UnknownValidatorError,
  WalReplayError,
  type HaltReason,
} from '../errors.js';
import type { Genesis, MemberId } from '../genesis/types.js';
import { StoreClosedError, StoreCorruptionError } from '../store/errors.js';
import { deriveConsensusLimits, type ConsensusLimits } from '../limits.js';
import type { Step } from '../state/types.js';
import type { Transport } from '../transport.js';
import type { CommittedBlock } from '../types.js';
import { ValidatorSet } from '../validators.js';
import { BlockSync } from './block-sync.js';
import { ClientTxs } from './client-txs.js';
import { systemClock, type Clock } from './clock.js';
import { BlockExecutor } from './execution.js';
import { InputQuota } from './input-quota.js';
import { Outbound } from './outbound.js';
import type { AddTxOutcome, ChainStorePort, MempoolPort } from './ports.js';
import { ConsensusReactor } from './reactor.js';
import { isOwnMessagesRequest, OwnMessagesExchange } from './own-messages.js';
import { RestartSigningGate } from './restart-gate.js';
import { ConsensusSigner, type StaleStoreFigures } from './signer.js';
import { ConsensusRoutine } from './state.js';
import { TaskQueue } from './task-queue.js';
import { DriverTimers } from './timers.js';
import { TxGossip } from './tx-gossip.js';
import { sampled } from './tx-traces.js';

/**
 * The consensus driver, along CometBFT's seams:
 * - state.ts: the routine that feeds the pure machine and runs its effects (one task queue);
 * - reactor.ts: decoding, authenticating, bounding and queueing what peers send;
 * - block-sync.ts: catching up from backed claims, and serving blocks;
 * - signer.ts: signing, guarded by the persisted last-signed record;
 * - execution.ts, wal-log.ts, tx-gossip.ts, block-validation.ts, relay.ts: the pieces they use.
 * This class composes them and holds the lifecycle: start (restore, replay), stop, and halt.
 *
 * Fatal means stop: a failure to replay the WAL, to execute or store a decided block, or to
 * persist a signature or an input halts consensus (ConsensusHaltedError to every onHalt
 * listener, nothing more signed or sent); start() rejects when the replay fails. Bad input never
 * does: it is refused, reported to the transport and counted.
 *
 * Everything it touches comes in through its options (clock, transport, store, application),
 * so the deterministic simulator runs this same code.
 */

export interface ConsensusNodeOptions {
  readonly genesis: Genesis;
  readonly self: MemberId;
  readonly signer: Ed25519SigningKey;
  readonly app: Application;
  readonly store: ChainStorePort;
  readonly mempool: MempoolPort;
  readonly transport: Transport;
  readonly clock?: Clock;
  readonly logger?: Logger | null;
  readonly metrics?: { readonly consensus: ConsensusMetrics; readonly security: SecurityMetrics } | null;
  readonly tracer?: Tracer | null;
  /** Take an application snapshot every this many blocks (1: every block). Default 1. */
  readonly snapshotIntervalBlocks?: number;
  /** Status broadcast period; a height stalled this long has its messages relayed. */
  readonly gossipIntervalMs?: number;
  /** A backed claim one height ahead for this long makes the node fetch the block instead of waiting. */
  readonly syncLagGraceMs?: number;
  readonly syncRequestTimeoutMs?: number;
  readonly txFlushDelayMs?: number;
  /**
   * A proposed block dated more than this past the local clock is invalid (prevote nil). Like
   * CometBFT's proposer-based timestamps, it keeps a proposer from pushing block time ahead.
   * Default 5 s: NTP-synchronised operators are within milliseconds of each other.
   */
  readonly blockTimeDriftMaxMs?: number;
  /**
   * Checks signatures (and remembers the ones it verified, bound to key and message). Default: one
   * of the node's own. The simulator passes one instance to every simulated node: each node still
   * asks it about every signature, and the curve arithmetic runs once per distinct (key, message,
   * signature) instead of once per node. A real node has one verifier per process either way.
   */
  readonly verifier?: Ed25519Verifier;
  /**
   * After a restart, sign nothing new until peers holding a quorum with this node answered what
   * they hold of its own messages at the height, and sit the first such height out while the
   * others can decide it (restart-gate.ts: a node restored from an old copy must not sign at
   * heights it signed before). Default true; the driver tests' scripted peers do not answer.
   */
  readonly restartSigningGate?: boolean;
}

export interface ConsensusStatus {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly committedHeight: number;
  readonly lastBlockHash: string;
  readonly syncing: boolean;
  /** Highest committed height a peer has proven with a certificate (0 when none has). */
  readonly highestPeerCommittedHeight: number;
  readonly mempoolSize: number;
  /** True once consensus halted on a fatal failure. */
  readonly halted: boolean;
  /** True while the node waits for a transaction or the empty-blocks interval before its next height (`height` is then the last decided one). */
  readonly waitingForTxs: boolean;
  /** Peer messages waiting for the consensus routine, and their bytes. */
  readonly queuedInputs: number;
  readonly queuedInputBytes: number;
  /** Every task waiting for or running in the routine: peer messages and the node's own events. */
  readonly routineTasks: number;
  /** Next-height messages held until that height starts, and their bytes. */
  readonly bufferedFutureMessages: number;
  readonly bufferedFutureBytes: number;
}

export type CommitListener = (committed: CommittedBlock, result: FinalizeBlockResult) => void;
export type HaltListener = (error: ConsensusHaltedError) => void;

const DEFAULT_GOSSIP_INTERVAL_MS = 500;
const DEFAULT_BLOCK_TIME_DRIFT_MAX_MS = 5_000;

export class ConsensusNode {
  /** Every size limit, derived from the genesis parameters (limits.ts). */
  readonly limits: ConsensusLimits;
  private readonly options: ConsensusNodeOptions;
  private readonly validators: ValidatorSet;
  private readonly verifier: Ed25519Verifier;
  private readonly clock: Clock;
  private readonly logger: Logger | null;
  private readonly metrics: ConsensusNodeOptions['metrics'];
  private readonly queue: TaskQueue;
  private readonly timers: DriverTimers;
  private readonly quota: InputQuota;
  private readonly routine: ConsensusRoutine;
  private readonly reactor: ConsensusReactor;
  private readonly sync: BlockSync;
  private readonly txGossip: TxGossip;
  private readonly clientTxs: ClientTxs;
  private readonly gossipIntervalMs: number;
  private readonly commitListeners: CommitListener[] = [];
  private readonly haltListeners: HaltListener[] = [];
  private started = false;
  private running = false;
  private stopped = false;
  private haltError: ConsensusHaltedError | null = null;
  private signer: ConsensusSigner | null = null;
  private readonly restartGate: RestartSigningGate | null;
  private readonly ownMessages: OwnMessagesExchange;
  private gossipQueued = false;
  /** Members connected since the last status tick that ran (see ConsensusRoutine.gossipTick). */
  private arrivalsForTick = false;

  constructor(options: ConsensusNodeOptions) {
    this.options = options;
    this.validators = ValidatorSet.fromGenesis(options.genesis);
    this.verifier = options.verifier ?? new Ed25519Verifier();
    if (!this.validators.has(options.self)) throw new UnknownValidatorError(`${options.self} is not a member in genesis`);
    const member = this.validators.get(options.self)!;
    if (!bytesEqual(member.publicKey, options.signer.publicKey)) {
      throw new InvalidSignatureError(`the validator key does not match the public key genesis lists for ${options.self}`);
    }
    const context = { chainId: options.genesis.chainId, self: options.self, validators: this.validators, params: options.genesis.consensus };
    this.limits = deriveConsensusLimits(options.genesis.consensus);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? null;
    this.metrics = options.metrics ?? null;
    const tracer = options.tracer ?? null;
    this.gossipIntervalMs = options.gossipIntervalMs ?? DEFAULT_GOSSIP_INTERVAL_MS;
    // Asks again every status period; an answer older than three says little of who is still
    // there; twenty periods let members holding a quorum decide a height that took a few rounds.
    this.restartGate =
      (options.restartSigningGate ?? true)
        ? new RestartSigningGate(
            this.validators,
            options.self,
            this.clock,
            { askEveryMs: this.gossipIntervalMs, freshMs: 3 * this.gossipIntervalMs, sitOutMaxMs: 20 * this.gossipIntervalMs },
            (member) => this.ownMessages.ask(member),
            this.logger,
          )
        : null;
    const app = serializedApplication(options.app);
    const live = () => this.running && !this.stopped && this.haltError === null;
    this.queue = new TaskQueue((error) => this.halt(error));
    this.timers = new DriverTimers(this.clock, live);
    this.quota = new InputQuota(this.limits.inputQueueTasksPerPeer, this.limits.inputQueueBytesPerPeer);
    const outbound = new Outbound(options.transport, this.limits, this.metrics?.consensus ?? null, this.logger, () => !this.stopped && this.haltError === null);
    const executor = new BlockExecutor({
      genesis: options.genesis,
      context,
      app,
      store: options.store,
      mempool: options.mempool,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics?.consensus ?? null,
      snapshotIntervalBlocks: options.snapshotIntervalBlocks ?? 1,
    });
    this.routine = new ConsensusRoutine({
      context,
      validators: this.validators,
      verifier: this.verifier,
      limits: this.limits,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics ?? null,
      tracer,
      app,
      store: options.store,
      mempool: options.mempool,
      executor,
      outbound,
      queue: this.queue,
      timers: this.timers,
      gossipIntervalMs: this.gossipIntervalMs,
      blockTimeDriftMaxMs: options.blockTimeDriftMaxMs ?? DEFAULT_BLOCK_TIME_DRIFT_MAX_MS,
      commitListeners: this.commitListeners,
      syncing: () => this.sync.syncing,
      decidedClaim: () => this.sync.highestClaim,
      regossip: (txs) => {
        for (const tx of txs) this.txGossip.add(tx);
      },
    });
    this.sync = new BlockSync({
      chainId: context.chainId,
      validators: this.validators,
      verifier: this.verifier,
      limits: this.limits,
      clock: this.clock,
      transport: options.transport,
      store: options.store,
      queue: this.queue,
      routine: this.routine,
      logger: this.logger,
      metrics: this.metrics ?? null,
      tracer,
      syncLagGraceMs: options.syncLagGraceMs ?? 2_000,
      requestTimeoutMs: options.syncRequestTimeoutMs ?? 5_000,
      active: live,
    });
    this.reactor = new ConsensusReactor({
      chainId: context.chainId,
      validators: this.validators,
      verifier: this.verifier,
      limits: this.limits,
      transport: options.transport,
      mempool: options.mempool,
      queue: this.queue,
      quota: this.quota,
      routine: this.routine,
      sync: this.sync,
      logger: this.logger,
      metrics: this.metrics ?? null,
      accepting: () => !this.stopped && this.haltError === null,
      // After block sync saw it: a certificate in the status may show the height decided.
      statusHeard: () => this.restartGate?.wake(),
    });
    this.ownMessages = new OwnMessagesExchange({
      chainId: context.chainId,
      self: options.self,
      validators: this.validators,
      verifier: this.verifier,
      limits: this.limits,
      transport: options.transport,
      routine: this.routine,
      sync: this.sync,
      gate: () => this.restartGate,
      requestTimeoutMs: options.syncRequestTimeoutMs ?? 5_000,
      logger: this.logger,
      active: live,
    });
    this.txGossip = new TxGossip(
      this.clock,
      options.txFlushDelayMs ?? 5,
      { maxTxs: this.limits.txBatchMaxTxs, frameMaxBytes: this.limits.txBatchFrameMaxBytes, bytesPerSecond: this.limits.txGossipBytesPerSecond },
      { broadcast: (frame) => outbound.broadcast('tx', frame), sendTo: (member, frame) => outbound.send(member, 'tx', frame) },
      (txs) => {
        this.metrics?.consensus.outboundDroppedTotal.inc({ channel: 'tx', reason: 'budget' });
        this.logger?.warn({ txs }, 'tx gossip over its byte budget: a batch stays local (it reaches a block when this node proposes)');
      },
    );
    this.clientTxs = new ClientTxs({
      store: options.store,
      mempool: options.mempool,
      txMaxBytes: options.genesis.consensus.txMaxBytes,
      gossip: this.txGossip,
      connectedMembers: () => options.transport.connectedMembers(),
      admitted: (tx) => {
        if (this.stopped || this.haltError !== null) return;
        this.txGossip.add(tx);
        this.routine.txsAvailable();
      },
      metrics: this.metrics?.consensus ?? null,
      logger: this.logger,
    });
    // Handlers first: what peers send between now and start() waits for the routine (bounded).
    options.transport.onMessage('consensus', (from, payload) => this.reactor.onConsensusPayload(from, payload));
    options.transport.onMessage('tx', (from, payload) => this.reactor.onTxPayload(from, payload));
    options.transport.onRequest('sync', (from, payload) => (isOwnMessagesRequest(payload) ? this.ownMessages.serve(from) : this.sync.serve(from, payload)));
    this.metrics?.consensus.validators.set(this.validators.size);
    this.metrics?.consensus.emptyBlocksIntervalSeconds.set(options.genesis.consensus.emptyBlocksIntervalMs / 1000);
    this.metrics?.consensus.halted.set(0);
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /**
   * Restores the application and chain head from the store, reads the signer's last-signed
   * record, replays the WAL, reads the acknowledged transactions the store kept, joins
   * consensus, and admits those transactions again (in the background). Rejects (and halts)
   * when any of the reading fails, e.g. WalReplayError for a WAL entry that cannot be read.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('consensus node already started');
    this.started = true;
    this.running = true;
    let pendingTxs: Uint8Array[];
    try {
      const signer = await ConsensusSigner.load(this.options.genesis.chainId, this.options.signer, this.options.store, () => this.sync.highestClaim, this.restartGate);
      this.signer = signer;
      // Before the replay, which may sign.
      this.restartGate?.started(signer.lastSigned !== null);
      // The status ticks start once the head is loaded, before the WAL replay: a replay that
      // signs waits at the restart gate until members holding a quorum answer from its height,
      // and peers a height behind must hear where it is (and the certificate that backs it) to
      // sync up to it and answer from there. The simulator found a member restarted a height
      // ahead of the others, its replay waiting at the gate and no status going out (seed 8322,
      // 4 members, docs/reliability.md).
      await this.queue.run(() => this.routine.resume(signer, () => this.scheduleGossip()));
      this.restartGate?.askAll();
      // After the resume: the tx index and the application are at the store's height, so the
      // mempool refuses what was committed meanwhile.
      pendingTxs = await this.clientTxs.load();
    } catch (error) {
      this.halt(error);
      throw error;
    }
    this.reactor.drainBeforeStart();
    this.clientTxs.watchArrivals();
    // In the background: the application checks each one (a proof each, for settlement).
    this.clientTxs.readmit(pendingTxs).catch((error: unknown) => this.logger?.error({ err: error }, 'could not re-admit the acknowledged transactions the store kept'));
    this.logger?.info({ height: this.routine.head.height, member: this.options.self }, 'consensus started');
  }

  /** Sends the pending tx gossip, stops timers, gossip and sync, lets the routine finish what it started, then refuses new tasks. */
  async stop(): Promise<void> {
    // Transactions admitted in the last gossip delay still reach the peers: a client was told
    // they were accepted, and this node's mempool does not outlive the process.
    if (!this.stopped && this.haltError === null) this.txGossip.flush();
    this.stopped = true;
    this.restartGate?.close();
    this.timers.clearAllBut();
    this.txGossip.stop();
    this.sync.stop();
    this.queue.close();
    await this.queue.idle();
    // Acknowledgements being written are answered before the owner closes the store.
    await this.clientTxs.idle();
    this.routine.endSpans();
  }

  onCommit(listener: CommitListener): void {
    this.commitListeners.push(listener);
  }

  /** Called once if consensus halts on a fatal failure; the process should log, count and exit. */
  onHalt(listener: HaltListener): void {
    this.haltListeners.push(listener);
    if (this.haltError !== null) listener(this.haltError);
  }

  get halted(): ConsensusHaltedError | null {
    return this.haltError;
  }

  status(): ConsensusStatus {
    const { machine, head, futureBuffer } = this.routine;
    return {
      height: machine.height,
      round: machine.round,
      step: machine.step,
      committedHeight: head.height,
      lastBlockHash: toHex(head.blockHash),
      syncing: this.sync.syncing,
      highestPeerCommittedHeight: this.sync.highestClaim,
      mempoolSize: this.options.mempool.size,
      halted: this.haltError !== null,
      waitingForTxs: this.routine.waitingForTxs,
      queuedInputs: this.quota.tasks,
      queuedInputBytes: this.quota.bytes,
      routineTasks: this.queue.length,
      bufferedFutureMessages: futureBuffer.messages,
      bufferedFutureBytes: futureBuffer.bytes,
    };
  }

  /**
   * Admits a transaction from a client: into the mempool, into the store (accepted means
   * durable: a crash after this returns does not lose it, client-txs.ts), then gossiped to
   * every member. A failed store write refuses it as `unavailable`. The admission is a
   * consensus.check_tx span under the caller's active span (the API request); that request's
   * context stays with the mempool entry, so the commit traces the tx's stages under it
   * (tx-traces.ts).
   */
  async submitTx(tx: Uint8Array): Promise<AddTxOutcome> {
    const tracer = this.options.tracer ?? null;
    const parent = context.active();
    // Only a recorded request's context is kept: an unrecorded one would only cost the commit spans nobody receives.
    const origin = tracer !== null && sampled(parent) ? { trace: parent } : {};
    const span = tracer?.startSpan('consensus.check_tx', { attributes: { 'tx.bytes': tx.byteLength } }, parent) ?? null;
    let outcome: AddTxOutcome;
    try {
      const add = () => this.options.mempool.add(tx, origin);
      outcome = await this.clientTxs.admit(tx, () => (span === null ? add() : context.with(trace.setSpan(parent, span), add)));
      span?.setAttribute('mempool.outcome', outcome.accepted ? 'accepted' : outcome.reason);
    } finally {
      span?.end();
    }
    return outcome;
  }

  /** What the signer's stale-store guards did (signer.ts); zeros before the start. */
  get staleStore(): StaleStoreFigures {
    return this.signer?.staleStore ?? { detections: 0, fencedSignatures: 0, fencedThroughHeight: 0 };
  }

  /** Resolves when every input received so far has been processed (tests and the simulator). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // --- internals ------------------------------------------------------------------------------

  /**
   * The status tick. At most one tick waits in the queue: a routine held up (a slow application
   * call) does not pile up ticks, so the queue stays bounded by the per-peer shares and a
   * handful of the node's own events.
   */
  private scheduleGossip(): void {
    this.timers.set('gossip', this.gossipIntervalMs, () => {
      // Outside the routine: they read and add to the mempool and send, and change no consensus state.
      const arrived = this.clientTxs.sendToArrivals().length > 0;
      this.clientTxs.retryDeferred();
      // An arrival while a tick waits in the queue is carried by that tick.
      this.arrivalsForTick ||= arrived;
      // The status goes out from the timer, not the routine. A routine can wait for long: a
      // restarted node's signing gate holds it until members holding a quorum are at its height.
      // Peers behind it must still hear where it is (with the certificate that backs it) to sync
      // up to it, or nobody moves: the simulator found two restarted members waiting at a height
      // only they had reached, and two honest ones a height behind that never heard of it
      // (seed 374, 4 members, docs/reliability.md).
      this.routine.broadcastStatus();
      if (!this.gossipQueued) {
        this.gossipQueued = true;
        this.queue.push(() => {
          this.gossipQueued = false;
          const membersArrived = this.arrivalsForTick;
          this.arrivalsForTick = false;
          this.routine.gossipTick(membersArrived);
          this.sync.maybeStart();
        });
      }
      this.scheduleGossip();
    });
  }

  /** Stops consensus for good on a fatal failure; tells the listeners once. */
  private halt(error: unknown): void {
    if (this.haltError !== null) return;
    const halted = new ConsensusHaltedError(haltReason(error), { cause: error });
    this.haltError = halted;
    this.restartGate?.close();
    this.timers.clearAllBut();
    this.txGossip.stop();
    this.sync.stop();
    this.routine.endSpans();
    this.metrics?.consensus.fatalErrorsTotal.inc({ cause: halted.reason });
    this.metrics?.consensus.halted.set(1);
    this.logger?.error({ err: error, reason: halted.reason, height: this.routine.machine.height }, `consensus halted: ${halted.message}`);
    for (const listener of this.haltListeners) {
      try {
        listener(halted);
      } catch (listenerError) {
        this.logger?.error({ err: listenerError }, 'a halt listener threw');
      }
    }
  }
}

function haltReason(error: unknown): HaltReason {
  if (error instanceof WalReplayError) return 'wal_replay';
  if (error instanceof CommitFailedError) return 'commit';
  if (error instanceof PersistenceFailedError) return 'persistence';
  if (error instanceof LastSignedRecordError) return 'signer';
  if (error instanceof PendingTxsReadError) return 'persistence';
  // A damaged or closed store met outside a commit (start-up, a proposal's replay check).
  if (error instanceof StoreCorruptionError || error instanceof StoreClosedError) return 'persistence';
  return 'internal';
}
