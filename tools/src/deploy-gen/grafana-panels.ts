import { metricCatalogue, type MetricDefinition } from '@consortium/telemetry';

/**
 * What the Grafana dashboard shows: one row per view of apps/dashboard, each panel a PromQL
 * query over catalogued metrics. Names, units and descriptions come from the catalogue's
 * definitions, so a renamed metric renames the query (or fails to compile) and the dashboard
 * never drifts from what the nodes expose. grafana.ts turns this into Grafana's JSON model.
 *
 * Label conventions of the shipped Prometheus configuration (deploy/prometheus/prometheus.yml):
 * every series carries the target labels `member` (the node scraped), `chain`, `operator`,
 * `instance` and `job`. A per-peer metric's own `member` label (the peer: a validator, a
 * connection's other end) conflicts with the target's, and Prometheus keeps it as
 * `exported_member` (honor_labels is false); tools/test/e2e/devnet-4.test.ts checks this on
 * a real Prometheus.
 */

/** The scrape job of deploy/prometheus/prometheus.yml. */
export const PROMETHEUS_JOB = 'consortium-node';

/** Grafana's unit ids for the catalogue's units (per-second rates get their own). */
export type GrafanaUnit = 's' | 'bytes' | 'short' | 'percentunit' | 'Bps' | 'ops' | 'none';

export interface PanelQuery {
  readonly expr: string;
  /** Grafana legend template, e.g. `{{member}}`. */
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly kind: 'timeseries' | 'stat' | 'bargauge';
  readonly unit: GrafanaUnit;
  readonly queries: readonly PanelQuery[];
  /** Grid columns out of 24 (default 12: two panels a line). */
  readonly width?: number;
  /** A stat showing 1 as "up" (green) and 0 as "down" (red). */
  readonly upDown?: boolean;
}

export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const m = metricCatalogue;

/** Every query is limited to the members chosen in the dashboard's `member` variable. */
const MEMBER = 'member=~"$member"';

function selector(definition: MetricDefinition | string, matchers: readonly string[] = [], suffix = ''): string {
  const name = typeof definition === 'string' ? definition : definition.name;
  return `${name}${suffix}{${[MEMBER, ...matchers].join(', ')}}`;
}

const by = (labels: readonly string[]) => (labels.length === 0 ? '' : ` by (${labels.join(', ')})`);

/** Per-second rate of a counter, aggregated with `aggregation` by `labels`. */
function rate(definition: MetricDefinition, labels: readonly string[], matchers: readonly string[] = [], aggregation = 'sum'): string {
  return `${aggregation}${by(labels)} (rate(${selector(definition, matchers)}[$__rate_interval]))`;
}

/** Increase of a counter over the rate interval (for rare events: a count reads better than a rate). */
function increase(definition: MetricDefinition, labels: readonly string[], matchers: readonly string[] = [], aggregation = 'sum'): string {
  return `${aggregation}${by(labels)} (increase(${selector(definition, matchers)}[$__rate_interval]))`;
}

/** A quantile of a histogram over the rate interval, by `labels`. */
function quantile(q: number, definition: MetricDefinition, labels: readonly string[], matchers: readonly string[] = []): string {
  return `histogram_quantile(${q}, sum by (${[...labels, 'le'].join(', ')}) (rate(${selector(definition, matchers, '_bucket')}[$__rate_interval])))`;
}

/** Mean of a histogram's observations over the rate interval, by `labels`. */
function mean(definition: MetricDefinition, labels: readonly string[]): string {
  const part = (suffix: string) => `sum${by(labels)} (rate(${selector(definition, [], suffix)}[$__rate_interval]))`;
  return `${part('_sum')} / ${part('_count')}`;
}

/** p50 and p95 of a histogram, one series each, by `labels`. */
function p50p95(definition: MetricDefinition, labels: readonly string[], legendPrefix: string): PanelQuery[] {
  return [0.5, 0.95].map((q) => ({ expr: quantile(q, definition, labels), legend: `${legendPrefix}p${q * 100}` }));
}

function unitOf(definition: MetricDefinition): GrafanaUnit {
  if (definition.unit === 'seconds') return 's';
  if (definition.unit === 'bytes') return 'bytes';
  if (definition.unit === 'ratio') return 'percentunit';
  return 'short';
}

/** A panel over one metric: its help as the description, its unit unless given. */
function panel(definition: MetricDefinition, spec: Omit<PanelSpec, 'description' | 'unit'> & { readonly unit?: GrafanaUnit; readonly description?: string }): PanelSpec {
  return { ...spec, unit: spec.unit ?? unitOf(definition), description: spec.description ?? definition.help };
}

