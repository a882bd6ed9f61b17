import type { AreaDefinitions } from '../types.js';
import { SECONDS_DISK } from '../buckets.js';

/** The node's LevelDB store: blocks, certificates, tx index, app snapshots, the consensus WAL, acknowledged client transactions. */
export const storageMetricDefinitions = {
  dbSizeBytes: {
    name: 'consortium_storage_db_size_bytes',
    type: 'gauge',
    unit: 'bytes',
    help: 'Size of the LevelDB files on disk.',
    labels: {},
  },
  writeDurationSeconds: {
    name: 'consortium_storage_write_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Time of a write to the store, by what is written; WAL writes of own signed messages and the acknowledged client transactions (pending_txs) are synced to disk.',
    labels: { operation: ['block', 'snapshot', 'wal', 'wal_sync', 'pending_txs'] },
    buckets: SECONDS_DISK,
  },
  writtenBytesTotal: {
    name: 'consortium_storage_written_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Bytes written to the store, by what is written.',
    labels: { operation: ['block', 'snapshot', 'wal', 'wal_sync', 'pending_txs'] },
  },
} as const satisfies AreaDefinitions;
