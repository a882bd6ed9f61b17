/**
 * Protocol ids, frame limits and defaults (js-libp2p keeps these in constants.ts, e.g.
 * packages/protocol-ping/src/constants.ts). The frame limits are part of the protocol: both
 * ends must agree, so they are constants, not options. Rates, timeouts and scores are local
 * policy: each has a default here and can be overridden through `limits`.
 */
import type { P2P_PROTOCOLS } from '@consortium/telemetry';
import type { InvalidMessageKind } from './types.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The short protocol names: exactly the `protocol` label values of the p2p metrics. */
export const PROTOCOL_NAMES = ['consensus', 'tx', 'sync', 'records', 'ceremony'] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

// The metric catalogue's label values and this list must be the same set, in both directions.
type TelemetryProtocolName = (typeof P2P_PROTOCOLS)[number];
const _sameProtocolNames: [ProtocolName, TelemetryProtocolName] extends [TelemetryProtocolName, ProtocolName] ? true : never = true;
void _sameProtocolNames;

/** Fire-and-forget frames over one long-lived stream per (peer, protocol). */
export type MessageProtocol = 'consensus' | 'tx';
/**
 * One request frame, one response frame, on a new stream per request. sync: blocks for a
 * node catching up. ceremony: the distributed trusted setup (libs/ceremony's coordinator and
 * participants): status, file chunks, contributions and attestations.
 */
export type RequestProtocol = 'sync' | 'ceremony';
/**
 * A private message from one member to one other (the record exchange): an offer (header and
 * declared size) the receiver's application authorizes before the body is sent, then the body,
 * acknowledged once delivered. On a new stream per message; see private-exchange.ts.
 */
export type PrivateProtocol = 'records';
export const MESSAGE_PROTOCOLS: readonly MessageProtocol[] = ['consensus', 'tx'];
export const REQUEST_PROTOCOLS: readonly RequestProtocol[] = ['sync', 'ceremony'];
export const PRIVATE_PROTOCOLS: readonly PrivateProtocol[] = ['records'];

export const PROTOCOL_IDS: Readonly<Record<ProtocolName, string>> = {
  consensus: '/consortium/consensus/1.0.0',
  tx: '/consortium/tx/1.0.0',
  sync: '/consortium/sync/1.0.0',
  records: '/consortium/records/1.0.0',
  ceremony: '/consortium/ceremony/1.0.0',
};

/**
 * The largest frame any protocol may be configured to carry. Both
 * ends of a protocol must agree on its limit, so a node's frame limits come from what every
 * member shares: apps/node derives consensus, tx and sync limits from genesis (the consensus
 * limits table) and passes them as `frameLimits`; the constants below are the defaults.
 */
export const P2P_FRAME_CEILING_BYTES = 64 * MiB;

/**
 * Default largest frame (payload bytes, without the length prefix) of a message protocol.
 * consensus: proposals carry whole blocks (4 MiB by default) plus their header and signature,
 * so twice that. tx: a gossip batch of transactions. records: a usage batch's raw records.
 */
export const MESSAGE_MAX_BYTES: Readonly<Record<MessageProtocol | PrivateProtocol, number>> = {
  consensus: 8 * MiB,
  tx: 1 * MiB,
  records: 16 * MiB,
};

/**
 * Default: a sync request names a height range, small by nature. A ceremony request is a
 * signed transcript entry or attestation, or names a file chunk.
 */
export const REQUEST_MAX_BYTES: Readonly<Record<RequestProtocol, number>> = { sync: 4 * KiB, ceremony: 64 * KiB };

/**
 * Default: a sync response carries a batch of blocks with their commit certificates. A
 * ceremony response is the transcript with the coordinator's status, or one chunk of a file
 * (a ceremony's files are tens of MiB at 2^16, so they travel in chunks of 1 MiB).
 */
export const RESPONSE_MAX_BYTES: Readonly<Record<RequestProtocol, number>> = { sync: 32 * MiB, ceremony: 4 * MiB };

