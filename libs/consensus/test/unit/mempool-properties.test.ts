import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/crypto/hash.js';
import { txHash } from '../../src/block.js';
import { Mempool } from '../../src/mempool/index.js';
import { FakeCheckTxApp, FakeCommittedIndex } from './mempool-fakes.js';

/**
 * Model-based property: random adds (some racing each other), blocks and changes of the
 * application's mind, checked after every step against a plain list of what must be pooled.
 */

const MAX_TXS = 6;
const MAX_BYTES = 100;
const TX_MAX_BYTES = 30;
const REMEMBERED = 3;

/** Tx `id` has a fixed size, some above TX_MAX_BYTES; its text starts with its id. */
function txOf(id: number): Uint8Array {
  const size = 1 + ((id * 7) % 36);
  const tx = new Uint8Array(Math.max(size, 3)).fill(0x2e);
  tx.set(new TextEncoder().encode(String(id).padStart(3, '0')).subarray(0, tx.byteLength));
  return tx;
}
const textOf = (id: number) => new TextDecoder().decode(txOf(id));

type Step =
  | { readonly kind: 'add'; readonly ids: readonly number[] }
  | { readonly kind: 'block'; readonly ids: readonly number[] }
  | { readonly kind: 'refuse'; readonly id: number }
  | { readonly kind: 'reap'; readonly maxBytes: number; readonly maxTxs: number };

const id = fc.integer({ min: 0, max: 14 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), ids: fc.array(id, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('block' as const), ids: fc.array(id, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refuse' as const), id }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reap' as const), maxBytes: fc.integer({ min: 0, max: 120 }), maxTxs: fc.integer({ min: 0, max: 8 }) }) },
);

/** What the pool must hold: ids in arrival order, and the rules that decide each add. */
class PoolModel {
  readonly pooled: number[] = [];
  /** Every committed id: the store's tx index. */
  readonly committed = new Set<number>();
  /** The committed ids the mempool still remembers: the newest REMEMBERED, first commit counts. */
  readonly remembered: number[] = [];
  readonly refused = new Set<number>();

  bytes(): number {
    return this.pooled.reduce((sum, pooledId) => sum + txOf(pooledId).byteLength, 0);
  }

  /** Adds decided in call order, each seeing the ones before it (the mempool's serial queue). */
  add(ids: readonly number[]): string[] {
    const inFlight = new Set<number>();
    const pendingBytes = () => [...inFlight].reduce((sum, pending) => sum + txOf(pending).byteLength, 0);
    const outcomes = ids.map((candidate) => {
      const size = txOf(candidate).byteLength;
      if (size > TX_MAX_BYTES) return 'oversized';
      if (this.pooled.includes(candidate) || inFlight.has(candidate)) return 'duplicate';
      if (this.remembered.includes(candidate)) return 'committed';
      if (this.pooled.length + inFlight.size >= MAX_TXS || this.bytes() + pendingBytes() + size > MAX_BYTES) return 'full';
      inFlight.add(candidate);
      return 'pending';
    });
    // Racing adds are all past the cheap checks before any is decided; then they settle in order.
    return outcomes.map((outcome, i) => {
      if (outcome !== 'pending') return outcome;
      const candidate = ids[i]!;
      if (this.committed.has(candidate)) return 'committed';
      if (this.refused.has(candidate)) return 'invalid';
      this.pooled.push(candidate);
      return 'accepted';
    });
  }

  block(ids: readonly number[]): void {
    for (const committedId of ids) {
      this.committed.add(committedId);
      if (this.remembered.includes(committedId)) continue;
      this.remembered.push(committedId);
      if (this.remembered.length > REMEMBERED) this.remembered.shift();
    }
    const kept = this.pooled.filter((pooledId) => !this.committed.has(pooledId) && !this.refused.has(pooledId));
    this.pooled.splice(0, this.pooled.length, ...kept);
  }
}

describe('Mempool properties', () => {
  it('matches the model: limits, dedupe, replay refusal, recheck and arrival order; size and bytes equal its contents; reap stays within its limits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
        const app = new FakeCheckTxApp();
        const index = new FakeCommittedIndex();
        const mempool = new Mempool(
          { maxTxs: MAX_TXS, maxBytes: MAX_BYTES, txMaxBytes: TX_MAX_BYTES, rememberedCommittedTxs: REMEMBERED },
          { app, isCommitted: (hash) => index.isCommitted(hash), metrics: null, nowMs: () => 0 },
        );
        const model = new PoolModel();
        let height = 0;
        for (const current of steps) {
          switch (current.kind) {
            case 'add': {
              const expected = model.add(current.ids);
              const results = await Promise.all(current.ids.map((added) => mempool.add(txOf(added))));
              expect(results.map((result) => (result.accepted ? 'accepted' : result.reason))).toEqual(expected);
              break;
            }
            case 'block': {
              height += 1;
              model.block(current.ids);
              for (const committedId of current.ids) index.committed.add(toHex(txHash(txOf(committedId))));
              await mempool.update(height, current.ids.map(txOf));
              break;
            }
            case 'refuse': {
              model.refused.add(current.id);
              app.invalid.add(textOf(current.id));
              break;
            }
            case 'reap': {
              const all = mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
              const reaped = mempool.reap(current.maxBytes, current.maxTxs);
              expect(reaped.length).toBeLessThanOrEqual(current.maxTxs);
              expect(reaped.reduce((sum, tx) => sum + tx.byteLength, 0)).toBeLessThanOrEqual(current.maxBytes);
              expect(reaped).toEqual(all.slice(0, reaped.length));
              // Maximal: the next tx in line would have broken a limit.
              const next = all[reaped.length];
              if (next !== undefined && reaped.length < current.maxTxs) {
                expect(reaped.reduce((sum, tx) => sum + tx.byteLength, 0) + next.byteLength).toBeGreaterThan(current.maxBytes);
              }
              break;
            }
          }
          const contents = mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
          expect(contents.map((tx) => new TextDecoder().decode(tx))).toEqual(model.pooled.map(textOf));
          expect(mempool.size).toBe(contents.length);
          expect(mempool.bytes).toBe(contents.reduce((sum, tx) => sum + tx.byteLength, 0));
          expect(mempool.size).toBeLessThanOrEqual(MAX_TXS);
          expect(mempool.bytes).toBeLessThanOrEqual(MAX_BYTES);
        }
      }),
      { numRuns: 300 },
    );
  });
});
