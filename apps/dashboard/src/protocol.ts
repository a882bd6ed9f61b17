/**
 * What the dashboard server sends its browser client: the one contract between
 * `src/server/` (collects, derives, keeps history, evaluates alerts) and `src/client/`
 * (renders). Plain JSON: amounts are decimal strings of integer minor units (never a float),
 * times are Unix milliseconds unless a name says otherwise.
 *
 * HTTP routes of the dashboard server (read only; every route but `/`, `/login`, the static
 * assets and `/health` needs an observer session):
 *   GET  /                 index.html (the client; asks for the token when there is no session)
 *   GET  /app.js, /app.css the bundled client
 *   POST /api/session      body `{ token }` -> 204 and an HttpOnly session cookie; 401 on a bad token
 *   GET  /api/snapshot     DashboardSnapshot (query `range=10m|6h|24h`, default 10m)
 *   GET  /api/stream       text/event-stream of StreamMessage (`event:` = message type)
 *   POST /api/alertmanager Alertmanager webhook (bearer token), shown beside the dashboard's own alerts
 *   GET  /health           liveness of the dashboard process
 */

export const PROTOCOL_VERSION = 1;

/** History ranges a chart can show; each is kept at its own resolution (downsampled). */
export const CHART_RANGES = { '10m': { spanMs: 10 * 60_000, stepMs: 1_000 }, '6h': { spanMs: 6 * 3_600_000, stepMs: 30_000 }, '24h': { spanMs: 24 * 3_600_000, stepMs: 300_000 } } as const;
export type ChartRange = keyof typeof CHART_RANGES;

export type DataSourceKind = 'scrape' | 'prometheus';

export interface SourceInfo {
  readonly kind: DataSourceKind;
  /** The Prometheus base URL in `prometheus` mode. */
  readonly prometheusUrl?: string;
  /** How often the server collects (and pushes a tick). */
  readonly intervalMs: number;
}

/** A genesis member, in genesis order (every per-member list below follows it). */
export interface MemberInfo {
  readonly id: string;
  readonly operator: string;
  readonly tadig: string;
  readonly apiUrl: string;
}

export type MemberStatus = 'up' | 'degraded' | 'down';

/** One card of the consortium-health view. Null: not known yet (or the node is down). */
export interface MemberCard {
  readonly member: string;
  readonly status: MemberStatus;
  /** Why the status is not `up` (e.g. "scrape failed: connect ECONNREFUSED", "syncing", "2 alerts firing"). */
  readonly reason: string | null;
  readonly height: number | null;
  /** Members this node has a connection to (not counting itself). */
  readonly peers: number | null;
  readonly lastBlockAgeSeconds: number | null;
  /** Share of one core used by the process, 0..cores. */
  readonly cpuRatio: number | null;
  readonly residentMemoryBytes: number | null;
  readonly version: string | null;
  readonly lastSeenMs: number | null;
}

export type OverallStatus = 'healthy' | 'degraded' | 'down';

/**
 * Time-series charts, each over the members (or members x percentiles). The key names the
 * chart; the client knows each key's title and unit from CHART_SPECS.
 */
export type ChartKey =
  | 'height'
  | 'blockInterval'
  | 'txThroughput'
  | 'roundsPerHeight'
  | 'missedVotes'
  | 'proveLatency'
  | 'verifyLatency'
  | 'proverQueue'
  | 'proofsRate'
  | 'authFailures'
  | 'rateLimited'
  | 'cpu'
  | 'memory'
  | 'heap'
  | 'eventLoop'
  | 'disk'
  | 'network';

export type ChartUnit = 'count' | 'seconds' | 'bytes' | 'ratio' | 'per_second' | 'bytes_per_second';

export interface ChartSpec {
  readonly title: string;
  readonly unit: ChartUnit;
  readonly view: ViewKey;
  /** What one series is: a member, a validator (member id), a member and a percentile, an outcome. */
  readonly seriesBy: 'member' | 'validator' | 'member_percentile' | 'percentile' | 'outcome';
}

