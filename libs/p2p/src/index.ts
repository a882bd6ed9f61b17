/**
 * @consortium/p2p: the libp2p host of a member's node.
 *
 * Public on purpose:
 * - P2PNode and its option, handler and metrics types: apps/node composes it and hands it to
 *   consensus, whose `Transport` interface it satisfies structurally.
 * - node keys (generate, JSON file form, peer id): apps/setup-cli writes key files and genesis
 *   peer ids, apps/node loads them.
 * - protocol names, ids and frame limits: apps/node checks genesis parameters against them
 *   (a block must fit a consensus frame, a sync batch a sync response); settlement sizes its
 *   record batches to them. (Consensus, in this package's layer, cannot import them.)
 * - limit defaults and their type: operators and tests override rates, back-offs, intervals.
 * - PeerHealth and its parts: the dashboard's topology view reads them.
 * - every error class: callers branch on the class or `name`, never on message text.
 * - the pure limit helpers (token bucket, decaying score, back-off, discipline): the README
 *   documents the limits in their terms, and tests above this package can reason with them.
 * - the gater factory: a tool that runs a bare libp2p host against the consortium (devnet
 *   probes) must gate exactly as the node does.
 */
// The node itself: apps/node composes it; consensus uses it through its Transport interface.
export { P2PNode } from './node.js';
export type { P2PNodeOptions, P2PNodeMetrics, MessageHandler, RequestHandler } from './node.js';
// The private exchange (records): settlement's record exchange supplies the handler.
export type { PrivateHandler, SendPrivateOptions } from './private-exchange.js';

// Node keys: apps/setup-cli writes key files and genesis peer ids, apps/node loads them.
export { generateNodeKey, nodeKeyToJson, nodeKeyFromJson, peerIdOf } from './keys.js';
export type { NodeKeyJson } from './keys.js';

// Protocols and frame limits: packages above this one size their payloads to them.
export {
  PROTOCOL_NAMES,
  PROTOCOL_IDS,
  MESSAGE_PROTOCOLS,
  REQUEST_PROTOCOLS,
  PRIVATE_PROTOCOLS,
  MESSAGE_MAX_BYTES,
  PRIVATE_HEADER_MAX_BYTES,
  PRIVATE_OFFER_PREFIX_BYTES,
  PRIVATE_STATUS,
  REQUEST_MAX_BYTES,
  RESPONSE_MAX_BYTES,
  DEFAULT_FRAME_LIMITS,
  P2P_FRAME_CEILING_BYTES,
  DEFAULT_LIMITS,
} from './constants.js';
export type { ProtocolName, MessageProtocol, RequestProtocol, PrivateProtocol, P2PLimits, RateLimit, FrameLimits } from './constants.js';
export type { P2PLimitsOverrides, FrameLimitsOverrides } from './config.js';

// Shared vocabulary: member ids, fault kinds (reportInvalid), disconnect and refusal reasons.
export { INVALID_MESSAGE_KINDS } from './types.js';
export type { MemberId, MemberEntry, InvalidMessageKind, DisconnectReason, RefusalReason, P2PSecurityEvent } from './types.js';

// What peerHealth() returns: the dashboard's topology view reads it.
export type { PeerHealth, ProtocolTraffic, TrafficCounters, ConnectionEvent } from './health.js';

// The pure limit rules, documented in the README in their terms.
export { TokenBucket, DecayingScore, ExponentialBackoff, PeerDiscipline } from './limits.js';
export type { DisciplineVerdict } from './limits.js';

// The gater, for any bare libp2p host that must gate exactly as the node does.
export { createMembersOnlyGater } from './gater.js';
export type { MembersOnlyPolicy, Refusal, GaterCheckpoint } from './gater.js';

// One class per error condition: callers branch on the class or `name`.
export {
  InvalidNodeKeyFileError,
  NodeKeyMismatchError,
  UnsupportedNodeKeyTypeError,
  InvalidMemberListError,
  InvalidLimitsError,
  InvalidAddressError,
  NodeNotStartedError,
  NodeStartError,
  NodeStoppedError,
  UnknownMemberError,
  SelfAddressedError,
  UnsupportedProtocolError,
  InvalidPayloadError,
  InvalidHandlerError,
  OversizedPayloadError,
  InvalidTimeoutError,
  InvalidMessageKindError,
  HandlerAlreadyRegisteredError,
  NotConnectedError,
  RequestTimeoutError,
  RequestRefusedError,
  RequestFailedError,
  RequestAbortedError,
  PrivateMessageRefusedError,
  InvalidSignalError,
  OversizedFrameError,
  MalformedFrameError,
  DialRefusedError,
  DialFailedError,
  PeerLimitExceededError,
  PingMismatchError,
} from './errors.js';
export type { RequestRefusal, PrivateRefusal } from './errors.js';
