import type { Ed25519SigningKey } from '../crypto/ed25519.js';
import { sha256, shortHex } from '../crypto/hash.js';
import { bytesEqual, decodeCanonical, encodeCanonical } from '../encoding/canonical.js';
import { DoubleSignRefusedError, LastSignedRecordError, PersistenceFailedError } from '../errors.js';
import { proposalSignBytes, voteSignBytes } from '../signing.js';
import type { Block, Hash, Proposal, SignedProposal, SignedVote, Vote } from '../types.js';
import type { ChainStorePort } from './ports.js';
import type { RestartSigningGate } from './restart-gate.js';
import { encodeWalEntry, signingSlot } from './wal-log.js';

/**
 * The validator's signer (CometBFT's privval with its last-sign state). Before every signature
 * it checks two things: what this node signed at the current heights (loaded from the WAL on
 * replay), and the persisted last-signed record: the highest height/round/step it ever signed
 * and the hash of the bytes it signed there. The record lives apart from the WAL and is never
 * pruned, so an empty or damaged WAL cannot lead to a second signature for a slot:
 * - a slot below the record's is refused (a regression: the node would be signing from amnesia);
 * - the record's own slot is signed again only for the same bytes (the stored signature is reused);
 * - a higher slot is signed, and the record and the message's WAL entry are written in one
 *   synced batch before the signature leaves this class.
 *
 * The record only protects a node whose store is its newest. A store restored from an old copy
 * (a backup, a copied data directory) has an old record, and the node would sign again slots its
 * key signed before: the classic double sign of a restored validator. Three guards cover what
 * the node can learn of it:
 * - a signature by this node's own key beyond its record (or another value at the record's slot),
 *   seen in a peer's vote or proposal or in a certificate of a block it commits, proves the store
 *   stale: the node signs nothing new at that height, nor at any height up to the one after the
 *   highest a certificate shows decided (before its restore it can have signed at most there),
 *   and logs it (CometBFT's double_sign_check_height looks back for its own votes the same way);
 * - nothing new is signed at a height a certificate shows decided (a backed claim of block sync):
 *   a node catching up has no business there, and a restored one would sign it a second time;
 * - after a restart, nothing new before peers holding a quorum with it answered what they hold of
 *   its own messages at the height, and the first such height sat out while the others can decide
 *   it without this node (RestartSigningGate, restart-gate.ts).
 * Re-sending an identical earlier signature stays allowed. A signature no live node holds cannot
 * be learnt of (the sit-out covers it while the others can decide without this node);
 * docs/reliability.md ("A validator restored from an old copy") says what remains
 * and what operators must do.
 */

export type SignedSlotStep = 'proposal' | 'prevote' | 'precommit';

export interface LastSigned {
  readonly height: number;
  readonly round: number;
  readonly step: SignedSlotStep;
  /** sha256 of the exact bytes signed. */
  readonly signBytesHash: Hash;
  /** The block hash signed (null: a nil vote), for operators reading the record. */
  readonly valueHash: Hash | null;
  readonly signature: Uint8Array;
}

export type SignOutcome<T> =
  | { readonly kind: 'signed'; readonly message: T }
  /** Signed before (same slot, same value): the earlier signature, to be re-sent. */
  | { readonly kind: 'reused'; readonly message: T }
  | { readonly kind: 'refused'; readonly error: DoubleSignRefusedError }
  /** Not signed: the height is fenced (the store proved stale there) or decided already. */
  | { readonly kind: 'fenced'; readonly reason: string };

/** A signature by this node's key that the node came across (a peer's message, a certificate). */
export interface OwnSignatureSeen {
  readonly height: number;
  readonly round: number;
  readonly step: SignedSlotStep;
  readonly signBytes: Uint8Array;
}

/** What the stale-store guards did, for the status and the simulator. */
export interface StaleStoreFigures {
  /** Own signatures found beyond the last-signed record that fenced more heights. */
  readonly detections: number;
  /** New signatures not made because their height was fenced or decided. */
  readonly fencedSignatures: number;
  /** Heights up to this one are fenced (0: none). */
  readonly fencedThroughHeight: number;
}

