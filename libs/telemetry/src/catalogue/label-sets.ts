import type { RuntimeLabelValues } from './types.js';

/**
 * Run-time label value sets shared by several areas. Each names what bounds it, so a reader
 * of docs/metrics.md can see why a label cannot explode (unbounded labels, such as raw peer
 * ids, are the most common complaint of CometBFT and Cosmos operators).
 */

/** Member ids from genesis. The consortium is small by nature; 32 leaves room to grow. */
export const MEMBER_IDS: RuntimeLabelValues = {
  kind: 'runtime',
  describe: 'member ids listed in genesis',
  max: 32,
};

/** Network interfaces of the host running the node. */
export const NETWORK_INTERFACES: RuntimeLabelValues = {
  kind: 'runtime',
  describe: 'network interfaces of the host (from /proc/net/dev)',
  max: 16,
};

/** Route patterns registered on the HTTP server (`/v1/statements/:id`, never a raw URL). */
export const HTTP_ROUTES: RuntimeLabelValues = {
  kind: 'runtime',
  describe: 'route patterns registered on the HTTP server, or "unmatched"',
  max: 64,
};

/** Node.js resource types reported by process.getActiveResourcesInfo() (TCPSocketWrap, Timeout...). */
export const NODE_RESOURCE_TYPES: RuntimeLabelValues = {
  kind: 'runtime',
  describe: 'Node.js resource types from process.getActiveResourcesInfo()',
  max: 32,
};

/** Version strings of the running build: one value per process. */
export const SINGLE_VALUE: RuntimeLabelValues = {
  kind: 'runtime',
  describe: 'one value per process',
  max: 1,
};

/** P2P protocols under /consortium/...: fixed by the code, versioned in their protocol ids. */
export const P2P_PROTOCOLS = ['consensus', 'tx', 'sync', 'records', 'ceremony'] as const;

/** Compiled circuits by name (settlement-64 ...): the catalogue of @consortium/circuits. */
export const CIRCUIT_NAMES: RuntimeLabelValues = {
  kind: 'runtime',
  describe: 'circuit names of the @consortium/circuits catalogue (e.g. settlement-64)',
  max: 16,
};

/**
 * Settlement periods with a netting gauge: the application keeps the most recent ones and
 * removes older label values, so the label stays bounded however long the chain runs.
 */
export const SETTLEMENT_PERIODS_KEPT = 12;

/** Closed settlement periods (YYYY-MM): the most recent SETTLEMENT_PERIODS_KEPT only. */
export const SETTLEMENT_PERIODS: RuntimeLabelValues = {
  kind: 'runtime',
  describe: `the ${SETTLEMENT_PERIODS_KEPT} most recently closed settlement periods (YYYY-MM)`,
  max: SETTLEMENT_PERIODS_KEPT,
};

/**
 * Every run-time label set the catalogue may use, and the only ones: each is bounded by what
 * the operator or the code controls (genesis, the host, the route table, the circuit
 * catalogue), never by what a client or a peer sends. The cardinality test fails on a
 * catalogued label outside this list.
 */
export const RUNTIME_LABEL_SETS: readonly RuntimeLabelValues[] = [MEMBER_IDS, NETWORK_INTERFACES, HTTP_ROUTES, NODE_RESOURCE_TYPES, SINGLE_VALUE, CIRCUIT_NAMES, SETTLEMENT_PERIODS];
