/**
 * The dependency direction of docs/architecture.md, as data:
 *
 *   apps/*  ->  libs/settlement, libs/ceremony  ->  libs/zkp, libs/consensus, libs/p2p, libs/node-config  ->  libs/telemetry
 *
 * A package may import the packages of lower layers only: never its own layer (consensus knows
 * nothing of libp2p), never upward, never an app. tools/ sits on top and may use anything.
 */
export const LAYER_OF_PACKAGE: Readonly<Record<string, number>> = {
  'libs/telemetry': 0,
  // circuits: the circom sources, their build and test keys; depends on no workspace package.
  circuits: 0,
  'libs/p2p': 1,
  'libs/consensus': 1,
  'libs/zkp': 1,
  // node.json's schema and the API token format: read by apps/node, written by apps/setup-cli
  // (apps may not import apps); depends on telemetry at most.
  'libs/node-config': 1,
  'libs/settlement': 2,
  'libs/ceremony': 2,
  'apps/node': 3,
  'apps/setup-cli': 3,
  'apps/dashboard': 3,
  tools: 4,
};

/** The packages `from` may import: every package of a lower layer. */
export function allowedDependencies(from: string): string[] {
  const layer = LAYER_OF_PACKAGE[from];
  if (layer === undefined) throw new Error(`${from} is not in LAYER_OF_PACKAGE: add it with its layer`);
  return Object.entries(LAYER_OF_PACKAGE)
    .filter(([, other]) => other < layer)
    .map(([name]) => name);
}

/**
 * Libraries only libs/telemetry may import: metrics and traces are created from its catalogue,
 * so a metric cannot appear on /metrics without being documented in docs/metrics.md.
 */
export const TELEMETRY_ONLY_MODULES = '^(prom-client|@opentelemetry/(sdk-|exporter-|resources|context-async-hooks))';