const ONE_PER_MEMBER = '{{member}}';
/** Per-peer metrics keep the peer in `exported_member` (see the module comment). */
const FROM_TO = '{{member}} → {{exported_member}}';

const health: RowSpec = {
  title: 'Consortium health',
  panels: [
    {
      title: 'Node up',
      description: 'Whether Prometheus could scrape the node\'s /metrics (the `up` series of job consortium-node): 0 is the "node down" alert.',
      kind: 'stat',
      unit: 'none',
      upDown: true,
      width: 8,
      queries: [{ expr: `up{job="${PROMETHEUS_JOB}", ${MEMBER}}`, legend: ONE_PER_MEMBER }],
    },
    panel(m.consensus.height, { title: 'Height', kind: 'stat', width: 8, queries: [{ expr: selector(m.consensus.height), legend: ONE_PER_MEMBER }] }),
    panel(m.p2p.connectedPeers, { title: 'Connected peers', kind: 'stat', width: 8, queries: [{ expr: selector(m.p2p.connectedPeers), legend: ONE_PER_MEMBER }] }),
    panel(m.consensus.lastBlockTimeSeconds, {
      title: 'Last block age',
      description: 'Seconds since the time in the header of the node\'s last committed block. An idle chain still makes an empty block every empty-blocks interval.',
      kind: 'stat',
      width: 8,
      queries: [{ expr: `time() - ${selector(m.consensus.lastBlockTimeSeconds)}`, legend: ONE_PER_MEMBER }],
    }),
    panel(m.p2p.quorumReachable, { title: 'Quorum reachable', kind: 'stat', width: 8, upDown: true, unit: 'none', queries: [{ expr: selector(m.p2p.quorumReachable), legend: ONE_PER_MEMBER }] }),
    panel(m.process.info, {
      title: 'Version',
      kind: 'stat',
      width: 8,
      unit: 'none',
      queries: [{ expr: selector(m.process.info), legend: '{{member}} {{version}} (Node.js {{node_version}})' }],
    }),
  ],
};

const consensus: RowSpec = {
  title: 'Consensus',
  panels: [
    panel(m.consensus.height, { title: 'Height', kind: 'timeseries', queries: [{ expr: selector(m.consensus.height), legend: ONE_PER_MEMBER }] }),
    panel(m.consensus.blockIntervalSeconds, { title: 'Block interval', kind: 'timeseries', queries: p50p95(m.consensus.blockIntervalSeconds, ['member'], '{{member}} ') }),
    panel(m.consensus.committedTxsTotal, { title: 'Committed transactions', kind: 'timeseries', unit: 'ops', queries: [{ expr: rate(m.consensus.committedTxsTotal, ['member']), legend: ONE_PER_MEMBER }] }),
    panel(m.consensus.blockRounds, { title: 'Rounds per height (mean)', kind: 'timeseries', queries: [{ expr: mean(m.consensus.blockRounds, ['member']), legend: ONE_PER_MEMBER }] }),
    panel(m.consensus.roundChangesTotal, { title: 'Round changes', kind: 'timeseries', queries: [{ expr: increase(m.consensus.roundChangesTotal, ['member', 'reason']), legend: '{{member}} {{reason}}' }] }),
    panel(m.consensus.missedBlocksTotal, {
      title: 'Missed votes per validator',
      description: `${m.consensus.missedBlocksTotal.help} Every node counts every validator: the maximum over the nodes chosen.`,
      kind: 'timeseries',
      queries: [{ expr: increase(m.consensus.missedBlocksTotal, ['exported_member'], [], 'max'), legend: '{{exported_member}}' }],
    }),
    panel(m.security.equivocationsTotal, {
      title: 'Equivocation evidence',
      kind: 'timeseries',
      queries: [{ expr: increase(m.security.equivocationsTotal, ['exported_member', 'message'], [], 'max'), legend: '{{exported_member}} {{message}}' }],
    }),
    panel(m.consensus.mempoolTxs, { title: 'Mempool', kind: 'timeseries', queries: [{ expr: selector(m.consensus.mempoolTxs), legend: ONE_PER_MEMBER }] }),
  ],
};

