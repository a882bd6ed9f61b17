/**
 * The client's state and the one pure reducer that every server message goes through. A
 * `snapshot` replaces everything the server knows; a `tick` appends one point per chart (at
 * the shown range's resolution) and trims each chart to the range's span; the discrete messages
 * update bounded lists. Nothing here touches the DOM, so the unit tests run it in Node.
 */
import { CHART_RANGES, type AlertItem, type ChartData, type ChartKey, type ChartRange, type DashboardSnapshot, type StreamMessage } from '../protocol.js';
import { CLIENT_LIMITS } from './limits.js';

/** A committed block as a node announced it (newest first in the state). */
export interface BlockItem {
  readonly member: string;
  readonly height: number;
  readonly timeMs: number;
  readonly txs: number;
}

/** An in-page notification for an alert that started firing. */
export interface Toast {
  readonly id: number;
  readonly alertId: string;
  readonly rule: string;
  readonly severity: AlertItem['severity'];
  readonly summary: string;
  readonly shownAtMs: number;
}

export interface ClientState {
  /** What the server sent last, with ticks and discrete messages applied; null until the first snapshot. */
  readonly data: DashboardSnapshot | null;
  readonly blocks: readonly BlockItem[];
  readonly toasts: readonly Toast[];
  readonly nextToastId: number;
  /** Messages applied, by type (shown in the footer; the tests wait on it). */
  readonly applied: Readonly<Record<StreamMessage['type'], number>>;
}

export const INITIAL_STATE: ClientState = {
  data: null,
  blocks: [],
  toasts: [],
  nextToastId: 1,
  applied: { snapshot: 0, tick: 0, block: 0, security: 0, alert: 0, settlements: 0, zkp: 0 },
};

/**
 * The state after one message. `receivedAtMs` (the browser's clock) only dates toasts. Returns
 * the same object when the message changes nothing (a tick before any snapshot).
 */
export function applyMessage(state: ClientState, message: StreamMessage, receivedAtMs: number = Date.now()): ClientState {
  const next = reduce(state, message, receivedAtMs);
  if (next === state) return state;
  return { ...next, applied: { ...state.applied, [message.type]: state.applied[message.type] + 1 } };
}

function reduce(state: ClientState, message: StreamMessage, receivedAtMs: number): ClientState {
  switch (message.type) {
    case 'snapshot':
      return { ...state, data: boundSnapshot(message.snapshot) };
    case 'block':
      return applyBlock(state, message);
    case 'tick':
    case 'security':
    case 'alert':
    case 'settlements':
    case 'zkp':
      if (state.data === null) return state;
      return applyToData(state, state.data, message, receivedAtMs);
  }
}

function applyToData(state: ClientState, data: DashboardSnapshot, message: Exclude<StreamMessage, { type: 'snapshot' | 'block' }>, receivedAtMs: number): ClientState {
  switch (message.type) {
    case 'tick':
      return {
        ...state,
        data: {
          ...data,
          nowMs: message.nowMs,
          overall: message.overall,
          cards: message.cards,
          topology: message.topology,
          consensus: message.consensus,
          charts: applyChartTick(data.charts, data.range, message.points, message.replaced),
        },
      };
    case 'security':
      return { ...state, data: { ...data, security: [message.event, ...data.security].slice(0, CLIENT_LIMITS.securityEventsMax) } };
    case 'alert':
      return applyAlert(state, data, message.alert, receivedAtMs);
    case 'settlements':
      return { ...state, data: { ...data, settlements: message.settlements } };
    case 'zkp':
      return { ...state, data: { ...data, zkp: message.zkp } };
  }
}

function boundSnapshot(snapshot: DashboardSnapshot): DashboardSnapshot {
  return {
    ...snapshot,
    security: snapshot.security.slice(0, CLIENT_LIMITS.securityEventsMax),
    alerts: { active: snapshot.alerts.active, history: snapshot.alerts.history.slice(0, CLIENT_LIMITS.alertHistoryMax) },
  };
}

function applyBlock(state: ClientState, block: BlockItem): ClientState {
  const item: BlockItem = { member: block.member, height: block.height, timeMs: block.timeMs, txs: block.txs };
  const blocks = [item, ...state.blocks].slice(0, CLIENT_LIMITS.recentBlocksMax);
  if (state.data === null) return { ...state, blocks };
  // A block reaches the browser before the next tick: the member's card shows the new height now.
  const cards = state.data.cards.map((card) => (card.member === block.member && (card.height === null || card.height < block.height) ? { ...card, height: block.height, lastBlockAgeSeconds: 0 } : card));
  return { ...state, blocks, data: { ...state.data, cards } };
}

/**
 * An alert changes state: `pending`/`firing` go to (or stay in) the active list, `resolved`
 * leaves it for the history. A toast is raised when an alert becomes `firing` (not again while
 * it stays firing).
 */
