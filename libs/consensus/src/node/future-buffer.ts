import { bytesEqual } from '../encoding/canonical.js';
import type { MemberId } from '../genesis/types.js';
import type { ConsensusMessage } from './wire.js';

type HeldMessage = Exclude<ConsensusMessage, { kind: 'status' }>;

interface Entry {
  readonly message: HeldMessage;
  readonly height: number;
  readonly bytes: number;
}

/**
 * Proposals and votes of the next height, held until it starts (a peer that decided first is
 * already there). Bounded per validator that signed them, in messages and bytes: the messages
 * are authenticated, so a Byzantine validator fills only its own share, and relays of honest
 * messages cannot be used against their signers because duplicates are refused.
 */
export class FutureBuffer {
  private entries: Entry[] = [];
  private readonly bySigner = new Map<MemberId, { messages: number; bytes: number }>();
  private totalBytes = 0;

  constructor(
    readonly messagesPerSigner: number,
    readonly bytesPerSigner: number,
  ) {}

  /** false when the signer's share is full (the message is dropped). */
  add(message: HeldMessage, height: number, bytes: number): boolean {
    const signer = signerOf(message);
    const share = this.bySigner.get(signer) ?? { messages: 0, bytes: 0 };
    if (share.messages + 1 > this.messagesPerSigner || share.bytes + bytes > this.bytesPerSigner) return false;
    if (this.entries.some((entry) => sameMessage(entry.message, message))) return true;
    share.messages += 1;
    share.bytes += bytes;
    this.bySigner.set(signer, share);
    this.entries.push({ message, height, bytes });
    this.totalBytes += bytes;
    return true;
  }

  /** The messages of `height`, in arrival order; those of lower heights are dropped, higher ones kept. */
  take(height: number): HeldMessage[] {
    const taken: HeldMessage[] = [];
    const kept: Entry[] = [];
    for (const entry of this.entries) {
      if (entry.height > height) {
        kept.push(entry);
        continue;
      }
      if (entry.height === height) taken.push(entry.message);
      this.release(entry);
    }
    this.entries = kept;
    return taken;
  }

  /** The validators that signed messages held for `height`. */
  signersAt(height: number): Set<MemberId> {
    return new Set(this.entries.filter((entry) => entry.height === height).map((entry) => signerOf(entry.message)));
  }

  get messages(): number {
    return this.entries.length;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private release(entry: Entry): void {
    const signer = signerOf(entry.message);
    const share = this.bySigner.get(signer);
    this.totalBytes -= entry.bytes;
    if (share === undefined) return;
    share.messages -= 1;
    share.bytes -= entry.bytes;
    if (share.messages <= 0) this.bySigner.delete(signer);
  }
}

export function signerOf(message: HeldMessage): MemberId {
  return message.kind === 'vote' ? message.vote.validator : message.proposal.proposer;
}

/** One signature, one message: the block of a proposal was checked against its hash on receipt. */
function sameMessage(a: HeldMessage, b: HeldMessage): boolean {
  if (a.kind === 'vote' && b.kind === 'vote') return bytesEqual(a.vote.signature, b.vote.signature);
  if (a.kind === 'proposal' && b.kind === 'proposal') return bytesEqual(a.proposal.signature, b.proposal.signature);
  return false;
}
