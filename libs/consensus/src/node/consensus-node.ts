import type { Span, Tracer } from '@opentelemetry/api';
import type { ConsensusMetrics, Logger, SecurityMetrics } from '@consortium/telemetry';
import type { Application, FinalizeBlockResult } from '../application.js';
import { blockHash, certificateHash, genesisHash, txHash, txsHash } from '../block.js';
import { verifyCommitCertificate } from '../certificate.js';
import { Ed25519Verifier, type Ed25519Signer } from '../crypto/ed25519.js';
import { shortHex, toHex } from '../crypto/hash.js';
import { bytesEqual, encodeCanonical } from '../encoding/canonical.js';
import { blockToCbor } from '../encoding/codec.js';
import { DoubleSignRefusedError, InvalidBlockError, InvalidInputError, InvalidSignatureError, UnknownValidatorError } from '../errors.js';
import type { Genesis, MemberId } from '../genesis/types.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import { initialState, step } from '../state/machine.js';
import type { ConsensusContext, ConsensusEffect, ConsensusEvent, ConsensusState, Decision, Evidence, Step } from '../state/types.js';
import type { Transport } from '../transport.js';
import type { Block, CommittedBlock, Proposal, SignedProposal, SignedVote, Vote } from '../types.js';
import { ValidatorSet } from '../validators.js';
import { findBlockProblem, isValidProposal, type BlockCheckContext } from './block-validation.js';
import type { ChainHead } from './chain-head.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import type { ChainStorePort, MempoolPort, AddTxOutcome } from './ports.js';
import { TaskQueue } from './task-queue.js';
import { TxGossip } from './tx-gossip.js';
import { decodeWalEntry, encodeWalEntry, signingSlot, type WalEntry } from './wal-log.js';
import { encodeEvidence, evidenceHash } from './evidence-codec.js';
import {
  blocksResponseMaxBytes,
  decodeBlocksRequest,
  decodeBlocksResponse,
  decodeConsensusMessage,
  decodeTxBatch,
  encodeBlocksRequest,
  encodeBlocksResponse,
  encodeConsensusMessage,
  encodeTxBatch,
  MAX_BLOCKS_PER_RESPONSE,
  type ConsensusMessage,
  type WireLimits,
} from './wire.js';

/**
 * The consensus driver: one routine (a task queue) feeds the pure state machine with peers'
 * messages, timeouts and its own signed messages, and carries out the machine's effects:
 * signing (after the WAL is synced), broadcasting, timers, building and validating blocks,
 * committing decided blocks to the application and the store. Around it: transaction intake
 * and gossip, status gossip, re-sending its own messages when a height stalls, and block sync
 * when peers are ahead.
 *
 * Everything it touches comes in through its options (clock, transport, store, application),
 * so the deterministic simulator runs this same code.
 */

export interface ConsensusNodeOptions {
  readonly genesis: Genesis;
  readonly self: MemberId;
  readonly signer: Ed25519Signer;
  readonly app: Application;
  readonly store: ChainStorePort;
  readonly mempool: MempoolPort;
  readonly transport: Transport;
  readonly clock?: Clock;
  readonly logger?: Logger | null;
  readonly metrics?: { readonly consensus: ConsensusMetrics; readonly security: SecurityMetrics } | null;
  readonly tracer?: Tracer | null;
  /** Take an application snapshot every this many blocks (1: every block). */
  readonly snapshotIntervalBlocks?: number;
  /** Status broadcast period; a height stalled this long has its own messages re-sent. */
  readonly gossipIntervalMs?: number;
  /** A peer one height ahead for this long makes the node fetch the block instead of waiting. */
  readonly syncLagGraceMs?: number;
  readonly syncRequestTimeoutMs?: number;
  readonly txFlushDelayMs?: number;
}

export interface ConsensusStatus {
  readonly height: number;
  readonly round: number;
  readonly step: Step;
  readonly committedHeight: number;
  readonly lastBlockHash: string;
  readonly syncing: boolean;
  /** Highest committed height a peer has reported (0 when none has). */
  readonly highestPeerCommittedHeight: number;
  readonly mempoolSize: number;
}

export interface ConsensusResourceUsage {
  readonly taskQueueLength: number;
  readonly bufferedFutureMessages: number;
  readonly bufferedFutureMessageBytes: number;
}

export type CommitListener = (committed: CommittedBlock, result: FinalizeBlockResult) => void;

