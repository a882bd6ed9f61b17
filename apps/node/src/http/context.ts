import type { ChainStore, ConsensusNode, Genesis } from '@consortium/consensus';
import type { NodeConfig } from '@consortium/node-config';
import type { P2PNode } from '@consortium/p2p';
import type { Telemetry } from '@consortium/telemetry';
import type { NodeEvents } from '../security/node-events.js';
import type { SettlementParts } from '../settlement/start.js';
import type { ApiClients } from './api-clients.js';

/** What the API's routes and hooks read: the node's parts, its clients and its limits. */
export interface ApiContext {
  readonly genesis: Genesis;
  readonly memberId: string;
  readonly consensus: ConsensusNode;
  readonly p2p: P2PNode;
  readonly telemetry: Telemetry;
  /** false: no API metrics or spans (startNode's `instrumented`, for the overhead benchmark). Default true. */
  readonly instrumented?: boolean;
  readonly store: Pick<ChainStore, 'findTx' | 'getCommittedBlock' | 'listEvidence'>;
  readonly events: NodeEvents;
  /** The settlement application, the member's desk and its private store; null on a kv-test chain. */
  readonly settlement: SettlementParts | null;
  /** The tokens file's records (hashes only), replaced on a reload; empty: only the public endpoints answer, from loopback. */
  readonly clients: ApiClients;
  readonly limits: Pick<NodeConfig['http'], 'bodyLimitBytes' | 'rateLimits' | 'requestTimeoutMs' | 'headersTimeoutMs' | 'maxConnectionsPerAddress'>;
  /** PEM contents when the API serves HTTPS; `ca` and `requireClientCert` for mTLS. */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer; readonly requireClientCert: boolean };
}
