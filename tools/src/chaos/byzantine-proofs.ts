import { blockHash, proposalSignBytes, toHex, txHash, txsHash, type ConsensusMessage } from '@consortium/consensus';
import { decodeSettlementTx, encodeSettlementTx, signSettlementTx, SettlementTxError, type SettlementTx } from '@consortium/settlement';
import { BASE_FIELD_MODULUS, type Groth16Proof } from '@consortium/zkp';

/**
 * What a Byzantine member's node does to the proofs it sends (byzantine-transport.ts, behaviour
 * `invalid-proofs`). Of the settlement transactions, only propose_statement carries a proof
 * (register_key_epoch carries verification keys, which the codec checks against their pins).
 * The member takes its own statements (signed by it alone, as the creditor signs them), replaces
 * the proof by one that looks valid and is not, and signs the body again with its own key: the
 * signature is authentic, the statement's id unchanged (the proof is not part of it), the public
 * inputs those of a committed batch; only the pairing equation fails. A node that checks
 * anything short of the proof itself accepts it.
 *
 * The wrong proof: A negated, (x, y) -> (x, q - y). -A is on the curve and in the subgroup,
 * so every format, curve and subgroup check passes, and e(-A, B) = e(A, B)^-1 breaks the
 * equation. Negating A and B together would give a valid proof (that is malleability, not an
 * attack); negating A alone never does.
 */

/** `proof` with its A point negated: well formed, on the curve, in the subgroup, and invalid. */
export function negatedProof(proof: Groth16Proof): Groth16Proof {
  const [x, y, z] = proof.pi_a;
  if (x === undefined || y === undefined || z !== '1') throw new RangeError('pi_a is not an affine point [x, y, "1"]');
  const negatedY = (BASE_FIELD_MODULUS - BigInt(y)) % BASE_FIELD_MODULUS;
  return { ...proof, pi_a: [x, negatedY.toString(), z] };
}

export interface ProofSigner {
  /** The member whose statements are corrupted: the creditor, their only signer. */
  readonly member: string;
  readonly chainId: string;
  readonly signer: { sign(message: Uint8Array): Uint8Array };
}

/** The settlement transaction `bytes` decode to, or null (another application's, or not a transaction at all). */
function settlementTxOf(bytes: Uint8Array): SettlementTx | null {
  try {
    return decodeSettlementTx(bytes);
  } catch (error) {
    if (error instanceof SettlementTxError) return null;
    throw error;
  }
}

/**
 * `tx` with an invalid proof, signed again by `signer`'s member; null when `tx` is not a
 * statement signed by that member alone (others' signatures it could not make again).
 */
export function withInvalidProof(tx: Uint8Array, signer: ProofSigner): Uint8Array | null {
  const decoded = settlementTxOf(tx);
  if (decoded === null || decoded.body.type !== 'propose_statement') return null;
  if (decoded.signatures.length !== 1 || decoded.signatures[0]!.member !== signer.member) return null;
  const body = { ...decoded.body, proof: negatedProof(decoded.body.proof) };
  return encodeSettlementTx(signSettlementTx(signer.chainId, body, [{ member: signer.member, signer: signer.signer }]));
}

export interface CorruptedProofFigures {
  /** Distinct statements whose proof was replaced. */
  readonly statements: number;
  /** Hashes (hex) of the corrupted transactions (the first REWRITES_MAX): none may ever be in a block. */
  readonly txHashes: readonly string[];
  /** Corrupted statements sent in tx gossip, once per recipient. */
  readonly gossipedToPeers: number;
  /** Own proposals sent with a corrupted statement in the block. */
  readonly proposals: number;
}

/** Cached rewrites are bounded: a long run must not grow the Byzantine node without limit. */
const REWRITES_MAX = 4_096;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= REWRITES_MAX) map.delete(map.keys().next().value as K);
  map.set(key, value);
  return value;
}