type SignedProposalWithBlock = SignedProposal & { readonly block: Block };

const STEP_RANK: Record<SignedSlotStep, number> = { proposal: 0, prevote: 1, precommit: 2 };

export class ConsensusSigner {
  /** Own signed messages of the current and previous height, by slot: what replay and re-sends reuse. */
  private signed = new Map<string, SignedVote | SignedProposalWithBlock>();

  /** Heights up to this one get no new signature: the store proved stale (0: none). */
  private fencedThroughHeight = 0;
  /** The newest slot of an unknown own signature seen so far: older ones are not news. */
  private newestSeen: { readonly height: number; readonly round: number; readonly step: SignedSlotStep } | null = null;
  private detections = 0;
  private fencedSignatures = 0;

  private constructor(
    private readonly chainId: string,
    private readonly key: Ed25519SigningKey,
    private readonly store: Pick<ChainStorePort, 'readLastSigned' | 'appendSignedWal'>,
    private last: LastSigned | null,
    private readonly decidedHeight: () => number,
    /** Null for a first start (no record), or when the node does not gate restarts. */
    private readonly gate: RestartSigningGate | null,
  ) {}

  /**
   * Reads the last-signed record; a record that does not decode stops the start (LastSignedRecordError).
   * `decidedHeight`: the highest height a verified certificate shows decided (block sync's backed claims).
   */
  static async load(
    chainId: string,
    key: Ed25519SigningKey,
    store: Pick<ChainStorePort, 'readLastSigned' | 'appendSignedWal'>,
    decidedHeight: () => number = () => 0,
    gate: RestartSigningGate | null = null,
  ): Promise<ConsensusSigner> {
    let bytes: Uint8Array | null;
    try {
      bytes = await store.readLastSigned();
    } catch (error) {
      throw new LastSignedRecordError(`the signer's last-signed record cannot be read: ${(error as Error).message}`, { cause: error });
    }
    return bytes === null ? new ConsensusSigner(chainId, key, store, null, decidedHeight, null) : new ConsensusSigner(chainId, key, store, decodeLastSigned(bytes), decidedHeight, gate);
  }

  get staleStore(): StaleStoreFigures {
    return { detections: this.detections, fencedSignatures: this.fencedSignatures, fencedThroughHeight: this.fencedThroughHeight };
  }

  /**
   * A signature by this node's key, verified, that the node came across. If the signer does not
   * know it (a slot beyond its record, or another value at the record's slot), its store is older
   * than what the key signed: fences every height up to the later of the signature's and the one
   * after the highest height known decided (`decidedHeight`, the node's own head included), and
   * returns the fenced height; null when the signature is known, below the record, or fenced already.
   */
  ownSignatureSeen(seen: OwnSignatureSeen, decidedHeight: number): number | null {
    const last = this.last;
    if (last !== null) {
      const order = compareSlots(seen, last);
      if (order < 0) return null;
      if (order === 0 && bytesEqual(sha256(seen.signBytes), last.signBytesHash)) return null;
    }
    const held = this.signed.get(signingSlot(seen.height, seen.round, seen.step));
    if (held !== undefined && bytesEqual(this.signBytesOf(held), seen.signBytes)) return null;
    // Seen before (a relay, the same certificate again in a later block): accounted for when it was first.
    if (this.newestSeen !== null && compareSlots(seen, this.newestSeen) <= 0) return null;
    this.newestSeen = { height: seen.height, round: seen.round, step: seen.step };
    const fencedThrough = Math.max(seen.height, decidedHeight + 1);
    if (fencedThrough <= this.fencedThroughHeight) return null;
    this.detections += 1;
    this.fencedThroughHeight = fencedThrough;
    return fencedThrough;
  }

  /** A reason not to sign anything new at `height`, or null. */
  private fenceAt(height: number): string | null {
    if (height <= this.fencedThroughHeight) return `height ${height} is fenced through ${this.fencedThroughHeight}: this node's key signed beyond its last-signed record (a stale store)`;
    const decided = this.decidedHeight();
    if (height <= decided) return `height ${height} is decided (a certificate of height ${decided} is known)`;
    return null;
  }

