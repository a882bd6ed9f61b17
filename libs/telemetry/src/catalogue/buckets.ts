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
