import { describe, expect, it } from 'vitest';
import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import {
  ANOMALY_PARAMS,
  batchVolumes,
  observeRecordBatch,
  observeVolume,
  parseStateKey,
  type BaselineRecord,
  type DirectionBaselines,
  type RecordBatch,
  type UsageRecord,
} from '../../src/index.js';
import { agreementBody, batchBody } from '../support/bodies.js';
import { TestChain } from '../support/chain.js';
import { testMembers, type TestMember } from '../support/members.js';

function feed(volumes: readonly bigint[]): { baseline: BaselineRecord | undefined; anomalies: (string | null)[] } {
  let baseline: BaselineRecord | undefined;
  const anomalies: (string | null)[] = [];
  for (const volume of volumes) {
    const observation = observeVolume(baseline, volume);
    baseline = observation.baseline;
    anomalies.push(observation.anomaly);
  }
  return { baseline, anomalies };
}

describe('anomaly detection', () => {
  it('judges nothing during the warm-up', () => {
    const warmup = ANOMALY_PARAMS.warmupBatches;
    expect(feed([1_000n, 0n, 50_000n, 0n].slice(0, warmup)).anomalies).toEqual(Array(warmup).fill(null));
  });

  it('raises a spike above K x baseline after the warm-up, and not at K x baseline', () => {
    const steady = Array<bigint>(6).fill(1_000n);
    expect(feed([...steady, 1_000n * ANOMALY_PARAMS.spikeFactor]).anomalies.at(-1)).toBeNull();
    expect(feed([...steady, 1_000n * ANOMALY_PARAMS.spikeFactor + 1n]).anomalies.at(-1)).toBe('spike');
  });

  it('raises a drop when a busy series falls to zero, not when a quiet one does', () => {
    expect(feed([...Array<bigint>(6).fill(1_000n), 0n]).anomalies.at(-1)).toBe('drop');
    expect(feed([...Array<bigint>(6).fill(ANOMALY_PARAMS.floorUnits), 0n]).anomalies.at(-1)).toBeNull();
  });

  it('does not call a tiny volume a spike over a zero baseline', () => {
    expect(feed([0n, 0n, 0n, 0n, 0n, ANOMALY_PARAMS.floorUnits - 1n]).anomalies.at(-1)).toBeNull();
    expect(feed([0n, 0n, 0n, 0n, 0n, ANOMALY_PARAMS.floorUnits]).anomalies.at(-1)).toBe('spike');
  });

  it('keeps the baseline in integers: a constant series has exactly that baseline', () => {
    const { baseline } = feed(Array<bigint>(20).fill(12_345n));
    expect(baseline).toEqual({ ewmaScaled: 12_345n << ANOMALY_PARAMS.fixedPointBits, samples: 20 });
  });

  it('stays in the parties\' nodes: committing a batch writes no baseline and no anomaly to the chain state (T33)', () => {
    const members = testMembers(4);
    const chain = new TestChain(members);
    const [a, b] = members as [TestMember, TestMember];
    chain.ok(agreementBody(a.id, b.id), [a, b]);
    let firstId = 0n;
    for (let i = 0; i < 6; i++, firstId += 4n) {
      const outcome = chain.ok(batchBody(a.id, b.id, { firstId }), [a]);
      expect(outcome.events.map((event) => event.type)).toEqual(['batch_committed']);
    }
    const kinds = new Set([...chain.entries.keys()].map((key) => parseStateKey(key)?.kind));
    expect([...kinds].sort()).toEqual(['agreement', 'batch', 'batchChain', 'counters', 'keyEpoch', 'pairAgreements', 'period']);
    expect(chain.state.get('counters', 'chain')).not.toHaveProperty('anomalies');
  });
});

