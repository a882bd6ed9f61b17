/**
 * The prover pool: Groth16 proving in worker threads behind a bounded FIFO queue with a
 * deadline policy, every proof checked against the pinned verification key. The package
 * entry (src/index.ts) re-exports this file's names.
 */
export { ProverPool } from './pool.js';
export type { ProveJob, ProverPoolOptions, ProverPoolStatus, ProverWorkerMemory, CloseOptions } from './pool.js';
export {
  ProverError,
  ProverQueueFullError,
  ProofTimeoutError,
  ProofCancelledError,
  ProverClosedError,
  WitnessError,
  ProverArtifactError,
  ProverWorkerError,
  ProofDeadlineError,
  KeyPinMismatchError,
  ProofSelfVerificationError,
} from './errors.js';
export type { ProofOutcome } from './errors.js';
export { DEFAULT_QUEUE_LIMIT, DEFAULT_PROOF_TIMEOUT_MS, DEFAULT_RUN_TIMEOUT_MS, MAX_QUEUE_LIMIT } from './constants.js';
// the deadline policy, pure: for capacity planning and the overload model in the tests
export { RunTimeEstimates, RUN_ESTIMATE_WEIGHT, predictStartDelayMs, remainingRunMs, canStart, admit, latestStartMs } from './admission.js';
export type { AdmissionDecision } from './admission.js';
