/**
 * Private messages between two members (the `records` protocol): the record exchange of
 * settlement rides on it, but this module knows nothing of settlement. On a new stream per
 * message:
 *
 *   sender                                   receiver
 *   offer: body length (4 B) + header  --->  size, rate and `authorize(from, header)` checked
 *                                      <---  status: 0 send the body, or the refusal
 *   body (exactly the declared length) --->  read with the declared length as its limit
 *                                      <---  status: 0 delivered, or the refusal
 *
 * The body of a sender the application does not authorize is never sent, so it is never read,
 * buffered or delivered. Every refusal is answered with its status (the sender gets a
 * PrivateMessageRefusedError naming it), logged, and counted in
 * `consortium_security_private_refusals_total{member,reason}`; oversized and malformed frames
 * and frames over the rate also score the member like any other protocol's.
 */
import type { Logger, SecurityMetrics } from '@consortium/telemetry';
import type { Connection, Stream } from '@libp2p/interface';
import type { Span, Tracer } from '@opentelemetry/api';
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils';
import { PRIVATE_HEADER_MAX_BYTES, PRIVATE_STATUS, PROTOCOL_IDS, type FrameLimits, type P2PLimits, type PrivateProtocol, type ProtocolName } from './constants.js';
import {
  MalformedFrameError,
  NotConnectedError,
  OversizedFrameError,
  PrivateMessageRefusedError,
  RequestAbortedError,
  RequestFailedError,
  RequestTimeoutError,
  type PrivateRefusal,
} from './errors.js';
import { assertHandler, assertOptionalSignal, assertPayload, assertTimeout } from './input.js';
import type { MemberState } from './member-state.js';
import { encodeOffer, parseOffer, PRIVATE_OFFER_MAX_BYTES, type PrivateOffer } from './private-offer.js';
import { boundedLengthDecoder, isOversizedFrame, readBufferBytes, runWithinDeadline, type HandlerRun } from './streams.js';
import type { InvalidMessageKind, MemberId, P2PSecurityEvent } from './types.js';

const PROTOCOL: PrivateProtocol = 'records';
/** A status frame longer than this is oversized; up to it, one of the wrong length is malformed. */
const STATUS_READ_MAX_BYTES = 64;

/**
 * What the receiving application supplies. `authorize` sees the sender and the header only,
 * before any of the body is sent; anything but `true` refuses the message (unauthorized).
 * `deliver` gets the message once read; when it resolves the sender's `sendPrivate` resolves,
 * when it throws the sender gets a `handler_failed` refusal at the delivery stage.
 */
export interface PrivateHandler {
  readonly authorize: (from: MemberId, header: Uint8Array) => boolean | Promise<boolean>;
  readonly deliver: (from: MemberId, header: Uint8Array, body: Uint8Array) => void | Promise<void>;
}

export interface SendPrivateOptions {
  /** The caller's own cancellation; an abort rejects with RequestAbortedError. */
  readonly signal?: AbortSignal;
  /** The whole exchange, delivery included; default: the node's responseTimeoutMs. */
  readonly timeoutMs?: number;
}

/** How a received private message ended: the `p2p.outcome` of its span. */
type ReceiveOutcome = 'delivered' | PrivateRefusal | 'failed';

/** The `reason` label of consortium_security_private_refusals_total. */
type SecurityReason = 'unauthorized' | 'oversized' | 'malformed' | 'rate_limited';

