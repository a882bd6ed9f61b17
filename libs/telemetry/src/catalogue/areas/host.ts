import type { AreaDefinitions } from '../types.js';
import { NETWORK_INTERFACES } from '../label-sets.js';

/**
 * The machine the node runs on, as the node sees it. Operators may also run node_exporter;
 * these exist so the dashboard and the alert rules work with the node's /metrics alone.
 */
export const hostMetricDefinitions = {
  cpuSecondsTotal: {
    name: 'consortium_host_cpu_seconds_total',
    type: 'counter',
    unit: 'seconds',
    help: 'CPU time of all cores of the host, by mode (from os.cpus()).',
    labels: { mode: ['user', 'nice', 'system', 'idle', 'irq'] },
  },
  cpuCores: {
    name: 'consortium_host_cpu_cores',
    type: 'gauge',
    unit: 'count',
    help: 'Logical CPU cores of the host.',
    labels: {},
  },
  memoryBytes: {
    name: 'consortium_host_memory_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Host memory: total, available (MemAvailable where the kernel reports it) and free.',
    labels: { state: ['total', 'available', 'free'] },
  },
  dataDiskBytes: {
    name: 'consortium_host_data_disk_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: "Size, used and free space of the filesystem holding the node's data directory.",
    labels: { state: ['size', 'used', 'free'] },
  },
  networkBytesTotal: {
    name: 'consortium_host_network_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes received and transmitted per network interface (Linux /proc/net/dev).',
    labels: { interface: NETWORK_INTERFACES, direction: ['receive', 'transmit'] },
  },
} as const satisfies AreaDefinitions;
