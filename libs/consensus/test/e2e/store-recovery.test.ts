import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { txHash } from '../../src/block.js';
import { Ed25519Signer, ed25519KeyPairFromSeed } from '../../src/crypto/ed25519.js';
import { ConsensusSigner, encodeLastSigned, type LastSigned } from '../../src/node/signer.js';
import { ChainRecoveryError, fenceRecord, restoreChainStore, resyncChainStore, salvageChainStore } from '../../src/recovery/chain-recovery.js';
import { BUCKET_PREFIX, LevelChainStore, StoreDamagedError } from '../../src/store/index.js';
import type { Hash } from '../../src/types.js';
import { TEST_LIMITS } from '../unit/store-fixtures.js';

/**
 * Recovering a damaged chain store on a real LevelDB: what block sync cannot bring back (the
 * signer's last-signed record, acknowledged transactions) survives into the new store, and a
 * node started on it cannot sign again where it signed before.
 */
const OPTIONS = { limits: TEST_LIMITS };
const CHAIN_ID = 'recovery-test';
const key = new Ed25519Signer(ed25519KeyPairFromSeed(new Uint8Array(32).fill(7)));
const FIXED_NOW = () => new Date('2026-11-30T12:00:00.000Z');

let root: string;
let chain: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'store-recovery-'));
  chain = join(root, 'chain');
});
afterEach(async () => rm(root, { recursive: true, force: true }));

function record(height: number, round = 0): LastSigned {
  return { height, round, step: 'prevote', signBytesHash: new Uint8Array(32).fill(height), valueHash: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) };
}

/** A store in `directory` whose signer last signed at `height`, holding `pending` acknowledged txs. */
async function storeWith(directory: string, height: number, pending: readonly Uint8Array[]): Promise<void> {
  const store = await LevelChainStore.open(directory, { ...OPTIONS, metrics: null });
  await store.appendSignedWal(height, Uint8Array.of(0xa0), encodeLastSigned(record(height)));
  await store.savePendingTxs(pending, true);
  await store.close();
}

const tx = (text: string) => new TextEncoder().encode(text);

async function damageManifest(directory: string): Promise<void> {
  for (const file of await readdir(directory)) if (file.startsWith('MANIFEST-')) await writeFile(join(directory, file), 'not a LevelDB manifest');
}

async function readBack(directory: string): Promise<{ lastSigned: Uint8Array | null; pending: Uint8Array[]; height: number }> {
  const store = await LevelChainStore.open(directory, { ...OPTIONS, metrics: null });
  try {
    return { lastSigned: await store.readLastSigned(), pending: await store.listPendingTxs(100, 1 << 20), height: store.latestHeight() };
  } finally {
    await store.close();
  }
}

