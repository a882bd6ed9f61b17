/**
 * One class per error condition (js-libp2p's pattern, packages/interface/src/errors.ts):
 * callers branch on the class or on `name`, never on message text. Every class sets `name`,
 * and a bad input rejected with one of these changes nothing in the node.
 */

import type { MemberId } from './types.js';

// ---------------------------------------------------------------------------------------------
// Node keys (keys.ts)

/** A node key file that is not `{ "peerId": "...", "privateKey": "<hex>" }` or whose key does not decode. */
export class InvalidNodeKeyFileError extends Error {
  override readonly name = 'InvalidNodeKeyFileError';
  constructor(readonly problem: string) {
    super(`node key file is invalid: ${problem}`);
  }
}

/** The key file's peerId is not the one its private key gives. */
export class NodeKeyMismatchError extends Error {
  override readonly name = 'NodeKeyMismatchError';
  constructor(
    readonly declaredPeerId: string,
    readonly actualPeerId: string,
  ) {
    super(
      `node key file declares peerId ${declaredPeerId} but its private key belongs to peerId ${actualPeerId}: ` +
        'the file was edited or two files were mixed up',
    );
  }
}

/** Node keys are ed25519 (the libp2p default, and what genesis lists); any other type is refused. */
export class UnsupportedNodeKeyTypeError extends Error {
  override readonly name = 'UnsupportedNodeKeyTypeError';
  constructor(readonly keyType: string) {
    super(`node keys must be Ed25519, got ${keyType}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Options (config.ts, members.ts)

/** The member list given to P2PNode.create is unusable (duplicates, bad peer ids, own entry missing...). */
export class InvalidMemberListError extends Error {
  override readonly name = 'InvalidMemberListError';
  constructor(readonly problems: readonly string[]) {
    super(`member list is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A limit override is not a positive finite number (or not an integer where one is needed). */
export class InvalidLimitsError extends Error {
  override readonly name = 'InvalidLimitsError';
  constructor(readonly problems: readonly string[]) {
    super(`p2p limits are invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

/** A listen or dial address that does not parse as a multiaddr. */
export class InvalidAddressError extends Error {
  override readonly name = 'InvalidAddressError';
  constructor(
    readonly address: string,
    readonly problem: string,
  ) {
    super(`address ${JSON.stringify(address)} is invalid: ${problem}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

export class NodeNotStartedError extends Error {
  override readonly name = 'NodeNotStartedError';
  constructor(operation: string) {
    super(`${operation}: the p2p node is not started (call start() first)`);
  }
}

/** libp2p could not start, typically a listen address in use or not local; the node is done. */
export class NodeStartError extends Error {
  override readonly name = 'NodeStartError';
  constructor(
    readonly listenAddresses: readonly string[],
    options: { cause: unknown },
  ) {
    super(`the p2p node could not start listening on ${listenAddresses.join(', ')}: ${describeCause(options.cause)}`, options);
  }
}

/** A stopped node does not start again: create a new one (its libp2p host is gone). */
export class NodeStoppedError extends Error {
  override readonly name = 'NodeStoppedError';
  constructor(operation: string) {
    super(`${operation}: the p2p node was stopped; create a new P2PNode to go online again`);
  }
}

// ---------------------------------------------------------------------------------------------
// Caller input

export class UnknownMemberError extends Error {
  override readonly name = 'UnknownMemberError';
  constructor(readonly memberId: string) {
    super(`${JSON.stringify(memberId)} is not a member listed in genesis`);
  }
}

/** This node's own member id given as a destination: consensus delivers its own messages itself. */
export class SelfAddressedError extends Error {
  override readonly name = 'SelfAddressedError';
  constructor(readonly memberId: MemberId) {
    super(`${memberId} is this node's own member id: a node does not send to itself over the network`);
  }
}

/** A protocol name that is not one of this package's, or one used with the wrong kind of call. */
export class UnsupportedProtocolError extends Error {
  override readonly name = 'UnsupportedProtocolError';
  constructor(
    readonly protocol: string,
    readonly expected: string,
  ) {
    super(`protocol ${JSON.stringify(protocol)} cannot be used here: expected ${expected}`);
  }
}

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
  constructor(readonly problem: string) {
    super(`payload is invalid: ${problem}`);
  }
}

/** A payload this node was asked to send is larger than its protocol's frame limit. */
export class OversizedPayloadError extends Error {
  override readonly name = 'OversizedPayloadError';
  constructor(
    readonly protocol: string,
    readonly sizeBytes: number,
    readonly maxBytes: number,
  ) {
    super(`${protocol} payload of ${sizeBytes} bytes exceeds the protocol's limit of ${maxBytes} bytes`);
  }
}

export class InvalidHandlerError extends Error {
  override readonly name = 'InvalidHandlerError';
  constructor(readonly got: string) {
    super(`expected a handler function, got ${got}`);
  }
}

export class InvalidTimeoutError extends Error {
  override readonly name = 'InvalidTimeoutError';
  constructor(readonly timeoutMs: unknown) {
    super(`timeoutMs must be a positive finite number of milliseconds, got ${String(timeoutMs)}`);
  }
}

export class InvalidMessageKindError extends Error {
  override readonly name = 'InvalidMessageKindError';
  constructor(readonly kind: unknown) {
    super(`${JSON.stringify(kind)} is not an invalid-message kind`);
  }
}

/** sendPrivate's `signal` is not an AbortSignal. */
export class InvalidSignalError extends Error {
  override readonly name = 'InvalidSignalError';
  constructor(readonly got: string) {
    super(`signal must be an AbortSignal, got ${got}`);
  }
}

/** onMessage / onRequest called twice for one protocol: one handler per protocol, on purpose. */
export class HandlerAlreadyRegisteredError extends Error {
  override readonly name = 'HandlerAlreadyRegisteredError';
  constructor(readonly protocol: string) {
    super(`a handler for ${protocol} is already registered`);
  }
}

// ---------------------------------------------------------------------------------------------
// Requests and dials

/** The member has no open connection (never connected, dropped, or in back-off). */
export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';
  constructor(readonly memberId: MemberId) {
    super(`not connected to member ${memberId}`);
  }
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly timeoutMs: number,
  ) {
    super(`${protocol} request to ${memberId} got no response within ${timeoutMs} ms`);
  }
}

/** Why a responder refused a request; sent as the response's status byte. */
export type RequestRefusal = 'no_handler' | 'handler_failed' | 'rate_limited';

/** The member answered, but with a refusal instead of a response. */
export class RequestRefusedError extends Error {
  override readonly name = 'RequestRefusedError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly refusal: RequestRefusal,
  ) {
    super(`${protocol} request to ${memberId} was refused: ${refusal}`);
  }
}

/**
 * Why a receiver refused a private message (sent as its status byte): it has no private
 * handler, its handler threw (authorize or deliver), the member is over its rate, the
 * application did not authorize this sender for this header, the declared body is over the
 * limit, or the frames did not follow the protocol.
 */
export type PrivateRefusal = 'no_handler' | 'handler_failed' | 'rate_limited' | 'unauthorized' | 'too_large' | 'malformed';

/**
 * The receiver answered a private message with a refusal. `stage`: 'offer' (the body was never
 * sent) or 'delivery' (the body was read but not delivered).
 */
export class PrivateMessageRefusedError extends Error {
  override readonly name = 'PrivateMessageRefusedError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly refusal: PrivateRefusal,
    readonly stage: 'offer' | 'delivery',
  ) {
    super(`${protocol} message to ${memberId} was refused at its ${stage}: ${refusal}`);
  }
}

/** The caller's own signal aborted a request or private message before it completed. */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    options: { cause: unknown },
  ) {
    super(`${protocol} exchange with ${memberId} was aborted by the caller`, options);
  }
}