/** The frame limits a node enforces, per protocol (defaults above; apps/node sets them from genesis). */
export interface FrameLimits {
  /** For records: the largest body of a private message. */
  readonly messageMaxBytes: Readonly<Record<MessageProtocol | PrivateProtocol, number>>;
  readonly requestMaxBytes: Readonly<Record<RequestProtocol, number>>;
  readonly responseMaxBytes: Readonly<Record<RequestProtocol, number>>;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  messageMaxBytes: MESSAGE_MAX_BYTES,
  requestMaxBytes: REQUEST_MAX_BYTES,
  responseMaxBytes: RESPONSE_MAX_BYTES,
};

/**
 * A response frame starts with one status byte, then the payload (only for OK). The status
 * carries a refusal to the requester, which a stream reset cannot (it looks like a network
 * failure).
 */
export const RESPONSE_STATUS = {
  ok: 0,
  no_handler: 1,
  handler_failed: 2,
  rate_limited: 3,
} as const;

/**
 * The header of a private message: what the receiver's application decides on before any of
 * the body is sent (settlement: the batch's pair, period and id range). Small by nature, and
 * the same on every node, so a constant of the protocol.
 */
export const PRIVATE_HEADER_MAX_BYTES = 4 * KiB;

/** The offer frame: the body's declared length (4 bytes, big-endian) and then the header. */
export const PRIVATE_OFFER_PREFIX_BYTES = 4;

/**
 * A private message's status frames, receiver to sender, one byte each: after the offer (0:
 * send the body) and after the body (0: delivered). Anything else is the refusal, so the
 * sender learns why (a stream reset looks like a network failure).
 */
export const PRIVATE_STATUS = {
  ok: 0,
  no_handler: 1,
  handler_failed: 2,
  rate_limited: 3,
  unauthorized: 4,
  too_large: 5,
  malformed: 6,
} as const;

/** Streams opened on the standard libp2p ping protocol measure RTT (see rtt.ts). */
export { PING_PROTOCOL } from '@libp2p/ping';

/**
 * Token buckets per member and protocol: `perSecond` frames refill per second, up to `burst`
 * frames at once; and `bytesPerSecond` payload bytes, up to `burstBytes` at once (at least the
 * protocol's frame limit, or its largest frame could never pass). A frame needs both.
 */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
}

/**
 * Local policy: rates, scores, queues, timeouts and intervals. Every field has a default
 * (DEFAULT_LIMITS); P2PNode.create takes overrides.
 */
export interface P2PLimits {
  /** Frames and bytes a member may send us per protocol (sync: requests). Past either, frames are dropped and scored. */
  readonly messageRates: Readonly<Record<ProtocolName, RateLimit>>;
  /** Score added per invalid message, by kind. */
  readonly scoreWeights: Readonly<Record<InvalidMessageKind, number>>;
  /** A member whose score reaches this is disconnected for a back-off. */
  readonly scoreLimit: number;
  /** The score halves every this many ms without new faults. */
  readonly scoreHalfLifeMs: number;
  /** First back-off; each repeat doubles it, up to backoffMaxMs. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A member that stays clean this long after its last back-off starts again from backoffBaseMs. */
  readonly backoffResetMs: number;
  /** Frames queued for one member, all protocols together; past it new frames are dropped. */
  readonly sendQueueMaxFrames: number;
  /** Bytes queued for one member, all protocols together. */
  readonly sendQueueMaxBytes: number;
  /** One frame written (including waiting for the peer to drain); a slower peer loses the frame. */
  readonly writeTimeoutMs: number;
  /** Opening a stream, protocol negotiation included. */
  readonly streamOpenTimeoutMs: number;
  /** A responder waits this long for the request frame after the stream opens. */
  readonly requestReadTimeoutMs: number;
  /** A responder's handler gets this long; past it the stream is aborted. */
  readonly responseTimeoutMs: number;
  readonly dialTimeoutMs: number;
  /**
   * Redial after a drop or a failed dial: first delay, doubling up to redialMaxMs (with jitter).
   * The cap is what a healed network waits at most before a member is dialled again, so it
   * bounds how soon consensus resumes after a partition: at most a handful of members, each
   * dialled once a second while down, costs nothing worth a longer stall.
   */
  readonly redialBaseMs: number;
  readonly redialMaxMs: number;
  /** RTT is measured this often on every connected member. */
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  /** Consecutive failed pings after which a connection is considered dead and aborted. */
  readonly pingFailuresMax: number;
  /** Connection up/down events kept per member for the topology view. */
  readonly healthEventsMax: number;
  /** Inbound connections accepted per remote host per second (libp2p's inbound threshold). */
  readonly inboundConnectionsPerHostPerSecond: number;
}

