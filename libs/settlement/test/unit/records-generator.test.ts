import { batchCommitment, SETTLEMENT_SERVICES, settlementTotal } from '@consortium/zkp';
import { describe, expect, it } from 'vitest';
import {
  batchVolumes,
  checkReceivedBatch,
  encodeRecordBatch,
  EU_WHOLESALE_CAPS_BY_YEAR,
  generateUsage,
  pairProfile,
  periodBoundsUtc,
  PROFILES,
  recordsDigest,
  toSettlementBatch,
  UK_EU_COMMERCIAL_RATES,
  wholesaleRates,
  wholesaleRateTable,
  type GenerateUsageOptions,
} from '../../src/index.js';
import { invalidFieldOf } from './records-fixtures.js';

const BASE: GenerateUsageOptions = { creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0n, count: 2_000, seed: 'devnet-1' };

describe('generateUsage', () => {
  it('is deterministic from its seed and options, byte for byte', () => {
    const a = encodeRecordBatch(generateUsage(BASE));
    expect(Buffer.from(encodeRecordBatch(generateUsage(BASE))).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(encodeRecordBatch(generateUsage({ ...BASE, seed: 'devnet-2' }))).equals(Buffer.from(a))).toBe(false);
    // The next batch of the pair differs too, and follows on from the first.
    const next = generateUsage({ ...BASE, firstId: 2_000n });
    expect(next.records[0]!.recordId).toBe(2_000n);
    expect(next.salt).not.toBe(generateUsage(BASE).salt);
  });

  it('makes a batch the debtor accepts: positional ids, the pair on every record, times in the period, sorted', () => {
    const batch = generateUsage({ ...BASE, firstId: 500n, count: 300 });
    const onChain = {
      creditor: 'FRAF1',
      debtor: 'DEUD1',
      period: '2026-11',
      firstId: 500n,
      count: 300,
      batchCommitment: batchCommitment(batch, 344),
      recordsDigest: recordsDigest(batch),
      batchSize: 344,
    };
    expect(checkReceivedBatch(batch, onChain, [{ firstId: 0n, count: 500n }]).range).toEqual({ firstId: 500n, count: 300n });
    const { startSeconds, endSeconds } = periodBoundsUtc('2026-11');
    const times = batch.records.map((record) => record.startTime);
    expect(times.every((time) => time >= startSeconds && time < endSeconds)).toBe(true);
    expect([...times].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(times);
  });

  it('draws realistic volumes: whole minutes of voice, one SMS each, data in MB with a long tail', () => {
    const { records } = generateUsage({ ...BASE, count: 4_000 });
    const of = (service: string) => records.filter((record) => record.service === service).map((record) => record.volume);
    for (const voice of [...of('voice_mo'), ...of('voice_mt')]) {
      expect(voice % 60n).toBe(0n);
      expect(voice >= 60n && voice <= 3_600n).toBe(true);
    }
    expect(of('sms').every((volume) => volume === 1n)).toBe(true);
    const data = of('data').sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    expect(data[0]! >= 1n && data.at(-1)! <= 5_000n).toBe(true);
    const median = data[Math.floor(data.length / 2)]!;
    const mean = data.reduce((sum, volume) => sum + volume, 0n) / BigInt(data.length);
    expect(median >= 3n && median <= 20n).toBe(true); // most sessions are small
    expect(mean > 2n * median).toBe(true); // ... and a long tail pulls the mean up
    expect(data.some((volume) => volume > 1_000n)).toBe(true);
  });

  it("follows the pair's service mix", () => {
    for (const [creditor, debtor] of [
      ['FRAF1', 'DEUD1'],
      ['GBRVF', 'NORTM'],
      ['NORTM', 'FRAF2'],
    ] as const) {
      const profile = pairProfile(creditor, debtor);
      const { records } = generateUsage({ ...BASE, creditor, debtor, count: 4_000 });
      const weightTotal = SETTLEMENT_SERVICES.reduce((sum, service) => sum + profile.mix[service], 0);
      for (const service of SETTLEMENT_SERVICES) {
        const share = records.filter((record) => record.service === service).length / records.length;
        expect(Math.abs(share - profile.mix[service] / weightTotal)).toBeLessThan(0.03);
      }
    }
    expect(pairProfile('FRAF1', 'DEUD1')).toBe(PROFILES.border);
    expect(pairProfile('FRAF1', 'FRAF2')).toBe(PROFILES.border);
    expect(pairProfile('GBRVF', 'NORTM')).toBe(PROFILES.business);
    expect(pairProfile('NORTM', 'FRAF2')).toBe(PROFILES.leisure);
  });

  it('takes its roamers from a pool of salted references, with a few heavy users', () => {
    const { records } = generateUsage({ ...BASE, count: 2_000 });
    const perSubscriber = new Map<string, number>();
    for (const record of records) perSubscriber.set(record.subscriberRef, (perSubscriber.get(record.subscriberRef) ?? 0) + 1);
    expect(perSubscriber.size).toBeLessThanOrEqual(Math.ceil((2_000 * PROFILES.border.subscribersPer100Records) / 100));
    expect(perSubscriber.size).toBeGreaterThan(50);
    const counts = [...perSubscriber.values()].sort((x, y) => y - x);
    expect(counts[0]!).toBeGreaterThan(5 * counts[Math.floor(counts.length / 2)]!);
    expect([...perSubscriber.keys()].every((ref) => /^[0-9a-f]{32}$/.test(ref))).toBe(true);
  });

  it('injects a spike on one service: same records, that service multiplied', () => {
    const normal = generateUsage(BASE);
    const spiked = generateUsage({ ...BASE, anomaly: { kind: 'spike', factor: 10, service: 'voice_mo' } });
    const before = batchVolumes(normal);
    const after = batchVolumes(spiked);
    expect(after.voice_mo).toBe(10n * before.voice_mo);
    expect({ ...after, voice_mo: 0n }).toEqual({ ...before, voice_mo: 0n });
    expect(batchVolumes(generateUsage({ ...BASE, anomaly: { kind: 'spike', factor: 3 } }))).toEqual({
      voice_mo: 3n * before.voice_mo,
      voice_mt: 3n * before.voice_mt,
      sms: 3n * before.sms,
      data: 3n * before.data,
    });
  });

  it('injects a drop to zero: of one service, or of every volume', () => {
    const dropped = batchVolumes(generateUsage({ ...BASE, anomaly: { kind: 'drop', service: 'data' } }));
    expect(dropped.data).toBe(0n);
    expect(dropped.voice_mo > 0n && dropped.sms > 0n).toBe(true);
    const silent = generateUsage({ ...BASE, anomaly: { kind: 'drop' } });
    expect(silent.records).toHaveLength(BASE.count);
    expect(batchVolumes(silent)).toEqual({ voice_mo: 0n, voice_mt: 0n, sms: 0n, data: 0n });
  });

  it('refuses options it cannot honour, naming them', () => {
    const field = (options: GenerateUsageOptions) => invalidFieldOf(() => generateUsage(options));
    expect(field({ ...BASE, count: 0 })).toBe('count');
    expect(field({ ...BASE, count: 8_193 })).toBe('records');
    expect(field({ ...BASE, creditor: 'France' })).toBe('creditor');
    expect(field({ ...BASE, anomaly: { kind: 'spike', factor: 1.5 } })).toBe('anomaly.factor');
    expect(field({ ...BASE, anomaly: { kind: 'spike', factor: 2, service: 'mms' as never } })).toBe('anomaly.service');
    expect(field({ ...BASE, anomaly: { kind: 'boom' } as never })).toBe('anomaly.kind');
  });
});

describe('wholesale rates', () => {
  it('are the EU caps in micro-euro inside the EU/EEA, by year, and commercial for UK-EU', () => {
    expect(wholesaleRates('FRAF1', 'DEUD1', '2026-11')).toEqual({ voice_mo: 316n, voice_mt: 33n, sms: 3_000n, data: 1_074n });
    expect(wholesaleRates('NORTM', 'FRAF2', '2025-03').data).toBe(1_269n);
    expect(wholesaleRates('NORTM', 'FRAF2', '2031-01')).toBe(EU_WHOLESALE_CAPS_BY_YEAR[2027]);
    expect(wholesaleRates('GBRVF', 'DEUD1', '2026-11')).toBe(UK_EU_COMMERCIAL_RATES);
    expect(wholesaleRates('DEUD1', 'GBRVF', '2026-11')).toBe(UK_EU_COMMERCIAL_RATES);
    // Below the caps they come from: EUR 0.019/min, EUR 0.003/SMS, EUR 1.10/GB (micro-euro, integer arithmetic).
    const rates = EU_WHOLESALE_CAPS_BY_YEAR[2026]!;
    expect(rates.voice_mo * 60n <= 19_000n).toBe(true);
    expect(rates.sms <= 3_000n).toBe(true);
    expect(rates.data * 1_024n <= 1_100_000n).toBe(true);
    for (const table of [...Object.values(EU_WHOLESALE_CAPS_BY_YEAR), UK_EU_COMMERCIAL_RATES]) {
      for (const rate of Object.values(table)) expect(typeof rate).toBe('bigint');
    }
  });

  it('settle a generated batch to an integer total in micro-euro', () => {
    const batch = generateUsage({ ...BASE, count: 100 });
    const total = settlementTotal(toSettlementBatch(batch, wholesaleRateTable('FRAF1', 'DEUD1', '2026-11', 7n)));
    const volumes = batchVolumes(batch);
    expect(total).toBe(volumes.voice_mo * 316n + volumes.voice_mt * 33n + volumes.sms * 3_000n + volumes.data * 1_074n);
  });
});
