import type { MemberId } from './genesis/types.js';

/**
 * All consensus knows of the network. libs/p2p provides the libp2p implementation (its node
 * satisfies this interface structurally); the simulator provides a deterministic one.
 */

export type MessageChannel = 'consensus' | 'tx';
export type RequestChannel = 'sync';

/**
 * What a peer did wrong, as consensus reports it. `unresponsive`: it claimed (with a certificate)
 * to hold blocks and then answered a request for them with none (a timeout is not reported: an
 * honest peer that crashed or lost the frame times out too). `invalid_tx`: it
 * gossiped a transaction the application refused.
 */
export type InvalidMessageKind =
  | 'malformed'
  | 'oversized'
  | 'bad_signature'
  | 'replay'
  | 'unknown_sender'
  | 'rate_exceeded'
  | 'invalid_proof'
  | 'unresponsive'
  | 'invalid_tx';

export interface Transport {
  /**
   * Sends to every connected member. Fire-and-forget: a slow or gone peer must not block
   * consensus. The payload is within the channel's frame limit (the limits table); libs/p2p
   * throws on a larger one, which consensus never lets escape.
   */
  broadcast(channel: MessageChannel, payload: Uint8Array): void;
  send(to: MemberId, channel: MessageChannel, payload: Uint8Array): void;
  /** One request, one response; rejects on timeout, refusal or disconnection. */
  request(to: MemberId, channel: RequestChannel, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  onMessage(channel: MessageChannel, handler: (from: MemberId, payload: Uint8Array) => void): void;
  onRequest(channel: RequestChannel, handler: (from: MemberId, payload: Uint8Array) => Promise<Uint8Array>): void;
  connectedMembers(): readonly MemberId[];
  /** A member sent something invalid: the transport scores it and disconnects it past its limit. */
  reportInvalid(from: MemberId, kind: InvalidMessageKind): void;
}
