import type { Tracer } from '@opentelemetry/api';
import type { ConsensusMetrics, Logger, SecurityMetrics } from '@consortium/telemetry';
import { verifyCommitCertificate } from '../certificate.js';
import type { Ed25519Verifier } from '../crypto/ed25519.js';
import { InvalidCertificateError, InvalidInputError } from '../errors.js';
import type { MemberId } from '../genesis/types.js';
import type { ConsensusLimits } from '../limits.js';
import type { InvalidMessageKind, Transport } from '../transport.js';
import type { CommittedBlock } from '../types.js';
import type { ValidatorSet } from '../validators.js';
import type { Clock } from './clock.js';
import type { ChainStorePort } from './ports.js';
import type { ConsensusRoutine } from './state.js';
import type { TaskQueue } from './task-queue.js';
import { decodeBlocksRequest, decodeBlocksResponse, encodeBlocksRequest, encodeBlocksResponse, type ConsensusMessage } from './wire.js';

/**
 * Block sync, both sides (CometBFT's blocksync reactor).
 *
 * Client: status messages are unsigned claims. A claim steers sync only when it is backed: the
 * status carries the commit certificate of the claimed height, checked against the validator
 * set, or the peer served blocks with valid certificates up to it. A node behind a backed claim
 * (by two heights, or by one for `syncLagGraceMs`) fetches blocks from the peers holding such
 * claims, in rotation. A request that times out, an empty answer, a malformed answer or a bad
 * block forgets that peer's claim and puts the peer on a cooldown that doubles with each failure
 * in a row (block sync's own penalty: the peer is asked last); the next peer is tried. Only what
 * an honest peer cannot produce is reported to the transport, whose score disconnects: an empty
 * answer to a backed claim, a malformed answer, a bad block. A timeout is not reported: a peer
 * that crashed, was cut off or lost the frame times out as a silent liar does, and a transport
 * disconnection (all channels, with a back-off that doubles up to minutes) of an honest member
 * costs far more than a wasted request (docs/decisions.md, "Block sync timeouts"). Sync runs
 * outside the consensus routine: only each verified block's execution is queued, so votes and
 * proposals keep flowing while it fetches.
 *
 * Server: answers a range request from the store, within the response budget of the limits
 * table (at least one block), which is also what receivers accept.
 */

export interface BlockSyncDeps {
  readonly chainId: string;
  readonly validators: ValidatorSet;
  readonly verifier: Ed25519Verifier;
  readonly limits: ConsensusLimits;
  readonly clock: Clock;
  readonly transport: Transport;
  readonly store: Pick<ChainStorePort, 'getCommittedBlocks'>;
  readonly queue: TaskQueue;
  readonly routine: ConsensusRoutine;
  readonly logger: Logger | null;
  readonly metrics: { readonly consensus: ConsensusMetrics; readonly security: SecurityMetrics } | null;
  readonly tracer: Tracer | null;
  readonly syncLagGraceMs: number;
  readonly requestTimeoutMs: number;
  /** false once the node stopped or halted. */
  readonly active: () => boolean;
}

type FailureReason = 'timeout' | 'empty' | 'malformed' | 'bad_block' | 'refused' | 'failed';

/**
 * What the transport hears of each failure: only what proves the peer misbehaved. null: an
 * honest peer may cause it (a refusal is its policy; a lost connection or a timeout is the
 * network's doing as often as the peer's). An empty answer is proof: a peer sends the
 * certificate of a height in its status only after storing that block (synced, never pruned).
 */
const REPORTED_AS: Record<FailureReason, InvalidMessageKind | null> = {
  timeout: null,
  empty: 'unresponsive',
  malformed: 'malformed',
  bad_block: 'malformed',
  refused: null,
  failed: null,
};

/**
 * A peer that failed a request is asked last for this many request timeouts, doubled for each
 * further failure in a row (up to COOLDOWN_DOUBLINGS_MAX times); a served request clears it.
 */
const COOLDOWN_TIMEOUTS = 5;
const COOLDOWN_DOUBLINGS_MAX = 4;

export class BlockSync {
  /** Backed claims: the highest committed height each peer proved. */
  private readonly claims = new Map<MemberId, number>();
  private readonly cooldownUntilMs = new Map<MemberId, number>();
  /** Failed requests in a row, per peer (reset when it serves blocks). */
  private readonly failuresInARow = new Map<MemberId, number>();
  private running = false;
  private stopped = false;
  private laggingSinceMs: number | null = null;
  private rotation = 0;