  /** Waits at the restart gate, then checks the fences (what it waited for may have fenced the height). */
  private async fenced(height: number): Promise<{ kind: 'fenced'; reason: string } | null> {
    if (this.gate !== null && (await this.gate.passage(height, this.decidedHeight)) === 'skip') {
      this.fencedSignatures += 1;
      return { kind: 'fenced', reason: `restarted: height ${height} was decided (or the node stopped) while this node waited to sign again` };
    }
    const reason = this.fenceAt(height);
    if (reason === null) return null;
    this.fencedSignatures += 1;
    return { kind: 'fenced', reason };
  }

  private signBytesOf(message: SignedVote | SignedProposalWithBlock): Uint8Array {
    return 'type' in message ? voteSignBytes(this.chainId, message) : proposalSignBytes(this.chainId, message);
  }

  get lastSigned(): LastSigned | null {
    return this.last;
  }

  /** A signature found in the WAL on replay: re-used if the machine asks for that slot again. */
  remember(message: SignedVote | SignedProposalWithBlock): void {
    const slot = 'type' in message ? signingSlot(message.height, message.round, message.type) : signingSlot(message.height, message.round, 'proposal');
    this.signed.set(slot, message);
  }

  /** The proposal this node signed for (height, round), with its block, if it still holds it. */
  proposalAt(height: number, round: number): SignedProposalWithBlock | null {
    const message = this.signed.get(signingSlot(height, round, 'proposal'));
    return message !== undefined && 'proposer' in message ? message : null;
  }

  /** Forgets signatures of heights below `height - 1` (the previous height's are kept for late re-sends). */
  forgetBelow(height: number): void {
    for (const [slot, message] of this.signed) if (message.height < height - 1) this.signed.delete(slot);
  }

  async signVote(vote: Vote): Promise<SignOutcome<SignedVote>> {
    const slot = signingSlot(vote.height, vote.round, vote.type);
    const earlier = this.signed.get(slot);
    if (earlier !== undefined && 'type' in earlier) {
      if (sameHash(earlier.blockHash, vote.blockHash)) return { kind: 'reused', message: earlier };
      return refuse(`a second ${vote.type} at ${slot}: already signed ${shortHex(earlier.blockHash)}, asked for ${shortHex(vote.blockHash)}`);
    }
    const signBytes = voteSignBytes(this.chainId, vote);
    const checked = this.checkRecord(vote.height, vote.round, vote.type, signBytes);
    if (checked.kind === 'refused') return checked;
    if (checked.kind === 'reused') {
      const message: SignedVote = { ...vote, signature: checked.signature };
      this.signed.set(slot, message);
      return { kind: 'reused', message };
    }
    const fenced = await this.fenced(vote.height);
    if (fenced !== null) return fenced;
    const message: SignedVote = { ...vote, signature: this.key.sign(signBytes) };
    await this.persist(message.height, encodeWalEntry({ kind: 'signedVote', vote: message }), {
      height: vote.height,
      round: vote.round,
      step: vote.type,
      signBytesHash: sha256(signBytes),
      valueHash: vote.blockHash,
      signature: message.signature,
    });
    this.signed.set(slot, message);
    return { kind: 'signed', message };
  }

