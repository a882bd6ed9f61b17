import type { Logger } from '@consortium/telemetry';
import type { MemberId } from '../genesis/types.js';
import type { ValidatorSet } from '../validators.js';
import type { Clock, TimerHandle } from './clock.js';

/**
 * The restart signing gate. A node that restarts cannot tell a store that is its newest from one
 * restored from an old copy (a backup, a copied data directory): both have a last-signed record,
 * and the restored one's is old. Such a node may have signed, before its restore, at the height
 * the chain is at now, and signing there again is the classic double sign of a restored
 * validator. The gate stands before every new signature after a restart, and it waits for
 * evidence, not for time:
 *
 * 1. **Its peers' answers about the height.** The node asks every peer what it holds of the
 *    node's own signed messages at the height the peer is at (own-messages.ts); the signer's
 *    fence looks at each (a signature beyond the record fences the height: it is sat out whole).
 *    The gate lets a new signature at height h through only once members holding, with this
 *    node, a quorum of voting power have answered from h (committed h - 1), and every other peer
 *    has answered or failed to since the node began waiting at h. Peers answer outside their
 *    consensus routine, so members restarted together (a whole network) answer each other.
 * 2. **The first height is sat out when the others can decide it.** What a signature nobody
 *    received leaves behind cannot be asked for (the node prevoted, partitioned from everyone,
 *    and its restore lost the WAL entry): no answer can show it. So at the first height where
 *    the answers are in, the node signs nothing while members that are not restarting
 *    themselves, with answers from that height fresher than `freshMs`, hold a quorum without
 *    it: they decide the height (a certificate in a status or an answer then lets the signature
 *    go as not signed), and the node signs again from the next one. This costs a restarted node
 *    one height's votes, like a crash a height long. It stops sitting out when those members no
 *    longer hold a quorum (one crashed, some restarted: it is needed), or after `sitOutMaxMs`
 *    (they could not decide without it: a silent Byzantine member among them).
 *
 * Once a signature passes, the gate stays open until the next restart. A first start (no
 * record) and a member that is a quorum alone are not gated.
 *
 * A signature asked for meanwhile waits (the routine with it) rather than being skipped: a vote
 * the machine thinks it cast and nobody received can stall a round for good (Tendermint waits
 * for a quorum of precommits before the precommit timeout). It ends when the gate opens, or as
 * not signed once a certificate shows the height decided, or when the node stops.
 *
 * CometBFT's `double_sign_check_height` looks back over the last blocks' commits for the
 * validator's own signature before it joins consensus; the fence does that with every
 * certificate, and the answers carry it to the height not yet decided.
 */

/** What the gate reads from a peer's answer (own-messages.ts). */
export interface GateAnswer {
  readonly committedHeight: number;
  /** The peer's own restart gate is still closed: it will not decide a height without others. */
  readonly restarting: boolean;
}

export interface RestartGateTiming {
  /** How often a waiting gate asks its peers again (the status period). */
  readonly askEveryMs: number;
  /** A peer counts among those that can decide the height without this node while its answer is this recent. */
  readonly freshMs: number;
  /** The longest the node sits its first height out while others could decide it. */
  readonly sitOutMaxMs: number;
}

export type Passage = 'open' | 'skip';

type PeerResult = { readonly kind: 'answer'; readonly answer: GateAnswer; readonly atMs: number } | { readonly kind: 'failed'; readonly atMs: number };

interface Waiter {
  readonly height: number;
  readonly decided: () => number;
  readonly sinceMs: number;
  readonly settle: (outcome: Passage) => void;
}

export class RestartSigningGate {
  private readonly peers: readonly MemberId[];
  private readonly results = new Map<MemberId, PeerResult>();
  private readonly inFlight = new Set<MemberId>();
  private active = false;
  private open = false;
  private closed = false;
  /** At most one: the routine signs one message at a time. */
  private waiter: Waiter | null = null;
  private tick: TimerHandle | null = null;
  /** The first height where the answers were in, and since when: sat out while others can decide it. */
  private sitOut: { readonly height: number; readonly sinceMs: number; told: boolean } | null = null;

  constructor(
    private readonly validators: ValidatorSet,
    private readonly self: MemberId,
    private readonly clock: Clock,
    private readonly timing: RestartGateTiming,
    /** Sends the question to `member`; the answer comes back through answered() or unanswered(). */
    private readonly ask: (member: MemberId) => void,
    private readonly logger: Logger | null = null,
  ) {
    this.peers = validators.members.map((member) => member.id).filter((id) => id !== self);
  }

  /** The node started; `restarted`: it had signed before (a last-signed record), so its store may be old. */
  started(restarted: boolean): void {
    // A member that is a quorum alone (a one-member chain) has nobody to ask.
    if (!restarted || this.validators.powerOf(this.self) >= this.validators.quorumPower) {
      this.open = true;
      return;
    }
    this.active = true;
  }

