import { txHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import type { MemberId } from '../genesis/types.js';
import type { CommittedBlock, SignedProposal, SignedVote } from '../types.js';

/**
 * The properties the simulator checks while it runs. Each check returns the first violation as
 * a sentence (or nothing), so a failing run says exactly what broke, where and by whom.
 *
 * - agreement: no two different blocks are committed at one height, by any nodes;
 * - validity: a committed transaction was submitted by the workload, and is committed once;
 * - sequence: each node commits heights one after another (across its restarts too);
 * - no double signing: an honest validator never signs two values for one height, round and
 *   step, even across crashes and restarts (the WAL's promise).
 */
export class SimulationInvariants {
  private readonly decided = new Map<number, string>();
  private readonly committedTxAt = new Map<string, number>();
  private readonly submitted = new Set<string>();
  private readonly committedHeightOf = new Map<MemberId, number>();
  private readonly signedSlots = new Map<string, string>();
  equivocationsSent = 0;
  violation: string | null = null;

  constructor(private readonly byzantine: ReadonlySet<MemberId>) {}

  private fail(message: string): void {
    this.violation ??= message;
  }

  submittedTx(tx: Uint8Array): void {
    this.submitted.add(toHex(txHash(tx)));
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

  /** A node (re)starts with this many blocks in its store. */
  restarted(member: MemberId, storedHeight: number): void {
    this.committedHeightOf.set(member, storedHeight);
  }

  committed(member: MemberId, committed: CommittedBlock): void {
    const { height } = committed.block.header;
    const hash = toHex(committed.certificate.blockHash);
    const previous = this.committedHeight(member);
    if (height !== previous + 1) this.fail(`${member} committed height ${height} after ${previous}`);
    this.committedHeightOf.set(member, height);
    const agreed = this.decided.get(height);
    if (agreed !== undefined) {
      if (agreed !== hash) this.fail(`agreement violated at height ${height}: ${member} committed ${hash.slice(0, 12)}, others ${agreed.slice(0, 12)}`);
      return;
    }
    this.decided.set(height, hash);
    for (const tx of committed.block.txs) {
      const key = toHex(txHash(tx));
      if (!this.submitted.has(key)) this.fail(`height ${height} commits a transaction nobody submitted`);
      const at = this.committedTxAt.get(key);
      if (at !== undefined) this.fail(`transaction ${key.slice(0, 12)} committed at heights ${at} and ${height}`);
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
      else this.fail(`honest ${signer} signed two values at ${slot}: ${earlier.slice(0, 12)} and ${value.slice(0, 12)} (sent by ${by})`);
    }
  }
}