/**
 * The member's corruptions, consistent over time: a statement is corrupted the same way every
 * time it is sent (re-gossip, a reconnecting peer), and a signed proposal is replaced by the same
 * rewritten one every time it goes out (a relay at a stalled height), so honest nodes never hold
 * two versions of one proposal (that would be equivocation, another behaviour).
 *
 * A proposal carries corrupted statements only the first time the member proposes each of them;
 * proposed again, the statement goes out as proved. The honest members never receive its valid
 * version otherwise (they refused the gossiped one), so without this the member's own statements
 * would never commit and the settlement traffic would stall on them.
 */
export class ProofCorrupter {
  private readonly corruptedTxs = new Map<string, Uint8Array | null>();
  private readonly rewrittenProposals = new Map<string, ConsensusMessage>();
  private readonly proposedCorrupted = new Set<string>();
  /** Block hashes (hex) of the rewritten proposals: when a peer relays one back, the member knows its own lie. */
  private readonly rewrittenBlockHashes = new Set<string>();
  /** The first REWRITES_MAX corrupted transactions' hashes (a chaos run makes a few dozen). */
  private readonly hashes: string[] = [];
  private statements = 0;
  private gossipedToPeers = 0;
  private proposals = 0;

  constructor(private readonly signer: ProofSigner) {}

  figures(): CorruptedProofFigures {
    return { statements: this.statements, txHashes: [...this.hashes], gossipedToPeers: this.gossipedToPeers, proposals: this.proposals };
  }

  /** A tx batch's transactions with the member's statements corrupted, or null when none is one. */
  gossip(txs: readonly Uint8Array[]): Uint8Array[] | null {
    let changed = false;
    const out = txs.map((tx) => {
      const corrupted = this.corrupt(tx);
      if (corrupted === null) return tx;
      changed = true;
      return corrupted;
    });
    return changed ? out : null;
  }

  /** Counts a gossip frame with `statements` corrupted statements sent to one peer. */
  sentGossip(statements: number): void {
    this.gossipedToPeers += statements;
  }

  /** The proposal to send instead of `message` (an own proposal carrying statements not yet corrupted in a proposal), or null. */
  proposal(message: ConsensusMessage): ConsensusMessage | null {
    if (message.kind !== 'proposal' || message.proposal.proposer !== this.signer.member) return null;
    const key = toHex(message.proposal.signature);
    const rewritten = this.rewrittenProposals.get(key);
    if (rewritten !== undefined) return rewritten;
    let changed = false;
    const txs = message.block.txs.map((tx) => {
      const hash = toHex(txHash(tx));
      if (this.proposedCorrupted.has(hash)) return tx;
      const corrupted = this.corrupt(tx);
      if (corrupted === null) return tx;
      this.proposedCorrupted.add(hash);
      changed = true;
      return corrupted;
    });
    if (!changed) return null;
    const block = { ...message.block, header: { ...message.block.header, txsHash: txsHash(txs) }, txs };
    const { signature: _signature, ...unsigned } = message.proposal;
    const proposal = { ...unsigned, blockHash: blockHash(block) };
    const signed: ConsensusMessage = { kind: 'proposal', block, proposal: { ...proposal, signature: this.signer.signer.sign(proposalSignBytes(this.signer.chainId, proposal)) } };
    this.proposals += 1;
    this.rewrittenBlockHashes.add(toHex(proposal.blockHash));
    return remember(this.rewrittenProposals, key, signed);
  }

  /** Whether `message` is one of the member's rewritten proposals (relayed back by a peer). */
  isRewrittenProposal(message: ConsensusMessage | null): boolean {
    return message !== null && message.kind === 'proposal' && message.proposal.proposer === this.signer.member && this.rewrittenBlockHashes.has(toHex(message.proposal.blockHash));
  }

  private corrupt(tx: Uint8Array): Uint8Array | null {
    const hash = toHex(txHash(tx));
    if (this.corruptedTxs.has(hash)) return this.corruptedTxs.get(hash)!;
    const corrupted = withInvalidProof(tx, this.signer);
    if (corrupted !== null) {
      this.statements += 1;
      if (this.hashes.length < REWRITES_MAX) this.hashes.push(toHex(txHash(corrupted)));
    }
    return remember(this.corruptedTxs, hash, corrupted);
  }
}
