import { DISPUTE_REASON_CODES, wholesaleRates, type DisputeReasonCode, type MicroEuroRates, type UsageAnomaly } from '@consortium/settlement';
import { TrafficOptionsError } from './errors.js';
import { addMonths, monthNumber, periodIsOver, periodOf } from './periods.js';
import { drawIndex, drawOneIn } from './seeded.js';

/**
 * What the traffic generator does, decided before anything is sent: pure functions of the
 * members (genesis order), the options and the seed. The runner (runner.ts) only carries the
 * plan out against the nodes' APIs, so the plan is what the unit tests check for 4, 5 and 7
 * members.
 */

export interface TrafficMember {
  readonly id: string;
  readonly tadig: string;
}

export interface TrafficOptions {
  /** Same seed, same members, same periods: the same requests. */
  readonly seed: string;
  /** Periods this run settles (each over by now, so it closes at once). */
  readonly periods: number;
  /** Usage records per direction (creditor -> debtor) per period. */
  readonly recordsPerDirection: number;
  /** One statement in this many is disputed, then resolved by both parties (0: none). */
  readonly disputeOneIn: number;
  /** Every this many periods (from the second of a run), one direction's usage is anomalous (0: never). */
  readonly anomalyEvery: number;
  /** Statements a creditor's node proves at once (proving is the bottleneck on 2 cores). */
  readonly statementsInFlightPerCreditor: number;
  /** The first period; by default the run ends with last month and moves earlier past closed periods (choosePeriods). */
  readonly firstPeriod?: string;
}

export const TRAFFIC_DEFAULTS = {
  seed: 'consortium-traffic/1',
  periods: 3,
  recordsPerDirection: 300,
  disputeOneIn: 8,
  anomalyEvery: 3,
  statementsInFlightPerCreditor: 2,
} as const satisfies Omit<TrafficOptions, 'firstPeriod'>;

/** Bounds of the options: a run stays something a 2-core machine finishes, and a loop has a limit. */
export const TRAFFIC_LIMITS = {
  periodsMax: 120,
  /** 20 usage requests of 4,096 records per direction and period at most. */
  recordsPerDirectionMax: 81_920,
  disputeOneInMax: 1_000_000,
  anomalyEveryMax: 1_000,
  statementsInFlightMax: 16,
  /** How far back choosePeriods looks for periods not closed yet (windows of `periods`). */
  windowsBackMax: 100,
} as const;

/** The largest usage request the API takes (records per POST /v1/members/{m}/usage). */
export const USAGE_RECORDS_PER_REQUEST_MAX = 4_096;

function wholeNumber(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new TrafficOptionsError(field, `must be a whole number from ${min} to ${max}, got ${value}`);
}

/** Throws TrafficOptionsError (naming the option) for an option out of its range. */
export function assertTrafficOptions(options: TrafficOptions): void {
  if (options.seed === '') throw new TrafficOptionsError('seed', 'must not be empty');
  wholeNumber('periods', options.periods, 1, TRAFFIC_LIMITS.periodsMax);
  wholeNumber('records', options.recordsPerDirection, 1, TRAFFIC_LIMITS.recordsPerDirectionMax);
  wholeNumber('disputeOneIn', options.disputeOneIn, 0, TRAFFIC_LIMITS.disputeOneInMax);
  wholeNumber('anomalyEvery', options.anomalyEvery, 0, TRAFFIC_LIMITS.anomalyEveryMax);
  wholeNumber('statementsInFlight', options.statementsInFlightPerCreditor, 1, TRAFFIC_LIMITS.statementsInFlightMax);
  if (options.firstPeriod !== undefined) monthNumberOf('firstPeriod', options.firstPeriod);
}

function monthNumberOf(field: string, period: string): number {
  try {
    return monthNumber(period);
  } catch {
    throw new TrafficOptionsError(field, `must be a period YYYY-MM, got ${JSON.stringify(period)}`);
  }
}

export function assertMembers(members: readonly TrafficMember[]): void {
  if (members.length < 2) throw new TrafficOptionsError('members', `need at least two members to settle between, got ${members.length}`);
  if (new Set(members.map((m) => m.id)).size !== members.length) throw new TrafficOptionsError('members', 'member ids must be distinct');
}

/** Every unordered pair, in genesis order: (0,1), (0,2), ..., (n-2,n-1). */
export function memberPairs(members: readonly TrafficMember[]): [TrafficMember, TrafficMember][] {
  const pairs: [TrafficMember, TrafficMember][] = [];
  for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) pairs.push([members[i]!, members[j]!]);
  return pairs;
}

export interface Direction {
  /** The visited network: it recorded the usage and bills it. */
  readonly creditor: TrafficMember;
  /** The home network: it pays. */
  readonly debtor: TrafficMember;
}

/** Every ordered pair (creditor -> debtor): n x (n - 1) directions. */
export function directionsOf(members: readonly TrafficMember[]): Direction[] {
  return members.flatMap((creditor) => members.filter((debtor) => debtor.id !== creditor.id).map((debtor) => ({ creditor, debtor })));
}

/**
 * The periods of this run. With `firstPeriod`: that one and the next `periods - 1`, each of which
 * must be over by `now` (TrafficOptionsError otherwise: it could not close at once). Without:
 * the `periods` months up to last month; when every one of them is closed on chain already (an
 * earlier run settled them), the window before it, and so on, so a later `npm start` settles
 * new periods instead of none. Closed periods inside the window stay in it (the runner skips
 * them), so a period's place in the window does not depend on what an interrupted run did.
 */
