import { describe, expectTypeOf, it } from 'vitest';
import type { P2PNode } from '../../src/index.js';

/**
 * A copy of libs/consensus/src/transport.ts's `Transport` (p2p may not import consensus: they
 * are the same layer). apps/node hands a P2PNode to consensus as its Transport, so the node
 * must keep satisfying this shape; if consensus changes the interface, update this copy.
 */
type MemberId = string;
type MessageChannel = 'consensus' | 'tx';
type RequestChannel = 'sync';
type InvalidMessageKind = 'malformed' | 'oversized' | 'bad_signature' | 'replay' | 'unknown_sender' | 'rate_exceeded' | 'invalid_proof';
interface Transport {
  broadcast(channel: MessageChannel, payload: Uint8Array): void;
  send(to: MemberId, channel: MessageChannel, payload: Uint8Array): void;
  request(to: MemberId, channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  onMessage(channel: MessageChannel, handler: (from: MemberId, payload: Uint8Array) => void): void;
  onRequest(channel: RequestChannel, handler: (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>): void;
  connectedMembers(): readonly MemberId[];
  reportInvalid(from: MemberId, kind: InvalidMessageKind): void;
}

describe('P2PNode', () => {
  it("satisfies consensus's Transport interface structurally", () => {
    expectTypeOf<P2PNode>().toExtend<Transport>();
  });
});
