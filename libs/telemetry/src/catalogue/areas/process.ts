import type { AreaDefinitions } from '../types.js';
import { NODE_RESOURCE_TYPES, SINGLE_VALUE } from '../label-sets.js';

/**
 * The node process itself. Collected by collectors/process.ts on every scrape. These replace
 * prom-client's default metrics, whose names (`nodejs_active_handles_total` on a gauge, for
 * one) fail `promtool check metrics` and sit outside the `consortium_` convention.
 */
export const processMetricDefinitions = {
  info: {
    name: 'consortium_process_info',
    type: 'gauge',
    unit: 'info',
    help: 'Always 1; the labels say which service, member, build and Node.js version this process runs.',
    labels: { service: SINGLE_VALUE, member: SINGLE_VALUE, version: SINGLE_VALUE, node_version: SINGLE_VALUE },
  },
  startTimeSeconds: {
    name: 'consortium_process_start_time_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Start time of the process since the Unix epoch.',
    labels: {},
  },
  cpuSecondsTotal: {
    name: 'consortium_process_cpu_seconds_total',
    type: 'counter',
    unit: 'seconds',
    help: 'CPU time consumed by the process, by mode.',
    labels: { mode: ['user', 'system'] },
  },
  residentMemoryBytes: {
    name: 'consortium_process_resident_memory_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Resident set size of the process.',
    labels: {},
  },
  heapBytes: {
    name: 'consortium_process_heap_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'V8 heap and off-heap memory: used and total heap, the heap limit (--max-old-space-size or V8\'s default), external memory, array buffers.',
    labels: { kind: ['used', 'total', 'limit', 'external', 'array_buffers'] },
  },
  heapUsedRatio: {
    name: 'consortium_process_heap_used_ratio',
    type: 'gauge',
    unit: 'ratio',
    // Its own series so that an alert compares one number (the rules' condition language has no
    // division); the process fails with a heap out of memory error as it nears 1.
    help: 'Heap used as a fraction of the heap limit.',
    labels: {},
  },
  v8PooledBytes: {
    name: 'consortium_process_v8_pooled_bytes',
    type: 'gauge',
    unit: 'bytes',
    // V8 keeps the pages it frees from its spaces resident for reuse and gives them back only in
    // a memory-reducing collection, which a load that never pauses does not start: docs/decisions.md,
    // "A node's memory".
    help: "V8 heap pages resident beyond the main isolate's heap total (its pool of freed pages), read from /proc/self/smaps at each memory check; Linux only.",
    labels: {},
  },
  memoryReleasesTotal: {
    name: 'consortium_process_memory_releases_total',
    type: 'counter',
    unit: 'count',
    help: "Memory-reducing collections the process ran because V8's pooled pages passed the release threshold.",
    labels: {},
  },
  memoryReleaseSecondsTotal: {
    name: 'consortium_process_memory_release_seconds_total',
    type: 'counter',
    unit: 'seconds',
    help: 'Time the process was paused in those memory-reducing collections.',
    labels: {},
  },
  eventLoopDelaySeconds: {
    name: 'consortium_process_event_loop_delay_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Event-loop delay percentiles over the last measurement window (at least 5 s).',
    labels: { percentile: ['p50', 'p99', 'max'] },
  },
  gcSecondsTotal: {
    name: 'consortium_process_gc_seconds_total',
    type: 'counter',
    unit: 'seconds',
    help: 'Time spent in garbage collection, by kind of collection.',
    labels: { kind: ['minor', 'major', 'incremental', 'weakcb'] },
  },
  activeResources: {
    name: 'consortium_process_active_resources',
    type: 'gauge',
    unit: 'count',
    help: 'Open handles and requests keeping the event loop alive (sockets, timers, file requests), by type.',
    labels: { type: NODE_RESOURCE_TYPES },
  },
} as const satisfies AreaDefinitions;
