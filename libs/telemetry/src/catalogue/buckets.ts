/**
 * Histogram bucket presets, chosen for the unit and the expected range. OpenTelemetry's
 * default buckets (0..10000) assume milliseconds and are wrong for seconds; Prometheus's
 * defaults stop at 10 s. Each preset says what it is for.
 */

/**
 * HTTP handlers and in-process work that should take a millisecond and must be seen when it
 * takes a second: 0.5 ms to 10 s, roughly doubling.
 */
export const SECONDS_FAST = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/**
 * Work measured in seconds to minutes (proofs, block intervals under stress, ceremony steps):
 * 10 ms to 10 min.
 */
export const SECONDS_SLOW = [
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600,
] as const;

/** Message and payload sizes: 64 B to 64 MiB in powers of four. */
export const BYTES_MESSAGE = [
  64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864,
] as const;

/**
 * Consensus steps and block intervals: a healthy step takes milliseconds on a LAN, a round
 * change takes the propose timeout (about a second) and grows with the round: 1 ms to 60 s.
 */
export const SECONDS_CONSENSUS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60,
] as const;

/** Round trips between members: loopback is sub-millisecond, intercontinental ~300 ms. */
export const SECONDS_NETWORK = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** Disk writes: a buffered LevelDB put is microseconds, a synced one up to tens of ms on SSDs. */
export const SECONDS_DISK = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5] as const;

/** Things per block (transactions): 0 to 10,000 in roughly 1-2.5-5 steps. */
export const COUNT_PER_BLOCK = [0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/** Batch sizes of verification batches (proofs per batch). */
export const PROOFS_PER_BATCH = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] as const;
