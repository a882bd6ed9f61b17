import type { AreaDefinitions } from '../types.js';
import { MEMBER_IDS, P2P_PROTOCOLS } from '../label-sets.js';
import { SECONDS_NETWORK } from '../buckets.js';

/** The libp2p host (libs/p2p). Peers are labelled by member id, never by raw peer id. */
export const p2pMetricDefinitions = {
  connectedPeers: {
    name: 'consortium_p2p_connected_peers',
    type: 'gauge',
    unit: 'count',
    help: 'Members this node has an open connection to.',
    labels: {},
  },
  quorumReachable: {
    name: 'consortium_p2p_quorum_reachable',
    type: 'gauge',
    unit: 'count',
    help: '1 while this node and the members it is connected to hold the vote quorum (floor(2n/3) + 1 of the n genesis validators), 0 otherwise: below it this node cannot help decide.',
    labels: {},
  },
  peerConnected: {
    name: 'consortium_p2p_peer_connected',
    type: 'gauge',
    unit: 'count',
    help: '1 while this node is connected to the member, 0 otherwise.',
    labels: { member: MEMBER_IDS },
  },
  peerRttSeconds: {
    name: 'consortium_p2p_peer_rtt_seconds',
    type: 'gauge',
    unit: 'seconds',
    help: 'Last measured ping round-trip time to the member.',
    labels: { member: MEMBER_IDS },
  },
  pingRttSeconds: {
    name: 'consortium_p2p_ping_rtt_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: 'Distribution of ping round-trip times, by member.',
    labels: { member: MEMBER_IDS },
    buckets: SECONDS_NETWORK,
  },
  sentBytesTotal: {
    name: 'consortium_p2p_sent_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Payload bytes sent, by member and protocol.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS },
  },
  receivedBytesTotal: {
    name: 'consortium_p2p_received_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Payload bytes received, by member and protocol.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS },
  },
  sentMessagesTotal: {
    name: 'consortium_p2p_sent_messages_total',
    type: 'counter',
    unit: 'count',
    help: 'Messages (frames) sent, by member and protocol.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS },
  },
  receivedMessagesTotal: {
    name: 'consortium_p2p_received_messages_total',
    type: 'counter',
    unit: 'count',
    help: 'Messages (frames) received, by member and protocol.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS },
  },
  droppedMessagesTotal: {
    name: 'consortium_p2p_dropped_messages_total',
    type: 'counter',
    unit: 'count',
    help: 'Outbound messages (frames) dropped, by member, protocol and cause: send queue full (the member reads too slowly), not connected, or a failed write.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS, cause: ['queue_full', 'not_connected', 'write_failed'] },
  },
  disconnectsTotal: {
    name: 'consortium_p2p_disconnects_total',
    type: 'counter',
    unit: 'count',
    help: 'Connections to members closed, by member and reason.',
    labels: { member: MEMBER_IDS, reason: ['remote_closed', 'error', 'limit_exceeded', 'shutdown'] },
  },
  peerScore: {
    name: 'consortium_p2p_peer_score',
    type: 'gauge',
    unit: 'count',
    help: 'Invalid-message score of the member (decays over time); past the limit the member is disconnected for a back-off.',
    labels: { member: MEMBER_IDS },
  },
  rateLimitedMessagesTotal: {
    name: 'consortium_p2p_rate_limited_messages_total',
    type: 'counter',
    unit: 'count',
    help: 'Inbound frames dropped for exceeding the member\'s frame or byte rate, by member and protocol.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS },
  },
  rateLimitedBytesTotal: {
    name: 'consortium_p2p_rate_limited_bytes_total',
    type: 'counter',
    unit: 'bytes',
    help: 'Payload bytes of inbound frames dropped for exceeding the member\'s frame or byte rate, by member and protocol.',
    labels: { member: MEMBER_IDS, protocol: P2P_PROTOCOLS },
  },
} as const satisfies AreaDefinitions;
