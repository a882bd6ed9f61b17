/**
 * snarkjs's JSON forms of a Groth16 proof and verification key, declared here so the package's
 * published declarations carry them (snarkjs ships no types: a `.d.ts` importing them from
 * 'snarkjs' would give a consumer `any`). The same shapes as the project's ambient snarkjs
 * declarations (types/snarkjs.d.ts), so values pass to snarkjs's functions unchanged.
 */

export interface Groth16Proof {
  /** G1 point A as decimal strings [x, y, "1"]. */
  pi_a: string[];
  /** G2 point B as [[x0, x1], [y0, y1], ["1", "0"]]. */
  pi_b: string[][];
  /** G1 point C. */
  pi_c: string[];
  protocol: 'groth16';
  curve: 'bn128';
}

export interface VerificationKey {
  protocol: 'groth16';
  curve: 'bn128';
  /** Number of public signals; IC holds nPublic + 1 points. */
  nPublic: number;
  vk_alpha_1: string[];
  vk_beta_2: string[][];
  vk_gamma_2: string[][];
  vk_delta_2: string[][];
  vk_alphabeta_12?: unknown;
  IC: string[][];
}
