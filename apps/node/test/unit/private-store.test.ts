import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchChainIdOf, batchIdOf } from '@consortium/settlement';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PrivateStore } from '../../src/settlement/private-store.js';
import type { OwnBatch } from '../../src/settlement/types.js';

/**
 * The member's private LevelDB (real, in a temporary folder): the desk reads one chain of batches
 * by id prefix on every committed block, so a prefix must find exactly its chain's batches, in
 * key order, and never a neighbour whose id merely starts alike.
 */

const TADIGS: Readonly<Record<string, string>> = { 'T-Mobile-DE': 'DEUD1', 'Vodafone-UK': 'GBRVF', 'Orange-FR': 'FRAF1' };

function batch(creditor: string, debtor: string, period: string, firstId: bigint, status: OwnBatch['status'] = 'queued'): OwnBatch {
  return {
    batchId: batchIdOf(creditor, debtor, period, firstId),
    role: 'creditor',
    status,
    records: {
      creditor: TADIGS[creditor]!,
      debtor: TADIGS[debtor]!,
      period,
      firstId,
      salt: 7n,
      records: [{ recordId: firstId, subscriberRef: 'ab'.repeat(16), service: 'sms', startTime: 1_767_225_600n, volume: 1n, visitedTadig: TADIGS[creditor]!, homeTadig: TADIGS[debtor]! }],
    },
    tx: null,
    txHash: null,
    failure: null,
  };
}

describe('PrivateStore', () => {
  let dir: string;
  let store: PrivateStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'private-store-'));
    store = await PrivateStore.open(join(dir, 'private'));
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists one chain of batches by its id prefix, and every batch without one', async () => {
    const chain = batchChainIdOf('T-Mobile-DE', 'Vodafone-UK', '2026-01');
    const ours = [batch('T-Mobile-DE', 'Vodafone-UK', '2026-01', 0n), batch('T-Mobile-DE', 'Vodafone-UK', '2026-01', 4n, 'committed')];
    const others = [
      batch('T-Mobile-DE', 'Vodafone-UK', '2026-02', 0n), // same pair, next period
      batch('Vodafone-UK', 'T-Mobile-DE', '2026-01', 0n), // the other direction
      batch('T-Mobile-DE', 'Orange-FR', '2026-01', 0n),
    ];
    await store.putAll([...ours, ...others].map((value) => ({ kind: 'batch' as const, id: value.batchId, value })));
    // Another kind under an id that starts alike: not a batch.
    await store.put('txresult', `${chain}/0`, { height: 3, index: 0, ok: true, code: 'ok', log: '' });

    const found = await store.all('batch', `${chain}/`);
    expect(found.map(({ id }) => id)).toEqual(ours.map((b) => b.batchId));
    expect(found[1]!.value).toEqual(ours[1]);
    expect((await store.all('batch')).length).toBe(ours.length + others.length);
    expect(await store.all('batch', 'Telenor-NO>')).toEqual([]);
  });

  it('writes and deletes in one putAll, and reads a kind lazily from an id on', async () => {
    const anomaly = (seq: number) => ({ seq, kind: 'spike' as const, creditor: 'T-Mobile-DE', debtor: 'Vodafone-UK', service: 'data' as const, batchId: `b${seq}`, period: '2026-01', volume: 10n * BigInt(seq), baseline: 1n, height: seq, timeMs: seq });
    await store.putAll([
      { kind: 'unobserved', id: 'T-Mobile-DE>Vodafone-UK/000000000003/2026-01/00000000000000000000', value: { batchId: 'b3' } },
      { kind: 'detection', id: 'node', value: { followedHeight: 3, anomalies: 0 } },
    ]);
    // an observation: the anomalies and the cursor written, the queue entry gone, together
    await store.putAll(
      [1, 2, 3].map((seq) => ({ kind: 'anomaly' as const, id: String(seq).padStart(12, '0'), value: anomaly(seq) })),
      [{ kind: 'unobserved', id: 'T-Mobile-DE>Vodafone-UK/000000000003/2026-01/00000000000000000000' }],
    );
    expect(await store.all('unobserved')).toEqual([]);
    const fromSecond: number[] = [];
    for await (const { value } of store.iterate('anomaly', { fromId: '000000000002' })) fromSecond.push(value.seq);
    expect(fromSecond).toEqual([2, 3]);
    const stopped: number[] = [];
    for await (const { value } of store.iterate('anomaly')) {
      stopped.push(value.seq);
      break;
    }
    expect(stopped).toEqual([1]);
    expect((await store.get('anomaly', '000000000003'))?.volume).toBe(30n);
  });
});