/** What the exchange needs of its node (js-libp2p's components pattern): accounting, scoring, admission. */
export interface PrivateExchangeComponents {
  readonly limits: P2PLimits;
  readonly frames: FrameLimits;
  readonly security: SecurityMetrics | null;
  readonly log: Logger | null;
  readonly tracer: Tracer | null;
  requireStarted(operation: string): void;
  remoteMember(memberId: MemberId): MemberState;
  /** The member behind an inbound stream, or null (stream aborted) when it must not be served. */
  admitStream(stream: Stream, connection: Connection, protocol: ProtocolName): MemberState | null;
  penalize(member: MemberState, kind: InvalidMessageKind, protocol: ProtocolName, details?: object): void;
  onRateExceeded(member: MemberState, protocol: ProtocolName, bytes: number): void;
  onFrameSent(member: MemberState, protocol: ProtocolName, payloadBytes: number): void;
  onFrameReceived(member: MemberState, protocol: ProtocolName, payloadBytes: number): void;
  onHandlerError(member: MemberState, protocol: ProtocolName, err: unknown): void;
  onInboundStreamError(member: MemberState, protocol: ProtocolName, stream: Stream, err: unknown): void;
  /** A warning at most once per member and cause per throttle window. */
  /** Logs a warning unless the same key was logged a moment ago; with `event`, also reports it as a security event. */
  warnThrottled(key: string, fields: object, message: string, event?: Pick<P2PSecurityEvent, 'kind' | 'member' | 'peerId' | 'protocol'>): void;
}

const REFUSAL_BY_STATUS = new Map<number, PrivateRefusal>(
  (Object.entries(PRIVATE_STATUS) as [keyof typeof PRIVATE_STATUS, number][]).filter(([name]) => name !== 'ok').map(([name, code]) => [code, name as PrivateRefusal]),
);

export class PrivateExchange {
  private handler: PrivateHandler | null = null;

  constructor(private readonly c: PrivateExchangeComponents) {}

