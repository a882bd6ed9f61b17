import { describe, expect, it } from 'vitest';
import { ANOMALY_PARAMS, observeVolume, type BaselineRecord } from '../../src/index.js';
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

  it.each([4, 5, 7] as const)('records an anomaly on chain with its figures (%i members)', (count) => {
    const members = testMembers(count);
    const chain = new TestChain(members);
    const [a, b] = members as [TestMember, TestMember];
    chain.ok(agreementBody(a.id, b.id), [a, b]);
    const volumes = { voice_mo: 600n, voice_mt: 300n, sms: 40n, data: 2_048n };
    let firstId = 0n;
    for (let i = 0; i < 5; i++, firstId += 4n) chain.ok(batchBody(a.id, b.id, { firstId, volumes }), [a]);
    const outcome = chain.ok(batchBody(a.id, b.id, { firstId, volumes: { ...volumes, data: 20_480n, sms: 0n } }), [a]);
    const anomalies = outcome.events.flatMap((e) => (e.type === 'anomaly' ? [e.anomaly] : []));
    expect(anomalies.map((x) => [x.kind, x.service, x.volume, x.baseline])).toEqual([
      ['drop', 'sms', 0n, 40n],
      ['spike', 'data', 20_480n, 2_048n],
    ]);
    expect(chain.state.get('anomaly', '000000000002')).toMatchObject({ seq: 2, kind: 'spike', creditor: a.id, debtor: b.id, height: chain.height, batchId: `${a.id}>${b.id}/2026-11/20` });
    expect(chain.state.get('counters', 'chain')?.anomalies).toBe(2);
  });
});
