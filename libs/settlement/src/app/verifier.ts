import { sha256, toHex } from '@consortium/consensus';
import { publicSignalsOf, type SettlementProof, type VerificationKey } from '@consortium/zkp';
import type { ProofVerdict } from '../state/context.js';
import type { ProposeStatementBody } from '../tx/types.js';

/**
 * What the application needs of a Groth16 verifier: @consortium/zkp's Groth16Verifier has this
 * shape (batch verification by random linear combination; a bad proof is a result, never an
 * exception). Injected so the node passes its verifier with the keys it loaded and pinned.
 */
export interface StatementProofVerifier {
  verify(proof: SettlementProof): Promise<{ readonly outcome: 'valid' | 'invalid' | 'error'; readonly error: Error | null }>;
  verifyBatch(proofs: readonly SettlementProof[]): Promise<{ readonly results: readonly { readonly outcome: 'valid' | 'invalid' | 'error'; readonly error: Error | null }[] }>;
}

/** Where registered epochs' verification keys go: @consortium/zkp's VerificationKeys (adding the same key twice is a no-op). */
export interface VerificationKeyRegistry {
  add(epoch: number, circuit: string, vkey: VerificationKey): void;
}

/** The proof envelope of a statement (a body, or a record read from the chain): its public inputs as the circuit orders them. */
export function statementProof(body: Pick<ProposeStatementBody, 'publicInputs' | 'epoch' | 'circuit' | 'proof'>): SettlementProof {
  return { epoch: body.epoch, circuit: body.circuit, proof: body.proof, publicSignals: publicSignalsOf(body.publicInputs) };
}

export function verdictOf(result: { readonly outcome: 'valid' | 'invalid' | 'error'; readonly error: Error | null }): ProofVerdict {
  if (result.outcome === 'valid') return { outcome: 'valid' };
  return { outcome: result.outcome, detail: result.error === null ? result.outcome : `${result.error.name}: ${result.error.message}` };
}

/** Verdicts cached by transaction hash, so a statement verified in checkTx or processProposal is not verified again when its block runs. */
export const VERDICT_CACHE_ENTRIES = 8_192;

export class VerdictCache {
  private readonly verdicts = new Map<string, ProofVerdict>();

  static keyOf(txBytes: Uint8Array): string {
    return toHex(sha256(txBytes));
  }

  get(key: string): ProofVerdict | undefined {
    return this.verdicts.get(key);
  }

  /**
   * Remembers valid and invalid verdicts: both follow from the bytes and the pinned keys alone.
   * An `error` verdict (no key for the epoch, say) may change when the node loads a key, so it
   * is not kept.
   */
  set(key: string, verdict: ProofVerdict): void {
    if (verdict.outcome === 'error') return;
    if (this.verdicts.size >= VERDICT_CACHE_ENTRIES) this.verdicts.delete(this.verdicts.keys().next().value as string);
    this.verdicts.set(key, verdict);
  }
}