const MAX_BUFFERED_FUTURE_MESSAGES = 4096;
const MAX_RELAYED_MESSAGES_PER_TICK = 512;
const SYNC_BATCH_BLOCKS = 16;
const BUFFERED_MESSAGE_OVERHEAD_BYTES = 1024;

type Source = 'peer' | 'own' | 'timer' | 'replay';

export class ConsensusNode {
  private readonly genesis: Genesis;
  private readonly context: ConsensusContext;
  private readonly validators: ValidatorSet;
  private readonly verifier = new Ed25519Verifier();
  private readonly clock: Clock;
  private readonly logger: Logger | null;
  private readonly metrics: ConsensusNodeOptions['metrics'];
  private readonly tracer: Tracer | null;
  private readonly limits: WireLimits;
  private readonly queue: TaskQueue;
  private readonly txGossip: TxGossip;
  private readonly options: ConsensusNodeOptions;

  private machine: ConsensusState;
  private head!: ChainHead;
  /** Own signed messages of the current and recent heights, by slot (height/round/step). */
  private signed = new Map<string, SignedVote | (SignedProposal & { readonly block: Block })>();
  private timers = new Map<string, TimerHandle>();
  private futureMessages: ConsensusMessage[] = [];
  private readonly peerCommittedHeight = new Map<MemberId, number>();
  private laggingSinceMs: number | null = null;
  private syncing = false;
  private started = false;
  private stopped = false;
  private replaying = false;
  /** Timeouts scheduled during WAL replay and not yet seen fire: armed once replay ends. */
  private replayPendingTimeouts = new Map<string, Extract<ConsensusEffect, { kind: 'scheduleTimeout' }>>();
  private heightSpan: Span | null = null;
  private heightStartedMs = 0;
  private stepEnteredMs = 0;
  private lastCommitMs: number | null = null;
  private lastGossipHeight = 0;
  private readonly commitListeners: CommitListener[] = [];

  constructor(options: ConsensusNodeOptions) {
    this.options = options;
    this.genesis = options.genesis;
    this.validators = ValidatorSet.fromGenesis(options.genesis);
    if (!this.validators.has(options.self)) throw new UnknownValidatorError(`${options.self} is not a member in genesis`);
    const member = this.validators.get(options.self)!;
    if (!bytesEqual(member.publicKey, options.signer.publicKey)) {
      throw new InvalidSignatureError(`the validator key does not match the public key genesis lists for ${options.self}`);
    }
    this.context = { chainId: options.genesis.chainId, self: options.self, validators: this.validators, params: options.genesis.consensus };
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? null;
    this.metrics = options.metrics ?? null;
    this.tracer = options.tracer ?? null;
    const { blockMaxBytes, blockMaxTxs, txMaxBytes } = options.genesis.consensus;
    this.limits = { blockMaxBytes, blockMaxTxs, txMaxBytes };
    this.machine = initialState(1);
    this.queue = new TaskQueue((error) => this.logger?.error({ err: error }, 'consensus task failed'));
    this.txGossip = new TxGossip(this.clock, options.txFlushDelayMs ?? 5, (txs) => this.options.transport.broadcast('tx', encodeTxBatch(txs)));
    this.metrics?.consensus.validators.set(this.validators.size);
  }

  // --- lifecycle ------------------------------------------------------------------------------