  constructor(private readonly deps: BlockSyncDeps) {}

  get syncing(): boolean {
    return this.running;
  }

  /** The highest backed claim of any peer (0 when none). */
  get highestClaim(): number {
    return Math.max(0, ...this.claims.values());
  }

  stop(): void {
    this.stopped = true;
  }

  // --- claims ---------------------------------------------------------------------------------

  onStatus(from: MemberId, status: Extract<ConsensusMessage, { kind: 'status' }>): void {
    const { committedHeight, certificate } = status;
    if (committedHeight <= this.deps.routine.head.height || committedHeight <= (this.claims.get(from) ?? 0)) return;
    if (certificate === undefined) {
      this.deps.metrics?.security.unbackedStatusClaimsTotal.inc({ member: from });
      return;
    }
    try {
      verifyCommitCertificate(certificate, { chainId: this.deps.chainId, height: committedHeight, blockHash: certificate.blockHash }, this.deps.validators, this.deps.verifier);
    } catch (error) {
      if (!(error instanceof InvalidCertificateError)) throw error;
      this.report(from, 'bad_signature');
      this.deps.logger?.warn({ from, height: committedHeight, reason: error.message, securityEvent: 'invalid_message' }, 'status claim with an invalid certificate');
      return;
    }
    this.claims.set(from, committedHeight);
    this.deps.metrics?.consensus.syncTargetHeight.set(this.highestClaim);
    this.maybeStart();
  }

  /**
   * Starts a sync run when a backed claim is ahead: by two heights or more at once, by one after
   * `syncLagGraceMs` (the node may simply be finishing that height itself).
   */
  maybeStart(): void {
    if (this.running || this.stopped || !this.deps.active()) return;
    const { routine } = this.deps;
    const head = routine.head.height;
    const target = this.highestClaim;
    if (target <= head) {
      this.laggingSinceMs = null;
      return;
    }
    if (target === head + 1) {
      // Decided our height, waiting out timeoutCommit: the next one comes by consensus. Waiting
      // for transactions is different: peers committed a height this node never started.
      if (routine.machine.step === 'commit' && !routine.waitingForTxs) return;
      const now = this.deps.clock.nowMs();
      this.laggingSinceMs ??= now;
      if (now - this.laggingSinceMs < this.deps.syncLagGraceMs) return;
    }
    void this.run();
  }

  // --- client ---------------------------------------------------------------------------------

  private async run(): Promise<void> {
    this.running = true;
    this.deps.metrics?.consensus.syncing.set(1);
    const { routine, logger } = this.deps;
    const fromHeight = routine.head.height + 1;
    const span = this.deps.tracer?.startSpan('consensus.sync', { attributes: { 'sync.from_height': fromHeight } });
    logger?.info({ fromHeight, target: this.highestClaim }, 'block sync: catching up');
    try {
      for (;;) {
        if (this.stopped || !this.deps.active()) break;
        const peer = this.pickPeer();
        if (peer === null) break;
        span?.setAttribute('sync.peer', peer);
        const applied = await this.fetchFrom(peer);
        // Join consensus at the height reached after every batch, whatever came of the request.
        if (applied > 0) await this.deps.queue.run(() => routine.joinAtHead());
      }
    } catch (error) {
      // The routine halted (a commit failed): the node is stopping; nothing to add here.
      logger?.debug({ err: error }, 'block sync stopped');
    } finally {
      span?.setAttribute('sync.to_height', routine.head.height);
      span?.end();
      this.running = false;
      this.laggingSinceMs = null;
      this.deps.metrics?.consensus.syncing.set(0);
    }
  }

  /** The next peer in rotation among those with a backed claim above the head, cooled-down peers last. */
  private pickPeer(): MemberId | null {
    const head = this.deps.routine.head.height;
    const now = this.deps.clock.nowMs();
    const ahead = [...this.claims].filter(([, height]) => height > head).map(([member]) => member).sort();
    if (ahead.length === 0) return null;
    const ready = ahead.filter((member) => (this.cooldownUntilMs.get(member) ?? 0) <= now);
    const candidates = ready.length > 0 ? ready : ahead;
    const peer = candidates[this.rotation % candidates.length]!;
    this.rotation += 1;
    return peer;
  }

