import type { AreaDefinitions } from '../types.js';
import { HTTP_ROUTES, MEMBER_IDS } from '../label-sets.js';

/**
 * Security events, measured like everything else: every refused or invalid input is counted
 * here, so alert rules can fire on spikes (auth failures, rate limiting, unknown peers).
 */
export const securityMetricDefinitions = {
  eventsTotal: {
    name: 'consortium_security_events_total',
    type: 'counter',
    unit: 'count',
    help: 'Security events written to the security log and published on the event stream, by kind.',
    labels: {
      kind: ['auth_failed', 'forbidden', 'rate_limited', 'invalid_request', 'refused_peer', 'invalid_message', 'invalid_proof', 'equivocation'],
    },
  },
  logDroppedEventsTotal: {
    name: 'consortium_security_log_dropped_events_total',
    type: 'counter',
    unit: 'count',
    help: 'Security events not written to the security log: its write queue was full (a flood faster than the disk) or a write failed. The events were still counted and published.',
    labels: { reason: ['queue_full', 'write_failed'] },
  },
  authAttemptsTotal: {
    name: 'consortium_security_auth_attempts_total',
    type: 'counter',
    unit: 'count',
    help: 'HTTP API authentication attempts by outcome (expired_credentials: a token past the expiresAt of its tokens file entry).',
    labels: { outcome: ['success', 'missing_credentials', 'bad_credentials', 'unknown_client', 'expired_credentials', 'forbidden'] },
  },
  rateLimitedRequestsTotal: {
    name: 'consortium_security_rate_limited_requests_total',
    type: 'counter',
    unit: 'count',
    help: 'HTTP requests refused with 429 by a rate limit, by route pattern and limit scope.',
    labels: { route: HTTP_ROUTES, scope: ['client', 'route', 'global'] },
  },
  refusedPeersTotal: {
    name: 'consortium_security_refused_peers_total',
    type: 'counter',
    unit: 'count',
    help: 'P2P connections refused, by reason (a peer id not in genesis, or a member in back-off).',
    labels: { reason: ['not_member', 'backoff'] },
  },
  invalidMessagesTotal: {
    name: 'consortium_security_invalid_messages_total',
    type: 'counter',
    unit: 'count',
    help: 'Messages and requests rejected as invalid, by kind of fault.',
    labels: {
      kind: ['malformed', 'oversized', 'bad_signature', 'invalid_proof', 'replay', 'unknown_sender', 'rate_exceeded', 'unresponsive', 'invalid_tx'],
    },
  },
  privateRefusalsTotal: {
    name: 'consortium_security_private_refusals_total',
    type: 'counter',
    unit: 'count',
    help: 'Private messages (the record exchange between the two parties of an agreement) refused before delivery, by sending member and reason: the application did not authorize the sender for that message (no agreement between the two), the declared or actual size was over the limit, the frames were malformed, or the member was over its rate.',
    labels: { member: MEMBER_IDS, reason: ['unauthorized', 'oversized', 'malformed', 'rate_limited'] },
  },
  equivocationsTotal: {
    name: 'consortium_security_equivocations_total',
    type: 'counter',
    unit: 'count',
    help: 'Equivocation evidence (two signed proposals or votes for one height, round and step) by the member that signed them.',
    labels: { member: MEMBER_IDS, message: ['proposal', 'prevote', 'precommit'] },
  },
  doubleSignRefusalsTotal: {
    name: 'consortium_security_double_sign_refusals_total',
    type: 'counter',
    unit: 'count',
    help: 'Signatures this node\'s signer refused because it had signed another value (or a later slot) before: a sign of a damaged WAL or a restored backup.',
    labels: { message: ['proposal', 'prevote', 'precommit'] },
  },
  invalidGossipedTxsTotal: {
    name: 'consortium_security_invalid_gossiped_txs_total',
    type: 'counter',
    unit: 'count',
    help: 'Gossiped transactions the application refused, by the member that sent them (reported to the transport as invalid_tx).',
    labels: { member: MEMBER_IDS },
  },
  unbackedStatusClaimsTotal: {
    name: 'consortium_security_unbacked_status_claims_total',
    type: 'counter',
    unit: 'count',
    help: 'Status messages claiming a height above this node\'s without a valid commit certificate, by sender; they never steer block sync.',
    labels: { member: MEMBER_IDS },
  },
} as const satisfies AreaDefinitions;
