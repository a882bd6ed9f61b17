import type { MemberId } from '../genesis/types.js';

/**
 * Errors the simulated ports raise. The transport's carry the `name`s of libs/p2p's errors
 * (errors.ts), so code that branches on `name` behaves in the simulator as over libp2p; the
 * disk's are what a full or failing disk looks like to the store's caller.
 */

/** The sender's own transport refuses a payload above the protocol's frame cap (libs/p2p assertPayload). */
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

export type RequestRefusal = 'no_handler' | 'handler_failed' | 'rate_limited';

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

/** A response above the requester's cap: its transport aborts the stream and scores the responder. */
export class OversizedFrameError extends Error {
  override readonly name = 'OversizedFrameError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly maxBytes: number,
  ) {
    super(`${protocol} frame from ${memberId} exceeds the limit of ${maxBytes} bytes`);
  }
}

/** The responder's transport dropped the stream (it read an oversized request, or the link went down). */
export class RequestFailedError extends Error {
  override readonly name = 'RequestFailedError';
  constructor(
    readonly memberId: MemberId,
    readonly protocol: string,
    readonly reason: string,
  ) {
    super(`${protocol} request to ${memberId} failed: ${reason}`);
  }
}

/** An injected write failure (ENOSPC): nothing of the write reached the store. */
export class SimDiskFullError extends Error {
  override readonly name = 'SimDiskFullError';
  constructor(readonly operation: string) {
    super(`no space left on the device during ${operation}`);
  }
}

/** An injected read failure (EIO) while the node starts. */
export class SimDiskReadError extends Error {
  override readonly name = 'SimDiskReadError';
  constructor(readonly operation: string) {
    super(`input/output error during ${operation}`);
  }
}
