import type { Registry } from 'prom-client';
import { metricCatalogue } from '../catalogue/index.js';
import { createAreaMetrics } from './create.js';

/**
 * One factory per area. Apps build them once (or all at once with createMetrics) and pass the
 * typed objects down; a library takes `metrics: XMetrics | null` and calls `metrics?.x.inc()`.
 */
export const createProcessMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.process);
export const createHostMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.host);
export const createApiMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.api);
export const createSecurityMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.security);
export const createConsensusMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.consensus);
export const createP2pMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.p2p);
export const createStorageMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.storage);
export const createZkpMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.zkp);
export const createCeremonyMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.ceremony);
export const createSettlementMetrics = (registry: Registry) => createAreaMetrics(registry, metricCatalogue.settlement);

export type ProcessMetrics = ReturnType<typeof createProcessMetrics>;
export type HostMetrics = ReturnType<typeof createHostMetrics>;
export type ApiMetrics = ReturnType<typeof createApiMetrics>;
export type SecurityMetrics = ReturnType<typeof createSecurityMetrics>;
export type ConsensusMetrics = ReturnType<typeof createConsensusMetrics>;
export type P2pMetrics = ReturnType<typeof createP2pMetrics>;
export type StorageMetrics = ReturnType<typeof createStorageMetrics>;
export type ZkpMetrics = ReturnType<typeof createZkpMetrics>;
export type CeremonyMetrics = ReturnType<typeof createCeremonyMetrics>;
export type SettlementMetrics = ReturnType<typeof createSettlementMetrics>;

/** Every area's metrics, registered on one registry. */
export function createMetrics(registry: Registry) {
  return {
    process: createProcessMetrics(registry),
    host: createHostMetrics(registry),
    api: createApiMetrics(registry),
    security: createSecurityMetrics(registry),
    consensus: createConsensusMetrics(registry),
    p2p: createP2pMetrics(registry),
    storage: createStorageMetrics(registry),
    zkp: createZkpMetrics(registry),
    ceremony: createCeremonyMetrics(registry),
    settlement: createSettlementMetrics(registry),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