/** The request's stream failed (reset, connection lost, stream limits) before a response came. */
export class RequestFailedError extends Error {
  override readonly name = 'RequestFailedError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    options: { cause: unknown },
  ) {
    super(`${protocol} request to ${memberId} failed: ${describeCause(options.cause)}`, options);
  }
}

/** A frame received from a member is larger than the protocol allows (the member is penalised). */
export class OversizedFrameError extends Error {
  override readonly name = 'OversizedFrameError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly maxBytes: number,
    options: { cause: unknown },
  ) {
    super(`${protocol} frame from ${memberId} exceeds the limit of ${maxBytes} bytes`, options);
  }
}

/** A frame received from a member does not follow the protocol's format (the member is penalised). */
export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly problem: string,
  ) {
    super(`${protocol} frame from ${memberId} is malformed: ${problem}`);
  }
}

/** The node at the address was refused by the members-only gater (not a member, or in back-off). */
export class DialRefusedError extends Error {
  override readonly name = 'DialRefusedError';
  constructor(
    readonly address: string,
    options: { cause: unknown },
  ) {
    super(`connection to ${address} was refused by the members-only gater: the node there is not a member, or is in back-off`, options);
  }
}

/** A dial that failed for a network or handshake reason (not a gater refusal). */
export class DialFailedError extends Error {
  override readonly name = 'DialFailedError';
  constructor(
    readonly address: string,
    options: { cause: unknown },
  ) {
    super(`could not connect to ${address}: ${describeCause(options.cause)}`, options);
  }
}

/** The reason a member's connections are aborted when it passes its invalid-message score. */
export class PeerLimitExceededError extends Error {
  override readonly name = 'PeerLimitExceededError';
  constructor(
    readonly memberId: MemberId,
    readonly backoffMs: number,
  ) {
    super(`member ${memberId} exceeded its limits: disconnected for ${backoffMs} ms`);
  }
}

/** The ping echo did not match the probe: the remote's ping handler is broken or hostile. */
export class PingMismatchError extends Error {
  override readonly name = 'PingMismatchError';
  constructor(readonly memberId: MemberId) {
    super(`ping echo from ${memberId} does not match the probe`);
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`;
  return String(cause);
}
