import { DISPUTE_REASON_CODES, UK_EU_COMMERCIAL_RATES, periodEndMs } from '@consortium/settlement';
import { describe, expect, it } from 'vitest';
import { TrafficOptionsError } from '../../src/traffic/errors.js';
import {
  agreementPlans,
  assertMembers,
  assertTrafficOptions,
  choosePeriods,
  directionsOf,
  memberPairs,
  periodPlan,
  statementDecision,
  TRAFFIC_DEFAULTS,
  TRAFFIC_LIMITS,
  type TrafficMember,
  type TrafficOptions,
} from '../../src/traffic/plan.js';
import { addMonths, monthNumber, periodIsOver, periodOf } from '../../src/traffic/periods.js';
import { periodSummaryLine } from '../../src/traffic/summary.js';
import { usageRequests } from '../../src/traffic/usage.js';
import { DEVNET_MEMBERS } from '../support/running-members.js';

const ALL_MEMBERS: readonly TrafficMember[] = DEVNET_MEMBERS.map(({ id, tadig }) => ({ id, tadig }));
const membersOf = (n: number) => ALL_MEMBERS.slice(0, n);
const OPTIONS: TrafficOptions = { ...TRAFFIC_DEFAULTS };
const NOW = new Date('2026-11-29T10:00:00Z');

describe.each([4, 5, 7])('the plan for %i members', (n) => {
  const members = membersOf(n);

  it('has every pair once and every direction once, in genesis order', () => {
    const pairs = memberPairs(members);
    expect(pairs).toHaveLength((n * (n - 1)) / 2);
    expect(new Set(pairs.map(([a, b]) => `${a.id}|${b.id}`)).size).toBe(pairs.length);
    for (const [a, b] of pairs) expect(members.indexOf(a)).toBeLessThan(members.indexOf(b));
    const directions = directionsOf(members);
    expect(directions).toHaveLength(n * (n - 1));
    expect(new Set(directions.map((d) => `${d.creditor.id}>${d.debtor.id}`)).size).toBe(directions.length);
    expect(directions.every((d) => d.creditor.id !== d.debtor.id)).toBe(true);
  });

  it('registers one agreement per pair and year, with both directions priced in bigint minor units', () => {
    const plans = agreementPlans(members, ['2026-11', '2026-12', '2027-01'], OPTIONS.seed);
    expect(plans).toHaveLength(memberPairs(members).length * 2);
    for (const plan of plans) {
      const [a, b] = plan.members;
      expect([plan.proposer.id, plan.acceptor.id].sort()).toEqual([a.id, b.id].sort());
      expect(Object.keys(plan.rates).sort()).toEqual([a.id, b.id].sort());
      expect(plan.toPeriod.slice(0, 4)).toBe(plan.fromPeriod.slice(0, 4));
      for (const table of Object.values(plan.rates)) {
        expect(Object.keys(table).sort()).toEqual(['data', 'sms', 'voice_mo', 'voice_mt']);
        for (const rate of Object.values(table)) {
          expect(typeof rate).toBe('bigint');
          expect(rate).toBeGreaterThan(0n);
        }
      }
      // UK-EU is priced commercially; within the EU/EEA at the year's cap (data falls from 2026 to 2027).
      const uk = [a, b].some((member) => member.tadig.startsWith('GBR'));
      if (uk) expect(plan.rates[a.id]).toEqual(UK_EU_COMMERCIAL_RATES);
    }
    const euPair = plans.filter((plan) => plan.members[0].id === 'T-Mobile-DE' && plan.members[1].id === 'Orange-FR');
    expect(euPair.map((plan) => plan.fromPeriod)).toEqual(['2026-01', '2027-01']);
    expect(euPair[1]!.rates['T-Mobile-DE']!.data).toBeLessThan(euPair[0]!.rates['T-Mobile-DE']!.data);
    // Who proposes is drawn, not always the first of the pair.
    expect(new Set(plans.map((plan) => plan.proposer.id === plan.members[0].id)).size).toBe(2);
  });

  it('puts an anomaly on one direction every few periods, never in the first, and names a closer', () => {
    const periods = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
    const plans = periods.map((period, index) => periodPlan(members, period, index, OPTIONS));
    const anomalousPerPeriod = plans.map((plan) => plan.directions.filter((direction) => direction.anomaly !== null).length);
    // anomalyEvery 3: the third and sixth period of the run.
    expect(anomalousPerPeriod).toEqual([0, 0, 1, 0, 0, 1]);
    for (const plan of plans) {
      expect(plan.directions).toHaveLength(n * (n - 1));
      expect(plan.directions.every((direction) => direction.records === OPTIONS.recordsPerDirection)).toBe(true);
      expect(members).toContain(plan.closer);
      for (const direction of plan.directions) {
        if (direction.anomaly === null) continue;
        expect(['data', 'voice_mo']).toContain(direction.anomaly.service);
        if (direction.anomaly.kind === 'spike') expect(direction.anomaly.factor).toBeGreaterThan(3);
      }
    }
    expect(periodPlan(members, '2026-07', 2, { ...OPTIONS, anomalyEvery: 0 }).directions.every((direction) => direction.anomaly === null)).toBe(true);
    const everyPeriod = periods.map((period, index) => periodPlan(members, period, index, { ...OPTIONS, anomalyEvery: 1 }));
    expect(everyPeriod.map((plan) => plan.directions.filter((direction) => direction.anomaly !== null).length)).toEqual([0, 1, 1, 1, 1, 1]);
  });

  it('disputes about one statement in eight, each decision fixed by the seed and the batch', () => {
    const batchIds = directionsOf(members).flatMap((d) => Array.from({ length: 40 }, (_, i) => `${d.creditor.id}>${d.debtor.id}/2026-10/${i * 61}`));
    const decisions = batchIds.map((batchId) => statementDecision(OPTIONS.seed, batchId, 8));
    const disputes = decisions.filter((decision) => decision.kind === 'dispute');
    // Binomial(n, 1/8): well inside +-40% of the mean for 480 .. 1,680 draws.
    expect(disputes.length).toBeGreaterThan(batchIds.length / 8 * 0.6);
    expect(disputes.length).toBeLessThan(batchIds.length / 8 * 1.4);
    for (const dispute of disputes) {
      if (dispute.kind !== 'dispute') continue;
      expect(DISPUTE_REASON_CODES).toContain(dispute.reasonCode);
      expect(dispute.reason.length).toBeGreaterThan(0);
    }
    expect(batchIds.map((batchId) => statementDecision(OPTIONS.seed, batchId, 8))).toEqual(decisions);
    expect(batchIds.map((batchId) => statementDecision('another seed', batchId, 8))).not.toEqual(decisions);
    expect(batchIds.every((batchId) => statementDecision(OPTIONS.seed, batchId, 0).kind === 'accept')).toBe(true);
    expect(batchIds.every((batchId) => statementDecision(OPTIONS.seed, batchId, 1).kind === 'dispute')).toBe(true);
  });
});

