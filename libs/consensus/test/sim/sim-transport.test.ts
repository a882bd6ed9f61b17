import { describe, expect, it } from 'vitest';
import { OversizedFrameError, OversizedPayloadError, NotConnectedError, RequestRefusedError } from '../../src/sim/errors.js';
import { SimNetwork, type PenaltyRecord } from '../../src/sim/network.js';
import { SimRandom } from '../../src/sim/random.js';
import { Scheduler } from '../../src/sim/scheduler.js';
import { PEER_DISCIPLINE, type SimPeerPolicy, type SimTransportLimits } from '../../src/sim/transport-limits.js';

// The simulated transport does what libs/p2p's does with frames above their cap, frames over a
// member's rate and reported members: these tests pin that behaviour at its edges.

const POLICY: SimPeerPolicy = {
  ...PEER_DISCIPLINE,
  messageRates: {
    consensus: { framesPerSecond: 200, burstFrames: 400, bytesPerSecond: 4_000, burstBytes: 8_000 },
    tx: { framesPerSecond: 1_000, burstFrames: 2_000, bytesPerSecond: 2_000, burstBytes: 4_000 },
    sync: { framesPerSecond: 20, burstFrames: 40, bytesPerSecond: 2_000, burstBytes: 4_000 },
  },
};
const LIMITS: SimTransportLimits = {
  caps: { message: { consensus: 1_000, tx: 500 }, request: { sync: 100 }, response: { sync: 2_000 } },
  policy: POLICY,
};

function network() {
  const scheduler = new Scheduler();
  const net = new SimNetwork(scheduler, new SimRandom(1), ['a', 'b', 'c'], LIMITS);
  const penalties: PenaltyRecord[] = [];
  const oversizedSends: string[] = [];
  net.onPenalty = (penalty) => penalties.push(penalty);
  net.onOversizedSend = (member, channel, what, size, cap) => oversizedSends.push(`${member} ${channel} ${what} ${size}>${cap}`);
  const a = net.attach('a');
  const b = net.attach('b');
  net.attach('c');
  const received: Uint8Array[] = [];
  b.onMessage('consensus', (_from, payload) => received.push(payload));
  const drain = () => {
    while (scheduler.runNext()) {
      // every scheduled delivery runs
    }
  };
  /** Runs every event, and the promise chains they wake (request handlers answer in microtasks). */
  const settle = async () => {
    do await new Promise((resolve) => setImmediate(resolve));
    while (scheduler.runNext());
  };
  return { scheduler, net, a, b, received, penalties, oversizedSends, drain, settle };
}

describe('the simulated transport', () => {
  it("refuses at the sender a payload above its protocol's cap, and takes one at the cap", () => {
    const { a, received, oversizedSends, drain } = network();
    expect(() => a.broadcast('consensus', new Uint8Array(1_001))).toThrow(OversizedPayloadError);
    expect(oversizedSends).toEqual(['a consensus message 1001>1000']);
    a.send('b', 'consensus', new Uint8Array(1_000));
    drain();
    expect(received.map((frame) => frame.byteLength)).toEqual([1_000]);
  });

  it('refuses at the receiver a raw frame above the cap, scores the sender, and disconnects the pair for the back-off', () => {
    const { scheduler, net, a, received, penalties, drain } = network();
    a.sendRaw('b', 'consensus', new Uint8Array(1_001));
    drain();
    expect(received).toEqual([]);
    expect(penalties).toMatchObject([{ observer: 'b', subject: 'a', kind: 'oversized', disconnectedForMs: POLICY.backoffBaseMs }]);
    expect(net.linked('a', 'b')).toBe(false);
    expect(net.linked('a', 'c')).toBe(true);
    scheduler.schedule(POLICY.backoffBaseMs, () => undefined);
    drain();
    expect(net.linked('a', 'b')).toBe(true);
  });

  it("drops frames over the sender's rate and scores each; the burst itself passes", () => {
    const { a, received, penalties, drain } = network();
    const burst = POLICY.messageRates.consensus.burstFrames;
    // Frames sent in one instant arrive within the link's delay, before many tokens refill.
    for (let i = 0; i < burst + 10; i++) a.sendRaw('b', 'consensus', Uint8Array.of(i % 256));
    drain();
    expect(received.length).toBeGreaterThanOrEqual(burst);
    expect(received.length).toBeLessThan(burst + 10);
    expect(penalties.every((penalty) => penalty.kind === 'rate_exceeded')).toBe(true);
    expect(penalties.length).toBe(burst + 10 - received.length);
  });

  it("drops frames over the sender's byte rate though few in number, and scores each", () => {
    const { a, received, penalties, drain } = network();
    const { burstBytes } = POLICY.messageRates.consensus;
    // Twelve frames of 1,000 bytes in one instant: the byte burst (8,000) lets eight through.
    for (let i = 0; i < 12; i++) a.sendRaw('b', 'consensus', new Uint8Array(1_000));
    drain();
    expect(received.length).toBeGreaterThanOrEqual(burstBytes / 1_000);
    expect(received.length).toBeLessThan(12);
    expect(penalties.length).toBe(12 - received.length);
    expect(penalties.every((penalty) => penalty.kind === 'rate_exceeded')).toBe(true);
  });

  it('scores a member reported by consensus with the weight of its kind, and disconnects at the limit', () => {
    const { net, b, penalties } = network();
    b.reportInvalid('a', 'malformed');
    b.reportInvalid('a', 'malformed');
    b.reportInvalid('a', 'malformed');
    expect(net.linked('a', 'b')).toBe(true);
    b.reportInvalid('a', 'malformed');
    expect(penalties.map((penalty) => penalty.disconnectedForMs)).toEqual([null, null, null, POLICY.backoffBaseMs]);
    expect(net.linked('a', 'b')).toBe(false);
  });

  it('refuses an honest response above the cap at the responder, and scores a Byzantine one at the requester', async () => {
    const { a, b, penalties, oversizedSends, settle } = network();
    b.onRequest('sync', () => Promise.resolve(new Uint8Array(2_001)));
    // Caught at once: the rejection comes while the events run.
    const honest = a.request('b', 'sync', new Uint8Array(10), 1_000).catch((error: unknown) => error);
    await settle();
    expect(await honest).toBeInstanceOf(RequestRefusedError);
    expect(oversizedSends).toEqual(['b sync response 2001>2000']);
    expect(penalties).toEqual([]);

    b.byzantine = { serve: () => Promise.resolve(new Uint8Array(2_001)) };
    const byzantine = a.request('b', 'sync', new Uint8Array(10), 1_000).catch((error: unknown) => error);
    await settle();
    expect(await byzantine).toBeInstanceOf(OversizedFrameError);
    expect(penalties).toMatchObject([{ observer: 'a', subject: 'b', kind: 'oversized' }]);
  });

  it('rejects a request to a member it is not connected to at once', async () => {
    const { net, a } = network();
    net.cut('a', 'b');
    await expect(a.request('b', 'sync', new Uint8Array(1), 1_000)).rejects.toBeInstanceOf(NotConnectedError);
    net.detach('c');
    await expect(a.request('c', 'sync', new Uint8Array(1), 1_000)).rejects.toBeInstanceOf(NotConnectedError);
  });
});