  async signProposal(proposal: Proposal, block: Block): Promise<SignOutcome<SignedProposalWithBlock>> {
    const slot = signingSlot(proposal.height, proposal.round, 'proposal');
    const earlier = this.signed.get(slot);
    if (earlier !== undefined && 'proposer' in earlier) {
      if (bytesEqual(earlier.blockHash, proposal.blockHash)) return { kind: 'reused', message: earlier };
      return refuse(`a second proposal at ${slot}: already signed ${shortHex(earlier.blockHash)}, asked for ${shortHex(proposal.blockHash)}`);
    }
    const signBytes = proposalSignBytes(this.chainId, proposal);
    const checked = this.checkRecord(proposal.height, proposal.round, 'proposal', signBytes);
    if (checked.kind === 'refused') return checked;
    if (checked.kind === 'reused') {
      const message: SignedProposalWithBlock = { ...proposal, signature: checked.signature, block };
      this.signed.set(slot, message);
      return { kind: 'reused', message };
    }
    const fenced = await this.fenced(proposal.height);
    if (fenced !== null) return fenced;
    const signature = this.key.sign(signBytes);
    const signed: SignedProposal = { ...proposal, signature };
    await this.persist(proposal.height, encodeWalEntry({ kind: 'signedProposal', proposal: signed, block }), {
      height: proposal.height,
      round: proposal.round,
      step: 'proposal',
      signBytesHash: sha256(signBytes),
      valueHash: proposal.blockHash,
      signature,
    });
    const message = { ...signed, block };
    this.signed.set(slot, message);
    return { kind: 'signed', message };
  }

  /** Checks a new slot against the last-signed record. */
  private checkRecord(
    height: number,
    round: number,
    step: SignedSlotStep,
    signBytes: Uint8Array,
  ): { kind: 'sign' } | { kind: 'reused'; signature: Uint8Array } | Extract<SignOutcome<never>, { kind: 'refused' }> {
    const last = this.last;
    if (last === null) return { kind: 'sign' };
    const order = compareSlots({ height, round, step }, last);
    const slot = signingSlot(height, round, step);
    if (order < 0) return refuse(`${slot}: the last-signed record is at ${signingSlot(last.height, last.round, last.step)}, a later slot (height/round/step regression)`);
    if (order > 0) return { kind: 'sign' };
    if (bytesEqual(sha256(signBytes), last.signBytesHash)) return { kind: 'reused', signature: last.signature };
    return refuse(`${slot}: the last-signed record holds another value there (${shortHex(last.valueHash)})`);
  }

  private async persist(height: number, walEntry: Uint8Array, record: LastSigned): Promise<void> {
    try {
      await this.store.appendSignedWal(height, walEntry, encodeLastSigned(record));
    } catch (error) {
      throw new PersistenceFailedError('signature', { cause: error });
    }
    this.last = record;
  }
}

function refuse(message: string): { kind: 'refused'; error: DoubleSignRefusedError } {
  return { kind: 'refused', error: new DoubleSignRefusedError(`refusing to sign ${message}`) };
}

export function compareSlots(a: { height: number; round: number; step: SignedSlotStep }, b: { height: number; round: number; step: SignedSlotStep }): number {
  if (a.height !== b.height) return a.height - b.height;
  if (a.round !== b.round) return a.round - b.round;
  return STEP_RANK[a.step] - STEP_RANK[b.step];
}

function sameHash(a: Hash | null, b: Hash | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b);
}

export function encodeLastSigned(record: LastSigned): Uint8Array {
  return encodeCanonical({ h: record.height, r: record.round, s: record.step, b: record.signBytesHash, v: record.valueHash, sig: record.signature });
}

export function decodeLastSigned(bytes: Uint8Array): LastSigned {
  try {
    const o = decodeCanonical(bytes, 1024, 'last-signed record') as Record<string, unknown>;
    const { h, r, s, b, v, sig } = o;
    if (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 1) throw new Error('height must be a positive integer');
    if (typeof r !== 'number' || !Number.isSafeInteger(r) || r < 0) throw new Error('round must be a non-negative integer');
    if (s !== 'proposal' && s !== 'prevote' && s !== 'precommit') throw new Error('step must be proposal, prevote or precommit');
    if (!(b instanceof Uint8Array) || b.byteLength !== 32) throw new Error('signBytesHash must be 32 bytes');
    if (v !== null && (!(v instanceof Uint8Array) || v.byteLength !== 32)) throw new Error('valueHash must be 32 bytes or null');
    if (!(sig instanceof Uint8Array) || sig.byteLength !== 64) throw new Error('signature must be 64 bytes');
    return { height: h, round: r, step: s, signBytesHash: b, valueHash: v, signature: sig };
  } catch (error) {
    throw new LastSignedRecordError(`the signer's last-signed record is damaged: ${(error as Error).message}`, { cause: error });
  }
}