describe('the periods of a run', () => {
  it('end with last month by default, each over by now', () => {
    const periods = choosePeriods({ periods: 3 }, NOW, new Set());
    expect(periods).toEqual(['2026-08', '2026-09', '2026-10']);
    expect(periods.every((period) => periodIsOver(period, NOW.getTime()))).toBe(true);
    expect(periodIsOver(periodOf(NOW), NOW.getTime())).toBe(false);
  });

  it('move to the window before when an earlier run closed every one, and keep a window partly closed', () => {
    expect(choosePeriods({ periods: 3 }, NOW, new Set(['2026-08', '2026-09', '2026-10']))).toEqual(['2026-05', '2026-06', '2026-07']);
    expect(choosePeriods({ periods: 3 }, NOW, new Set(['2026-08', '2026-10']))).toEqual(['2026-08', '2026-09', '2026-10']);
    expect(choosePeriods({ periods: 2 }, new Date('2027-01-15T00:00:00Z'), new Set())).toEqual(['2026-11', '2026-12']);
  });

  it('start at --first-period, refused when a period would not be over yet', () => {
    expect(choosePeriods({ periods: 2, firstPeriod: '2025-12' }, NOW, new Set())).toEqual(['2025-12', '2026-01']);
    expect(() => choosePeriods({ periods: 3, firstPeriod: '2026-09' }, NOW, new Set())).toThrow(TrafficOptionsError);
    // 2026-10 ends at 2026-11-01T00:00Z: over from that instant.
    expect(choosePeriods({ periods: 1, firstPeriod: '2026-10' }, new Date(periodEndMs('2026-10')), new Set())).toEqual(['2026-10']);
  });

  it('count months across years', () => {
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(monthNumber('2027-01') - monthNumber('2026-12')).toBe(1);
  });
});