const p2p: RowSpec = {
  title: 'P2P',
  panels: [
    panel(m.p2p.connectedPeers, { title: 'Connected peers', kind: 'timeseries', queries: [{ expr: selector(m.p2p.connectedPeers), legend: ONE_PER_MEMBER }] }),
    panel(m.p2p.peerRttSeconds, { title: 'Round-trip time per link', kind: 'timeseries', queries: [{ expr: selector(m.p2p.peerRttSeconds), legend: FROM_TO }] }),
    panel(m.p2p.sentBytesTotal, { title: 'Traffic sent per link', kind: 'timeseries', unit: 'Bps', queries: [{ expr: rate(m.p2p.sentBytesTotal, ['member', 'exported_member']), legend: FROM_TO }] }),
    panel(m.p2p.receivedBytesTotal, { title: 'Traffic received per protocol', kind: 'timeseries', unit: 'Bps', queries: [{ expr: rate(m.p2p.receivedBytesTotal, ['member', 'protocol']), legend: '{{member}} {{protocol}}' }] }),
    panel(m.p2p.disconnectsTotal, { title: 'Disconnects', kind: 'timeseries', queries: [{ expr: increase(m.p2p.disconnectsTotal, ['member', 'exported_member', 'reason']), legend: `${FROM_TO} {{reason}}` }] }),
    panel(m.security.refusedPeersTotal, { title: 'Refused peers', kind: 'timeseries', queries: [{ expr: increase(m.security.refusedPeersTotal, ['member', 'reason']), legend: '{{member}} {{reason}}' }] }),
  ],
};

const settlements: RowSpec = {
  title: 'Settlements',
  panels: [
    panel(m.settlement.statements, {
      title: 'Statements by state',
      description: `${m.settlement.statements.help} Every node holds the same chain: the maximum over the nodes chosen.`,
      kind: 'timeseries',
      queries: [{ expr: `max by (state) (${selector(m.settlement.statements)})`, legend: '{{state}}' }],
    }),
    panel(m.settlement.txsTotal, { title: 'Settlement transactions', kind: 'timeseries', unit: 'ops', queries: [{ expr: rate(m.settlement.txsTotal, ['type', 'code'], [], 'max'), legend: '{{type}} {{code}}' }] }),
    panel(m.settlement.recordsCommittedTotal, { title: 'Usage records committed', kind: 'timeseries', unit: 'ops', queries: [{ expr: rate(m.settlement.recordsCommittedTotal, ['creditor'], [], 'max'), legend: '{{creditor}}' }] }),
    panel(m.settlement.oldestUnansweredStatementAgeSeconds, {
      title: 'Oldest unanswered statement',
      kind: 'timeseries',
      queries: [{ expr: `max(${selector(m.settlement.oldestUnansweredStatementAgeSeconds)})`, legend: 'age' }],
    }),
    panel(m.settlement.disputesTotal, { title: 'Disputes', kind: 'timeseries', queries: [{ expr: increase(m.settlement.disputesTotal, ['event'], [], 'max'), legend: '{{event}}' }] }),
    panel(m.settlement.anomaliesTotal, { title: 'Usage anomalies', kind: 'timeseries', queries: [{ expr: increase(m.settlement.anomaliesTotal, ['kind', 'service'], [], 'max'), legend: '{{kind}} {{service}}' }] }),
    panel(m.settlement.periodNettedAmount, {
      title: 'Netting per closed period',
      description: `Minor units per closed period, gross (the settled statements) and netted (the payments left). ${m.settlement.periodNettedAmount.help}`,
      kind: 'bargauge',
      queries: [
        { expr: `max by (period) (${selector(m.settlement.periodGrossAmount)})`, legend: '{{period}} gross' },
        { expr: `max by (period) (${selector(m.settlement.periodNettedAmount)})`, legend: '{{period}} netted' },
      ],
    }),
    panel(m.settlement.batchToAcceptedSeconds, { title: 'Usage batch to accepted statement', kind: 'timeseries', queries: p50p95(m.settlement.batchToAcceptedSeconds, [], '') }),
  ],
};