export const DEFAULT_LIMITS: P2PLimits = {
  // consensus: a handful of messages per round per member, rounds are ~1 s; 200/s leaves
  // room for catch-up bursts; bytes: four maximal proposals a second, eight at once. tx:
  // gossip of client load. sync: a syncing peer asks for a batch at a time. records: large,
  // rare frames. ceremony: small requests, a member downloading a file asks for it chunk by
  // chunk and everyone polls the status twice a second. apps/node replaces consensus, tx and sync with the rates of
  // the consensus limits table (the same table bounds what honest senders relay and gossip).
  messageRates: {
    consensus: { perSecond: 200, burst: 400, bytesPerSecond: 32 * MiB, burstBytes: 64 * MiB },
    tx: { perSecond: 1000, burst: 2000, bytesPerSecond: 16 * MiB, burstBytes: 32 * MiB },
    sync: { perSecond: 20, burst: 40, bytesPerSecond: 80 * KiB, burstBytes: 160 * KiB },
    records: { perSecond: 50, burst: 100, bytesPerSecond: 32 * MiB, burstBytes: 64 * MiB },
    ceremony: { perSecond: 50, burst: 100, bytesPerSecond: 256 * KiB, burstBytes: 512 * KiB },
  },
  // An oversized frame is a protocol violation (honest senders check the limit first): one
  // disconnects. Weights sit a little above limit/n so that n faults close together reach
  // the limit despite the decay: two cryptographic faults (within ~17 s), four malformed
  // frames, a dozen replays, ~50 frames over the rate.
  scoreWeights: {
    oversized: 100,
    malformed: 30,
    bad_signature: 60,
    invalid_proof: 60,
    unknown_sender: 30,
    replay: 10,
    rate_exceeded: 2,
    // Five sync requests in a row left unanswered; a stateful application may refuse a few
    // honest gossiped transactions (a block made them invalid), so invalid_tx weighs little.
    unresponsive: 21,
    invalid_tx: 4,
  },
  scoreLimit: 100,
  scoreHalfLifeMs: 30_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 5 * 60_000,
  backoffResetMs: 10 * 60_000,
  sendQueueMaxFrames: 4096,
  sendQueueMaxBytes: 64 * MiB,
  writeTimeoutMs: 10_000,
  streamOpenTimeoutMs: 5_000,
  requestReadTimeoutMs: 5_000,
  responseTimeoutMs: 30_000,
  dialTimeoutMs: 5_000,
  redialBaseMs: 500,
  redialMaxMs: 1_000,
  pingIntervalMs: 2_000,
  pingTimeoutMs: 5_000,
  pingFailuresMax: 3,
  healthEventsMax: 50,
  inboundConnectionsPerHostPerSecond: 20,
};

/**
 * Streams per connection and protocol. Message protocols use one long-lived stream per
 * direction; a few more cover a stream being replaced. Sync allows parallel requests, records
 * a few messages in flight.
 */
export const MAX_STREAMS_PER_CONNECTION: Readonly<Record<MessageProtocol | RequestProtocol | PrivateProtocol, number>> = {
  consensus: 4,
  tx: 4,
  sync: 32,
  // A participant polls the status while it downloads a file chunk by chunk.
  ceremony: 8,
  // A creditor sends a pair's batches one after another; a few in flight cover a period's end.
  records: 8,
};

/** Same-cause log lines per member (or peer) are written at most once per this window. */
export const LOG_THROTTLE_WINDOW_MS = 1_000;
