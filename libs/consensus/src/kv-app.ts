import type { AppInfo, Application, CheckTxResult, FinalizeBlockResult, TxResult } from './application.js';
import { decodeCanonical, encodeCanonical } from './encoding/canonical.js';
import { sha256 } from './crypto/hash.js';
import { ZERO_HASH } from './block.js';
import type { BlockHeader, Hash } from './types.js';

/**
 * A small key-value application: each transaction sets one key. It exists so consensus can be
 * tested, simulated and benchmarked with a real application before the settlement application
 * arrives (like CometBFT's kvstore). Public for tests and tools, not for production use.
 *
 * App hash: a hash chain, appHash(h) = sha256(appHash(h-1) || sha256(writes of block h)). It
 * fingerprints the whole history deterministically at O(block) cost per block; it is not a
 * state commitment with proofs, which this application does not need.
 */

export interface KeyValueTx {
  readonly key: string;
  readonly value: string;
  /** Makes otherwise identical writes distinct transactions (the mempool refuses duplicates). */
  readonly nonce: number;
}

const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 16 * 1024;
const MAX_TX_BYTES = 32 * 1024;

export function encodeKeyValueTx(tx: KeyValueTx): Uint8Array {
  return encodeCanonical({ k: tx.key, v: tx.value, n: tx.nonce });
}

export function decodeKeyValueTx(bytes: Uint8Array): KeyValueTx | null {
  try {
    const o = decodeCanonical(bytes, MAX_TX_BYTES, 'kv tx') as Record<string, unknown>;
    const { k, v, n } = o;
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_KEY_LENGTH) return null;
    if (typeof v !== 'string' || v.length > MAX_VALUE_LENGTH) return null;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return null;
    if (Object.keys(o).length !== 3) return null;
    return { key: k, value: v, nonce: n };
  } catch {
    return null;
  }
}

export class KeyValueApplication implements Application {
  private state = new Map<string, string>();
  private appHash: Hash = ZERO_HASH;
  private height = 0;
  /** Writes of the finalized, not yet committed block. */
  private pending: { readonly height: number; readonly appHash: Hash; readonly writes: readonly KeyValueTx[] } | null = null;

  get(key: string): string | undefined {
    return this.state.get(key);
  }

  get size(): number {
    return this.state.size;
  }

  info(): Promise<AppInfo> {
    return Promise.resolve({ lastHeight: this.height, appHash: this.appHash });
  }

  checkTx(tx: Uint8Array): Promise<CheckTxResult> {
    return Promise.resolve(decodeKeyValueTx(tx) === null ? { ok: false, code: 'malformed', log: 'not a key-value transaction' } : { ok: true });
  }

  prepareProposal(request: { readonly txs: readonly Uint8Array[]; readonly maxBytes: number }): Promise<readonly Uint8Array[]> {
    const chosen: Uint8Array[] = [];
    let bytes = 0;
    for (const tx of request.txs) {
      if (decodeKeyValueTx(tx) === null || bytes + tx.byteLength > request.maxBytes) continue;
      chosen.push(tx);
      bytes += tx.byteLength;
    }
    return Promise.resolve(chosen);
  }

  processProposal(request: { readonly txs: readonly Uint8Array[] }): Promise<boolean> {
    return Promise.resolve(request.txs.every((tx) => decodeKeyValueTx(tx) !== null));
  }

  finalizeBlock(request: { readonly header: BlockHeader; readonly txs: readonly Uint8Array[] }): Promise<FinalizeBlockResult> {
    const writes: KeyValueTx[] = [];
    const txResults: TxResult[] = request.txs.map((bytes) => {
      const tx = decodeKeyValueTx(bytes);
      if (tx === null) return { ok: false, code: 'malformed' };
      writes.push(tx);
      return { ok: true };
    });
    const writesHash = sha256(encodeCanonical(writes.map((w) => [w.key, w.value, w.nonce])));
    const appHash = sha256(new Uint8Array([...this.appHash, ...writesHash]));
    this.pending = { height: request.header.height, appHash, writes };
    return Promise.resolve({ appHash, txResults });
  }

  commit(): Promise<void> {
    const pending = this.pending;
    if (pending === null) return Promise.reject(new Error('commit without a finalized block'));
    for (const write of pending.writes) this.state.set(write.key, write.value);
    this.appHash = pending.appHash;
    this.height = pending.height;
    this.pending = null;
    return Promise.resolve();
  }

  snapshot(): Promise<Uint8Array> {
    const entries = [...this.state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.resolve(encodeCanonical({ h: this.height, a: this.appHash, e: entries }));
  }

  restore(snapshot: Uint8Array, height: number): Promise<void> {
    const o = decodeCanonical(snapshot, 1024 * 1024 * 1024, 'kv snapshot') as { h: number; a: Uint8Array; e: [string, string][] };
    if (o.h !== height) return Promise.reject(new Error(`snapshot is of height ${o.h}, expected ${height}`));
    this.state = new Map(o.e);
    this.appHash = o.a;
    this.height = o.h;
    this.pending = null;
    return Promise.resolve();
  }
}