const zkp: RowSpec = {
  title: 'ZKP',
  panels: [
    panel(m.zkp.proveDurationSeconds, { title: 'Prove latency', kind: 'timeseries', queries: p50p95(m.zkp.proveDurationSeconds, [], '') }),
    panel(m.zkp.verifyDurationSeconds, { title: 'Verify latency', kind: 'timeseries', queries: p50p95(m.zkp.verifyDurationSeconds, ['mode'], '{{mode}} ') }),
    panel(m.zkp.proverQueueDepth, { title: 'Prover queue depth', kind: 'timeseries', queries: [{ expr: selector(m.zkp.proverQueueDepth), legend: ONE_PER_MEMBER }] }),
    panel(m.zkp.proofsTotal, { title: 'Proofs by outcome', kind: 'timeseries', unit: 'ops', queries: [{ expr: rate(m.zkp.proofsTotal, ['outcome']), legend: '{{outcome}}' }] }),
    panel(m.zkp.verificationsTotal, { title: 'Verifications by outcome', kind: 'timeseries', unit: 'ops', queries: [{ expr: rate(m.zkp.verificationsTotal, ['outcome']), legend: '{{outcome}}' }] }),
    panel(m.zkp.proverWorkers, { title: 'Prover workers', kind: 'timeseries', queries: [{ expr: `sum by (state) (${selector(m.zkp.proverWorkers)})`, legend: '{{state}}' }] }),
    panel(m.zkp.keyEpoch, { title: 'Key epoch', kind: 'stat', width: 6, queries: [{ expr: `max(${selector(m.zkp.keyEpoch)})`, legend: 'epoch' }] }),
    panel(m.zkp.circuitConstraints, { title: 'Circuit constraints', kind: 'stat', width: 18, queries: [{ expr: `max by (circuit) (${selector(m.zkp.circuitConstraints)})`, legend: '{{circuit}}' }] }),
  ],
};

const security: RowSpec = {
  title: 'Security events',
  panels: [
    panel(m.security.authAttemptsTotal, {
      title: 'Authentication failures',
      kind: 'timeseries',
      unit: 'ops',
      queries: [{ expr: rate(m.security.authAttemptsTotal, ['member', 'outcome'], ['outcome!="success"']), legend: '{{member}} {{outcome}}' }],
    }),
    panel(m.security.rateLimitedRequestsTotal, { title: 'Rate-limited requests', kind: 'timeseries', unit: 'ops', queries: [{ expr: rate(m.security.rateLimitedRequestsTotal, ['member', 'scope']), legend: '{{member}} {{scope}}' }] }),
    panel(m.security.eventsTotal, { title: 'Security events by kind', kind: 'timeseries', queries: [{ expr: increase(m.security.eventsTotal, ['kind']), legend: '{{kind}}' }] }),
    panel(m.security.invalidMessagesTotal, { title: 'Invalid messages', kind: 'timeseries', queries: [{ expr: increase(m.security.invalidMessagesTotal, ['member', 'kind']), legend: '{{member}} {{kind}}' }] }),
  ],
};

const resources: RowSpec = {
  title: 'Resources',
  panels: [
    panel(m.process.cpuSecondsTotal, {
      title: 'CPU',
      description: 'Share of one core used by the node process (user + system).',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: rate(m.process.cpuSecondsTotal, ['member']), legend: ONE_PER_MEMBER }],
    }),
    panel(m.process.residentMemoryBytes, { title: 'Resident memory', kind: 'timeseries', queries: [{ expr: selector(m.process.residentMemoryBytes), legend: ONE_PER_MEMBER }] }),
    panel(m.process.heapBytes, { title: 'V8 heap used', kind: 'timeseries', queries: [{ expr: selector(m.process.heapBytes, ['kind="used"']), legend: ONE_PER_MEMBER }] }),
    panel(m.process.eventLoopDelaySeconds, { title: 'Event-loop delay p99', kind: 'timeseries', queries: [{ expr: selector(m.process.eventLoopDelaySeconds, ['percentile="p99"']), legend: ONE_PER_MEMBER }] }),
    panel(m.host.dataDiskBytes, {
      title: 'Data disk',
      kind: 'timeseries',
      queries: [
        { expr: selector(m.host.dataDiskBytes, ['state="free"']), legend: '{{member}} free' },
        { expr: selector(m.storage.dbSizeBytes), legend: '{{member}} LevelDB' },
      ],
    }),
    panel(m.host.networkBytesTotal, { title: 'Network', kind: 'timeseries', unit: 'Bps', queries: [{ expr: rate(m.host.networkBytesTotal, ['member', 'direction']), legend: '{{member}} {{direction}}' }] }),
    panel(m.host.memoryBytes, { title: 'Host memory available', kind: 'timeseries', queries: [{ expr: selector(m.host.memoryBytes, ['state="available"']), legend: ONE_PER_MEMBER }] }),
    panel(m.host.cpuSecondsTotal, {
      title: 'Host CPU busy',
      description: 'Share of the host\'s CPU time not idle, over all cores.',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: `1 - ${rate(m.host.cpuSecondsTotal, ['member'], ['mode="idle"'])} / ${rate(m.host.cpuSecondsTotal, ['member'])}`, legend: ONE_PER_MEMBER }],
    }),
  ],
};

/** The rows, in the order of the dashboard's views. */
export const GRAFANA_ROWS: readonly RowSpec[] = [health, consensus, p2p, settlements, zkp, security, resources];