/** A batch of records of the given services and volumes (ids from `firstId`; only the services and volumes matter here). */
function recordsOf(volumes: Partial<Record<SettlementService, readonly bigint[]>>, firstId = 0n): Pick<RecordBatch, 'records'> {
  const records: UsageRecord[] = [];
  for (const service of SETTLEMENT_SERVICES) {
    for (const volume of volumes[service] ?? []) {
      records.push({ recordId: firstId + BigInt(records.length), subscriberRef: '0'.repeat(32), service, startTime: 1_790_000_000n, volume, visitedTadig: 'FRAF1', homeTadig: 'DEUD1' });
    }
  }
  return { records };
}

describe('observeRecordBatch: one batch of a direction, every service', () => {
  const normal = recordsOf({ voice_mo: [300n, 300n], voice_mt: [300n], sms: [1n, 1n, 1n, 1n], data: [1_000n, 1_048n] });

  it('sums the records per service and folds every service, a missing one as zero', () => {
    const first = observeRecordBatch({}, recordsOf({ data: [1_000n, 24n], sms: [1n] }));
    expect(first.anomalies).toEqual([]);
    expect(first.baselines).toEqual({
      voice_mo: { ewmaScaled: 0n, samples: 1 },
      voice_mt: { ewmaScaled: 0n, samples: 1 },
      sms: { ewmaScaled: 1n << ANOMALY_PARAMS.fixedPointBits, samples: 1 },
      data: { ewmaScaled: 1_024n << ANOMALY_PARAMS.fixedPointBits, samples: 1 },
    });
  });

  it('is observeVolume per service over batchVolumes: the same baselines and anomalies', () => {
    const batches = [normal, normal, normal, normal, normal, recordsOf({ voice_mo: [300n, 300n], voice_mt: [300n], data: [20_480n] })];
    let baselines: DirectionBaselines = {};
    const perService = new Map<SettlementService, BaselineRecord | undefined>();
    for (const batch of batches) {
      const observed = observeRecordBatch(baselines, batch);
      const volumes = batchVolumes(batch);
      const expected = SETTLEMENT_SERVICES.flatMap((service) => {
        const one = observeVolume(perService.get(service), volumes[service]);
        perService.set(service, one.baseline);
        return one.anomaly === null ? [] : [{ kind: one.anomaly, service, volume: volumes[service], baseline: one.baselineUnits }];
      });
      expect(observed.anomalies).toEqual(expected);
      expect(observed.baselines).toEqual(Object.fromEntries(SETTLEMENT_SERVICES.map((service) => [service, perService.get(service)])));
      baselines = observed.baselines;
    }
  });

  it('raises a drop and a spike with their figures after the warm-up, in service order', () => {
    let baselines: DirectionBaselines = {};
    for (let i = 0; i < 5; i++) baselines = observeRecordBatch(baselines, normal).baselines;
    // voice_mt falls to zero, data goes ten times up; SMS (4 a batch) stays under the drop floor
    const { anomalies } = observeRecordBatch(baselines, recordsOf({ voice_mo: [300n, 300n], data: [20_480n] }));
    expect(anomalies).toEqual([
      { kind: 'drop', service: 'voice_mt', volume: 0n, baseline: 300n },
      { kind: 'spike', service: 'data', volume: 20_480n, baseline: 2_048n },
    ]);
  });

  it('depends on the order of the batches: the parties must fold them in the same order', () => {
    const quiet = recordsOf({ data: [100n] });
    const busy = recordsOf({ data: [1_000n] });
    const fold = (batches: readonly Pick<RecordBatch, 'records'>[]) => batches.reduce<{ baselines: DirectionBaselines; raised: string[] }>(
      (acc, batch) => {
        const observed = observeRecordBatch(acc.baselines, batch);
        return { baselines: observed.baselines, raised: [...acc.raised, ...observed.anomalies.map((x) => `${x.kind}:${x.service}`)] };
      },
      { baselines: {}, raised: [] },
    );
    expect(fold([quiet, quiet, quiet, quiet, busy]).raised).toEqual(['spike:data']);
    expect(fold([busy, quiet, quiet, quiet, quiet]).raised).toEqual([]);
  });
});