describe('usage requests', () => {
  const direction = { creditor: ALL_MEMBERS[2]!, debtor: ALL_MEMBERS[0]!, records: 300, anomaly: null };

  it('carry the direction\'s seeded records for the API: bigint start times inside the period and volumes', () => {
    const requests = usageRequests(direction, '2026-10', OPTIONS.seed);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.debtor).toBe('T-Mobile-DE');
    expect(request!.period).toBe('2026-10');
    expect(request!.records).toHaveLength(300);
    const start = BigInt(Date.UTC(2026, 9, 1) / 1000);
    const end = BigInt(periodEndMs('2026-10') / 1000);
    for (const record of request!.records) {
      expect(Object.keys(record).sort()).toEqual(['service', 'startTime', 'subscriberRef', 'volume']);
      expect(typeof record.volume).toBe('bigint');
      expect(record.startTime >= start && record.startTime < end).toBe(true);
    }
    expect(usageRequests(direction, '2026-10', OPTIONS.seed)).toEqual(requests);
    expect(usageRequests(direction, '2026-10', 'another seed')).not.toEqual(requests);
  });

  it('cut more than 4,096 records into requests the API takes, none repeating another', () => {
    const requests = usageRequests({ ...direction, records: 5_000 }, '2026-10', OPTIONS.seed);
    expect(requests.map((request) => request.records.length)).toEqual([4_096, 904]);
    expect(requests[1]!.records.slice(0, 50)).not.toEqual(requests[0]!.records.slice(0, 50));
  });

  it('drop a service to zero or spike it when the plan says so', () => {
    const normal = usageRequests(direction, '2026-10', OPTIONS.seed)[0]!.records;
    const dropped = usageRequests({ ...direction, anomaly: { kind: 'drop', service: 'data' } }, '2026-10', OPTIONS.seed)[0]!.records;
    expect(normal.some((record) => record.service === 'data')).toBe(true);
    expect(dropped.some((record) => record.service === 'data')).toBe(false);
    const volumeOf = (records: typeof normal) => records.filter((record) => record.service === 'data').reduce((sum, record) => sum + record.volume, 0n);
    const spiked = usageRequests({ ...direction, anomaly: { kind: 'spike', factor: 10, service: 'data' } }, '2026-10', OPTIONS.seed)[0]!.records;
    expect(volumeOf(spiked)).toBe(volumeOf(normal) * 10n);
  });
});

describe('traffic options', () => {
  it('are refused out of range, naming the option', () => {
    const refused = (options: Partial<TrafficOptions>) => {
      try {
        assertTrafficOptions({ ...OPTIONS, ...options });
      } catch (error) {
        expect(error).toBeInstanceOf(TrafficOptionsError);
        return (error as TrafficOptionsError).field;
      }
      return null;
    };
    expect(refused({})).toBeNull();
    expect(refused({ periods: 0 })).toBe('periods');
    expect(refused({ periods: TRAFFIC_LIMITS.periodsMax })).toBeNull();
    expect(refused({ periods: TRAFFIC_LIMITS.periodsMax + 1 })).toBe('periods');
    expect(refused({ recordsPerDirection: 2.5 })).toBe('records');
    expect(refused({ recordsPerDirection: TRAFFIC_LIMITS.recordsPerDirectionMax })).toBeNull();
    expect(refused({ statementsInFlightPerCreditor: 0 })).toBe('statementsInFlight');
    expect(refused({ firstPeriod: '2026-13' })).toBe('firstPeriod');
    expect(refused({ seed: '' })).toBe('seed');
    expect(() => assertMembers(membersOf(1))).toThrow(TrafficOptionsError);
    expect(() => assertMembers([ALL_MEMBERS[0]!, ALL_MEMBERS[0]!])).toThrow(TrafficOptionsError);
  });
});

describe('the period summary line', () => {
  it('says what the period did', () => {
    expect(periodSummaryLine({ period: '2026-10', records: 6_000, batches: 100, statements: 100, disputes: 1, anomalies: 2, payments: 4, nettedAmount: '123456', elapsedMs: 312_400 })).toBe(
      'period 2026-10 settled and closed: 6000 records, 100 batches, 100 statements, 1 dispute, 2 anomalies, 4 payments (123456 minor units) in 312.4 s',
    );
  });
});