  /** Asks every peer now (after the routine resumed): the answers are mostly in by the time the node first has something to sign. */
  askAll(): void {
    if (!this.restarting) return;
    for (const peer of this.peers) this.askPeer(peer);
  }

  /** True from a restart until the gate opens: what this node tells peers that ask (GateAnswer.restarting). */
  get restarting(): boolean {
    return this.active && !this.open && !this.closed;
  }

  /** `member` answered (its own messages were given to the signer's fence first). */
  answered(member: MemberId, answer: GateAnswer): void {
    this.inFlight.delete(member);
    this.results.set(member, { kind: 'answer', answer, atMs: this.clock.nowMs() });
    this.wake();
  }

  /** The question to `member` failed: not connected, timed out, refused, or a bad answer. */
  unanswered(member: MemberId): void {
    this.inFlight.delete(member);
    this.results.set(member, { kind: 'failed', atMs: this.clock.nowMs() });
    this.wake();
  }

  /** Resolves 'open' once the gate lets `height` be signed, 'skip' once `decided()` reaches it or the node stops. */
  passage(height: number, decided: () => number): Promise<Passage> {
    if (this.open) return Promise.resolve('open');
    if (this.closed || decided() >= height) return Promise.resolve('skip');
    this.waiter?.settle('skip');
    this.stopTick();
    return new Promise<Passage>((resolve) => {
      this.waiter = { height, decided, sinceMs: this.clock.nowMs(), settle: resolve };
      this.askStale(height);
      this.scheduleTick();
      this.wake();
    });
  }

  /** The node stopped or halted: nothing waits any longer. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Something the verdict reads may have changed (an answer, a status's certificate, the time). */
  wake(): void {
    const waiter = this.waiter;
    if (waiter === null) return;
    const outcome = this.verdict(waiter);
    if (outcome === null) return;
    this.waiter = null;
    this.stopTick();
    waiter.settle(outcome);
  }

  private verdict(waiter: Waiter): Passage | null {
    if (this.open) return 'open';
    const { height } = waiter;
    if (this.closed || waiter.decided() >= height) return 'skip';
    if (!this.answersIn(waiter)) return null;
    const nowMs = this.clock.nowMs();
    this.sitOut ??= { height, sinceMs: nowMs, told: false };
    const sitOut = this.sitOut;
    if (sitOut.height === height && nowMs - sitOut.sinceMs < this.timing.sitOutMaxMs && this.othersCanDecide(height, nowMs)) {
      if (!sitOut.told) this.logger?.info({ height }, 'restarted: sitting this height out while the other members decide it (this node cannot know what it signed here before its restart)');
      sitOut.told = true;
      return null;
    }
    this.open = true;
    this.logger?.info({ height, waitedMs: nowMs - waiter.sinceMs }, 'restarted: signing again');
    return 'open';
  }

  /** A quorum (with this node) answered from `height`, and every other peer answered or failed to since the wait began. */
  private answersIn(waiter: Waiter): boolean {
    const from = [this.self];
    for (const peer of this.peers) {
      const result = this.results.get(peer);
      // Only answers from the height count (a higher one, backed, shows it decided: that is decided()'s to say).
      if (result?.kind === 'answer' && result.answer.committedHeight === waiter.height - 1) {
        from.push(peer);
        continue;
      }
      // A peer behind, or one that did not answer, counts once asked during this wait.
      if (result === undefined || result.atMs < waiter.sinceMs) return false;
    }
    return this.validators.powerOfSet(from) >= this.validators.quorumPower;
  }

  /** Members not restarting themselves, whose recent answers come from `height`, hold a quorum without this node. */
  private othersCanDecide(height: number, nowMs: number): boolean {
    const able: MemberId[] = [];
    for (const peer of this.peers) {
      const result = this.results.get(peer);
      if (result?.kind !== 'answer' || result.answer.restarting || result.answer.committedHeight !== height - 1) continue;
      if (nowMs - result.atMs <= this.timing.freshMs) able.push(peer);
    }
    return this.validators.powerOfSet(able) >= this.validators.quorumPower;
  }

  private askPeer(peer: MemberId): void {
    if (this.inFlight.has(peer)) return;
    this.inFlight.add(peer);
    this.ask(peer);
  }

  /** Asks every peer whose answer is not a fresh one from `height`. */
  private askStale(height: number): void {
    const nowMs = this.clock.nowMs();
    for (const peer of this.peers) {
      const result = this.results.get(peer);
      const fresh = result?.kind === 'answer' && result.answer.committedHeight === height - 1 && nowMs - result.atMs < this.timing.askEveryMs;
      if (!fresh) this.askPeer(peer);
    }
  }

  private scheduleTick(): void {
    this.tick = this.clock.setTimer(this.timing.askEveryMs, () => {
      this.tick = null;
      const waiter = this.waiter;
      if (waiter === null) return;
      this.askStale(waiter.height);
      this.scheduleTick();
      this.wake();
    });
  }

  private stopTick(): void {
    if (this.tick !== null) this.clock.clearTimer(this.tick);
    this.tick = null;
  }
}