export type ViewKey = 'health' | 'consensus' | 'topology' | 'settlements' | 'zkp' | 'security' | 'alerts' | 'resources';

export const CHART_SPECS: Readonly<Record<ChartKey, ChartSpec>> = {
  height: { title: 'Height', unit: 'count', view: 'consensus', seriesBy: 'member' },
  blockInterval: { title: 'Block interval', unit: 'seconds', view: 'consensus', seriesBy: 'member' },
  txThroughput: { title: 'Committed transactions', unit: 'per_second', view: 'consensus', seriesBy: 'member' },
  roundsPerHeight: { title: 'Rounds per height', unit: 'count', view: 'consensus', seriesBy: 'member' },
  missedVotes: { title: 'Missed votes per validator', unit: 'per_second', view: 'consensus', seriesBy: 'validator' },
  proveLatency: { title: 'Prove latency', unit: 'seconds', view: 'zkp', seriesBy: 'percentile' },
  verifyLatency: { title: 'Verify latency', unit: 'seconds', view: 'zkp', seriesBy: 'percentile' },
  proverQueue: { title: 'Prover queue depth', unit: 'count', view: 'zkp', seriesBy: 'member' },
  proofsRate: { title: 'Proofs per second, by outcome', unit: 'per_second', view: 'zkp', seriesBy: 'outcome' },
  authFailures: { title: 'Authentication failures', unit: 'per_second', view: 'security', seriesBy: 'member' },
  rateLimited: { title: 'Rate-limited requests', unit: 'per_second', view: 'security', seriesBy: 'member' },
  cpu: { title: 'CPU', unit: 'ratio', view: 'resources', seriesBy: 'member' },
  memory: { title: 'Resident memory', unit: 'bytes', view: 'resources', seriesBy: 'member' },
  heap: { title: 'V8 heap used', unit: 'bytes', view: 'resources', seriesBy: 'member' },
  eventLoop: { title: 'Event-loop delay p99', unit: 'seconds', view: 'resources', seriesBy: 'member' },
  disk: { title: 'Data disk used', unit: 'bytes', view: 'resources', seriesBy: 'member' },
  network: { title: 'Network (receive + transmit)', unit: 'bytes_per_second', view: 'resources', seriesBy: 'member' },
};

/**
 * One chart's history in uPlot's aligned form: `times` in Unix seconds, then one value array
 * per series (same length as `times`; null where there was no sample).
 */
export interface ChartData {
  readonly series: readonly string[];
  readonly times: readonly number[];
  readonly values: readonly (readonly (number | null)[])[];
}

/** The P2P topology: members as nodes, a directed measurement per ordered pair that has one. */
export interface Topology {
  readonly links: readonly TopologyLink[];
  /** Connections refused because the peer is not a genesis member, counted by the member that refused them. */
  readonly refusedNonMembers: readonly { readonly member: string; readonly refused: number }[];
}

export interface TopologyLink {
  readonly from: string;
  readonly to: string;
  readonly connected: boolean;
  readonly rttSeconds: number | null;
  /** Bytes per second sent from `from` to `to` over the last interval (all protocols). */
  readonly sentBytesPerSecond: number | null;
}

export interface ConsensusView {
  /** Missed precommits per validator since the dashboard started (from the committed certificates). */
  readonly missedVotes: readonly { readonly validator: string; readonly missed: number }[];
  readonly equivocations: readonly EquivocationItem[];
  readonly roundChanges: number;
}

export interface EquivocationItem {
  readonly timeMs: number;
  /** The node that saw the evidence. */
  readonly reportedBy: string;
  readonly offender: string;
  readonly message: string;
  readonly detail: string;
}

export type StatementState = 'proposed' | 'accepted' | 'disputed' | 'superseded' | 'resolved';