  /** Restores the application and chain head from the store, replays the WAL, joins consensus. */
  async start(): Promise<void> {
    if (this.started) throw new Error('consensus node already started');
    this.started = true;
    await this.restoreApplication();
    this.head = await this.loadHead();
    const { transport } = this.options;
    transport.onMessage('consensus', (from, payload) => this.onConsensusPayload(from, payload));
    transport.onMessage('tx', (from, payload) => this.onTxPayload(from, payload));
    transport.onRequest('sync', (from, payload) => this.serveBlocks(from, payload));
    await this.queue.push(() => this.enterHeight(this.head.height + 1, true));
    this.scheduleGossip();
    this.logger?.info({ height: this.head.height, member: this.options.self }, 'consensus started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) this.clock.clearTimer(timer);
    this.timers.clear();
    this.txGossip.stop();
    await this.queue.idle();
    this.heightSpan?.end();
  }

  onCommit(listener: CommitListener): void {
    this.commitListeners.push(listener);
  }

  status(): ConsensusStatus {
    return {
      height: this.machine.height,
      round: this.machine.round,
      step: this.machine.step,
      committedHeight: this.head.height,
      lastBlockHash: toHex(this.head.blockHash),
      syncing: this.syncing,
      highestPeerCommittedHeight: Math.max(0, ...this.peerCommittedHeight.values()),
      mempoolSize: this.options.mempool.size,
    };
  }

  /**
   * What the node holds for later, read-only: tasks waiting on the consensus routine, and
   * messages buffered for the next height (bytes: their transactions plus 1 KiB each for
   * header, signature and framing). For resource-bound checks (the simulator) and operators.
   */
  resourceUsage(): ConsensusResourceUsage {
    let bytes = 0;
    for (const message of this.futureMessages) {
      bytes += BUFFERED_MESSAGE_OVERHEAD_BYTES;
      if (message.kind === 'proposal') for (const tx of message.block.txs) bytes += tx.byteLength;
    }
    return { taskQueueLength: this.queue.length, bufferedFutureMessages: this.futureMessages.length, bufferedFutureMessageBytes: bytes };
  }

  /** Admits a transaction from a client: into the mempool, then gossiped to every member. */
  async submitTx(tx: Uint8Array): Promise<AddTxOutcome> {
    const outcome = await this.options.mempool.add(tx);
    if (outcome.accepted) this.txGossip.add(tx);
    return outcome;
  }

  /** Resolves when every input received so far has been processed (tests and the simulator). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  // --- start-up -------------------------------------------------------------------------------

  private async restoreApplication(): Promise<void> {
    const { app, store } = this.options;
    const latest = store.latestHeight();
    let appHeight = (await app.info()).lastHeight;
    if (appHeight > latest) throw new Error(`the application is at height ${appHeight}, ahead of the block store at ${latest}`);
    if (appHeight < latest) {
      const snapshot = await store.latestAppSnapshot();
      if (snapshot !== null && snapshot.height > appHeight && snapshot.height <= latest) {
        await app.restore(snapshot.snapshot, snapshot.height);
        appHeight = snapshot.height;
      }
    }
    // Blocks after the snapshot are executed again: deterministic, so the state comes out the same.
    for (let height = appHeight + 1; height <= latest; height++) {
      const committed = await store.getCommittedBlock(height);
      if (committed === null) throw new Error(`block ${height} is missing from the store`);
      await app.finalizeBlock({ header: committed.block.header, txs: committed.block.txs });
      await app.commit();
    }
  }

  private async loadHead(): Promise<ChainHead> {
    const latest = this.options.store.latestHeight();
    const appHash = (await this.options.app.info()).appHash;
    if (latest === 0) return { height: 0, blockHash: genesisHash(this.genesis), timeMs: this.genesis.genesisTimeMs, appHash, certificate: null };
    const committed = await this.options.store.getCommittedBlock(latest);
    if (committed === null) throw new Error(`block ${latest} is missing from the store`);
    return { height: latest, blockHash: committed.certificate.blockHash, timeMs: committed.block.header.timeMs, appHash, certificate: committed.certificate };
  }

  // --- heights --------------------------------------------------------------------------------

  /** Starts consensus at `height`; on start-up, first replays what the WAL holds for it. */
  private async enterHeight(height: number, replayWal: boolean): Promise<void> {
    this.clearHeightTimers();
    this.signed = new Map([...this.signed].filter(([, message]) => message.height >= height - 1));
    this.heightStartedMs = this.clock.nowMs();
    this.stepEnteredMs = this.heightStartedMs;
    this.laggingSinceMs = null;
    this.heightSpan = this.tracer?.startSpan('consensus.height', { attributes: { 'consensus.height': height } }) ?? null;
    this.machine = initialState(height);
    if (replayWal) await this.replayWal(height);
    else await this.apply({ kind: 'startHeight', height }, 'own');
    const buffered = this.futureMessages.filter((message) => messageHeight(message) === height);
    this.futureMessages = this.futureMessages.filter((message) => messageHeight(message) > height);
    for (const message of buffered) await this.acceptMessage(message);
  }

  private async replayWal(height: number): Promise<void> {
    const entries = (await this.options.store.readWal(height)).map((bytes) => decodeWalEntry(bytes, this.limits));
    // What this node signed is known before anything replays: a replayed step that would sign
    // again finds its slot taken and re-uses the signature (or refuses a different value).
    for (const entry of entries) {
      if (entry.kind === 'signedVote') this.signed.set(signingSlot(entry.vote.height, entry.vote.round, entry.vote.type), entry.vote);
      if (entry.kind === 'signedProposal') this.signed.set(signingSlot(height, entry.proposal.round, 'proposal'), { ...entry.proposal, block: entry.block });
    }
    this.replaying = true;
    this.replayPendingTimeouts.clear();
    try {
      await this.apply({ kind: 'startHeight', height }, 'replay');
      for (const entry of entries) {
        if (this.machine.decision !== null) break;
        await this.replayEntry(entry);
      }
    } finally {
      this.replaying = false;
    }
    if (entries.length > 0) this.logger?.info({ height, entries: entries.length }, 'replayed the consensus WAL');
    if (this.machine.decision !== null) {
      // The crash came between the decision and the start of the next height.
      this.replayPendingTimeouts.clear();
      await this.enterHeight(height + 1, false);
      return;
    }
    for (const timeout of this.replayPendingTimeouts.values()) this.armTimeout(timeout);
    this.replayPendingTimeouts.clear();
    // A block requested before the crash and never proposed: build it now.
    if (this.machine.awaitingBlockForRound === this.machine.round && this.machine.step === 'propose') {
      await this.buildBlock(this.machine.height, this.machine.round);
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

  // --- the routine: one event in, effects out -------------------------------------------------

  /** Logs an input (unless it is the node's own or a replay), steps the machine, runs the effects. */
  private async apply(event: ConsensusEvent, source: Source): Promise<void> {
    if ((source === 'peer' || source === 'timer') && (event.kind === 'vote' || event.kind === 'proposal' || event.kind === 'timeout')) {
      await this.options.store.appendWal(this.machine.height, encodeWalEntry({ kind: 'input', event }), false);
    }
    const result = step(this.context, this.machine, event);
    this.machine = result.state;
    for (const effect of result.effects) await this.runEffect(effect);
  }

  private async runEffect(effect: ConsensusEffect): Promise<void> {
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
        this.metrics?.consensus.round.set(effect.round);
        if (effect.reason !== 'new_height') {
          this.metrics?.consensus.roundChangesTotal.inc({ reason: effect.reason });
          if (!this.replaying) this.logger?.info({ height: effect.height, round: effect.round, reason: effect.reason }, 'new round');
        }
        return;
      case 'stepChanged': {
        const now = this.clock.nowMs();
        if (effect.from !== 'commit') this.metrics?.consensus.stepDurationSeconds.observe({ step: effect.from }, (now - this.stepEnteredMs) / 1000);
        this.stepEnteredMs = now;
        return;
      }
      case 'lateVote':
        this.metrics?.consensus.lateVotesTotal.inc({ type: effect.vote.type });
        return;
    }
  }

  // --- signing: WAL first, then send ----------------------------------------------------------

  private async signAndSendVote(vote: Vote): Promise<void> {
    const slot = signingSlot(vote.height, vote.round, vote.type);
    const earlier = this.signed.get(slot);
    if (earlier !== undefined && 'type' in earlier) {
      if (!sameHash(earlier.blockHash, vote.blockHash)) {
        const error = new DoubleSignRefusedError(`refusing to sign a second ${vote.type} at ${slot}: already signed ${shortHex(earlier.blockHash)}`);
        this.logger?.error({ err: error }, 'double sign refused');
        return;
      }
      if (!this.replaying) this.options.transport.broadcast('consensus', encodeConsensusMessage({ kind: 'vote', vote: earlier }));
      return;
    }
    const signed: SignedVote = { ...vote, signature: this.options.signer.sign(voteSignBytes(this.context.chainId, vote)) };
    await this.options.store.appendWal(vote.height, encodeWalEntry({ kind: 'signedVote', vote: signed }), true);
    this.signed.set(slot, signed);
    this.options.transport.broadcast('consensus', encodeConsensusMessage({ kind: 'vote', vote: signed }));
    await this.apply({ kind: 'vote', vote: signed }, 'own');
  }

  private async signAndSendProposal(proposal: Proposal, block: Block): Promise<void> {
    const slot = signingSlot(proposal.height, proposal.round, 'proposal');
    const earlier = this.signed.get(slot);
    if (earlier !== undefined && 'proposer' in earlier) {
      if (!bytesEqual(earlier.blockHash, proposal.blockHash)) {
        this.logger?.error({ slot }, 'double sign refused: a different proposal was already signed for this round');
        return;
      }
      if (!this.replaying) this.options.transport.broadcast('consensus', encodeConsensusMessage({ kind: 'proposal', proposal: earlier, block: earlier.block }));
      return;
    }
    const signed: SignedProposal = { ...proposal, signature: this.options.signer.sign(proposalSignBytes(this.context.chainId, proposal)) };
    await this.options.store.appendWal(proposal.height, encodeWalEntry({ kind: 'signedProposal', proposal: signed, block }), true);
    this.signed.set(slot, { ...signed, block });
    this.options.transport.broadcast('consensus', encodeConsensusMessage({ kind: 'proposal', proposal: signed, block }));
    await this.apply({ kind: 'proposal', proposal: signed, block, blockHash: signed.blockHash, valid: true }, 'own');
  }

  // --- blocks ---------------------------------------------------------------------------------

  private async buildBlock(height: number, round: number): Promise<void> {
    const { params } = this.context;
    const candidates = this.options.mempool.reap(params.blockMaxBytes, params.blockMaxTxs);
    const txs = await this.options.app.prepareProposal({ height, txs: candidates, maxBytes: params.blockMaxBytes });
    const head = this.head;
    const block: Block = {
      header: {
        chainId: this.context.chainId,
        height,
        timeMs: Math.max(this.clock.nowMs(), head.timeMs + 1),
        proposer: this.context.self,
        previousBlockHash: head.blockHash,
        lastCommitHash: certificateHash(head.certificate),
        txsHash: txsHash(txs),
        appHash: head.appHash,
      },
      txs,
      lastCommit: head.certificate,
    };
    await this.apply({ kind: 'blockReady', height, round, block, blockHash: blockHash(block) }, 'own');
  }

  private checkContext(): BlockCheckContext {
    return { chainId: this.context.chainId, params: this.context.params, validators: this.validators, verifier: this.verifier, store: this.options.store };
  }

  private async commitDecision(height: number, decision: Decision): Promise<void> {
    const { block } = decision.value;
    await this.applyCommittedBlock({ block, certificate: decision.certificate });
    const rounds = decision.round + 1;
    this.logger?.info({ height, round: decision.round, txs: block.txs.length, hash: shortHex(decision.value.hash) }, 'committed block');
    this.heightSpan?.setAttributes({ 'consensus.rounds': rounds, 'consensus.txs': block.txs.length, 'consensus.proposer': block.header.proposer });
    this.heightSpan?.end();
    this.heightSpan = null;
    if (this.replaying) return; // decided from the WAL alone: replayWal moves on once replay ends
    this.clearHeightTimers();
    this.setTimer('commit', this.context.params.timeoutCommitMs, () => {
      void this.queue.push(() => (this.machine.height === height && !this.syncing ? this.enterHeight(height + 1, false) : undefined));
    });
  }

  /**
   * Executes and stores a decided block (from consensus or from sync): the application runs it,
   * the store keeps it with its certificate, the application commits, the mempool drops its txs.
   */
  private async applyCommittedBlock(committed: CommittedBlock): Promise<FinalizeBlockResult> {
    const { app, store, mempool } = this.options;
    const { block, certificate } = committed;
    const height = block.header.height;
    const result = await app.finalizeBlock({ header: block.header, txs: block.txs });
    await store.saveCommittedBlock(committed);
    await app.commit();
    if (height % (this.options.snapshotIntervalBlocks ?? 1) === 0) await store.saveAppSnapshot(height, await app.snapshot());
    const nowMs = this.clock.nowMs();
    this.recordCommitMetrics(committed, nowMs);
    // update() removes the committed txs at once; the recheck of the rest runs in the background
    // (behind the mempool's own queue), so a full pool never delays the next height.
    mempool.update(height, block.txs).catch((error: unknown) => this.logger?.error({ err: error }, 'mempool update failed'));
    this.head = { height, blockHash: certificate.blockHash, timeMs: block.header.timeMs, appHash: result.appHash, certificate };
    await store.pruneWal(height);
    for (const listener of this.commitListeners) listener(committed, result);
    return result;
  }

  private recordCommitMetrics(committed: CommittedBlock, nowMs: number): void {
    const { block, certificate } = committed;
    const m = this.metrics?.consensus;
    if (m !== undefined) {
      m.height.set(block.header.height);
      m.committedTxsTotal.inc(block.txs.length);
      m.blockTxs.observe(block.txs.length);
      m.blockSizeBytes.observe(encodeCanonical(blockToCbor(block)).byteLength);
      m.blocksProposedTotal.inc({ member: block.header.proposer });
      if (this.lastCommitMs !== null) m.blockIntervalSeconds.observe((nowMs - this.lastCommitMs) / 1000);
      const signers = new Set(certificate.signatures.map((s) => s.validator));
      const missing = this.validators.members.filter((member) => !signers.has(member.id));
      m.missingValidators.set(missing.length);
      for (const member of missing) m.missedBlocksTotal.inc({ member: member.id });
    }
    this.lastCommitMs = nowMs;
    const heightContext = this.heightSpan?.spanContext();
    for (const tx of block.txs) {
      const hash = txHash(tx);
      const admittedMs = this.options.mempool.admittedAtMs(hash);
      if (admittedMs === undefined) continue;
      m?.finalitySeconds.observe((nowMs - admittedMs) / 1000);
      if (this.tracer !== null) {
        const span = this.tracer.startSpan('consensus.tx', {
          startTime: admittedMs,
          attributes: { 'tx.hash': toHex(hash), 'consensus.height': block.header.height },
          links: heightContext === undefined ? [] : [{ context: heightContext }],
        });
        span.end(nowMs);
      }
    }
  }

  // --- messages from peers --------------------------------------------------------------------

  private onConsensusPayload(from: MemberId, payload: Uint8Array): void {
    if (this.stopped) return;
    let message: ConsensusMessage;
    try {
      message = decodeConsensusMessage(payload, this.limits);
      // Relays and retransmissions repeat what we hold: skip them before paying for a signature check.
      if (this.alreadyHeld(message)) return;
      this.authenticate(message);
    } catch (error) {
      this.rejectInput(from, error);
      return;
    }
    if (message.kind === 'status') {
      this.onStatus(from, message);
      return;
    }
    if (this.syncing) return; // the blocks will come with their certificates
    void this.queue.push(() => this.acceptMessage(message));
  }

  /** True when the machine already holds this exact vote or proposal (same signer, slot and value). */
  private alreadyHeld(message: ConsensusMessage): boolean {
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

  /** Checks signatures and signers before anything is queued: forged input never reaches the machine. */
  private authenticate(message: ConsensusMessage): void {
    if (message.kind === 'vote') {
      const { vote } = message;
      const member = this.validators.get(vote.validator);
      if (member === undefined) throw new UnknownValidatorError(`vote by unknown validator ${vote.validator}`);
      if (!this.verifier.verify(member.publicKey, voteSignBytes(this.context.chainId, vote), vote.signature)) {
        throw new InvalidSignatureError(`bad signature on a ${vote.type} by ${vote.validator} at ${vote.height}/${vote.round}`);
      }
    } else if (message.kind === 'proposal') {
      const { proposal } = message;
      const expected = this.validators.proposer(proposal.height, proposal.round);
      if (proposal.proposer !== expected) throw new UnknownValidatorError(`proposal at ${proposal.height}/${proposal.round} by ${proposal.proposer}, whose turn it is not (${expected})`);
      const member = this.validators.get(proposal.proposer)!;
      if (!this.verifier.verify(member.publicKey, proposalSignBytes(this.context.chainId, proposal), proposal.signature)) {
        throw new InvalidSignatureError(`bad signature on the proposal by ${proposal.proposer} at ${proposal.height}/${proposal.round}`);
      }
    }
  }

  private rejectInput(from: MemberId, error: unknown): void {
    if (error instanceof InvalidInputError) {
      this.options.transport.reportInvalid(from, error.kind);
      this.logger?.warn({ from, kind: error.kind, reason: error.message, securityEvent: 'invalid_message' }, 'rejected a message');
    } else {
      this.logger?.error({ from, err: error }, 'failed to process a message');
    }
  }

  /** Routes an authenticated vote or proposal by height: now, later, or never. */
  private async acceptMessage(message: ConsensusMessage): Promise<void> {
    if (message.kind === 'status') return;
    const height = messageHeight(message);
    const current = this.machine.height;
    if (height < current) {
      if (message.kind === 'vote') this.metrics?.consensus.lateVotesTotal.inc({ type: message.vote.type });
      return;
    }
    if (height > current) {
      if (height === current + 1 && this.futureMessages.length < MAX_BUFFERED_FUTURE_MESSAGES) this.futureMessages.push(message);
      return;
    }
    if (message.kind === 'vote') {
      await this.apply({ kind: 'vote', vote: message.vote }, 'peer');
      return;
    }
    const { proposal, block } = message;
    const verdict = await isValidProposal(block, proposal.blockHash, this.head, this.checkContext(), this.options.app);
    if (!verdict.valid) this.logger?.warn({ height, round: proposal.round, proposer: proposal.proposer, problem: verdict.problem }, 'invalid proposal: prevoting nil');
    await this.apply({ kind: 'proposal', proposal, block, blockHash: proposal.blockHash, valid: verdict.valid }, 'peer');
  }

  private onTxPayload(from: MemberId, payload: Uint8Array): void {
    if (this.stopped) return;
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(payload, this.limits);
    } catch (error) {
      this.rejectInput(from, error);
      return;
    }
    for (const tx of txs) {
      this.options.mempool.add(tx).catch((error: unknown) => this.logger?.error({ err: error }, 'mempool failed to check a gossiped transaction'));
    }
  }

  private async reportEvidence(evidence: Evidence): Promise<void> {
    const [who, message] =
      evidence.kind === 'duplicateVote' ? [evidence.first.validator, evidence.first.type] : [evidence.first.proposer, 'proposal' as const];
    this.metrics?.security.equivocationsTotal.inc({ member: who, message });
    const { height, round } = evidence.first;
    this.logger?.warn({ member: who, message, height, round, securityEvent: 'equivocation' }, 'equivocation: a validator signed two different messages for one height, round and step');
    const record = encodeEvidence(evidence);
    await this.options.store.saveEvidence(height, evidenceHash(record), record);
  }

  // --- timers ---------------------------------------------------------------------------------

  private armTimeout(effect: Extract<ConsensusEffect, { kind: 'scheduleTimeout' }>): void {
    const { height, round, step: timeoutStep } = effect;
    this.setTimer(timeoutKey(height, round, timeoutStep), effect.delayMs, () => {
      void this.queue.push(() => this.apply({ kind: 'timeout', height, round, step: timeoutStep }, 'timer'));
    });
  }

  private setTimer(key: string, delayMs: number, callback: () => void): void {
    const existing = this.timers.get(key);
    if (existing !== undefined) this.clock.clearTimer(existing);
    this.timers.set(
      key,
      this.clock.setTimer(delayMs, () => {
        this.timers.delete(key);
        if (!this.stopped) callback();
      }),
    );
  }

  private clearHeightTimers(): void {
    for (const [key, timer] of this.timers) {
      if (key === 'gossip') continue;
      this.clock.clearTimer(timer);
      this.timers.delete(key);
    }
  }

  // --- status gossip, re-sending, and catching up ---------------------------------------------

  private scheduleGossip(): void {
    this.setTimer('gossip', this.options.gossipIntervalMs ?? 500, () => {
      void this.queue.push(() => this.gossip());
      this.scheduleGossip();
    });
  }

  private async gossip(): Promise<void> {
    const { height, round } = this.machine;
    this.options.transport.broadcast('consensus', encodeConsensusMessage({ kind: 'status', height, round, committedHeight: this.head.height }));
    // Stalled since the last tick: peers may have missed messages (loss, a restart, an equivocator).
    if (this.lastGossipHeight === height && !this.syncing && this.machine.step !== 'commit') this.relayHeightMessages();
    this.lastGossipHeight = height;
    await this.maybeSync();
  }

  /**
   * Re-sends every proposal and vote of the current height this node holds, its own and
   * others' (they are signed by their validators, so relaying is safe). Tendermint's liveness
   * assumes gossip: what one correct node received, every correct node eventually receives.
   * Only done when a height stalls, so a healthy network pays nothing for it.
   */
  private relayHeightMessages(): void {
    let budget = MAX_RELAYED_MESSAGES_PER_TICK;
    const send = (message: ConsensusMessage) => {
      if (budget-- > 0) this.options.transport.broadcast('consensus', encodeConsensusMessage(message));
    };
    const rounds = [...this.machine.rounds].sort(([a], [b]) => b - a); // newest rounds first
    for (const [, messages] of rounds) {
      for (const received of messages.proposals) send({ kind: 'proposal', proposal: received.proposal, block: received.value.block });
      for (const ballots of messages.prevotes.values()) for (const vote of ballots) send({ kind: 'vote', vote });
      for (const ballots of messages.precommits.values()) for (const vote of ballots) send({ kind: 'vote', vote });
    }
  }

  private onStatus(from: MemberId, status: Extract<ConsensusMessage, { kind: 'status' }>): void {
    const known = this.peerCommittedHeight.get(from) ?? 0;
    if (status.committedHeight > known) this.peerCommittedHeight.set(from, status.committedHeight);
    this.metrics?.consensus.syncTargetHeight.set(Math.max(...this.peerCommittedHeight.values()));
    if (status.committedHeight > this.head.height + 1) void this.queue.push(() => this.maybeSync());
  }

  /** Fetches blocks from the most advanced peer when it is more than a height ahead, or one height ahead for a while. */
  private maybeSync(): Promise<void> | void {
    if (this.syncing || this.stopped) return;
    let best: MemberId | null = null;
    let bestHeight = this.head.height;
    for (const [member, height] of this.peerCommittedHeight) {
      if (height > bestHeight) [best, bestHeight] = [member, height];
    }
    if (best === null) {
      this.laggingSinceMs = null;
      return;
    }
    const now = this.clock.nowMs();
    if (bestHeight === this.head.height + 1 && this.machine.step !== 'commit') {
      this.laggingSinceMs ??= now;
      if (now - this.laggingSinceMs < (this.options.syncLagGraceMs ?? 2_000)) return;
    } else if (bestHeight === this.head.height + 1) {
      return; // we decided this height too and are only waiting out timeoutCommit
    }
    return this.syncFrom(best, bestHeight);
  }

  private async syncFrom(peer: MemberId, targetHeight: number): Promise<void> {
    this.syncing = true;
    this.metrics?.consensus.syncing.set(1);
    const fromHeight = this.head.height + 1;
    const span = this.tracer?.startSpan('consensus.sync', { attributes: { 'sync.from_height': fromHeight, 'sync.peer': peer } });
    this.logger?.info({ peer, fromHeight, targetHeight }, 'block sync: catching up');
    try {
      while (this.head.height < targetHeight && !this.stopped) {
        const request = encodeBlocksRequest({ fromHeight: this.head.height + 1, maxCount: Math.min(SYNC_BATCH_BLOCKS, MAX_BLOCKS_PER_RESPONSE) });
        const response = await this.options.transport.request(peer, 'sync', request, this.options.syncRequestTimeoutMs ?? 5_000);
        let blocks: CommittedBlock[];
        try {
          blocks = decodeBlocksResponse(response, this.limits);
        } catch (error) {
          this.rejectInput(peer, error);
          return;
        }
        if (blocks.length === 0) break;
        for (const committed of blocks) {
          await this.verifySyncedBlock(peer, committed);
          await this.applyCommittedBlock(committed);
          this.metrics?.consensus.syncedBlocksTotal.inc();
        }
      }
    } catch (error) {
      this.logger?.warn({ peer, err: error }, 'block sync from this peer failed; will retry with the next status');
    } finally {
      span?.setAttribute('sync.to_height', this.head.height);
      span?.end();
      this.syncing = false;
      this.metrics?.consensus.syncing.set(0);
      this.laggingSinceMs = null;
    }
    if (this.head.height >= this.machine.height) {
      this.logger?.info({ height: this.head.height }, 'block sync: caught up, joining consensus');
      await this.enterHeight(this.head.height + 1, false);
    }
  }

  private async verifySyncedBlock(peer: MemberId, committed: CommittedBlock): Promise<void> {
    const { block, certificate } = committed;
    const height = this.head.height + 1;
    const hash = blockHash(block);
    try {
      verifyCommitCertificate(certificate, { chainId: this.context.chainId, height, blockHash: hash }, this.validators, this.verifier);
    } catch (error) {
      this.options.transport.reportInvalid(peer, 'bad_signature');
      throw error;
    }
    const problem = await findBlockProblem(block, hash, this.head, this.checkContext());
    if (problem !== null) {
      this.options.transport.reportInvalid(peer, 'malformed');
      throw new InvalidBlockError(`synced block ${height} from ${peer}: ${problem}`);
    }
  }

  private async serveBlocks(from: MemberId, payload: Uint8Array): Promise<Uint8Array> {
    let request;
    try {
      request = decodeBlocksRequest(payload);
    } catch (error) {
      this.rejectInput(from, error);
      throw error;
    }
    const blocks = await this.options.store.getCommittedBlocks(request.fromHeight, request.maxCount, blocksResponseMaxBytes(this.limits) / 2);
    return encodeBlocksResponse(blocks);
  }
}

function messageHeight(message: ConsensusMessage): number {
  switch (message.kind) {
    case 'vote':
      return message.vote.height;
    case 'proposal':
      return message.proposal.height;
    case 'status':
      return message.height;
  }
}

function timeoutKey(height: number, round: number, step: string): string {
  return `timeout/${height}/${round}/${step}`;
}

function sameHash(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

