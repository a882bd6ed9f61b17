import { MemoryChainStore, MemoryDbController, type ChainStoreOptions, type DbChainStore } from '../../src/store/index.js';
import type { ChainStoreHarness } from './store-behaviour.js';
import { TEST_LIMITS } from './store-fixtures.js';

/** Memory stores over controllers the harness keeps, so it can restart them and write raw bytes. */
export function memoryHarness(): ChainStoreHarness {
  const opened = new Map<DbChainStore, { readonly memory: MemoryDbController; readonly options: ChainStoreOptions }>();
  const openOn = (memory: MemoryDbController, options: ChainStoreOptions): DbChainStore => {
    const store = new MemoryChainStore(options, memory);
    opened.set(store, { memory, options });
    return store;
  };
  const restart = async (store: DbChainStore, memory: MemoryDbController, options: ChainStoreOptions) => {
    await store.close();
    // A clean shutdown loses nothing: everything written survives.
    return openOn(memory.crashCopy({ loseUnsyncedWrites: false }), options);
  };
  return {
    // Through a promise, so a constructor that refuses its options rejects as LevelChainStore.open does.
    open: (options = {}) => Promise.resolve().then(() => openOn(new MemoryDbController(), { limits: TEST_LIMITS, ...options })),
    reopen: async (store) => {
      const { memory, options } = opened.get(store)!;
      return restart(store, memory, options);
    },
    rewrite: async (store, key, value) => {
      const { memory, options } = opened.get(store)!;
      await memory.put(key, value, { sync: true });
      return restart(store, memory, options);
    },
    cleanup: () => {
      opened.clear();
      return Promise.resolve();
    },
  };
}
