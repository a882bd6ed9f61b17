/** A collector refreshes a group of gauges and counters just before the registry is read. */
export interface Collector {
  collect(): void | Promise<void>;
  /** Releases timers and observers; the collector must not be used afterwards. */
  stop(): void;
}