  /** One request to `peer` and the application of what it served; returns the blocks applied. */
  private async fetchFrom(peer: MemberId): Promise<number> {
    const { routine, transport, limits, clock, requestTimeoutMs } = this.deps;
    const fromHeight = routine.head.height + 1;
    const span = this.deps.tracer?.startSpan('consensus.sync.request', { attributes: { 'sync.peer': peer, 'sync.from_height': fromHeight } });
    const startedMs = clock.nowMs();
    let applied = 0;
    let outcome: FailureReason | 'ok' = 'ok';
    try {
      let response: Uint8Array;
      try {
        response = await transport.request(peer, 'sync', encodeBlocksRequest({ fromHeight, maxCount: limits.syncBlocksPerRequest }), requestTimeoutMs);
      } catch (error) {
        outcome = requestFailure(error, clock.nowMs() - startedMs >= requestTimeoutMs);
        this.deps.logger?.warn({ peer, fromHeight, reason: outcome, err: error }, 'block sync request failed');
        return 0;
      }
      let blocks: CommittedBlock[];
      try {
        blocks = decodeBlocksResponse(response, limits);
      } catch (error) {
        outcome = 'malformed';
        this.deps.logger?.warn({ peer, fromHeight, reason: error instanceof InvalidInputError ? error.message : String(error) }, 'block sync: malformed response');
        return 0;
      }
      if (blocks.length === 0) {
        outcome = 'empty';
        return 0;
      }
      for (const [index, committed] of blocks.entries()) {
        // Heights are checked whatever the response: consecutive from the one asked for.
        if (committed.block.header.height !== fromHeight + index) {
          outcome = 'malformed';
          return applied;
        }
        const result = await this.deps.queue.run(() => routine.applySyncedBlock(committed));
        if (result.kind === 'invalid') {
          outcome = 'bad_block';
          this.deps.logger?.warn({ peer, height: committed.block.header.height, problem: result.problem }, 'block sync: invalid block');
          if (result.fault === 'bad_signature') this.report(peer, 'bad_signature');
          return applied;
        }
        if (result.kind === 'applied') applied += 1;
      }
      return applied;
    } finally {
      span?.setAttributes({ 'sync.blocks': applied, 'sync.outcome': outcome });
      span?.end();
      if (outcome !== 'ok') this.failed(peer, outcome);
      else this.served(peer);
    }
  }

  /** Forgets the claim, cools the peer down (longer for each failure in a row), counts the failure and reports what proves misbehaviour. */
  private failed(peer: MemberId, reason: FailureReason): void {
    this.claims.delete(peer);
    const inARow = (this.failuresInARow.get(peer) ?? 0) + 1;
    this.failuresInARow.set(peer, inARow);
    const cooldownMs = COOLDOWN_TIMEOUTS * this.deps.requestTimeoutMs * 2 ** Math.min(inARow - 1, COOLDOWN_DOUBLINGS_MAX);
    this.cooldownUntilMs.set(peer, this.deps.clock.nowMs() + cooldownMs);
    this.deps.metrics?.consensus.syncPeerFailuresTotal.inc({ member: peer, reason });
    this.deps.metrics?.consensus.syncTargetHeight.set(this.highestClaim);
    const kind = REPORTED_AS[reason];
    if (kind !== null) this.report(peer, kind);
  }

  private served(peer: MemberId): void {
    this.failuresInARow.delete(peer);
    this.cooldownUntilMs.delete(peer);
  }

  private report(peer: MemberId, kind: InvalidMessageKind): void {
    try {
      this.deps.transport.reportInvalid(peer, kind);
    } catch (error) {
      this.deps.logger?.error({ peer, kind, err: error }, 'the transport could not record a fault');
    }
  }

  // --- server ---------------------------------------------------------------------------------

  /** Serves a range of committed blocks, within the limits table's response budget. */
  async serve(from: MemberId, payload: Uint8Array): Promise<Uint8Array> {
    let request;
    try {
      request = decodeBlocksRequest(payload);
    } catch (error) {
      if (error instanceof InvalidInputError) this.report(from, error.kind);
      throw error;
    }
    const blocks = await this.deps.store.getCommittedBlocks(request.fromHeight, request.maxCount, this.deps.limits.syncResponseBudgetBytes);
    return encodeBlocksResponse(blocks);
  }
}

/** Sorts a failed request: too slow (the peer's fault), refused (its policy), or the network. */
function requestFailure(error: unknown, tookTheWholeTimeout: boolean): FailureReason {
  const name = error instanceof Error ? error.name : '';
  if (name === 'RequestTimeoutError' || tookTheWholeTimeout) return 'timeout';
  if (name === 'RequestRefusedError') return 'refused';
  if (name === 'OversizedFrameError' || name === 'MalformedFrameError') return 'malformed';
  return 'failed';
}