  /** The one private handler of this node (HandlerAlreadyRegisteredError on a second, raised by the caller). */
  setHandler(handler: PrivateHandler): boolean {
    if (typeof handler !== 'object' || handler === null) assertHandler(handler);
    assertHandler(handler.authorize);
    assertHandler(handler.deliver);
    if (this.handler !== null) return false;
    this.handler = handler;
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  async send(to: MemberId, header: Uint8Array, body: Uint8Array, options: SendPrivateOptions = {}): Promise<void> {
    this.c.requireStarted('sendPrivate');
    const member = this.c.remoteMember(to);
    assertPayload(header, `${PROTOCOL} header`, PRIVATE_HEADER_MAX_BYTES);
    assertPayload(body, PROTOCOL, this.c.frames.messageMaxBytes[PROTOCOL]);
    const timeoutMs = options.timeoutMs ?? this.c.limits.responseTimeoutMs;
    assertTimeout(timeoutMs);
    assertOptionalSignal(options.signal);
    if (options.signal?.aborted === true) throw new RequestAbortedError(to, PROTOCOL, { cause: options.signal.reason });
    const span = this.c.tracer?.startSpan('p2p.private.send', { attributes: { 'p2p.member': to, 'p2p.body_bytes': body.byteLength } }) ?? null;
    const connection = member.openConnection();
    if (connection === null) {
      span?.setAttribute('p2p.outcome', 'not_connected');
      span?.end();
      throw new NotConnectedError(to);
    }
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    let stream: Stream | null = null;
    try {
      stream = await connection.newStream(PROTOCOL_IDS[PROTOCOL], { signal });
      // Status frames are one byte; a longer one is read (up to a bound) so that it is refused as malformed.
      const lp = lpStream(stream, { maxDataLength: STATUS_READ_MAX_BYTES, maxBufferSize: readBufferBytes(STATUS_READ_MAX_BYTES), lengthDecoder: boundedLengthDecoder(STATUS_READ_MAX_BYTES) });
      const offer = encodeOffer(body.byteLength, header);
      await lp.write(offer, { signal });
      this.c.onFrameSent(member, PROTOCOL, offer.byteLength);
      await this.expectAccepted(member, lp, signal, 'offer');
      await lp.write(body, { signal });
      this.c.onFrameSent(member, PROTOCOL, body.byteLength);
      await this.expectAccepted(member, lp, signal, 'delivery');
    } catch (err) {
      if (stream !== null && stream.status === 'open') stream.abort(err as Error);
      const error = this.sendError(member, timeoutMs, timeout, options.signal, err);
      span?.setAttribute('p2p.outcome', sendOutcome(error));
      span?.end();
      throw error;
    }
    span?.setAttribute('p2p.outcome', 'delivered');
    span?.end();
    // Delivered: how the stream ends no longer matters to the caller.
    const delivered = stream;
    delivered.close({ signal: AbortSignal.timeout(this.c.limits.writeTimeoutMs) }).catch((err: unknown) => {
      if (delivered.status === 'open') delivered.abort(err as Error);
    });
  }

  /** Reads one status frame; resolves on OK, throws the refusal (or MalformedFrameError for a status that is none). */
  private async expectAccepted(member: MemberState, lp: LengthPrefixedStream<Stream>, signal: AbortSignal, stage: 'offer' | 'delivery'): Promise<void> {
    const status = (await lp.read({ signal })).subarray();
    this.c.onFrameReceived(member, PROTOCOL, 0);
    const code = status.byteLength === 1 ? status[0] : undefined;
    if (code === PRIVATE_STATUS.ok) return;
    const refusal = code === undefined ? undefined : REFUSAL_BY_STATUS.get(code);
    if (refusal !== undefined) throw new PrivateMessageRefusedError(member.id, PROTOCOL, refusal, stage);
    this.c.penalize(member, 'malformed', PROTOCOL);
    throw new MalformedFrameError(member.id, PROTOCOL, `status must be one byte of 0-6, got ${status.byteLength} byte(s)${code === undefined ? '' : ` (${code})`}`);
  }

  private sendError(member: MemberState, timeoutMs: number, timeout: AbortSignal, callerSignal: AbortSignal | undefined, err: unknown): Error {
    if (err instanceof PrivateMessageRefusedError || err instanceof MalformedFrameError) return err;
    if (isOversizedFrame(err)) {
      this.c.penalize(member, 'oversized', PROTOCOL);
      return new OversizedFrameError(member.id, PROTOCOL, STATUS_READ_MAX_BYTES, { cause: err });
    }
    if (callerSignal?.aborted === true) return new RequestAbortedError(member.id, PROTOCOL, { cause: err });
    if (timeout.aborted) return new RequestTimeoutError(member.id, PROTOCOL, timeoutMs);
    return new RequestFailedError(member.id, PROTOCOL, { cause: err });
  }

  // -------------------------------------------------------------------------------------------
  // Receiving

  async handleStream(stream: Stream, connection: Connection): Promise<void> {
    const member = this.c.admitStream(stream, connection, PROTOCOL);
    if (member === null) return;
    const span = this.c.tracer?.startSpan('p2p.private.receive', { attributes: { 'p2p.member': member.id } }) ?? null;
    const outcome = await this.receive(member, stream, span);
    span?.setAttribute('p2p.outcome', outcome);
    span?.end();
  }

  private async receive(member: MemberState, stream: Stream, span: Span | null): Promise<ReceiveOutcome> {
    const offerLp = lpStream(stream, { maxDataLength: PRIVATE_OFFER_MAX_BYTES, maxBufferSize: readBufferBytes(PRIVATE_OFFER_MAX_BYTES), lengthDecoder: boundedLengthDecoder(PRIVATE_OFFER_MAX_BYTES) });
    const offerFrame = await this.readFrame(member, stream, offerLp, this.c.limits.requestReadTimeoutMs);
    if (typeof offerFrame === 'string') return offerFrame;
    const offer = await this.decideOnOffer(member, stream, offerLp, offerFrame, span);
    if (typeof offer === 'string') return offer;
    // The offer's reader gives back anything it read ahead; the body gets a reader whose limit is its declared length.
    offerLp.unwrap();
    const bodyLp = lpStream(stream, { maxDataLength: offer.bodyBytes, maxBufferSize: readBufferBytes(offer.bodyBytes), lengthDecoder: boundedLengthDecoder(offer.bodyBytes) });
    const body = await this.readFrame(member, stream, bodyLp, this.c.limits.responseTimeoutMs);
    if (typeof body === 'string') return body;
    if (body.byteLength !== offer.bodyBytes) {
      return this.refuse(member, stream, bodyLp, 'malformed', { penalty: 'malformed', declaredBytes: offer.bodyBytes, bodyBytes: body.byteLength });
    }
    const handler = this.handler;
    if (handler === null) return 'no_handler'; // set before the offer was accepted; never unset
    const delivered = await runWithinDeadline(stream, this.c.limits.responseTimeoutMs, async () => handler.deliver(member.id, offer.header, body));
    if (delivered.kind === 'abandoned') return 'failed';
    if (delivered.kind !== 'done') {
      this.onHandlerProblem(member, 'deliver', delivered);
      await this.answer(member, stream, bodyLp, PRIVATE_STATUS.handler_failed, true);
      return 'handler_failed';
    }
    return (await this.answer(member, stream, bodyLp, PRIVATE_STATUS.ok, true)) ? 'delivered' : 'failed';
  }

  /**
   * Size, rate, handler and authorization, in that order (cheapest first; the application is
   * asked only about a well-formed offer within the limits). Answers the offer; the accepted
   * offer, or the outcome of a refused one.
   */
  private async decideOnOffer(
    member: MemberState,
    stream: Stream,
    lp: LengthPrefixedStream<Stream>,
    frame: Uint8Array,
    span: Span | null,
  ): Promise<PrivateOffer | ReceiveOutcome> {
    const offer = parseOffer(frame);
    if (offer === null) return this.refuse(member, stream, lp, 'malformed', { penalty: 'malformed', offerBytes: frame.byteLength });
    span?.setAttribute('p2p.body_bytes', offer.bodyBytes);
    const bodyMaxBytes = this.c.frames.messageMaxBytes[PROTOCOL];
    if (offer.bodyBytes > bodyMaxBytes) {
      return this.refuse(member, stream, lp, 'too_large', { penalty: 'oversized', declaredBytes: offer.bodyBytes, maxBytes: bodyMaxBytes });
    }
    if (!member.takeRateToken(PROTOCOL, Date.now(), frame.byteLength + offer.bodyBytes)) {
      this.c.onRateExceeded(member, PROTOCOL, frame.byteLength + offer.bodyBytes);
      return this.refuse(member, stream, lp, 'rate_limited', { penalty: null });
    }
    const handler = this.handler;
    if (handler === null) {
      await this.answer(member, stream, lp, PRIVATE_STATUS.no_handler, true);
      return 'no_handler';
    }
    const verdict = await runWithinDeadline(stream, this.c.limits.responseTimeoutMs, async () => handler.authorize(member.id, offer.header));
    if (verdict.kind === 'abandoned') return 'failed';
    if (verdict.kind !== 'done') {
      this.onHandlerProblem(member, 'authorize', verdict);
      await this.answer(member, stream, lp, PRIVATE_STATUS.handler_failed, true);
      return 'handler_failed';
    }
    if (verdict.value !== true) {
      return this.refuse(member, stream, lp, 'unauthorized', { penalty: null, headerBytes: offer.header.byteLength, declaredBytes: offer.bodyBytes });
    }
    return (await this.answer(member, stream, lp, PRIVATE_STATUS.ok, false)) ? offer : 'failed';
  }

  /**
   * A refusal that is a security event: counted by reason, logged, answered with its status,
   * and (oversized, malformed) scored once the answer is out, since the score may disconnect.
   */
  private async refuse(
    member: MemberState,
    stream: Stream,
    lp: LengthPrefixedStream<Stream>,
    refusal: Exclude<PrivateRefusal, 'no_handler' | 'handler_failed'>,
    details: { readonly penalty: InvalidMessageKind | null } & Record<string, unknown>,
  ): Promise<ReceiveOutcome> {
    const { penalty, ...fields } = details;
    const reason: SecurityReason = refusal === 'too_large' ? 'oversized' : refusal;
    this.c.security?.privateRefusalsTotal.inc({ member: member.id, reason });
    // A refusal with a penalty is reported by penalize; one without (unauthorized, rate limited) here.
    const event = penalty === null ? ({ kind: 'invalid_message', member: member.id, peerId: member.peerIdText, protocol: PROTOCOL } as const) : undefined;
    this.c.warnThrottled(`private-refused:${member.id}:${reason}`, { member: member.id, protocol: PROTOCOL, reason, ...fields }, `refused a private ${PROTOCOL} message from ${member.id}: ${reason}`, event);
    await this.answer(member, stream, lp, PRIVATE_STATUS[refusal], true);
    if (penalty !== null) this.c.penalize(member, penalty, PROTOCOL, fields);
    return refusal;
  }

  /** Writes one status frame (and closes the stream when `last`); false when the stream failed. */
  private async answer(member: MemberState, stream: Stream, lp: LengthPrefixedStream<Stream>, status: number, last: boolean): Promise<boolean> {
    const signal = AbortSignal.timeout(this.c.limits.writeTimeoutMs);
    try {
      await lp.write(Uint8Array.of(status), { signal });
      this.c.onFrameSent(member, PROTOCOL, 0);
      if (last) await stream.close({ signal });
      return true;
    } catch (err) {
      this.c.log?.debug({ member: member.id, protocol: PROTOCOL, error: String(err) }, `could not answer a private ${PROTOCOL} message from ${member.id}`);
      if (stream.status === 'open') stream.abort(err as Error);
      return false;
    }
  }

  /** One frame within `timeoutMs`, counted; null when the read failed (handled: the stream is aborted). */
  private async readFrame(member: MemberState, stream: Stream, lp: LengthPrefixedStream<Stream>, timeoutMs: number): Promise<Uint8Array | ReceiveOutcome> {
    try {
      const frame = (await lp.read({ signal: AbortSignal.timeout(timeoutMs) })).subarray();
      this.c.onFrameReceived(member, PROTOCOL, frame.byteLength);
      return frame;
    } catch (err) {
      return this.onReadError(member, stream, err);
    }
  }

  /** A failed read: oversized and malformed frames are security events; ordinary stream ends are not. */
  private onReadError(member: MemberState, stream: Stream, err: unknown): ReceiveOutcome {
    const name = err instanceof Error ? err.name : '';
    let outcome: ReceiveOutcome = 'failed';
    if (isOversizedFrame(err)) outcome = 'too_large';
    else if (name === 'InvalidMessageLengthError') outcome = 'malformed';
    if (outcome !== 'failed') this.c.security?.privateRefusalsTotal.inc({ member: member.id, reason: outcome === 'too_large' ? 'oversized' : 'malformed' });
    this.c.onInboundStreamError(member, PROTOCOL, stream, err);
    if (stream.status === 'open') stream.abort(err instanceof Error ? err : new Error(String(err)));
    return outcome;
  }

  private onHandlerProblem(member: MemberState, step: 'authorize' | 'deliver', run: Exclude<HandlerRun<unknown>, { kind: 'done' | 'abandoned' }>): void {
    if (run.kind === 'failed') {
      this.c.onHandlerError(member, PROTOCOL, run.error);
      return;
    }
    this.c.log?.warn({ member: member.id, protocol: PROTOCOL, step, timeoutMs: this.c.limits.responseTimeoutMs }, `private ${PROTOCOL} handler (${step}) did not answer in time`);
  }
}

/** The `p2p.outcome` of a failed send's span. */
function sendOutcome(error: Error): string {
  if (error instanceof PrivateMessageRefusedError) return error.refusal;
  if (error instanceof RequestTimeoutError) return 'timeout';
  if (error instanceof RequestAbortedError) return 'aborted';
  if (error instanceof MalformedFrameError || error instanceof OversizedFrameError) return 'malformed';
  return 'failed';
}
