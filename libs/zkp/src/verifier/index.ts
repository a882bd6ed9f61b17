/**
 * Groth16 verification: the verifier, its key registry, results and error classes. The
 * package entry re-exports what callers need; the curve engine (bn254.ts) and the equations
 * (groth16.ts) stay internal.
 */
export { Groth16Verifier, DEFAULT_MAX_BATCH_PROOFS } from './verifier.js';
export type { VerificationResult, BatchVerificationResult, BatchFailure, Groth16VerifierOptions } from './verifier.js';
export { VerificationKeys, VERIFICATION_KEYS_MAX, parseVerificationKey, hasPhase2Contribution } from './keys.js';
export type { VerificationKeyLookup, ParsedVerificationKey } from './keys.js';
export { BASE_FIELD_MODULUS, SCALAR_FIELD_MODULUS, PUBLIC_SIGNALS_MAX, CIRCUIT_NAME_MAX_LENGTH } from './encoding.js';
export {
  ProofVerificationError,
  InvalidProofError,
  MalformedProofError,
  UnknownVerificationKeyError,
  InvalidVerificationKeyError,
  ProofFormatError,
  CoordinateError,
  PointAtInfinityError,
  PointNotOnCurveError,
  PointNotInSubgroupError,
  PublicSignalCountError,
  PublicSignalFormatError,
  PublicSignalRangeError,
  VerificationKeyError,
  UncontributedVerificationKeyError,
  BatchTooLargeError,
  VerifierClosedError,
} from './errors.js';
export type { ProofPoint } from './errors.js';
