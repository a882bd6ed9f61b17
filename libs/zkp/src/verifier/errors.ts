/**
 * Why a proof did not verify, one class per condition (js-libp2p's pattern): callers branch on
 * the class or on `name`, never on message text. `outcome` is the value of the
 * `consortium_zkp_verifications_total` outcome label: `invalid` when the pairing equation does
 * not hold, `error` when the proof could not be checked at all (malformed, or no key).
 */

/** Which part of a proof an error is about. */
export type ProofPoint = 'pi_a' | 'pi_b' | 'pi_c';

export abstract class ProofVerificationError extends Error {
  abstract readonly outcome: 'invalid' | 'error';
  /** True when the fault is in the proof a peer sent (counted as a security event). */
  abstract readonly peerFault: boolean;
}

/** The proof is well formed but the Groth16 pairing equation does not hold for these signals. */
export class InvalidProofError extends ProofVerificationError {
  override readonly name = 'InvalidProofError';
  readonly outcome = 'invalid' as const;
  readonly peerFault = true;
  constructor(
    readonly epoch: number,
    readonly circuit: string,
  ) {
    super(`the proof does not verify against the ${circuit} key of epoch ${epoch} for these public signals`);
  }
}

/** The base of every "could not be checked" condition. */
export abstract class MalformedProofError extends ProofVerificationError {
  readonly outcome = 'error' as const;
  readonly peerFault: boolean = true;
}

/** No verification key is known for the proof's (epoch, circuit). Not counted as a peer fault: the node may lag a key rotation. */
export class UnknownVerificationKeyError extends MalformedProofError {
  override readonly name = 'UnknownVerificationKeyError';
  override readonly peerFault = false;
  constructor(
    readonly epoch: number,
    readonly circuit: string,
  ) {
    super(`no verification key for circuit ${JSON.stringify(circuit)} in epoch ${epoch}`);
  }
}

/** The key found for (epoch, circuit) is unusable (points off the curve, IC and nPublic disagree). A local fault. */
export class InvalidVerificationKeyError extends MalformedProofError {
  override readonly name = 'InvalidVerificationKeyError';
  override readonly peerFault = false;
}

/** The envelope or the proof object is not shaped as expected (epoch, circuit, protocol, curve, arrays). */
export class ProofFormatError extends MalformedProofError {
  override readonly name = 'ProofFormatError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/** A coordinate of a proof point is not a canonical decimal string below the base field modulus q. */
export class CoordinateError extends MalformedProofError {
  override readonly name = 'CoordinateError';
  constructor(
    readonly point: ProofPoint,
    problem: string,
  ) {
    super(`${point}: ${problem}`);
  }
}

/** A proof point is the point at infinity, which no honest prover produces. */
export class PointAtInfinityError extends MalformedProofError {
  override readonly name = 'PointAtInfinityError';
  constructor(readonly point: ProofPoint) {
    super(`${point} is the point at infinity`);
  }
}

/** A proof point does not satisfy its curve equation (y^2 = x^3 + 3 in G1, the twist in G2). */
export class PointNotOnCurveError extends MalformedProofError {
  override readonly name = 'PointNotOnCurveError';
  constructor(readonly point: ProofPoint) {
    super(`${point} is not on the ${point === 'pi_b' ? 'G2 twist' : 'G1'} curve`);
  }
}

/** pi_b is on the twist curve but outside the prime-order subgroup G2. */
export class PointNotInSubgroupError extends MalformedProofError {
  override readonly name = 'PointNotInSubgroupError';
  constructor(readonly point: ProofPoint) {
    super(`${point} is on the curve but not in the prime-order subgroup`);
  }
}

/** The number of public signals differs from the key's nPublic. */
export class PublicSignalCountError extends MalformedProofError {
  override readonly name = 'PublicSignalCountError';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`expected ${expected} public signals, got ${actual}`);
  }
}

/** A public signal is not a canonical decimal string (digits only, no sign, no leading zero). */
export class PublicSignalFormatError extends MalformedProofError {
  override readonly name = 'PublicSignalFormatError';
  constructor(readonly index: number) {
    super(`public signal ${index} is not a canonical decimal string`);
  }
}

/** A public signal is >= the scalar field modulus r: not a field element. */
export class PublicSignalRangeError extends MalformedProofError {
  override readonly name = 'PublicSignalRangeError';
  constructor(readonly index: number) {
    super(`public signal ${index} is not below the BN254 scalar field modulus r`);
  }
}

/** Thrown (not returned) by the registry when a verification key is unusable or conflicts. */
export class VerificationKeyError extends Error {
  override readonly name: string = 'VerificationKeyError';
}

/** vk_delta_2 equals vk_gamma_2: phase 2 of the setup had no contribution, so anyone can forge proofs for this key. */
export class UncontributedVerificationKeyError extends VerificationKeyError {
  override readonly name = 'UncontributedVerificationKeyError';
  constructor() {
    super('vk_gamma_2 equals vk_delta_2: phase 2 had no contribution, proofs can be forged');
  }
}

/** Thrown (not returned) when a batch has more proofs than the verifier accepts in one call. */
export class BatchTooLargeError extends Error {
  override readonly name = 'BatchTooLargeError';
  constructor(
    readonly proofs: number,
    readonly maxProofs: number,
  ) {
    super(`a batch of ${proofs} proofs exceeds the limit of ${maxProofs}; split it`);
  }
}

/** Thrown (not returned) when the verifier is used after close(). */
export class VerifierClosedError extends Error {
  override readonly name = 'VerifierClosedError';
  constructor() {
    super('the verifier is closed');
  }
}
