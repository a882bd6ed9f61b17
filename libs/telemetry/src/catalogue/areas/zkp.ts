import type { AreaDefinitions } from '../types.js';
import { CIRCUIT_NAMES } from '../label-sets.js';
import { PROOFS_PER_BATCH, SECONDS_FAST, SECONDS_SLOW } from '../buckets.js';

/** Groth16 proving and verification (libs/zkp). Circuit names carry the batch size. */
export const zkpMetricDefinitions = {
  proveDurationSeconds: {
    name: 'consortium_zkp_prove_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time to compute a witness and a Groth16 proof in a prover worker, by circuit.',
    labels: { circuit: CIRCUIT_NAMES },
    // A 64-record proof takes about a second on two cores; 256 records, several.
    buckets: SECONDS_SLOW,
  },
  proofsTotal: {
    name: 'consortium_zkp_proofs_total',
    type: 'counter',
    unit: 'count',
    help: 'Proof jobs by circuit and outcome: proved, failed (bad input or prover error), timeout, cancelled (including jobs dropped when the pool closes), or rejected because the queue was full.',
    labels: { circuit: CIRCUIT_NAMES, outcome: ['proved', 'failed', 'timeout', 'cancelled', 'rejected'] },
  },
  proverQueueDepth: {
    name: 'consortium_zkp_prover_queue_depth',
    type: 'gauge',
    unit: 'count',
    help: 'Proof jobs waiting for a worker.',
    labels: {},
  },
  proverQueueWaitSeconds: {
    name: 'consortium_zkp_prover_queue_wait_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time a proof job waited for a worker.',
    labels: {},
    buckets: SECONDS_SLOW,
  },
  proverWorkers: {
    name: 'consortium_zkp_prover_workers',
    type: 'gauge',
    unit: 'count',
    help: 'Prover worker threads, by state (starting: a new or replacement thread loading snarkjs).',
    labels: { state: ['starting', 'idle', 'busy'] },
  },
  proverWorkerRestartsTotal: {
    name: 'consortium_zkp_prover_worker_restarts_total',
    type: 'counter',
    unit: 'count',
    help: 'Prover worker threads replaced, by reason: a job timed out or was cancelled while running (its thread is terminated), or the thread crashed or failed to start.',
    labels: { reason: ['timeout', 'cancelled', 'crash', 'start_failure'] },
  },
  witnessDurationSeconds: {
    name: 'consortium_zkp_witness_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time the witness calculator took for a proof job, by circuit (part of the prove duration).',
    labels: { circuit: CIRCUIT_NAMES },
    buckets: SECONDS_SLOW,
  },
  proverBusySecondsTotal: {
    name: 'consortium_zkp_prover_busy_seconds_total',
    type: 'counter',
    unit: 'seconds',
    help: 'Time prover workers spent on jobs; its rate divided by the workers is their utilisation.',
    labels: {},
  },
  verifyDurationSeconds: {
    name: 'consortium_zkp_verify_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time of one verification call, by circuit and mode (a single proof, or a batch of proofs).',
    labels: { circuit: CIRCUIT_NAMES, mode: ['single', 'batch'] },
    buckets: SECONDS_FAST,
  },
  verifyBatchProofs: {
    name: 'consortium_zkp_verify_batch_proofs',
    type: 'histogram',
    unit: 'count',
    help: 'Proofs per batch verification.',
    labels: {},
    buckets: PROOFS_PER_BATCH,
  },
  verificationsTotal: {
    name: 'consortium_zkp_verifications_total',
    type: 'counter',
    unit: 'count',
    help: 'Proofs verified, by circuit and outcome (valid, invalid, or error: a malformed proof or an unknown key).',
    labels: { circuit: CIRCUIT_NAMES, outcome: ['valid', 'invalid', 'error'] },
  },
  circuitConstraints: {
    name: 'consortium_zkp_circuit_constraints',
    type: 'gauge',
    unit: 'count',
    help: 'Constraints of each loaded circuit.',
    labels: { circuit: CIRCUIT_NAMES },
  },
} as const satisfies AreaDefinitions;
