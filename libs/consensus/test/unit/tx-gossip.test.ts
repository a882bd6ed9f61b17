import { describe, expect, it } from 'vitest';
import { decodeCanonical } from '../../src/encoding/canonical.js';
import { TxGossip } from '../../src/node/tx-gossip.js';
import { ManualClock } from './driver/harness.js';

/** Frames TxGossip hands out, decoded: to whom, and which transactions (by their first byte). */
function recordingSink() {
  const frames: { readonly to: string | null; readonly bytes: number; readonly txs: number[] }[] = [];
  const record = (to: string | null, frame: Uint8Array) => frames.push({ to, bytes: frame.byteLength, txs: (decodeCanonical(frame, 1_000_000) as { t: Uint8Array[] }).t.map((tx) => tx[0]!) });
  return { frames, sink: { broadcast: (frame: Uint8Array) => record(null, frame), sendTo: (member: string, frame: Uint8Array) => record(member, frame) } };
}

const tx = (id: number, bytes = 50) => new Uint8Array(bytes).fill(id);

describe('TxGossip.sendTo', () => {
  it('sends to one member in order, in frames within the count and byte limits', () => {
    const clock = new ManualClock();
    const { frames, sink } = recordingSink();
    const dropped: number[] = [];
    const gossip = new TxGossip(clock, 5, { maxTxs: 3, frameMaxBytes: 200, bytesPerSecond: 10_000 }, sink, (txs) => dropped.push(txs));
    expect(gossip.sendTo('m2', [1, 2, 3, 4, 5, 6, 7].map((id) => tx(id)))).toBe(7);
    expect(frames.map((frame) => [frame.to, frame.txs])).toEqual([
      ['m2', [1, 2, 3]],
      ['m2', [4, 5, 6]],
      ['m2', [7]],
    ]);
    expect(frames.every((frame) => frame.bytes <= 200)).toBe(true);
    const large = new TxGossip(clock, 5, { maxTxs: 100, frameMaxBytes: 200, bytesPerSecond: 10_000 }, sink, (txs) => dropped.push(txs));
    frames.length = 0;
    large.sendTo('m3', [1, 2, 3, 4, 5].map((id) => tx(id)));
    expect(frames.map((frame) => frame.txs)).toEqual([[1, 2, 3], [4, 5]]);
    expect(dropped).toEqual([]);
  });

  it('spends the byte budget of the broadcasts: what does not fit is dropped and counted, and sent once the budget refills', () => {
    const clock = new ManualClock();
    const { frames, sink } = recordingSink();
    const dropped: { txs: number; bytes: number }[] = [];
    const gossip = new TxGossip(clock, 5, { maxTxs: 2, frameMaxBytes: 1_000, bytesPerSecond: 400 }, sink, (txs, bytes) => dropped.push({ txs, bytes }));
    // A broadcast of two transactions takes about 120 of the 400 bytes.
    gossip.add(tx(1));
    gossip.add(tx(2));
    expect(frames.map((frame) => [frame.to, frame.txs])).toEqual([[null, [1, 2]]]);
    const spent = frames[0]!.bytes;
    frames.length = 0;
    // Room for two more frames of two, not three.
    expect(gossip.sendTo('m2', [3, 4, 5, 6, 7, 8].map((id) => tx(id)))).toBe(4);
    expect(frames.map((frame) => frame.txs)).toEqual([[3, 4], [5, 6]]);
    expect(spent + frames.reduce((total, frame) => total + frame.bytes, 0)).toBeLessThanOrEqual(400);
    expect(dropped.map((drop) => drop.txs)).toEqual([2]);
    clock.advance(1_000);
    frames.length = 0;
    expect(gossip.sendTo('m2', [7, 8].map((id) => tx(id)))).toBe(2);
  });
});
