import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/prover/bounded-queue.js';

describe('BoundedQueue', () => {
  it('is first in, first out', () => {
    const queue = new BoundedQueue<{ n: number }>(4);
    const items = [1, 2, 3].map((n) => ({ n }));
    for (const item of items) expect(queue.push(item)).toBe(true);
    expect([queue.shift()?.n, queue.shift()?.n, queue.shift()?.n, queue.shift()]).toEqual([1, 2, 3, undefined]);
  });

  it('refuses past its limit and accepts again once a place frees', () => {
    const queue = new BoundedQueue<object>(2);
    const [a, b, c] = [{}, {}, {}];
    expect([queue.push(a), queue.push(b), queue.push(c)]).toEqual([true, true, false]);
    expect([queue.size, queue.free]).toEqual([2, 0]);
    queue.shift();
    expect(queue.push(c)).toBe(true);
    expect(queue.drain()).toEqual([b, c]);
  });

  it('removes an element from the middle and keeps the order of the rest', () => {
    const queue = new BoundedQueue<{ n: number }>(8);
    const items = [1, 2, 3, 4].map((n) => ({ n }));
    for (const item of items) queue.push(item);
    expect(queue.delete(items[1]!)).toBe(true);
    expect(queue.delete(items[1]!)).toBe(false);
    expect(queue.has(items[2]!)).toBe(true);
    expect(queue.drain().map((item) => item.n)).toEqual([1, 3, 4]);
    expect(queue.size).toBe(0);
  });

  it('with limit 0 accepts nothing; refuses a bad limit and a duplicate', () => {
    expect(new BoundedQueue<object>(0).push({})).toBe(false);
    expect(() => new BoundedQueue(-1)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
    const queue = new BoundedQueue<object>(2);
    const item = {};
    queue.push(item);
    expect(() => queue.push(item)).toThrow(/queued already/);
  });
});
