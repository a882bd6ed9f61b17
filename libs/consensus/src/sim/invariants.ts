import { txHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import { decodeCanonical } from '../encoding/canonical.js';
import type { MemberId } from '../genesis/types.js';
import type { CommittedBlock, SignedProposal, SignedVote } from '../types.js';

/**
 * The properties the simulator checks while it runs. Each check returns the first violation as
 * a sentence (or nothing), so a failing run says exactly what broke, where and by whom; its kind
 * (`violationKind`) says which property, for summaries over many seeds.
 *
 * - agreement: no two different blocks are committed at one height, by any nodes;
 * - validity: a committed transaction was submitted by the workload, and is committed once;
 *   one an honest node acknowledged is committed (checked by the simulation once clients fell quiet);
 * - sequence: each node commits heights one after another (across its restarts too);
 * - double-sign: an honest validator never signs two values for one height, round and step,
 *   over its whole life in the run (every signature it ever produced, sent or not, across
 *   crashes and restarts: the WAL's promise);
 * - the kinds the simulation itself detects (liveness, resource bounds, crashes of the
 *   process, honest members penalised, ...), reported through `fail`.
 */

export const INVARIANT_KINDS = [
  'agreement',
  'validity',
  'sequence',
  'double-sign',
  'liveness',
  /** An idle chain made more than about one block per empty-blocks interval (idle-check.ts). */
  'empty-blocks',
  /** An exception escaped an honest node's timer: the process would exit. */
  'process-crash',
  /** An honest node made a frame above its protocol's cap: its own transport refused to send it. */
  'frame-over-cap',
  /** An honest member's transport scored another honest member (a frame it could not take, a report). */
  'honest-penalised',
  /** A node wrote a WAL entry its own decoder refuses: its replay would fail. */
  'wal-unreadable',
  'wal-bound',
  /** An honest node took a proposal whose body does not hash to the signed hash (proposal poisoning). */
  'proposal-poisoned',
  'task-queue-bound',
  'future-buffer-bound',
  /** An honest client's transaction was refused because one member filled the mempool. */
  'mempool-quota',
  /**
   * A transaction an honest node acknowledged (submitTx accepted it) was not committed once the
   * clients had been quiet through the empty-blocks check: a crash, a restart or a partition lost it.
   */
  'acknowledged-lost',
  /** A node received invalid input from a member and never reported it. */
  'bad-input-unreported',
  /** The application got a call while another was in flight (with slow application calls). */
  'app-concurrency',
  /** A node signed after a store write failed: fatal must mean stop. */
  'fatal-continued',
  /** The simulator itself failed (an exception out of a run, no events left). */
  'simulator',
] as const;
export type InvariantKind = (typeof INVARIANT_KINDS)[number];

/** What one signature signed: its slot (signer/height/round/step) and value. */
function signedSlot(signer: MemberId, signBytes: Uint8Array): { slot: string; height: number; round: number; value: string } | null {
  const fields = decodeCanonical(signBytes, 1024, 'sign bytes') as unknown[];
  const hex = (value: unknown) => (value instanceof Uint8Array ? toHex(value) : 'nil');
  if (fields[0] === 'consortium/vote/1') {
    const [, , type, height, round, hash] = fields as [string, string, string, number, number, unknown];
    return { slot: `${signer}/${height}/${round}/${type}`, height, round, value: hex(hash) };
  }
  if (fields[0] === 'consortium/proposal/1') {
    const [, , height, round, polRound, hash] = fields as [string, string, number, number, number, unknown];
    return { slot: `${signer}/${height}/${round}/proposal`, height, round, value: `${hex(hash)} (valid round ${polRound})` };
  }
  return null;
}

export class SimulationInvariants {
  private readonly decided = new Map<number, string>();
  private readonly txCountAt = new Map<number, number>();
  private readonly committedTxAt = new Map<string, number>();
  private readonly submitted = new Set<string>();
  private readonly committedHeightOf = new Map<MemberId, number>();
  private readonly signedSlots = new Map<string, string>();
  /** Every signature honest validators produced, by slot: the double-sign check over a whole life. */
  private readonly producedSlots = new Map<string, string>();
  private readonly highestRoundAt = new Map<number, number>();
  private readonly ignored: ReadonlySet<InvariantKind>;
  /** Members restored from an old copy of their store at least once. */
  readonly restoredMembers = new Set<MemberId>();
  private readonly forgottenWindows: { readonly member: MemberId; readonly fromMs: number; readonly toMs: number }[] = [];
  equivocationsSent = 0;
  signaturesProduced = 0;
  violation: string | null = null;
  violationKind: InvariantKind | null = null;

  constructor(
    private readonly byzantine: ReadonlySet<MemberId>,
    ignored: readonly InvariantKind[] = [],
  ) {
    this.ignored = new Set(ignored);
  }

  /** Records the first violation of a checked kind; later ones (and ignored kinds) are dropped. */
  fail(kind: InvariantKind, message: string): void {
    if (this.ignored.has(kind) || this.violation !== null) return;
    this.violation = message;
    this.violationKind = kind;
  }

  isHonest(member: MemberId): boolean {
    return !this.byzantine.has(member);
  }

  submittedTx(tx: Uint8Array): void {
    this.submitted.add(toHex(txHash(tx)));
  }

  /** Transactions in the block decided at `height`, once decided. */
  txsAt(height: number): number | undefined {
    return this.txCountAt.get(height);
  }

  /** Height at which the transaction with this key (hex of its hash) was committed, if it was. */
  committedAt(key: string): number | undefined {
    return this.committedTxAt.get(key);
  }

  get committedTxs(): number {
    return this.committedTxAt.size;
  }

  get decidedHeights(): ReadonlyMap<number, string> {
    return this.decided;
  }

  committedHeight(member: MemberId): number {
    return this.committedHeightOf.get(member) ?? 0;
  }

  /** Highest round at which an honest validator signed at `height` (-1 before any). */
  highestHonestRound(height: number): number {
    return this.highestRoundAt.get(height) ?? -1;
  }

  /**
   * `member`'s store was replaced at `restoredAtMs` by a copy of it taken at `copiedAtMs`: its signer
   * forgot what it signed since, and its store the client transactions it acknowledged since.
   */
  restoredFromOldCopy(member: MemberId, copiedAtMs: number, restoredAtMs: number): void {
    this.restoredMembers.add(member);
    this.forgottenWindows.push({ member, fromMs: copiedAtMs, toMs: restoredAtMs });
  }

  /**
   * Whether a restore threw away what `member` acknowledged at `atMs` (between the copy and the
   * restore): such a transaction is lost unless it reached another member first. Operators are
   * told (docs/reliability.md); the acknowledged-lost check leaves these out.
   */
  forgotten(member: MemberId, atMs: number): boolean {
    return this.forgottenWindows.some((window) => window.member === member && window.fromMs <= atMs && atMs <= window.toMs);
  }

  /** A node (re)starts with this many blocks in its store. */
  restarted(member: MemberId, storedHeight: number): void {
    this.committedHeightOf.set(member, storedHeight);
  }

  committed(member: MemberId, committed: CommittedBlock): void {
    const { height } = committed.block.header;
    const hash = toHex(committed.certificate.blockHash);
    const previous = this.committedHeight(member);
    if (height !== previous + 1) this.fail('sequence', `${member} committed height ${height} after ${previous}`);
    this.committedHeightOf.set(member, height);
    const agreed = this.decided.get(height);
    if (agreed !== undefined) {
      if (agreed !== hash) this.fail('agreement', `agreement violated at height ${height}: ${member} committed ${hash.slice(0, 12)}, others ${agreed.slice(0, 12)}`);
      return;
    }
    this.decided.set(height, hash);
    this.txCountAt.set(height, committed.block.txs.length);
    for (const key of this.highestRoundAt.keys()) if (key < height - 16) this.highestRoundAt.delete(key);
    for (const tx of committed.block.txs) {
      const key = toHex(txHash(tx));
      if (!this.submitted.has(key)) this.fail('validity', `height ${height} commits a transaction nobody submitted`);
      const at = this.committedTxAt.get(key);
      if (at !== undefined) this.fail('validity', `transaction ${key.slice(0, 12)} committed at heights ${at} and ${height}`);
      this.committedTxAt.set(key, height);
    }
  }

  /** A message whose signature is verified was sent; `by` is the node that sent it (maybe a relay). */
  signed(by: MemberId, message: { readonly vote: SignedVote } | { readonly proposal: SignedProposal }): void {
    const [signer, slot, value] =
      'vote' in message
        ? [message.vote.validator, `${message.vote.validator}/${message.vote.height}/${message.vote.round}/${message.vote.type}`, message.vote.blockHash === null ? 'nil' : toHex(message.vote.blockHash)]
        : [message.proposal.proposer, `${message.proposal.proposer}/${message.proposal.height}/${message.proposal.round}/proposal`, toHex(message.proposal.blockHash)];
    const earlier = this.signedSlots.get(slot);
    if (earlier === undefined) {
      this.signedSlots.set(slot, value);
    } else if (earlier !== value) {
      if (this.byzantine.has(signer)) this.equivocationsSent += 1;
      else this.fail('double-sign', `honest ${signer} signed two values at ${slot}: ${earlier.slice(0, 12)} and ${value.slice(0, 12)} (sent by ${by})`);
    }
  }

  /**
   * `member`'s signer produced a signature over `signBytes` (sent or not). Compared with every
   * signature it produced before in the run, whichever incarnation produced it. Returns the slot
   * when this is the first signature there (unproduced() can take it back), else null.
   */
  produced(member: MemberId, signBytes: Uint8Array, incarnation: number): string | null {
    this.signaturesProduced += 1;
    const signed = signedSlot(member, signBytes);
    if (signed === null) return null;
    if (this.byzantine.has(member)) return null;
    this.highestRoundAt.set(signed.height, Math.max(this.highestHonestRound(signed.height), signed.round));
    const earlier = this.producedSlots.get(signed.slot);
    const value = `${signed.value} by incarnation ${incarnation}`;
    if (earlier === undefined) {
      this.producedSlots.set(signed.slot, value);
      return signed.slot;
    }
    if (!earlier.startsWith(`${signed.value} by`)) {
      this.fail('double-sign', `honest ${member} signed two values at ${signed.slot} over its life: ${earlier} and ${value}`);
    }
    return null;
  }

  /**
   * The signature that first filled `slot` was discarded: writing it and its last-signed record
   * failed (nothing written) and the process halts, so it never left it, on the wire or on disk
   * (CometBFT's signer has the same window: sign, save, then return). A later incarnation may
   * sign that slot afresh.
   */
  unproduced(slot: string): void {
    this.producedSlots.delete(slot);
  }
}
