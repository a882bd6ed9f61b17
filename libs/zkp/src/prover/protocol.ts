import type { Groth16Proof } from '../groth16-json.js';

/**
 * Messages between the pool and a prover worker thread (prover-worker.js, plain JavaScript:
 * keep the two in step). A worker handles one job at a time; the pool never sends a second
 * `prove` before the answer to the first.
 */

/** `workerData` of a prover worker. */
export interface ProverWorkerData {
  /** Prove with snarkjs in single-thread mode (the pool gives the parallelism). */
  readonly singleThread: boolean;
  /** Artifacts (wasm, zkey) kept in memory per worker, least recently used evicted. */
  readonly maxCachedFiles: number;
}

export interface ProveRequest {
  readonly type: 'prove';
  readonly id: number;
  readonly wasmPath: string;
  readonly zkeyPath: string;
  /** The genesis pins of the two files: the worker hashes every file it reads and refuses a mismatch. */
  readonly wasmSha256: string;
  readonly zkeySha256: string;
  readonly input: Record<string, unknown>;
  /** The proving key is in memory (sealed on disk): never read zkeyPath. */
  readonly inMemoryKey: boolean;
  /** Its bytes, the first time this worker gets a job with that key; kept by pin afterwards. */
  readonly zkeyBytes?: Uint8Array;
}

/** Asks the worker to release snarkjs's curve and end its thread. */
export interface ShutdownRequest {
  readonly type: 'shutdown';
}

export type PoolToWorker = ProveRequest | ShutdownRequest;

/** Sent once snarkjs is loaded (and the curve built): the worker takes jobs from now on. */
export interface ReadyMessage {
  readonly type: 'ready';
}

export interface ProvedMessage {
  readonly type: 'proved';
  readonly id: number;
  readonly proof: Groth16Proof;
  readonly publicSignals: string[];
  /** Reading artifacts not yet cached (0 on a cache hit), witness calculation, Groth16 proving. */
  readonly loadMs: number;
  readonly witnessMs: number;
  readonly proveMs: number;
  /**
   * The worker's witness calculator for the job's wasm: 'kept' from an earlier job, or 'built'
   * for this one (its first use, or after a failed calculation). Absent from workers that do not say.
   */
  readonly witnessCalculator?: 'built' | 'kept';
}

/** Where a job failed: reading the artifacts, a file differing from its pin, calculating the witness, or proving. */
export type FailureStage = 'load' | 'pin' | 'witness' | 'prove';

/** What a worker found when a file's hash differed from its pin (stage 'pin'). */
export interface PinMismatch {
  readonly artifact: 'wasm' | 'zkey';
  readonly path: string;
  readonly pinnedSha256: string;
  readonly actualSha256: string;
}

export interface FailedMessage {
  readonly type: 'failed';
  readonly id: number;
  readonly stage: FailureStage;
  readonly message: string;
  /** What snarkjs and the witness calculator printed to stderr during the job (bounded). */
  readonly detail: string;
  /** Set with stage 'pin'. */
  readonly pin?: PinMismatch;
}

export type WorkerToPool = ReadyMessage | ProvedMessage | FailedMessage;

/** Shallow check of a message from a worker: the pool trusts its own worker script. */
export function isWorkerToPool(value: unknown): value is WorkerToPool {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'proved' || type === 'failed';
}
