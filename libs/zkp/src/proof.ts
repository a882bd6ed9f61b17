import type { Groth16Proof } from './groth16-json.js';

/**
 * A settlement proof as it travels and is stored: the key epoch and circuit it was made for,
 * the Groth16 proof (snarkjs's JSON form) and its public signals (decimal strings, in the
 * circuit's order). The verifier picks the verification key by (epoch, circuit).
 */
export interface SettlementProof {
  readonly epoch: number;
  readonly circuit: string;
  readonly proof: Groth16Proof;
  readonly publicSignals: readonly string[];
}

export type { Groth16Proof };