export interface SettlementsView {
  readonly periods: readonly PeriodItem[];
  /** Statements per ordered pair (creditor bills debtor), by state. */
  readonly pairs: readonly { readonly creditor: string; readonly debtor: string; readonly states: Readonly<Record<StatementState, number>> }[];
  /** The bilateral matrix of the shown period: what each creditor bills each debtor (settled statements). */
  readonly matrix: { readonly period: string | null; readonly cells: readonly { readonly creditor: string; readonly debtor: string; readonly amount: string }[] };
  /** Usage anomalies on the pairs of the members whose own token the dashboard holds, newest first (each party's node raises them; listed once). */
  readonly anomalies: readonly { readonly timeMs: number; readonly member: string; readonly kind: string; readonly service: string; readonly detail: string }[];
  /** Why no anomaly can be shown (no member's own token: anomalies are the parties' data); null when they can. */
  readonly anomaliesUnavailable: string | null;
  readonly disputes: readonly { readonly statementId: string; readonly creditor: string; readonly debtor: string; readonly period: string; readonly state: StatementState; readonly reason: string }[];
}

export interface PeriodItem {
  readonly period: string;
  readonly closed: boolean;
  readonly batches: number;
  readonly settledBatches: number;
  /** Present once closed: the multilateral netting. */
  readonly netting: { readonly grossAmount: string; readonly nettedAmount: string; readonly payments: readonly { readonly from: string; readonly to: string; readonly amount: string }[] } | null;
}

export interface ZkpView {
  /** Proofs made since each node started, by outcome (summed over members). */
  readonly proofsByOutcome: Readonly<Record<string, number>>;
  readonly verificationsByOutcome: Readonly<Record<string, number>>;
  readonly keyEpochs: readonly { readonly epoch: number; readonly height: number; readonly circuits: readonly string[] }[];
  /** The trusted-setup ceremony that made the current keys (from their keys folder); null when no keys manifest is found. */
  readonly ceremony: {
    readonly kind: 'demo' | 'distributed';
    /** A demo: its one insecure party; a ceremony: the members who contributed (from its verified transcript; empty without one). */
    readonly contributors: readonly string[];
    readonly circuits: readonly string[];
    /** The transcript's sha256 that the keys' genesis fragment pins; null for a demo. */
    readonly transcriptSha256: string | null;
    readonly finishedAt: string | null;
    /** The ceremony's transcript as a report; null for a demo (it has none) and when no transcript.json is found beside the keys. */
    readonly transcript: CeremonyTranscriptReport | null;
  } | null;
}

/**
 * The transcript of the ceremony behind the keys, for people. `verified`: its sha256 is the one
 * the keys' genesis fragment (genesis-artifacts.json) pins, and it checks (every member's
 * signature over the plan, every entry in the plan's order). `mismatch`: a transcript was found,
 * but it is not the one the keys pin, so it is not shown as theirs. `invalid`: it is the pinned
 * file, but it does not check (or cannot be read).
 */
export type CeremonyTranscriptReport =
  | {
      readonly status: 'verified';
      readonly sha256: string;
      readonly plan: CeremonyPlanItem;
      /** Phase 1 (when the members made it), then phase 2 of each circuit, in the plan's order. */
      readonly lanes: readonly CeremonyLaneItem[];
      /** Members whose attestation the transcript holds, in its order. */
      readonly attestedBy: readonly string[];
      /** Null when every member attested exactly the hashes of these keys; else the first reason why not, in words. */
      readonly attestationProblem: string | null;
      /** What the ceremony waits for, in words; null once every lane is closed. */
      readonly waitingFor: string | null;
    }
  | { readonly status: 'mismatch'; readonly sha256: string; /** Null when the keys' genesis fragment pins no transcript. */ readonly pinnedSha256: string | null }
  | { readonly status: 'invalid'; readonly sha256: string | null; readonly problem: string };

/** The ceremony's plan, as every member signed it before anything started. */
export interface CeremonyPlanItem {
  readonly ceremonyId: string;
  readonly chainId: string;
  /** In contribution order. */
  readonly members: readonly string[];
  readonly coordinator: string;
  /** Where phase 1 comes from, in words (made by the members, or an imported file). */
  readonly phase1: string;
  /** The beacon's source and iterations, in words. */
  readonly beacon: string;
  readonly contributionTimeLimitMs: number;
  /** What becomes of a member who does not contribute in time. */
  readonly onMissingContribution: 'skip' | 'abort';
}