describe('resyncChainStore', () => {
  it('moves a store LevelDB cannot open aside and starts an empty one that keeps the signer record and the acknowledged txs', async () => {
    await storeWith(chain, 9, [tx('ack-1'), tx('ack-2')]);
    await damageManifest(chain);
    await expect(LevelChainStore.open(chain, { ...OPTIONS, metrics: null })).rejects.toBeInstanceOf(StoreDamagedError);
    const manifestBefore = await readFile(join(chain, (await readdir(chain)).find((file) => file.startsWith('MANIFEST-'))!), 'utf8');

    const outcome = await resyncChainStore(chain, { ...OPTIONS, now: FIXED_NOW });

    expect(outcome.salvaged.repaired).toBe(true);
    expect(outcome.movedTo).toBe(join(root, 'chain.damaged-2026-11-30T12-00-00-000Z'));
    expect(outcome).toMatchObject({ fenced: false, pendingTxs: 2, lastSigned: { height: 9, round: 0, step: 'prevote' } });
    // The damaged original is kept as it was, for a look; the repair ran on a copy, since removed.
    const moved = await readdir(outcome.movedTo!);
    expect(await readFile(join(outcome.movedTo!, moved.find((file) => file.startsWith('MANIFEST-'))!), 'utf8')).toBe(manifestBefore);
    expect((await readdir(root)).sort()).toEqual(['chain', 'chain.damaged-2026-11-30T12-00-00-000Z']);
    // The new store: no chain, the same record, the same pending txs.
    const fresh = await readBack(chain);
    expect(fresh.height).toBe(0);
    expect(fresh.lastSigned).toEqual(new Uint8Array(encodeLastSigned(record(9))));
    expect(fresh.pending.map((bytes) => new TextDecoder().decode(bytes)).sort()).toEqual(['ack-1', 'ack-2']);
  });

  it('a node on the resynced store refuses to sign at or below the height it signed before, and signs above it', async () => {
    await storeWith(chain, 9, []);
    await damageManifest(chain);
    await resyncChainStore(chain, OPTIONS);
    const store = await LevelChainStore.open(chain, { ...OPTIONS, metrics: null });
    try {
      const signer = await ConsensusSigner.load(CHAIN_ID, key, store);
      const vote = (height: number) => ({ type: 'prevote' as const, height, round: 0, blockHash: new Uint8Array(32).fill(height) as Hash, validator: 'A' });
      expect((await signer.signVote(vote(3))).kind).toBe('refused');
      expect((await signer.signVote(vote(9))).kind).toBe('refused');
      expect((await signer.signVote(vote(10))).kind).toBe('signed');
    } finally {
      await store.close();
    }
  });

  it('refuses, changing nothing, when the signer record is unreadable and no fence height is given; fences with one', async () => {
    await storeWith(chain, 9, [tx('ack')]);
    // The record's bytes damaged in place (its checksum no longer matches).
    const raw = await LevelChainStore.open(chain, { ...OPTIONS, metrics: null });
    await raw.writeLastSignedRecord(Uint8Array.of(1, 2, 3));
    await raw.close();
    const error = await resyncChainStore(chain, OPTIONS).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChainRecoveryError);
    expect((error as Error).message).toMatch(/last-signed record cannot be read.*--fence-height/s);
    expect(await readdir(root)).toEqual(['chain']);

    const outcome = await resyncChainStore(chain, { ...OPTIONS, fenceHeight: 40 });
    expect(outcome).toMatchObject({ fenced: true, pendingTxs: 1, lastSigned: { height: 40 } });
    expect((await readBack(chain)).lastSigned).toEqual(new Uint8Array(encodeLastSigned(fenceRecord(40))));
    const store = await LevelChainStore.open(chain, { ...OPTIONS, metrics: null });
    try {
      const signer = await ConsensusSigner.load(CHAIN_ID, key, store);
      const precommit = (height: number, round: number) => ({ type: 'precommit' as const, height, round, blockHash: null, validator: 'A' });
      expect((await signer.signVote(precommit(40, 1000))).kind).toBe('refused');
      expect((await signer.signVote(precommit(41, 0))).kind).toBe('signed');
    } finally {
      await store.close();
    }
  });

  it('keeps the pending transactions it can read when some stored values are damaged', async () => {
    await storeWith(chain, 2, [tx('good')]);
    const raw = await LevelChainStore.open(chain, { ...OPTIONS, metrics: null });
    // A value under a pending tx's key that is not what the key names (its checksum fails).
    const hash = txHash(tx('bad'));
    const key = Uint8Array.of(BUCKET_PREFIX.pending_txs, ...hash);
    await (raw as unknown as { db: { put(k: Uint8Array, v: Uint8Array, o: object): Promise<void> } }).db.put(key, Uint8Array.of(9, 9, 9), { sync: true });
    await raw.close();
    const salvaged = await salvageChainStore(chain, { ...OPTIONS, scratchDirectory: join(root, 'scratch') });
    expect(salvaged.pendingTxs.map((bytes) => new TextDecoder().decode(bytes))).toEqual(['good']);
    expect(salvaged.pendingTxsDamaged).toBe(1);
    expect(salvaged.repaired).toBe(false);
  });

  it('a truncated LevelDB log: the store opens and keeps every write synced before the cut', async () => {
    await storeWith(chain, 5, [tx('before')]);
    const store = await LevelChainStore.open(chain, { ...OPTIONS, metrics: null });
    await store.savePendingTxs([tx('x'.repeat(4000))], true);
    await store.close();
    // Cut the newest log file in the middle of its last record, as a crash mid-append leaves it.
    const logs = (await readdir(chain)).filter((file) => file.endsWith('.log')).sort();
    const log = join(chain, logs.at(-1)!);
    const size = (await readFile(log)).byteLength;
    await truncate(log, size - 2000);
    const salvaged = await salvageChainStore(chain, { ...OPTIONS, scratchDirectory: join(root, 'scratch') });
    expect(salvaged.lastSigned).toMatchObject({ height: 5 });
    expect(salvaged.pendingTxs.map((bytes) => new TextDecoder().decode(bytes))).toContain('before');
  });
});

describe('restoreChainStore', () => {
  it('puts a backup in place but keeps the newer signer record of the store it replaces (a backup is an old WAL copy)', async () => {
    const backup = join(root, 'backup');
    await storeWith(backup, 4, [tx('in-backup')]);
    await storeWith(chain, 12, [tx('since-backup')]);
    const outcome = await restoreChainStore(chain, { ...OPTIONS, backupDirectory: backup, now: FIXED_NOW });
    expect(outcome.movedTo).toBe(join(root, 'chain.replaced-2026-11-30T12-00-00-000Z'));
    const restored = await readBack(chain);
    expect(restored.lastSigned).toEqual(new Uint8Array(encodeLastSigned(record(12))));
    expect(restored.pending.map((bytes) => new TextDecoder().decode(bytes)).sort()).toEqual(['in-backup', 'since-backup']);
    // The backup itself is untouched.
    expect((await readBack(backup)).lastSigned).toEqual(new Uint8Array(encodeLastSigned(record(4))));
  });

  it('with the current store unreadable, needs a fence height, then keeps the later of the fence and the backup record', async () => {
    const backup = join(root, 'backup');
    await storeWith(backup, 4, []);
    await storeWith(chain, 12, []);
    const raw = await LevelChainStore.open(chain, { ...OPTIONS, metrics: null });
    await raw.writeLastSignedRecord(Uint8Array.of(1));
    await raw.close();
    await expect(restoreChainStore(chain, { ...OPTIONS, backupDirectory: backup })).rejects.toThrow(/--fence-height/);
    const outcome = await restoreChainStore(chain, { ...OPTIONS, backupDirectory: backup, fenceHeight: 15 });
    expect(outcome).toMatchObject({ fenced: true, lastSigned: { height: 15 } });
  });

  it('refuses a backup that is damaged itself', async () => {
    const backup = join(root, 'backup');
    await storeWith(backup, 4, []);
    await damageManifest(backup);
    await storeWith(chain, 12, []);
    await expect(restoreChainStore(chain, { ...OPTIONS, backupDirectory: backup })).rejects.toThrow(/backup .* is damaged too/);
    expect((await readBack(chain)).lastSigned).toEqual(new Uint8Array(encodeLastSigned(record(12))));
  });
});
