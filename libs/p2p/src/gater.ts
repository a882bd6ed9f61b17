/**
 * The members-only connection gater. libp2p consults it at every step of a connection's life:
 * before dialling a peer id, before upgrading a raw outbound connection to a known peer, and
 * after the Noise handshake (when the remote's key, hence its peer id, is proven) in both
 * directions. Only peer ids listed in genesis pass, and a member in back-off is refused too.
 *
 * Every node runs it: an inbound dial by a non-member first looks open to the dialer, then is
 * aborted by the receiving node's gater, so a network is members-only only if everyone gates.
 */
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { RefusalReason } from './types.js';

export type GaterCheckpoint =
  | 'dial_peer'
  | 'outbound_connection'
  | 'inbound_encrypted'
  | 'outbound_encrypted'
  | 'inbound_upgraded'
  | 'outbound_upgraded';

export interface Refusal {
  readonly peerId: string;
  readonly reason: RefusalReason;
  readonly checkpoint: GaterCheckpoint;
  /** The remote transport address, when the connection exists already. */
  readonly remoteAddress: string | null;
}

export interface MembersOnlyPolicy {
  /** Whether a peer id is listed in genesis (this node's own excluded). */
  isMember(peerId: string): boolean;
  /** Whether a member is in back-off right now. */
  isInBackoff(peerId: string): boolean;
  /** Called once per refused connection attempt: the first checkpoint that refuses it. */
  onRefused(refusal: Refusal): void;
}

/**
 * A ConnectionGater that admits members only. A refused attempt stops at the first
 * checkpoint that refuses it, so each attempt is reported once.
 */
export function createMembersOnlyGater(policy: MembersOnlyPolicy): ConnectionGater {
  const deny = (peerId: PeerId, checkpoint: GaterCheckpoint, connection?: MultiaddrConnection): boolean => {
    const id = peerId.toString();
    let reason: RefusalReason | null = null;
    if (!policy.isMember(id)) reason = 'not_member';
    else if (policy.isInBackoff(id)) reason = 'backoff';
    if (reason === null) return false;
    policy.onRefused({ peerId: id, reason, checkpoint, remoteAddress: connection?.remoteAddr.toString() ?? null });
    return true;
  };
  return {
    denyDialPeer: (peerId) => deny(peerId, 'dial_peer'),
    denyOutboundConnection: (peerId, connection) => deny(peerId, 'outbound_connection', connection),
    denyInboundEncryptedConnection: (peerId, connection) => deny(peerId, 'inbound_encrypted', connection),
    denyOutboundEncryptedConnection: (peerId, connection) => deny(peerId, 'outbound_encrypted', connection),
    // The handshake checks above already decided; these catch a back-off that started while
    // the connection was being upgraded.
    denyInboundUpgradedConnection: (peerId, connection) => deny(peerId, 'inbound_upgraded', connection),
    denyOutboundUpgradedConnection: (peerId, connection) => deny(peerId, 'outbound_upgraded', connection),
    // No relays in a consortium: members connect directly.
    denyInboundRelayReservation: () => true,
    denyOutboundRelayedConnection: () => true,
    denyInboundRelayedConnection: () => true,
  };
}
