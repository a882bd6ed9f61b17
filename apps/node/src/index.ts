/**
 * @consortium/node: the SP node daemon. Public for the tools that start nodes in-process
 * (benchmarks, the devnet launcher) and for tests; operators run `consortium-node --config`.
 */
export { startNode, NodeStartError } from './node.js';
export type { StartNodeOptions } from './node.js';
export { ProofKeysNotPinnedError } from './proof-keys.js';
export type { RunningNode } from './node.js';
export { loadNodeConfig, parseNodeConfig, NodeConfigError } from './config.js';
export type { NodeConfig } from './config.js';
// Security events: what RunningNode.emitSecurityEvent takes, and the stream's event shapes.
export { SECURITY_EVENT_KINDS } from './security/security-event.js';
export type { SecurityEvent, SecurityEventInput, SecurityEventKind, EventAudience } from './security/security-event.js';
export type { NodeEvents, NodeEvent } from './security/node-events.js';