function applyAlert(state: ClientState, data: DashboardSnapshot, alert: AlertItem, receivedAtMs: number): ClientState {
  const previous = data.alerts.active.find((item) => item.id === alert.id);
  const others = data.alerts.active.filter((item) => item.id !== alert.id);
  const alerts =
    alert.state === 'resolved'
      ? { active: others, history: [alert, ...data.alerts.history.filter((item) => !(item.id === alert.id && item.activeSinceMs === alert.activeSinceMs))].slice(0, CLIENT_LIMITS.alertHistoryMax) }
      : { active: [...others, alert].sort(byActiveOrder), history: data.alerts.history };
  const nextState: ClientState = { ...state, data: { ...data, alerts } };
  if (alert.state !== 'firing' || previous?.state === 'firing') return nextState;
  const toast: Toast = { id: state.nextToastId, alertId: alert.id, rule: alert.rule, severity: alert.severity, summary: alert.summary, shownAtMs: receivedAtMs };
  return { ...nextState, toasts: [...state.toasts.filter((item) => item.alertId !== alert.id), toast].slice(-CLIENT_LIMITS.toastsMax), nextToastId: state.nextToastId + 1 };
}

const SEVERITY_ORDER: Readonly<Record<AlertItem['severity'], number>> = { critical: 0, warning: 1, info: 2 };

/** Critical first, then the longest active. */
function byActiveOrder(a: AlertItem, b: AlertItem): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.activeSinceMs - b.activeSinceMs || a.id.localeCompare(b.id);
}

/** The toasts without the dismissed one. */
export function dismissToast(state: ClientState, id: number): ClientState {
  const toasts = state.toasts.filter((toast) => toast.id !== id);
  return toasts.length === state.toasts.length ? state : { ...state, toasts };
}

/** The toasts still within their lifetime at `nowMs`. */
export function expireToasts(state: ClientState, nowMs: number): ClientState {
  const toasts = state.toasts.filter((toast) => nowMs - toast.shownAtMs < CLIENT_LIMITS.toastLifetimeMs);
  return toasts.length === state.toasts.length ? state : { ...state, toasts };
}

type Points = Extract<StreamMessage, { type: 'tick' }>['points'];
type Replaced = Extract<StreamMessage, { type: 'tick' }>['replaced'];

function applyChartTick(charts: Readonly<Record<ChartKey, ChartData>>, range: ChartRange, points: Points, replaced: Replaced): Readonly<Record<ChartKey, ChartData>> {
  const next: Record<ChartKey, ChartData> = { ...charts };
  for (const key of Object.keys(next) as ChartKey[]) {
    const whole = replaced[key];
    const point = points[key];
    if (whole !== undefined) next[key] = replaceChart(next[key], whole, range);
    else if (point !== undefined) next[key] = appendPoint(next[key], point, range);
  }
  return next;
}

/**
 * One new point, at the range's resolution: a point in the same step bucket as the last one
 * replaces its values (a downsampled range shows the newest sample of the step in progress,
 * where the server's history keeps the step's mean once it ends), a later one is appended. Then every point older than the range's span before the newest is dropped, so a
 * chart never holds more than span / step points. A point whose values do not match the
 * chart's series, or older than the last point, is ignored (the server sends a changed series
 * set in `replaced`).
 */
export function appendPoint(chart: ChartData, point: { readonly time: number; readonly values: readonly (number | null)[] }, range: ChartRange): ChartData {
  if (point.values.length !== chart.series.length || !Number.isFinite(point.time)) return chart;
  const { spanMs, stepMs } = CHART_RANGES[range];
  const stepSeconds = stepMs / 1_000;
  const lastTime = chart.times.at(-1);
  if (lastTime !== undefined && point.time < lastTime) return chart;
  const sameStep = lastTime !== undefined && Math.floor(point.time / stepSeconds) === Math.floor(lastTime / stepSeconds);
  const kept = sameStep ? chart.times.length - 1 : chart.times.length;
  // A downsampled range dates a point by the start of its step, as the server's history does;
  // at full resolution the point keeps its own time.
  const time = range === '10m' ? point.time : Math.floor(point.time / stepSeconds) * stepSeconds;
  const oldest = time - spanMs / 1_000;
  let first = 0;
  while (first < kept && chart.times[first]! < oldest) first++;
  return {
    series: chart.series,
    times: [...chart.times.slice(first, kept), time],
    values: chart.values.map((column, index) => [...column.slice(first, kept), point.values[index] ?? null]),
  };
}

/**
 * A chart whose series changed (a member came or went). At the stream's own range it is taken
 * whole; at a longer range the history already shown is kept, moved to the new series by name
 * (a new series has no past), and the new chart's newest point is appended.
 */
export function replaceChart(current: ChartData, whole: ChartData, range: ChartRange): ChartData {
  if (range === '10m') return trimToSpan(whole, range);
  const remapped: ChartData = {
    series: whole.series,
    times: current.times,
    values: whole.series.map((name) => {
      const index = current.series.indexOf(name);
      return index === -1 ? current.times.map(() => null) : (current.values[index] ?? current.times.map(() => null));
    }),
  };
  const lastIndex = whole.times.length - 1;
  if (lastIndex < 0) return remapped;
  return appendPoint(remapped, { time: whole.times[lastIndex]!, values: whole.values.map((column) => column[lastIndex] ?? null) }, range);
}

function trimToSpan(chart: ChartData, range: ChartRange): ChartData {
  const newest = chart.times.at(-1);
  if (newest === undefined) return chart;
  const oldest = newest - CHART_RANGES[range].spanMs / 1_000;
  const first = chart.times.findIndex((time) => time >= oldest);
  if (first <= 0) return chart;
  return { series: chart.series, times: chart.times.slice(first), values: chart.values.map((column) => column.slice(first)) };
}
