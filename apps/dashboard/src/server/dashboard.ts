import { CHART_SPECS, PROTOCOL_VERSION, type AlertItem, type ChartData, type ChartKey, type ChartRange, type DashboardSnapshot, type MemberCard, type OverallStatus, type SettlementsView, type StreamMessage, type Topology, type ZkpView } from '../protocol.js';
import { AlertBook, alertItemOf, type AlertEvaluator } from './alerts.js';
import { ChainReader, type ChainData } from './collect/chain-reader.js';
import { readCeremony } from './collect/ceremony.js';
import type { CollectionRound, DataSource } from './collect/data-source.js';
import { NodeEventStream, type NodeEventsObserver, type NodeStreamEvent } from './collect/node-events.js';
import type { SeriesStore } from './collect/series-store.js';
import type { Targets } from './collect/targets.js';
import { memberCards, overallStatus } from './derive/cards.js';
import { chartPoints } from './derive/charts.js';
import { ConsensusTracker } from './derive/consensus.js';
import type { DeriveContext } from './derive/context.js';
import { securityItemOf, securityNoticeItemOf, SecurityList } from './derive/security.js';
import { EMPTY_SETTLEMENTS, settlementsView, zkpView } from './derive/settlements.js';
import { topology } from './derive/topology.js';
import { ChartHistory, LIVE_RANGE } from './history.js';
import { DASHBOARD_LIMITS } from './limits.js';

/**
 * The dashboard's core: every interval it collects the members through its DataSource into the
 * SeriesStore, derives the views, extends the chart history, evaluates the alerts and pushes a
 * `tick` to its subscribers; between ticks it relays what the nodes' event streams carry
 * (blocks, security events) at once, and re-reads the chain's settlement state on a `settlement`
 * event or every `chainPollMs`. Rounds never overlap; a failing member is reported down, never
 * stops the loop.
 */

export type StreamListener = (message: StreamMessage) => void;

export interface DashboardLogger {
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

export interface DashboardCoreOptions {
  /** The members now (a devnet's endpoints.json is followed: this may change between rounds). */
  readonly targets: () => Targets;
  readonly source: DataSource;
  readonly intervalMs: number;
  /** The rule evaluator (dashboard mode); null: no alerts of the dashboard's own. */
  readonly evaluator: AlertEvaluator | null;
  readonly store: SeriesStore;
  readonly logger: DashboardLogger;
  /** How often the chain's settlement state is re-read without a settlement event. */
  readonly chainPollMs?: number;
  readonly nowMs?: () => number;
  readonly eventsObserver?: NodeEventsObserver;
  /** Whether to follow the nodes' event streams (tests of the rounds alone turn it off). */
  readonly followEvents?: boolean;
}

interface LiveState {
  readonly nowMs: number;
  readonly overall: OverallStatus;
  readonly cards: readonly MemberCard[];
  readonly topology: Topology;
}

export class Dashboard {
  readonly history: ChartHistory;
  private readonly consensus = new ConsensusTracker();
  private readonly security = new SecurityList();
  private readonly alerts = new AlertBook();
  private readonly chain = new ChainReader();
  private readonly listeners = new Set<StreamListener>();
  private streams = new Map<string, NodeEventStream>();
  private streamsFor: Targets | null = null;
  private live: LiveState | null = null;
  private lastContext: DeriveContext | null = null;
  private chainData: ChainData | null = null;
  private settlements: SettlementsView = EMPTY_SETTLEMENTS;
  private zkp: ZkpView | null = null;
  private ceremony: ZkpView['ceremony'] = null;
  private chainReadDue = true;
  /** Whether the last chain read failed (logged once per failure streak, not every poll). */
  private chainFailing = false;
  private chainReading: Promise<void> | null = null;
  private lastChainReadMs = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private round: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: DashboardCoreOptions) {
    this.history = new ChartHistory(options.intervalMs);
    this.now = options.nowMs ?? Date.now;
  }

