import { context, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { ConsensusMetrics, Logger, SecurityMetrics } from '@consortium/telemetry';
import type { Application } from '../application.js';
import { blockHash } from '../block.js';
import { verifyCommitCertificate } from '../certificate.js';
import type { Ed25519Verifier } from '../crypto/ed25519.js';
import { shortHex, toHex } from '../crypto/hash.js';
import { bytesEqual } from '../encoding/canonical.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import { CommitFailedError, InvalidCertificateError, PersistenceFailedError, WalReplayError } from '../errors.js';
import type { ConsensusLimits } from '../limits.js';
import { classifyInput, initialState, step } from '../state/machine.js';
import type { ConsensusContext, ConsensusEffect, ConsensusEvent, ConsensusState, Decision, Evidence } from '../state/types.js';
import type { Block, CommitCertificate, CommittedBlock, Proposal, Vote } from '../types.js';
import type { ValidatorSet } from '../validators.js';
import { findBlockProblem, isValidProposal, type BlockCheckContext } from './block-validation.js';
import type { ChainHead } from './chain-head.js';
import type { Clock } from './clock.js';
import { encodeEvidence, evidenceHash } from './evidence-codec.js';
import { recordCommitMetrics } from './commit-metrics.js';
import { admissionsOf, TxCommitSpans, type ProposalSeen } from './tx-traces.js';
import type { BlockExecutor } from './execution.js';
import { FutureBuffer } from './future-buffer.js';
import type { Outbound } from './outbound.js';
import type { ChainStorePort, MempoolPort } from './ports.js';
import { Relay } from './relay.js';
import type { ConsensusSigner, OwnSignatureSeen } from './signer.js';
import type { TaskQueue } from './task-queue.js';
import { timeoutKey, type DriverTimers } from './timers.js';
import { decodeWalEntry, encodeWalEntry, type WalEntry } from './wal-log.js';
import { encodeConsensusMessage, type ConsensusMessage } from './wire.js';
import { emptyBlockDelayMs, startAtOnce, type HeightStartReason, type WakeReason } from './empty-blocks.js';
import type { CommitListener } from './consensus-node.js';
import type { FinalizeBlockResult } from '../application.js';

/**
 * The consensus state routine (CometBFT's state.go): the one place that changes the machine's
 * state and the chain head. Every call here runs inside the task queue. It feeds the pure
 * machine (peer messages, timeouts, its own signed messages), writes kept inputs to the WAL
 * before they take effect, and carries out the machine's effects: signing through the signer,
 * sending, timers, building and checking blocks, committing. A failure thrown from here is
 * fatal (the task queue halts the node).
 */

type Source = 'peer' | 'own' | 'timer' | 'replay';

/** A stuck height is relayed at least every this many status ticks. */
const MAX_RELAY_BACKOFF_TICKS = 16;
type HeldMessage = Exclude<ConsensusMessage, { kind: 'status' }>;

export interface RoutineDeps {
  readonly context: ConsensusContext;
  readonly validators: ValidatorSet;
  readonly verifier: Ed25519Verifier;
  readonly limits: ConsensusLimits;
  readonly clock: Clock;
  readonly logger: Logger | null;
  readonly metrics: { readonly consensus: ConsensusMetrics; readonly security: SecurityMetrics } | null;
  readonly tracer: Tracer | null;
  readonly app: Application;
  readonly store: ChainStorePort;
  readonly mempool: MempoolPort;
  readonly executor: BlockExecutor;
  readonly outbound: Outbound;
  readonly queue: TaskQueue;
  readonly timers: DriverTimers;
  readonly gossipIntervalMs: number;
  readonly blockTimeDriftMaxMs: number;
  readonly commitListeners: readonly CommitListener[];
  /** Whether block sync is fetching blocks now (no relay of a height it is leaving anyway). */
  readonly syncing: () => boolean;
  /** The highest height a verified certificate shows decided (block sync's backed claims; 0: none). */
  readonly decidedClaim: () => number;
  /** Gossips transactions of this node's mempool again (tx-gossip.ts: batched, byte-budgeted). */
  readonly regossip: (txs: readonly Uint8Array[]) => void;
}

/** What became of a block served by sync. */
export type SyncedBlockOutcome = { readonly kind: 'applied' } | { readonly kind: 'stale' } | { readonly kind: 'invalid'; readonly fault: 'bad_signature' | 'malformed'; readonly problem: string };

/** Proposals remembered per height for tracing: far more rounds than a live height takes. */
const PROPOSALS_SEEN_MAX = 64;

export class ConsensusRoutine {
  machine: ConsensusState = initialState(1);
  head: ChainHead;
  private signer: ConsensusSigner | null = null;
  /** The context the machine steps with: the live one, or the replay's without a round window. */
  private stepContext: ConsensusContext;
  private replaying = false;
  /** Timeouts scheduled during WAL replay and not yet seen fire: armed once replay ends. */
  private readonly replayPendingTimeouts = new Map<string, Extract<ConsensusEffect, { kind: 'scheduleTimeout' }>>();
  private heightSpan: Span | null = null;
  private stepEnteredMs = 0;
  private lastCommitMs: number | null = null;
  private lastGossipHeight = 0;
  /** Status ticks the current height has stalled, and the tick at which it is relayed next. */
  private stalledTicks = 0;
  private nextRelayTick = 1;
  readonly futureBuffer: FutureBuffer;
  private readonly relay: Relay;
  /**
   * Set between a commit and round 0 of the next height while the chain is idle
   * (empty-blocks.ts): the height waited for and since when. The machine is not stepped then.
   */
  private waiting: { readonly height: number; readonly sinceMs: number } | null = null;
  private wakeQueued = false;
  /** Proposals of the current height this node kept, by block hash (hex): when it saw them, for the decided one's tx spans. */
  private readonly proposalsSeen = new Map<string, ProposalSeen>();

  constructor(private readonly deps: RoutineDeps) {
    this.stepContext = deps.context;
    this.head = deps.executor.genesisHead(new Uint8Array(32));
    this.futureBuffer = new FutureBuffer(deps.limits.futureBufferMessagesPerValidator, deps.limits.futureBufferBytesPerValidator);
    this.relay = new Relay(
      {
        framesPerSecond: deps.limits.relayFramesPerSecond,
        bytesPerSecond: deps.limits.relayBytesPerSecond,
        tickMs: deps.gossipIntervalMs,
        frameMaxBytes: deps.limits.consensusFrameMaxBytes,
      },
      deps.clock.nowMs(),
    );
  }

  get started(): boolean {
    return this.signer !== null;
  }

  // --- start-up -------------------------------------------------------------------------------

  /** Restores the application and the head, calls `headLoaded` (the status ticks start there), then resumes the next height from its WAL. */
  async resume(signer: ConsensusSigner, headLoaded: () => void): Promise<void> {
    await this.deps.executor.restoreApplication();
    this.head = await this.deps.executor.loadHead();
    this.signer = signer;
    headLoaded();
    await this.enterOrWait(this.head.height + 1, true);
  }

  // --- heights --------------------------------------------------------------------------------

  /** Starts consensus at `height`; on start-up, first replays what the WAL holds for it. */
  async enterHeight(height: number, replayWal: boolean, reason: HeightStartReason = 'no_wait'): Promise<void> {
    this.deps.timers.clearAllBut('gossip');
    this.waiting = null;
    this.deps.metrics?.consensus.waitingForTxs.set(0);
    this.signerOrThrow().forgetBelow(height);
    this.stepEnteredMs = this.deps.clock.nowMs();
    this.heightSpan?.end();
    // A root: the previous height's span is active here (timers inherit the async context), and
    // each height is its own trace.
    this.heightSpan = this.deps.tracer?.startSpan('consensus.height', { root: true, attributes: { 'consensus.height': height, 'consensus.start_reason': reason } }) ?? null;
    this.proposalsSeen.clear();
    this.machine = initialState(height);
    if (replayWal) await this.replayWal(height);
    else await this.apply({ kind: 'startHeight', height }, 'own');
    // A replay that found the height decided moved on already.
    if (this.machine.height !== height) return;
    for (const message of this.futureBuffer.take(height)) await this.acceptMessage(message, 0);
    this.deps.metrics?.consensus.futureBufferBytes.set(this.futureBuffer.bytes);
  }

  /** After block sync applied blocks: join consensus at the height after the new head. */
  async joinAtHead(): Promise<void> {
    if (this.machine.height > this.head.height) return;
    this.deps.logger?.info({ height: this.head.height }, 'block sync: caught up to here, joining consensus');
    await this.enterOrWait(this.head.height + 1, false);
  }

  // --- an idle chain: waiting for transactions before round 0 (empty-blocks.ts) ------------------

  /** True while the node waits for a transaction or the empty-block interval before its next height. */
  get waitingForTxs(): boolean {
    return this.waiting !== null;
  }

  /**
   * Starts `height` at once when there is a reason to (empty-blocks.ts), or when the WAL shows
   * this node had started it before a restart; otherwise waits.
   */
  private async enterOrWait(height: number, replayWal: boolean): Promise<void> {
    const reason = startAtOnce(this.deps.context.params, this.head, this.deps.mempool.size);
    if (reason !== null) return this.enterHeight(height, replayWal, reason);
    if (replayWal && (await this.walHolds(height))) return this.enterHeight(height, true, 'no_wait');
    this.waitForTxs(height);
  }

  private async walHolds(height: number): Promise<boolean> {
    try {
      return (await this.deps.store.readWal(height)).length > 0;
    } catch (error) {
      throw new WalReplayError(height, { cause: error });
    }
  }

  private waitForTxs(height: number): void {
    const { timers, clock, context, queue, metrics } = this.deps;
    timers.clearAllBut('gossip');
    this.heightSpan?.end();
    this.heightSpan = null;
    // After a restart the machine still holds its initial state of height 1: show the decided head.
    if (this.machine.height !== height - 1) this.machine = { ...initialState(height - 1), step: 'commit' };
    const nowMs = clock.nowMs();
    this.waiting = { height, sinceMs: nowMs };
    metrics?.consensus.waitingForTxs.set(1);
    // The timer's wake bypasses queueWake's guard: the interval always ends the wait.
    timers.set('emptyBlock', emptyBlockDelayMs(context.params, this.head, nowMs), () => queue.push(() => this.wake(height, 'interval')));
    // Messages of the height that arrived before the wait began (held in the next-height buffer).
    this.wakeOnPeers(height);
  }

  /** A transaction entered the mempool (a client's or a peer's): an idle node starts its height. */
  txsAvailable(): void {
    if (this.waiting !== null) this.queueWake(this.waiting.height, 'txs');
  }

  /** At most one wake waits in the queue: a flood of transactions or messages queues one task. */
  private queueWake(height: number, reason: WakeReason): void {
    if (this.wakeQueued) return;
    this.wakeQueued = true;
    this.deps.queue.push(() => {
      this.wakeQueued = false;
      return this.wake(height, reason);
    });
  }

  private async wake(height: number, reason: WakeReason): Promise<void> {
    if (this.waiting?.height !== height) return;
    // Block sync stored that height meanwhile: joinAtHead decides about the one after the new head.
    if (height !== this.head.height + 1) return;
    const waitedMs = this.deps.clock.nowMs() - this.waiting.sinceMs;
    this.deps.metrics?.consensus.waitForTxsSeconds.observe({ until: reason }, waitedMs / 1000);
    if (!this.replaying) this.deps.logger?.debug({ height, reason, waitedMs }, 'starting the next height');
    await this.enterHeight(height, false, reason);
  }

  /**
   * While waiting, a proposal by round 0's proposer, or messages from validators holding more
   * than a third of the power (one correct validator at least has started), start the height.
   */
  private wakeOnPeers(height: number): void {
    const held = this.futureBuffer.signersAt(height);
    if (held.size === 0) return;
    if (this.deps.validators.powerOfSet(held) >= this.deps.validators.oneThirdPlusPower) {
      this.queueWake(height, 'peers');
    }
  }

  /** A message of the awaited height is held for it; a proposal from its round 0's proposer starts it. */
  private holdWhileWaiting(message: HeldMessage, height: number, bytes: number): void {
    const waiting = this.waiting!;
    if (height !== waiting.height) {
      if (height < waiting.height && message.kind === 'vote') this.deps.metrics?.consensus.lateVotesTotal.inc({ type: message.vote.type });
      if (height > waiting.height) this.deps.metrics?.consensus.droppedInputsTotal.inc({ reason: 'too_far_ahead' });
      return;
    }
    if (!this.futureBuffer.add(message, height, bytes)) this.deps.metrics?.consensus.droppedInputsTotal.inc({ reason: 'future_buffer_full' });
    this.deps.metrics?.consensus.futureBufferBytes.set(this.futureBuffer.bytes);
    // Round 0's proposer only: a proposer of a later round could otherwise start every height
    // early (and a later round is reached only with prevotes from a quorum, which wake this node).
    const { proposal } = message.kind === 'proposal' ? message : { proposal: null };
    if (proposal !== null && proposal.round === 0 && proposal.proposer === this.deps.validators.proposer(height, 0)) {
      this.queueWake(height, 'proposal');
      return;
    }
    this.wakeOnPeers(height);
  }

  private async replayWal(height: number): Promise<void> {
    const span = this.deps.tracer?.startSpan('consensus.replay', { attributes: { 'consensus.height': height } });
    const signer = this.signerOrThrow();
    let entries: WalEntry[];
    try {
      entries = (await this.deps.store.readWal(height)).map((bytes) => decodeWalEntry(bytes, this.deps.limits));
    } catch (error) {
      span?.end();
      throw new WalReplayError(height, { cause: error });
    }
    span?.setAttribute('wal.entries', entries.length);
    // What this node signed is known before anything replays: a replayed step that would sign
    // again finds its slot taken and re-uses the signature (or refuses a different value).
    for (const entry of entries) {
      if (entry.kind === 'signedVote') signer.remember(entry.vote);
      if (entry.kind === 'signedProposal') signer.remember({ ...entry.proposal, block: entry.block });
    }
    this.replaying = true;
    this.replayPendingTimeouts.clear();
    // The WAL holds only what was kept live, inside the round window of its time; replayed
    // against an earlier round it must still be kept, or a lock could be lost (see types.ts).
    this.stepContext = { ...this.deps.context, roundWindow: Number.MAX_SAFE_INTEGER };
    try {
      await this.apply({ kind: 'startHeight', height }, 'replay');
      for (const entry of entries) {
        if (this.machine.decision !== null) break;
        await this.replayEntry(entry);
      }
    } catch (error) {
      throw new WalReplayError(height, { cause: error });
    } finally {
      this.replaying = false;
      this.stepContext = this.deps.context;
      span?.end();
    }
    if (entries.length > 0) this.deps.logger?.info({ height, entries: entries.length }, 'replayed the consensus WAL');
    if (this.machine.decision !== null) {
      // The crash came between the decision and the start of the next height.
      this.replayPendingTimeouts.clear();
      await this.enterOrWait(height + 1, false);
      return;
    }
    for (const timeout of this.replayPendingTimeouts.values()) this.armTimeout(timeout);
    this.replayPendingTimeouts.clear();
    // A block requested before the crash: propose the one signed then (the signer would refuse
    // another), or build it now if it was never proposed.
    const { awaitingBlockForRound, round, step: machineStep } = this.machine;
    if (awaitingBlockForRound === round && machineStep === 'propose') {
      const signed = signer.proposalAt(height, round);
      if (signed === null) await this.buildBlock(height, round);
      else await this.apply({ kind: 'blockReady', height, round, block: signed.block, blockHash: signed.blockHash }, 'own');
    }
  }

  private async replayEntry(entry: WalEntry): Promise<void> {
    switch (entry.kind) {
      case 'signedVote':
        await this.apply({ kind: 'vote', vote: entry.vote }, 'replay');
        break;
      case 'signedProposal':
        await this.apply({ kind: 'proposal', proposal: entry.proposal, block: entry.block, blockHash: entry.proposal.blockHash, valid: true }, 'replay');
        break;
      case 'input':
        if (entry.event.kind === 'timeout') this.replayPendingTimeouts.delete(timeoutKey(entry.event.height, entry.event.round, entry.event.step));
        await this.apply(entry.event, 'replay');
        break;
    }
  }

  // --- peers' messages ------------------------------------------------------------------------

  /** True when the machine already holds this exact vote or proposal (same signer, slot and value). */
  alreadyHeld(message: ConsensusMessage): boolean {
    if (message.kind === 'status') return false;
    const height = message.kind === 'vote' ? message.vote.height : message.proposal.height;
    if (height !== this.machine.height) return false;
    if (message.kind === 'vote') {
      const { vote } = message;
      const round = this.machine.rounds.get(vote.round);
      const ballots = (vote.type === 'prevote' ? round?.prevotes : round?.precommits)?.get(vote.validator) ?? [];
      return ballots.some((ballot) => sameHash(ballot.blockHash, vote.blockHash));
    }
    const proposals = this.machine.rounds.get(message.proposal.round)?.proposals ?? [];
    return proposals.some((received) => bytesEqual(received.proposal.blockHash, message.proposal.blockHash));
  }

  /** Routes an authenticated vote or proposal by height: now, at the next height, or never. */
  async acceptMessage(message: HeldMessage, bytes: number): Promise<void> {
    const height = message.kind === 'vote' ? message.vote.height : message.proposal.height;
    // Authenticated already (reactor.ts): one signed by this node's own key tells whether its store is its newest.
    if (message.kind === 'vote' && message.vote.validator === this.deps.context.self) {
      const { vote } = message;
      this.ownSignatureSeen({ height: vote.height, round: vote.round, step: vote.type, signBytes: voteSignBytes(this.deps.context.chainId, vote) }, 'a vote from a peer');
    } else if (message.kind === 'proposal' && message.proposal.proposer === this.deps.context.self) {
      const { proposal } = message;
      this.ownSignatureSeen({ height: proposal.height, round: proposal.round, step: 'proposal', signBytes: proposalSignBytes(this.deps.context.chainId, proposal) }, 'a proposal from a peer');
    }
    if (this.waiting !== null) {
      this.holdWhileWaiting(message, height, bytes);
      return;
    }
    const current = this.machine.height;
    if (height < current) {
      if (message.kind === 'vote') this.deps.metrics?.consensus.lateVotesTotal.inc({ type: message.vote.type });
      return;
    }
    if (height > current) {
      const buffered = height === current + 1 && this.futureBuffer.add(message, height, bytes);
      if (!buffered) this.deps.metrics?.consensus.droppedInputsTotal.inc({ reason: height === current + 1 ? 'future_buffer_full' : 'too_far_ahead' });
      this.deps.metrics?.consensus.futureBufferBytes.set(this.futureBuffer.bytes);
      return;
    }
    if (message.kind === 'vote') {
      await this.apply({ kind: 'vote', vote: message.vote }, 'peer');
      return;
    }
    const { proposal, block } = message;
    const event = { kind: 'proposal' as const, proposal, block, blockHash: proposal.blockHash, valid: false };
    // Only a proposal the machine will keep is worth the block checks and the application's verdict.
    const disposition = classifyInput(this.stepContext, this.machine, event);
    if (disposition === 'ignore') {
      this.deps.metrics?.consensus.inputsTotal.inc({ disposition });
      return;
    }
    let valid = false;
    if (disposition === 'record') {
      this.noteProposal(proposal.blockHash, proposal.round, proposal.proposer);
      const verdict = await isValidProposal(block, proposal.blockHash, this.head, this.checkContext(true), this.deps.app);
      if (!verdict.valid) this.deps.logger?.warn({ height, round: proposal.round, proposer: proposal.proposer, problem: verdict.problem }, 'invalid proposal: prevoting nil');
      valid = verdict.valid;
      // Its last commit is verified now, and read before this node votes at the height.
      if (valid) this.ownPrecommitsIn(block.lastCommit, `the last commit of a proposal for height ${height}`);
    }
    await this.apply({ ...event, valid }, 'peer');
  }

  // --- the routine: one event in, effects out -------------------------------------------------

  /**
   * Steps the machine with one event and runs the effects. A peer's input or a timeout is
   * written to the WAL first, and only if the machine keeps it: duplicates, an equivocator's
   * values beyond what the machine counts, far rounds and stale timeouts never reach the disk.
   */
  private async apply(event: ConsensusEvent, source: Source): Promise<void> {
    // The height's span is the active one while the machine steps and its effects run: log
    // lines carry its trace_id and span_id (libs/telemetry's logger), spans started meanwhile are its children.
    const span = this.heightSpan;
    if (span === null) return this.applyInSpan(event, source);
    return context.with(trace.setSpan(context.active(), span), () => this.applyInSpan(event, source));
  }

  private async applyInSpan(event: ConsensusEvent, source: Source): Promise<void> {
    if ((source === 'peer' || source === 'timer') && (event.kind === 'vote' || event.kind === 'proposal' || event.kind === 'timeout')) {
      const disposition = classifyInput(this.stepContext, this.machine, event);
      this.deps.metrics?.consensus.inputsTotal.inc({ disposition });
      if (disposition === 'ignore') return;
      if (disposition === 'record') {
        try {
          await this.deps.store.appendWal(this.machine.height, encodeWalEntry({ kind: 'input', event }), false);
        } catch (error) {
          throw new PersistenceFailedError('wal', { cause: error });
        }
      }
    }
    const result = step(this.stepContext, this.machine, event);
    this.machine = result.state;
    for (const effect of result.effects) await this.runEffect(effect);
  }

  private async runEffect(effect: ConsensusEffect): Promise<void> {
    const metrics = this.deps.metrics?.consensus;
    switch (effect.kind) {
      case 'requestBlock':
        if (!this.replaying) await this.buildBlock(effect.height, effect.round);
        return;
      case 'propose':
        return this.signAndSendProposal(effect.proposal, effect.value.block);
      case 'vote':
        return this.signAndSendVote(effect.vote);
      case 'scheduleTimeout':
        if (this.replaying) this.replayPendingTimeouts.set(timeoutKey(effect.height, effect.round, effect.step), effect);
        else this.armTimeout(effect);
        return;
      case 'decide':
        return this.commitDecision(effect.height, effect.decision);
      case 'evidence':
        return this.reportEvidence(effect.evidence);
      case 'roundStarted':
        metrics?.round.set(effect.round);
        if (effect.reason !== 'new_height') {
          metrics?.roundChangesTotal.inc({ reason: effect.reason });
          if (!this.replaying) this.deps.logger?.info({ height: effect.height, round: effect.round, reason: effect.reason }, 'new round');
        }
        return;
      case 'stepChanged': {
        const now = this.deps.clock.nowMs();
        if (effect.from !== 'commit') metrics?.stepDurationSeconds.observe({ step: effect.from }, (now - this.stepEnteredMs) / 1000);
        this.stepEnteredMs = now;
        return;
      }
      case 'lateVote':
        metrics?.lateVotesTotal.inc({ type: effect.vote.type });
        return;
    }
  }

  // --- signing: the signer persists first, then the message is sent -----------------------------

  private async signAndSendVote(vote: Vote): Promise<void> {
    const outcome = await this.signerOrThrow().signVote(vote);
    if (outcome.kind === 'refused') {
      this.refusedToSign(vote.type, outcome.error);
      return;
    }
    if (outcome.kind === 'fenced') {
      this.deps.logger?.debug({ height: vote.height, round: vote.round, step: vote.type, reason: outcome.reason }, 'not signing');
      return;
    }
    // A re-used signature goes out again (peers may have missed it), except while replaying.
    if (outcome.kind === 'signed' || !this.replaying) this.deps.outbound.broadcast('consensus', encodeConsensusMessage({ kind: 'vote', vote: outcome.message }));
    await this.apply({ kind: 'vote', vote: outcome.message }, 'own');
  }

  private async signAndSendProposal(proposal: Proposal, block: Block): Promise<void> {
    const outcome = await this.signerOrThrow().signProposal(proposal, block);
    if (outcome.kind === 'refused') {
      this.refusedToSign('proposal', outcome.error);
      return;
    }
    if (outcome.kind === 'fenced') {
      this.deps.logger?.debug({ height: proposal.height, round: proposal.round, step: 'proposal', reason: outcome.reason }, 'not signing');
      return;
    }
    const signed = outcome.message;
    this.noteProposal(signed.blockHash, signed.round, signed.proposer);
    if (outcome.kind === 'signed' || !this.replaying) this.deps.outbound.broadcast('consensus', encodeConsensusMessage({ kind: 'proposal', proposal: signed, block: signed.block }));
    await this.apply({ kind: 'proposal', proposal: signed, block: signed.block, blockHash: signed.blockHash, valid: true }, 'own');
  }

  /** At most one proposal per round is kept by the machine; the bound only guards against a bug. */
  private noteProposal(hash: Uint8Array, round: number, proposer: string): void {
    if (this.deps.tracer === null || this.proposalsSeen.size >= PROPOSALS_SEEN_MAX) return;
    const key = toHex(hash);
    if (!this.proposalsSeen.has(key)) this.proposalsSeen.set(key, { atMs: this.deps.clock.nowMs(), round, proposer });
  }

  /**
   * A verified signature by this node's key: if its signer did not know it, the store is stale (a
   * restored copy) and the signer fences the heights it may have signed at (signer.ts).
   */
  private ownSignatureSeen(seen: OwnSignatureSeen, where: string): void {
    const signer = this.signer;
    if (signer === null) return;
    const fencedThrough = signer.ownSignatureSeen(seen, Math.max(this.head.height, this.deps.decidedClaim()));
    if (fencedThrough === null) return;
    this.deps.logger?.warn(
      { height: seen.height, round: seen.round, step: seen.step, where, fencedThroughHeight: fencedThrough, lastSigned: signer.lastSigned === null ? null : `${signer.lastSigned.height}/${signer.lastSigned.round}/${signer.lastSigned.step}`, securityEvent: 'stale_signer_store' },
      'this node signed beyond its last-signed record: its store is older than its key (restored from a copy?); signing nothing new up to the fenced height',
    );
  }

  /**
   * What a peer holds of this node's own messages at its height, signatures verified (the
   * restart gate's question, own-messages.ts): the fence looks at each, as at a relayed one.
   */
  ownMessagesHeld(held: { readonly votes: readonly Vote[]; readonly proposals: readonly Proposal[] }, where: string): void {
    const { chainId } = this.deps.context;
    for (const vote of held.votes) this.ownSignatureSeen({ height: vote.height, round: vote.round, step: vote.type, signBytes: voteSignBytes(chainId, vote) }, where);
    for (const proposal of held.proposals) this.ownSignatureSeen({ height: proposal.height, round: proposal.round, step: 'proposal', signBytes: proposalSignBytes(chainId, proposal) }, where);
  }

  /** Own precommits in a certificate (a block's own, or its last commit): the chain's memory of what this node signed. */
  private ownPrecommitsIn(certificate: CommitCertificate | null, where: string): void {
    if (certificate === null) return;
    const { self, chainId } = this.deps.context;
    for (const { validator } of certificate.signatures) {
      if (validator !== self) continue;
      const vote = { type: 'precommit' as const, height: certificate.height, round: certificate.round, blockHash: certificate.blockHash, validator };
      this.ownSignatureSeen({ height: vote.height, round: vote.round, step: 'precommit', signBytes: voteSignBytes(chainId, vote) }, where);
    }
  }

  private refusedToSign(message: 'proposal' | 'prevote' | 'precommit', error: Error): void {
    this.deps.metrics?.security.doubleSignRefusalsTotal.inc({ message });
    this.deps.logger?.error({ err: error, securityEvent: 'double_sign_refused' }, 'double sign refused');
  }

  private signerOrThrow(): ConsensusSigner {
    if (this.signer === null) throw new Error('the consensus routine has not been resumed yet');
    return this.signer;
  }

  // --- blocks ---------------------------------------------------------------------------------

  private async buildBlock(height: number, round: number): Promise<void> {
    const block = await this.deps.executor.buildBlock(height, this.head);
    await this.apply({ kind: 'blockReady', height, round, block, blockHash: blockHash(block) }, 'own');
  }

  /** Block checks; proposals also get the upper bound on their time (the local clock plus the allowed drift). */
  private checkContext(proposal: boolean): BlockCheckContext {
    const { context, validators, verifier, store, clock, blockTimeDriftMaxMs } = this.deps;
    const base = { chainId: context.chainId, params: context.params, validators, verifier, store };
    return proposal ? { ...base, maxTimeMs: clock.nowMs() + blockTimeDriftMaxMs } : base;
  }

  private async commitDecision(height: number, decision: Decision): Promise<void> {
    const { block } = decision.value;
    if (height <= this.head.height) {
      // Block sync stored this height (checked against its certificate) while the machine was
      // deciding it: nothing to execute again (the store would refuse the height, and the node
      // halt; sim seed 260, 4 members). The same block, unless more than a third signed two.
      if (height === this.head.height && !bytesEqual(this.head.blockHash, decision.value.hash)) {
        throw new CommitFailedError(height, { cause: new Error(`decided block ${shortHex(decision.value.hash)} but block sync stored ${shortHex(this.head.blockHash)} at this height`) });
      }
      this.deps.logger?.info({ height, round: decision.round, hash: shortHex(decision.value.hash) }, 'decided a height block sync had stored already');
    } else {
      await this.applyCommitted({ block, certificate: decision.certificate }, { proposal: this.proposalsSeen.get(toHex(decision.value.hash)) ?? null });
      this.deps.logger?.info({ height, round: decision.round, txs: block.txs.length, hash: shortHex(decision.value.hash) }, 'committed block');
      this.heightSpan?.setAttributes({ 'consensus.rounds': decision.round + 1, 'consensus.txs': block.txs.length, 'consensus.proposer': block.header.proposer });
      // Rounds of heights this node decided itself; a height block sync brought took none here.
      this.deps.metrics?.consensus.blockRounds.observe(decision.round + 1);
    }
    this.heightSpan?.end();
    this.heightSpan = null;
    if (this.replaying) return; // decided from the WAL alone: replayWal moves on once replay ends
    this.deps.timers.clearAllBut('gossip');
    // The next height is the one after the head, wherever block sync took it meanwhile.
    this.deps.timers.set('commit', this.deps.context.params.timeoutCommitMs, () => {
      this.deps.queue.push(() => (this.machine.height <= this.head.height && this.waiting === null ? this.enterOrWait(this.head.height + 1, false) : undefined));
    });
  }

  /**
   * A block served by block sync: checked against the head (certificate, chain link, contents)
   * and, if it is the next one, executed and stored. A height consensus decided meanwhile is
   * stale, not a fault.
   */
  async applySyncedBlock(committed: CommittedBlock): Promise<SyncedBlockOutcome> {
    const { block, certificate } = committed;
    const height = this.head.height + 1;
    if (block.header.height < height) return { kind: 'stale' };
    if (block.header.height !== height) return { kind: 'invalid', fault: 'malformed', problem: `block ${block.header.height} served where ${height} was asked` };
    const hash = blockHash(block);
    try {
      verifyCommitCertificate(certificate, { chainId: this.deps.context.chainId, height, blockHash: hash }, this.deps.validators, this.deps.verifier);
    } catch (error) {
      if (error instanceof InvalidCertificateError) return { kind: 'invalid', fault: 'bad_signature', problem: error.message };
      throw error;
    }
    const problem = await findBlockProblem(block, hash, this.head, this.checkContext(false));
    if (problem !== null) return { kind: 'invalid', fault: 'malformed', problem: `synced block ${height}: ${problem}` };
    await this.applyCommitted(committed, null);
    this.deps.metrics?.consensus.syncedBlocksTotal.inc();
    return { kind: 'applied' };
  }

  /**
   * `decided`: this node's consensus decided the block (its height span is the block's), with
   * `proposal` as this node saw it when it did; false for a block from block sync, whose height
   * this node's spans did not cover.
   */
  private async applyCommitted(committed: CommittedBlock, decided: { readonly proposal: ProposalSeen | null } | null): Promise<void> {
    // Read before the commit: it removes the block's txs from the mempool.
    const admissions = admissionsOf(committed.block, this.deps.mempool);
    const heightSpan = decided === null ? null : this.heightSpan;
    const txSpans = TxCommitSpans.start(committed.block, admissions, this.deps.tracer, { nowMs: this.deps.clock.nowMs(), heightSpan, proposal: decided?.proposal ?? null });
    const { head, result } = await this.deps.executor.commit(committed, txSpans.contexts());
    this.head = head;
    // Verified before the commit (the certificate by verifyCommitCertificate or this node's own tally, the last commit by the block checks).
    this.ownPrecommitsIn(committed.certificate, `the certificate of block ${head.height}`);
    this.ownPrecommitsIn(committed.block.lastCommit, `the last commit of block ${head.height}`);
    const nowMs = this.deps.clock.nowMs();
    txSpans.end(nowMs);
    recordCommitMetrics(committed, { nowMs, lastCommitMs: this.lastCommitMs, heightSpan, admissions, traced: txSpans.tracedIndexes }, this.deps);
    this.lastCommitMs = nowMs;
    this.notifyCommit(committed, result);
  }

  private notifyCommit(committed: CommittedBlock, result: FinalizeBlockResult): void {
    for (const listener of this.deps.commitListeners) {
      try {
        listener(committed, result);
      } catch (error) {
        // A listener's failure is its own (an API's cache, a test's check), not consensus's.
        this.deps.logger?.error({ err: error, height: committed.block.header.height }, 'a commit listener threw');
      }
    }
  }

  private async reportEvidence(evidence: Evidence): Promise<void> {
    const [who, message] = evidence.kind === 'duplicateVote' ? [evidence.first.validator, evidence.first.type] : [evidence.first.proposer, 'proposal' as const];
    this.deps.metrics?.security.equivocationsTotal.inc({ member: who, message });
    const { height, round } = evidence.first;
    this.deps.logger?.warn({ member: who, message, height, round, securityEvent: 'equivocation' }, 'equivocation: a validator signed two different messages for one height, round and step');
    const record = encodeEvidence(evidence);
    try {
      await this.deps.store.saveEvidence(height, evidenceHash(record), record);
    } catch (error) {
      throw new PersistenceFailedError('evidence', { cause: error });
    }
  }

  // --- timers ---------------------------------------------------------------------------------

  private armTimeout(effect: Extract<ConsensusEffect, { kind: 'scheduleTimeout' }>): void {
    const { height, round, step: timeoutStep } = effect;
    this.deps.timers.set(timeoutKey(height, round, timeoutStep), effect.delayMs, () => {
      this.deps.queue.push(() => {
        if (timeoutStep === 'propose' && round === 0) this.regossipHeldTxs(height);
        return this.apply({ kind: 'timeout', height, round, step: timeoutStep }, 'timer');
      });
    });
  }

  /**
   * Round 0 brought no proposal while this node holds transactions: the proposer may be waiting
   * for transactions because their one gossip never reached it (a lost frame, a batch over the
   * byte budget). One frame of them goes out again, so a transaction that reached only a
   * non-proposer does not wait for its holder's turn to propose.
   */
  private regossipHeldTxs(height: number): void {
    const { machine, deps } = this;
    if (machine.height !== height || machine.round !== 0 || deps.mempool.size === 0) return;
    if (deps.validators.proposer(height, 0) === deps.context.self || (machine.rounds.get(0)?.proposals.length ?? 0) > 0) return;
    const txs = deps.mempool.reap(deps.limits.txBatchFrameMaxBytes, deps.limits.txBatchMaxTxs);
    if (txs.length > 0) deps.regossip(txs);
  }

  // --- status and relay -----------------------------------------------------------------------

  /** Where this node is; the certificate of its last block backs its committed height. */
  statusMessage(): Extract<ConsensusMessage, { kind: 'status' }> {
    const { height, round } = this.machine;
    const status = { kind: 'status' as const, height, round, committedHeight: this.head.height };
    return this.head.certificate === null ? status : { ...status, certificate: this.head.certificate };
  }

  /** Broadcasts where this node is (reads only: the status tick sends it outside the routine). */
  broadcastStatus(): void {
    this.deps.outbound.broadcast('consensus', encodeConsensusMessage(this.statusMessage()));
  }

  /**
   * One status tick's relay (its status went out already, broadcastStatus): if the height has
   * not moved since the last tick, relay it: after 1, 2, 4, 8 and 16 stalled ticks, then every 16 ticks. A
   * height that is merely slow (a block of tens of MiB takes seconds to check) is not relayed
   * every tick; one that is stuck still is, within the per-tick budget. A member that connected
   * since the last tick (`membersArrived`: a healed partition, a restart) may lack every message
   * of the stalled height, so the height is relayed at once, from the top of the relay order (a
   * new pass, relay.ts), instead of at the back-off's next turn (up to 16 ticks later): the chain
   * resumes within its round timeouts of the network healing.
   */
  gossipTick(membersArrived = false): void {
    const { height } = this.machine;
    if (this.lastGossipHeight !== height) {
      this.lastGossipHeight = height;
      this.stalledTicks = 0;
      this.nextRelayTick = 1;
      return;
    }
    this.stalledTicks += 1;
    if (membersArrived) {
      this.nextRelayTick = Math.min(this.nextRelayTick, this.stalledTicks);
      this.relay.restartPass();
    }
    // Stalled: peers may have missed messages (loss, a restart, an equivocator).
    if (this.stalledTicks < this.nextRelayTick || this.deps.syncing() || this.machine.step === 'commit' || this.waiting !== null) return;
    this.nextRelayTick = this.stalledTicks + Math.min(MAX_RELAY_BACKOFF_TICKS, this.nextRelayTick);
    const sent = this.relay.relay(this.machine, this.deps.clock.nowMs(), (payload) => this.deps.outbound.broadcast('consensus', payload));
    this.deps.metrics?.consensus.relayedMessagesTotal.inc(sent.messages);
    this.deps.metrics?.consensus.relayedBytesTotal.inc(sent.bytes);
  }

  endSpans(): void {
    this.heightSpan?.end();
    this.heightSpan = null;
  }
}

function sameHash(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}
