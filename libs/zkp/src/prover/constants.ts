/** Limits and defaults of the prover pool, in one place. */

/** Jobs that may wait for a worker; past it `prove()` refuses at once (backpressure). */
export const DEFAULT_QUEUE_LIMIT = 64;

/**
 * Most jobs `queueLimit` may allow: each queued job holds its witness input (a few KiB per
 * record), and the admission policy walks the queue on every `prove()`.
 */
export const MAX_QUEUE_LIMIT = 4_096;

/**
 * Default deadline of a job: the proof is wanted within this long of `prove()`, queue wait
 * included. A job that cannot finish by then is refused before it runs (ProofDeadlineError);
 * a running proof is never ended by it. A 64-record proof takes 1-2.5 s on two cores.
 */
export const DEFAULT_PROOF_TIMEOUT_MS = 60_000;

/**
 * How long one proof may run before its worker counts as stuck and is replaced: far above any
 * real proof (a 256-record one takes several seconds here), independent of the job's deadline.
 */
export const DEFAULT_RUN_TIMEOUT_MS = 300_000;

/**
 * A worker must load snarkjs and build its curve (about 0.3 s here) within this. Generous: a
 * node whose worker misses it does not start, and 30 s was missed on a host loaded thirteen
 * times over its two cores (a node of the settlement e2e, load average 26), where nothing was
 * broken. A worker that can never start (a broken install) is the rare case it is for.
 */
export const DEFAULT_WORKER_START_TIMEOUT_MS = 120_000;

/** `close()` lets a worker release snarkjs's curve and exit on its own for this long, then terminates it. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 2_000;

/**
 * Artifacts (wasm and zkey files) a worker keeps in memory. Two per circuit; a node proves a few
 * circuits (batch sizes) of the current key epoch, and a new epoch brings new paths.
 */
export const DEFAULT_MAX_CACHED_FILES = 8;

/**
 * Workers that fail to start one after another before the pool gives up: it then refuses every
 * job with ProverWorkerError instead of respawning threads in a loop.
 */
export const MAX_CONSECUTIVE_START_FAILURES = 3;

/** Upper bound on `workers`: each one holds its artifacts and snarkjs's wasm memory. */
export const MAX_WORKERS = 64;