/** One lane of the ceremony: phase 1, or phase 2 of one circuit. */
export interface CeremonyLaneItem {
  /** `phase 1 (powers of tau)`, `phase 2 of settlement-64`. */
  readonly name: string;
  readonly closed: boolean;
  readonly steps: readonly CeremonyStepItem[];
}

/** One entry of a lane, in transcript order. Hashes are sha256 hex in full; the view shortens them. */
export interface CeremonyStepItem {
  readonly seq: number;
  readonly kind: 'open' | 'contribution' | 'skip' | 'beacon';
  /** Who contributed, who was skipped, or the coordinator who opened or closed the lane. */
  readonly member: string;
  readonly timeMs: number;
  readonly inputSha256: string | null;
  readonly outputSha256: string | null;
  /** A skip's reason, or the beacon's value. */
  readonly note: string | null;
}

export interface SecurityEventItem {
  readonly timeMs: number;
  /** The node that reported it. */
  readonly node: string;
  /** auth_failed, forbidden, rate_limited, invalid_request, refused_peer, invalid_message, invalid_proof, equivocation */
  readonly kind: string;
  readonly who: string;
  readonly where: string;
  readonly what: string;
}

export type AlertSeverity = 'critical' | 'warning' | 'info';

export interface AlertItem {
  /** Stable id: rule name plus its labels. */
  readonly id: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly state: 'pending' | 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  /** Link to the runbook section, e.g. `docs/operations.md#node-down` (served by the dashboard). */
  readonly runbookUrl: string;
  readonly activeSinceMs: number;
  readonly resolvedAtMs: number | null;
  /** `dashboard`: evaluated by this server; `prometheus`: read from Prometheus; `alertmanager`: received by webhook. */
  readonly origin: 'dashboard' | 'prometheus' | 'alertmanager';
}

export interface AlertsView {
  readonly active: readonly AlertItem[];
  /** Resolved and past alerts, newest first, bounded. */
  readonly history: readonly AlertItem[];
}

export interface DashboardSnapshot {
  readonly protocol: typeof PROTOCOL_VERSION;
  readonly nowMs: number;
  readonly chainId: string;
  readonly source: SourceInfo;
  readonly members: readonly MemberInfo[];
  readonly overall: OverallStatus;
  readonly cards: readonly MemberCard[];
  readonly range: ChartRange;
  readonly charts: Readonly<Record<ChartKey, ChartData>>;
  readonly topology: Topology;
  readonly consensus: ConsensusView;
  readonly settlements: SettlementsView;
  readonly zkp: ZkpView;
  /** Newest first, bounded. */
  readonly security: readonly SecurityEventItem[];
  readonly alerts: AlertsView;
}

/**
 * The live stream. The first message is a `snapshot` (10m range); then a `tick` per
 * collection round, and the discrete messages as they happen (a security event or an alert
 * reaches the browser as soon as the server sees it, not at the next tick).
 */
export type StreamMessage =
  | { readonly type: 'snapshot'; readonly snapshot: DashboardSnapshot }
  | {
      readonly type: 'tick';
      readonly nowMs: number;
      readonly overall: OverallStatus;
      readonly cards: readonly MemberCard[];
      readonly topology: Topology;
      /** One new point per chart (Unix seconds), values in the order of that chart's `series`; a chart whose series changed is sent whole in `replaced`. */
      readonly points: Readonly<Partial<Record<ChartKey, { readonly time: number; readonly values: readonly (number | null)[] }>>>;
      readonly replaced: Readonly<Partial<Record<ChartKey, ChartData>>>;
      readonly consensus: ConsensusView;
    }
  | { readonly type: 'block'; readonly member: string; readonly height: number; readonly timeMs: number; readonly txs: number }
  | { readonly type: 'security'; readonly event: SecurityEventItem }
  | { readonly type: 'alert'; readonly alert: AlertItem }
  | { readonly type: 'settlements'; readonly settlements: SettlementsView }
  | { readonly type: 'zkp'; readonly zkp: ZkpView };

export type StreamMessageType = StreamMessage['type'];
