/**
 * The prover pool: Groth16 proving in worker threads behind a bounded FIFO queue. The package
 * entry (src/index.ts) re-exports this file's names.
 */
export { ProverPool } from './pool.js';
export type { ProveJob, ProverPoolOptions, ProverPoolStatus, CloseOptions } from './pool.js';
export {
  ProverError,
  ProverQueueFullError,
  ProofTimeoutError,
  ProofCancelledError,
  ProverClosedError,
  WitnessError,
  ProverArtifactError,
  ProverWorkerError,
} from './errors.js';
export type { ProofOutcome } from './errors.js';
export { DEFAULT_QUEUE_LIMIT, DEFAULT_PROOF_TIMEOUT_MS } from './constants.js';
