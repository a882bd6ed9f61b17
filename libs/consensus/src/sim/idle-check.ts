import type { MemberId } from '../genesis/types.js';
import type { InvariantKind } from './invariants.js';
import type { Scheduler } from './scheduler.js';

/**
 * The empty-blocks check of a run, after the liveness check passed (faults healed, Byzantine
 * members still at it): the clients fall quiet, and
 * 1. once the last transactions and the block certifying their app hash are committed, over a
 *    window of `IDLE_WINDOW_INTERVALS` intervals every honest node commits about one block per
 *    interval: at least one fewer (the chain stays alive), and, unless a Byzantine member makes
 *    blocks of its own (it floods transactions, or proposes its turns early), at most one more;
 * 2. then one transaction submitted to one honest node is committed by every honest node within
 *    `IDLE_TX_BOUND_MS`, well under the interval: a transaction does not wait for the interval,
 *    whichever member it reaches.
 */

/** Virtual time of the empty-blocks interval in the simulated chain (SIM_PARAMS). */
export const SIM_EMPTY_BLOCKS_INTERVAL_MS = 6_000;
export const IDLE_WINDOW_INTERVALS = 3;
/** Two rounds with a Byzantine proposer each (f = 2 at 7 members) take about 3 s of the simulated timeouts. */
export const IDLE_TX_BOUND_MS = 5_000;
/** After the clients fall quiet: the mempools drain and the app-hash block is made first. */
const SETTLE_INTERVALS = 1.5;

export interface IdleCheckTarget {
  readonly honest: readonly MemberId[];
  committedHeight(member: MemberId): number;
  /** Submits `tx` to a live honest node, returns its tx key (or null when none is live). */
  submitOne(): { readonly member: MemberId; readonly key: string } | null;
  /** Transactions in the block decided at `height`, once decided. */
  txsAt(height: number): number | undefined;
  /** Height at which the transaction with this key was committed, if it was. */
  committedAt(key: string): number | undefined;
  fail(kind: InvariantKind, message: string): void;
}

export interface IdleFigures {
  /** Fewest and most blocks an honest node committed in the idle window. */
  readonly blocksInWindowMin: number;
  readonly blocksInWindowMax: number;
  readonly windowMs: number;
  /** From submission until every honest node committed the transaction (null: it never was). */
  readonly txCommitMs: number | null;
}

type Phase = 'off' | 'settling' | 'window' | 'tx' | 'done';

export class IdleCheck {
  private phase: Phase = 'off';
  private heightsAtWindow = new Map<MemberId, number>();
  private pending: { readonly key: string; readonly member: MemberId; readonly sinceMs: number } | null = null;
  private blocksMin = 0;
  private blocksMax = 0;
  private txCommitMs: number | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly intervalMs: number,
    private readonly upperBoundChecked: boolean,
    private readonly target: IdleCheckTarget,
  ) {}

  /** True once the check began: the workload submits nothing more. */
  get quiet(): boolean {
    return this.phase !== 'off';
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  get figures(): IdleFigures | null {
    if (this.phase === 'off') return null;
    return { blocksInWindowMin: this.blocksMin, blocksInWindowMax: this.blocksMax, windowMs: this.windowMs, txCommitMs: this.txCommitMs };
  }

  private get windowMs(): number {
    return IDLE_WINDOW_INTERVALS * this.intervalMs;
  }

  start(): void {
    if (this.phase !== 'off') return;
    this.phase = 'settling';
    this.scheduler.schedule(Math.round(SETTLE_INTERVALS * this.intervalMs), () => this.openWindow());
  }

  private openWindow(): void {
    this.phase = 'window';
    this.heightsAtWindow = new Map(this.target.honest.map((id) => [id, this.target.committedHeight(id)]));
    this.scheduler.schedule(this.windowMs, () => this.closeWindow());
  }

  private closeWindow(): void {
    // Only empty blocks after an empty block are made for the interval's sake: a transaction
    // left in some mempool (a Byzantine member's re-gossip of what clients sent it) and the block
    // certifying its app hash are blocks with a reason.
    const startHeight = Math.max(...this.heightsAtWindow.values());
    const endHeight = Math.max(...this.target.honest.map((id) => this.target.committedHeight(id)));
    let idleBlocks = 0;
    for (let height = startHeight + 1; height <= endHeight; height++) if (this.target.txsAt(height) === 0 && this.target.txsAt(height - 1) === 0) idleBlocks += 1;
    const gained = this.target.honest.map((id) => [id, this.target.committedHeight(id) - this.heightsAtWindow.get(id)!] as const);
    this.blocksMin = Math.min(...gained.map(([, blocks]) => blocks));
    this.blocksMax = Math.max(...gained.map(([, blocks]) => blocks));
    const said = gained.map(([id, blocks]) => `${id}=${blocks}`).join(' ');
    if (this.blocksMin < IDLE_WINDOW_INTERVALS - 1) {
      this.target.fail('liveness', `an idle chain must commit a block per empty-blocks interval (${this.intervalMs} ms): honest nodes committed ${said} blocks in ${this.windowMs} ms`);
    } else if (this.upperBoundChecked && idleBlocks > IDLE_WINDOW_INTERVALS + 1) {
      this.target.fail('empty-blocks', `an idle chain made more than one empty block per empty-blocks interval (${this.intervalMs} ms): ${idleBlocks} empty blocks after empty blocks at heights ${startHeight + 1}-${endHeight} in ${this.windowMs} ms (honest nodes committed ${said})`);
    }
    const submitted = this.target.submitOne();
    if (submitted === null) {
      this.phase = 'done';
      return;
    }
    this.phase = 'tx';
    this.pending = { ...submitted, sinceMs: this.scheduler.nowMs };
  }

  /** Called between events: ends the check once every honest node committed the transaction, or its bound passed. */
  poll(): void {
    if (this.phase !== 'tx' || this.pending === null) return;
    const { key, member, sinceMs } = this.pending;
    const height = this.target.committedAt(key);
    const elapsedMs = this.scheduler.nowMs - sinceMs;
    const everywhere = height !== undefined && this.target.honest.every((id) => this.target.committedHeight(id) >= height);
    if (everywhere) this.txCommitMs = elapsedMs;
    if (elapsedMs > IDLE_TX_BOUND_MS) {
      const heights = this.target.honest.map((id) => `${id}=${this.target.committedHeight(id)}`).join(' ');
      this.target.fail('liveness', `a transaction submitted to ${member} on an idle chain was not committed by every honest node within ${IDLE_TX_BOUND_MS} ms (after ${elapsedMs} ms: committed at ${height ?? 'no height'}; ${heights})`);
      this.phase = 'done';
    }
    if (everywhere) this.phase = 'done';
  }
}
