import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { BUCKET_PREFIX, LevelChainStore, StoreDamagedError, StoreLockedError, type ChainStoreOptions, type DbChainStore } from '../../src/store/index.js';
import { describeChainStoreBehaviour, type ChainStoreHarness } from '../unit/store-behaviour.js';
import { fromUtf8, TEST_LIMITS, TestChain, utf8 } from '../unit/store-fixtures.js';
import { memoryHarness } from '../unit/store-memory-harness.js';

/** LevelChainStores in fresh temporary directories; restarts close and reopen the directory. */
function levelHarness(): ChainStoreHarness {
  const directories: string[] = [];
  const opened = new Map<DbChainStore, { readonly directory: string; readonly options: ChainStoreOptions }>();
  const openAt = async (directory: string, options: ChainStoreOptions): Promise<DbChainStore> => {
    const store = await LevelChainStore.open(directory, { ...options, metrics: null });
    opened.set(store, { directory, options });
    return store;
  };
  return {
    open: async (options = {}) => {
      const directory = await mkdtemp(join(tmpdir(), 'consortium-store-'));
      directories.push(directory);
      return openAt(directory, { limits: TEST_LIMITS, ...options });
    },
    reopen: async (store) => {
      const { directory, options } = opened.get(store)!;
      await store.close();
      return openAt(directory, options);
    },
    rewrite: async (store, key, value) => {
      const { directory, options } = opened.get(store)!;
      await store.close();
      const raw = new ClassicLevel<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
      await raw.open();
      await raw.put(key, value);
      await raw.close();
      return openAt(directory, options);
    },
    cleanup: async () => {
      await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
    },
  };
}

// One suite of cases, both implementations: they must behave the same.
describeChainStoreBehaviour('LevelChainStore (classic-level)', levelHarness);
describeChainStoreBehaviour('MemoryChainStore', memoryHarness);

describe('LevelChainStore on disk', () => {
  let directory: string;
  let telemetry: Telemetry;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'consortium-store-'));
    telemetry = setupTelemetry({ serviceName: 'store-test', memberId: 'T-Mobile-DE', registerGlobal: false, collectors: false, env: {} });
  });

  afterEach(async () => {
    await telemetry.shutdown();
    await rm(directory, { recursive: true, force: true });
  });

  async function metricValues(name: string): Promise<{ labels: Record<string, string | number>; value: number; metricName?: string }[]> {
    const metric = telemetry.registry.getSingleMetric(name);
    expect(metric, name).toBeDefined();
    return (await metric!.get()).values as { labels: Record<string, string | number>; value: number; metricName?: string }[];
  }

  it('measures write latency and written bytes by operation, and its size on disk', async () => {
    const store = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: telemetry.metrics.storage });
    try {
      const chain = new TestChain();
      for (const committed of chain.many(3)) await store.saveCommittedBlock(committed);
      await store.saveAppSnapshot(3, utf8('state'));
      await store.appendWal(4, utf8('synced'), true);
      await store.appendWal(4, utf8('unsynced'), false);
      await store.appendWal(4, utf8('unsynced too'), false);

      const written = await metricValues('consortium_storage_written_bytes_total');
      const bytesOf = (operation: string) => written.find((sample) => sample.labels.operation === operation)?.value ?? 0;
      expect(bytesOf('block')).toBeGreaterThan(3 * 200);
      expect(bytesOf('snapshot')).toBe(9 + 4 + 5);
      // Key 13 bytes + checksum 4 + payload.
      expect(bytesOf('wal_sync')).toBe(13 + 4 + 6);
      expect(bytesOf('wal')).toBe(13 + 4 + 8 + 13 + 4 + 12);

      const durations = await metricValues('consortium_storage_write_duration_seconds');
      const countOf = (operation: string) =>
        durations.find((sample) => sample.metricName === 'consortium_storage_write_duration_seconds_count' && sample.labels.operation === operation)?.value;
      expect([countOf('block'), countOf('snapshot'), countOf('wal_sync'), countOf('wal')]).toEqual([3, 1, 1, 2]);

      const sizeBytes = await store.sizeOnDiskBytes();
      expect(sizeBytes).toBeGreaterThan(0);
      expect((await metricValues('consortium_storage_db_size_bytes'))[0]?.value).toBe(sizeBytes);
    } finally {
      await store.close();
    }
  });

  it('lays keys out by bucket, then by big-endian height, so heights scan in numeric order', async () => {
    const store = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null });
    const chain = new TestChain();
    // Past 255 and 256: a little-endian or variable-width key would sort 256 before 9.
    for (const committed of chain.many(260, 0)) await store.saveCommittedBlock(committed);
    await store.close();

    const raw = new ClassicLevel<Uint8Array, Uint8Array>(directory, { keyEncoding: 'view', valueEncoding: 'view' });
    await raw.open();
    const heights: number[] = [];
    for await (const key of raw.keys({ gte: Uint8Array.of(BUCKET_PREFIX.blocks), lt: Uint8Array.of(BUCKET_PREFIX.blocks + 1) })) {
      heights.push(Number(new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1, false)));
    }
    await raw.close();
    expect(heights).toEqual(Array.from({ length: 260 }, (_, i) => i + 1));

    const reopened = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null });
    expect(reopened.latestHeight()).toBe(260);
    expect((await reopened.getCommittedBlocks(250, 100, 10_000_000)).map((c) => c.block.header.height)).toEqual([250, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260]);
    await reopened.close();
  });

  it('continues WAL sequence numbers across several restarts with pruning in between', async () => {
    let store = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null });
    const expected: string[] = [];
    for (let restart = 0; restart < 3; restart++) {
      for (let i = 0; i < 3; i++) {
        const label = `r${restart}-e${i}`;
        expected.push(label);
        await store.appendWal(7, utf8(label), i === 0);
      }
      await store.appendWal(restart + 1, utf8('old'), false);
      await store.pruneWal(4);
      await store.close();
      store = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null });
    }
    expect((await store.readWal(7)).map(fromUtf8)).toEqual(expected);
    expect(await store.readWal(1)).toEqual([]);
    await store.close();
  });

  it('refuses to open a directory another store holds open', async () => {
    const first = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null });
    try {
      const error = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreLockedError);
      expect((error as StoreLockedError).directory).toBe(directory);
    } finally {
      await first.close();
    }
  });

  it('names a directory whose LevelDB files are damaged (StoreDamagedError)', async () => {
    const store = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null });
    await store.close();
    for (const file of await readdir(directory)) if (file.startsWith('MANIFEST-')) await writeFile(join(directory, file), 'not a LevelDB manifest');
    const error = await LevelChainStore.open(directory, { limits: TEST_LIMITS, metrics: null }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreDamagedError);
    expect((error as Error).message).toMatch(/cannot be opened: Corruption/);
  });
});
