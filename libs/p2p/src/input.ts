/**
 * Checks of what callers hand to P2PNode's methods. TypeScript catches most of it at compile
 * time; these catch JavaScript callers, casts and values built at run time, each with its own
 * error class, before anything is queued or sent.
 */
import { MESSAGE_PROTOCOLS, PRIVATE_PROTOCOLS, REQUEST_PROTOCOLS, type MessageProtocol, type RequestProtocol } from './constants.js';
import {
  InvalidHandlerError,
  InvalidMessageKindError,
  InvalidPayloadError,
  InvalidSignalError,
  InvalidTimeoutError,
  OversizedPayloadError,
  UnsupportedProtocolError,
} from './errors.js';
import { INVALID_MESSAGE_KINDS, type InvalidMessageKind } from './types.js';

export function assertMessageProtocol(protocol: unknown): asserts protocol is MessageProtocol {
  if ((MESSAGE_PROTOCOLS as readonly unknown[]).includes(protocol)) return;
  throw new UnsupportedProtocolError(String(protocol), describeExpected(MESSAGE_PROTOCOLS, 'a message protocol'));
}

export function assertRequestProtocol(protocol: unknown): asserts protocol is RequestProtocol {
  if ((REQUEST_PROTOCOLS as readonly unknown[]).includes(protocol)) return;
  throw new UnsupportedProtocolError(String(protocol), describeExpected(REQUEST_PROTOCOLS, 'a request protocol'));
}

function describeExpected(protocols: readonly string[], what: string): string {
  return `${what} (${protocols.join(', ')}); ${PRIVATE_PROTOCOLS.join(', ')} goes through sendPrivate/handlePrivate`;
}

export function assertPayload(payload: unknown, protocol: string, maxBytes: number): asserts payload is Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new InvalidPayloadError(`expected a Uint8Array, got ${typeOf(payload)}`);
  if (payload.byteLength > maxBytes) throw new OversizedPayloadError(protocol, payload.byteLength, maxBytes);
}

export function assertTimeout(timeoutMs: unknown): asserts timeoutMs is number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new InvalidTimeoutError(timeoutMs);
}

export function assertInvalidMessageKind(kind: unknown): asserts kind is InvalidMessageKind {
  if (!(INVALID_MESSAGE_KINDS as readonly unknown[]).includes(kind)) throw new InvalidMessageKindError(kind);
}

export function assertHandler(handler: unknown): asserts handler is (...args: never[]) => unknown {
  if (typeof handler !== 'function') throw new InvalidHandlerError(typeOf(handler));
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/** An optional AbortSignal given by the caller (sendPrivate's `signal`). */
export function assertOptionalSignal(signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidSignalError(typeOf(signal));
}
