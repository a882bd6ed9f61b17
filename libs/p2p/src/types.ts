/** Types shared by the modules of this package (and re-exported from its entry). */

/** A member id from genesis, e.g. "T-Mobile-DE": what metrics, logs and callers name peers by. */
export type MemberId = string;

/**
 * Why a member's message was invalid. The same list as the `kind` label of
 * `consortium_security_invalid_messages_total` and consensus's `InvalidMessageKind`.
 */
export const INVALID_MESSAGE_KINDS = [
  'malformed',
  'oversized',
  'bad_signature',
  'replay',
  'unknown_sender',
  'rate_exceeded',
  'invalid_proof',
  // A member that claimed (with a certificate) to hold blocks and did not serve them in time.
  'unresponsive',
  // A gossiped transaction the application refused.
  'invalid_tx',
] as const;
export type InvalidMessageKind = (typeof INVALID_MESSAGE_KINDS)[number];

/** The `reason` label of `consortium_p2p_disconnects_total`. */
export type DisconnectReason = 'remote_closed' | 'error' | 'limit_exceeded' | 'shutdown';

/** The `reason` label of `consortium_security_refused_peers_total`. */
export type RefusalReason = 'not_member' | 'backoff';

/** One member of the consortium as the p2p node sees it. */
export interface MemberEntry {
  readonly id: MemberId;
  /** libp2p peer id of the member's node, e.g. 12D3KooW... (from genesis). */
  readonly peerId: string;
  /** Multiaddrs to dial, e.g. /ip4/10.0.0.5/tcp/7000; members without addresses are waited for. */
  readonly addresses?: readonly string[];
  /** The member's voting power from genesis (default 1): the quorum metric weighs connected members by it. */
  readonly votingPower?: number;
}

/**
 * A security event p2p saw (a refused peer, an invalid or refused message), for the node's
 * security log. Emitted at most as often as p2p logs the same kind of event from the same peer
 * (the log throttle); `suppressedSinceLast` says how many were counted in between.
 */
export interface P2PSecurityEvent {
  readonly kind: 'refused_peer' | 'invalid_message';
  readonly member: MemberId | null;
  readonly peerId: string | null;
  readonly protocol: string | null;
  readonly what: string;
  readonly suppressedSinceLast: number;
}