  /** Runs the first round now, then one every interval until stop(). */
  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      const started = this.now();
      this.round = this.runRound();
      await this.round;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), Math.max(0, this.options.intervalMs - (this.now() - started)));
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.round;
    await this.chainReading;
    await Promise.all([...this.streams.values()].map(async (stream) => stream.stop()));
    this.streams.clear();
  }

  subscribe(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  private emit(message: StreamMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  /** One collection round (public for tests: drive rounds without the timer). */
  async runRound(): Promise<void> {
    try {
      const targets = this.options.targets();
      this.followEventStreams(targets);
      const nowMs = this.now();
      const round = await this.options.source.collect(targets, this.options.store, nowMs);
      this.options.store.prune(nowMs);
      await this.afterCollect(targets, round);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'a collection round failed; the next one runs on time');
    }
  }

  private async afterCollect(targets: Targets, round: CollectionRound): Promise<void> {
    const nowMs = round.nowMs;
    const context: DeriveContext = { store: this.options.store, targets, round, nowMs, rateWindowMs: Math.max(10_000, 5 * this.options.intervalMs, this.options.source.rateWindowMs ?? 0) };
    this.lastContext = context;
    this.consensus.update(context);
    await this.evaluateAlerts(nowMs);

    const cards = memberCards(context, this.alerts.firingByMember());
    this.live = { nowMs, overall: overallStatus(cards), cards, topology: topology(context) };
    const time = nowMs / 1000;
    const points: Partial<Record<ChartKey, { time: number; values: readonly (number | null)[] }>> = {};
    const replaced: Partial<Record<ChartKey, ChartData>> = {};
    for (const [key, point] of Object.entries(chartPoints(context)) as [ChartKey, ReturnType<typeof chartPoints>[ChartKey]][]) {
      const { seriesChanged } = this.history.push(key, time, point);
      if (seriesChanged) replaced[key] = this.history.data(key, LIVE_RANGE);
      else points[key] = { time, values: point.values };
    }
    this.emit({ type: 'tick', ...this.live, points, replaced, consensus: this.consensus.view(targets.members.map((m) => m.id)) });
    this.updateZkp(zkpView(context, this.chainData, this.ceremony));

    if (this.chainReadDue || nowMs - this.lastChainReadMs >= (this.options.chainPollMs ?? 5_000)) this.readChain(targets, round);
  }

  private async evaluateAlerts(nowMs: number): Promise<void> {
    let changes: AlertItem[] = [];
    const { source, evaluator } = this.options;
    if (source.alerts !== undefined) {
      try {
        changes = this.alerts.reconcile('prometheus', await source.alerts(nowMs), nowMs);
      } catch (error) {
        this.options.logger.warn({ err: error }, "could not read Prometheus' alerts; they keep their last state");
      }
    } else if (evaluator !== null) {
      changes = this.alerts.reconcile('dashboard', evaluator.evaluate(this.options.store, nowMs).active.map((alert) => alertItemOf(alert, 'dashboard')), nowMs);
    }
    for (const alert of changes) this.emit({ type: 'alert', alert });
  }

  /** Keeps the ZKP view; pushes it when it changed (proof counts, key epochs, the ceremony). */
  private updateZkp(zkp: ZkpView): void {
    if (JSON.stringify(zkp) !== JSON.stringify(this.zkp)) this.emit({ type: 'zkp', zkp });
    this.zkp = zkp;
  }

  /** Re-reads the settlement state from an answering member (one read at a time); pushes the views when they changed. */
  private readChain(targets: Targets, round: CollectionRound): void {
    if (this.chainReading !== null) return;
    this.chainReadDue = false;
    this.lastChainReadMs = round.nowMs;
    const candidates = targets.members.filter((m) => round.members.get(m.id)?.up === true);
    this.chainReading = (async () => {
      try {
        this.ceremony = await readCeremony(targets);
        this.chainData = await this.chain.read(candidates, round.nowMs);
        if (this.chainFailing) this.options.logger.info({ member: this.chainData.readFrom }, 'the settlement state is read again');
        this.chainFailing = false;
        const settlements = settlementsView(this.chainData);
        if (JSON.stringify(settlements) !== JSON.stringify(this.settlements)) {
          this.settlements = settlements;
          this.emit({ type: 'settlements', settlements });
        }
        if (this.lastContext !== null) this.updateZkp(zkpView(this.lastContext, this.chainData, this.ceremony));
      } catch (error) {
        if (!this.chainFailing) this.options.logger.warn({ err: error }, 'could not read the settlement state from any member; retrying at every poll');
        this.chainFailing = true;
      } finally {
        this.chainReading = null;
      }
    })();
  }

  /** Follows each member's event stream; restarts them when the member list changed. */
  private followEventStreams(targets: Targets): void {
    if (this.options.followEvents === false || this.streamsFor === targets) return;
    this.streamsFor = targets;
    const previous = this.streams;
    this.streams = new Map();
    for (const target of targets.members) {
      const old = previous.get(target.id);
      previous.delete(target.id);
      if (old !== undefined && JSON.stringify(old.target) === JSON.stringify(target)) {
        this.streams.set(target.id, old);
        continue;
      }
      void old?.stop();
      const stream = new NodeEventStream(target, (event) => this.onNodeEvent(event), this.options.eventsObserver ?? null);
      this.streams.set(target.id, stream);
      stream.start();
    }
    for (const stale of previous.values()) void stale.stop();
  }

  /** Relays a node's event at once. */
  onNodeEvent(event: NodeStreamEvent): void {
    const data = event.data as Record<string, unknown> | null;
    switch (event.type) {
      case 'block':
        if (typeof data?.['height'] === 'number')
          this.emit({ type: 'block', member: event.member, height: data['height'], timeMs: typeof data['timeMs'] === 'number' ? data['timeMs'] : this.now(), txs: typeof data['txs'] === 'number' ? data['txs'] : 0 });
        return;
      case 'security': {
        const item = securityItemOf(event.member, data);
        if (item === null) return;
        if (item.kind === 'equivocation') this.consensus.addEquivocation(item);
        this.emit({ type: 'security', event: this.security.add(item) });
        return;
      }
      case 'security_notice': {
        const item = securityNoticeItemOf(event.member, data);
        if (item !== null) this.emit({ type: 'security', event: this.security.add(item) });
        return;
      }
      case 'settlement':
        this.chainReadDue = true;
        return;
    }
  }

  /** Alerts from the Alertmanager webhook. */
  receiveAlertmanager(items: readonly AlertItem[]): number {
    let changed = 0;
    for (const item of items) {
      const change = this.alerts.upsert(item, this.now());
      if (change === null) continue;
      changed += 1;
      this.emit({ type: 'alert', alert: change });
    }
    return changed;
  }

  /** The whole state for a browser that (re)connects; null before the first round. */
  snapshot(range: ChartRange, source: DashboardSnapshot['source']): DashboardSnapshot | null {
    const live = this.live;
    if (live === null) return null;
    const targets = this.options.targets();
    const charts = Object.fromEntries((Object.keys(CHART_SPECS) as ChartKey[]).map((key) => [key, this.history.data(key, range)])) as Record<ChartKey, ChartData>;
    return {
      protocol: PROTOCOL_VERSION,
      nowMs: live.nowMs,
      chainId: targets.chainId,
      source,
      members: targets.members.map(({ id, operator, tadig, apiUrl }) => ({ id, operator, tadig, apiUrl })),
      overall: live.overall,
      cards: live.cards,
      range,
      charts,
      topology: live.topology,
      consensus: this.consensus.view(targets.members.map((m) => m.id)),
      settlements: this.settlements,
      zkp: this.zkp ?? { proofsByOutcome: {}, verificationsByOutcome: {}, keyEpochs: [], ceremony: this.ceremony },
      security: this.security.list().slice(0, DASHBOARD_LIMITS.securityEventsMax),
      alerts: this.alerts.view(),
    };
  }
}