export function choosePeriods(options: Pick<TrafficOptions, 'periods' | 'firstPeriod'>, now: Date, closed: ReadonlySet<string>): string[] {
  const window = (first: string) => Array.from({ length: options.periods }, (_, i) => addMonths(first, i));
  if (options.firstPeriod !== undefined) {
    const periods = window(options.firstPeriod);
    const open = periods.find((period) => !periodIsOver(period, now.getTime()));
    if (open !== undefined) throw new TrafficOptionsError('periods', `${open} is not over yet (${now.toISOString()}): a period closes only after its end; start earlier or settle fewer periods`);
    return periods;
  }
  let first = addMonths(periodOf(now), -options.periods);
  for (let windows = 0; windows < TRAFFIC_LIMITS.windowsBackMax; windows++) {
    const periods = window(first);
    if (!periods.every((period) => closed.has(period))) return periods;
    first = addMonths(first, -options.periods);
  }
  throw new TrafficOptionsError('periods', `every period of the last ${TRAFFIC_LIMITS.windowsBackMax} windows of ${options.periods} is closed already`);
}

/** A rate table as the API takes it: minor units per charging unit. */
export type RateTableJson = MicroEuroRates;

export interface AgreementPlan {
  readonly members: readonly [TrafficMember, TrafficMember];
  /** The member whose node proposes; the other accepts. */
  readonly proposer: TrafficMember;
  readonly acceptor: TrafficMember;
  readonly fromPeriod: string;
  readonly toPeriod: string;
  /** By creditor member id: the rates that member bills the other at (exactly the two members). */
  readonly rates: Readonly<Record<string, RateTableJson>>;
}

/**
 * The agreements the periods need: one per pair and calendar year the periods touch, valid for
 * that year (roaming agreements and the EU caps go by year), at that year's wholesale rates in
 * each direction. Which side proposes is drawn per pair and year.
 */
export function agreementPlans(members: readonly TrafficMember[], periods: readonly string[], seed: string): AgreementPlan[] {
  const years = [...new Set(periods.map((period) => period.slice(0, 4)))].sort();
  return years.flatMap((year) =>
    memberPairs(members).map(([a, b]) => {
      const proposerIndex = drawIndex(2, seed, 'agreement-proposer', a.id, b.id, year);
      const fromPeriod = `${year}-01`;
      return {
        members: [a, b] as const,
        proposer: proposerIndex === 0 ? a : b,
        acceptor: proposerIndex === 0 ? b : a,
        fromPeriod,
        toPeriod: `${year}-12`,
        rates: { [a.id]: wholesaleRates(a.tadig, b.tadig, fromPeriod), [b.id]: wholesaleRates(b.tadig, a.tadig, fromPeriod) },
      };
    }),
  );
}

/** The services an anomaly hits: the two with volumes far above the detector's floor in every batch. */
const ANOMALY_SERVICES = ['data', 'voice_mo'] as const;
/** A spike well above the detector's 3x the baseline. */
export const ANOMALY_SPIKE_FACTOR = 10;

export interface DirectionPlan extends Direction {
  readonly records: number;
  readonly anomaly: UsageAnomaly | null;
}

export interface PeriodPlan {
  readonly period: string;
  /** Its place in the run's window (0 first). */
  readonly index: number;
  readonly directions: readonly DirectionPlan[];
  /** The member that closes the period once every batch is settled. */
  readonly closer: TrafficMember;
}

/**
 * One period: every direction's usage, one anomalous direction every `anomalyEvery` periods
 * (never in the first period of a run, so the chain's baseline has batches to compare with),
 * and the member that closes it.
 */
export function periodPlan(members: readonly TrafficMember[], period: string, index: number, options: TrafficOptions): PeriodPlan {
  const directions = directionsOf(members);
  const { seed, anomalyEvery } = options;
  const anomalous = anomalyEvery > 0 && index >= 1 && index % anomalyEvery === anomalyEvery - 1 ? drawIndex(directions.length, seed, 'anomaly-direction', period) : -1;
  return {
    period,
    index,
    directions: directions.map((direction, i) => ({ ...direction, records: options.recordsPerDirection, anomaly: i === anomalous ? anomalyOf(seed, period) : null })),
    closer: members[drawIndex(members.length, seed, 'closer', period)]!,
  };
}

function anomalyOf(seed: string, period: string): UsageAnomaly {
  const service = ANOMALY_SERVICES[drawIndex(ANOMALY_SERVICES.length, seed, 'anomaly-service', period)]!;
  return drawOneIn(2, seed, 'anomaly-kind', period) ? { kind: 'spike', factor: ANOMALY_SPIKE_FACTOR, service } : { kind: 'drop', service };
}

export type StatementDecision = { readonly kind: 'accept' } | { readonly kind: 'dispute'; readonly reasonCode: DisputeReasonCode; readonly reason: string };

/**
 * What the debtor does with the statement of `batchId` (`creditor>debtor/period/firstId`, the
 * same on every run that sent the same usage): accept, or one time in `disputeOneIn` dispute it
 * with a drawn reason (then both parties resolve it at the same total).
 */
export function statementDecision(seed: string, batchId: string, disputeOneIn: number): StatementDecision {
  if (!drawOneIn(disputeOneIn, seed, 'dispute', batchId)) return { kind: 'accept' };
  const reasonCode = DISPUTE_REASON_CODES[drawIndex(DISPUTE_REASON_CODES.length, seed, 'dispute-reason', batchId)]!;
  return { kind: 'dispute', reasonCode, reason: `traffic generator: a sampled ${reasonCode.replaceAll('_', ' ')} dispute of batch ${batchId}` };
}
