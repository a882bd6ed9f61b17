import { describe, expect, it } from 'vitest';
import { chainAppHash } from '../../src/index.js';
import { sortedWrites } from '../../src/app/app-hash.js';

const previous = new Uint8Array(32).fill(1);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('the app hash chain', () => {
  it('depends on the writes, not on the order they were made in', () => {
    const one = new Map<string, unknown>([
      ['batch/x', { count: 4 }],
      ['agreement/y', { id: 'y' }],
    ]);
    const other = new Map<string, unknown>([
      ['agreement/y', { id: 'y' }],
      ['batch/x', { count: 4 }],
    ]);
    expect(hex(chainAppHash(previous, 7, sortedWrites(one)))).toBe(hex(chainAppHash(previous, 7, sortedWrites(other))));
  });

  it('changes with any write, the height and the previous hash', () => {
    const writes = sortedWrites(new Map<string, unknown>([['batch/x', { count: 4, total: 10n }]]));
    const base = hex(chainAppHash(previous, 7, writes));
    expect(hex(chainAppHash(previous, 7, sortedWrites(new Map<string, unknown>([['batch/x', { count: 4, total: 11n }]]))))).not.toBe(base);
    expect(hex(chainAppHash(previous, 8, writes))).not.toBe(base);
    expect(hex(chainAppHash(new Uint8Array(32), 7, writes))).not.toBe(base);
    expect(hex(chainAppHash(previous, 7, []))).not.toBe(base);
  });

  it('refuses writes that are not sorted by key, one per key', () => {
    expect(() =>
      chainAppHash(previous, 1, [
        ['b', 1],
        ['a', 2],
      ]),
    ).toThrow();
  });
});
