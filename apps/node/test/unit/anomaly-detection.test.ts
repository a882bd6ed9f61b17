import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observeRecordBatch, type CommittedSettlementBlock, type DirectionBaselines, type RecordBatch } from '@consortium/settlement';
import type { Groth16Verifier } from '@consortium/zkp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SettlementParts } from '../../src/settlement/start.js';
import type { AnomalyRecord } from '../../src/settlement/types.js';
import { startApiFixture } from '../support/api-fixture.js';
import {
  agreementTx,
  committedBatch,
  idleVerifier,
  MemberNode,
  memberOf,
  ORANGE,
  receivedBatch,
  SFR,
  TestBlocks,
  TMOBILE,
  usageBatch,
  type TestMember,
  type Volumes,
} from '../support/settlement-members.js';

/**
 * Usage anomaly detection on the parties' nodes (T33: the chain holds no volumes). Each member's
 * node here is real but for consensus and p2p: its own SettlementApplication and PrivateStore on
 * LevelDB in a temporary folder, executing the same blocks of real signed transactions, with the
 * detection the node runs. The creditor observes its own records, the debtor the records it
 * receives: both must raise the same anomalies for the same committed batches, whatever order
 * the debtor's records arrive in and across a restart, and nobody else sees them.
 */

const A = memberOf(ORANGE.id); // the creditor of the direction under test
const B = memberOf(TMOBILE.id); // its debtor
const C = memberOf(SFR.id); // a third member

const NORMAL: Volumes = { voice_mo: 600n, voice_mt: 300n, sms: 12n, data: 2_048n };

interface PlannedBatch {
  readonly creditor: TestMember;
  readonly debtor: TestMember;
  readonly records: RecordBatch;
}

const batch = (creditor: TestMember, debtor: TestMember, period: string, firstId: bigint, volumes: Volumes): PlannedBatch => ({ creditor, debtor, records: usageBatch(creditor, debtor, period, firstId, volumes) });

/**
 * The blocks after the agreement's, each a few batches: both directions of the pair, two periods,
 * two periods' batches in one block (the later period first), two batches of one chain in one
 * block, then a data spike with voice_mt falling to zero, and a voice_mo spike.
 */
const BLOCKS: readonly (readonly PlannedBatch[])[] = [
  [batch(A, B, '2026-10', 0n, NORMAL)],
  [batch(A, B, '2026-10', 4n, NORMAL), batch(B, A, '2026-10', 0n, NORMAL)],
  [batch(A, B, '2026-11', 0n, { ...NORMAL, data: 4_096n }), batch(A, B, '2026-10', 8n, NORMAL)],
  [batch(A, B, '2026-10', 12n, NORMAL), batch(A, B, '2026-10', 16n, NORMAL)],
  [batch(A, B, '2026-11', 4n, { voice_mo: 600n, sms: 12n, data: 20_480n })],
  [batch(A, B, '2026-10', 20n, NORMAL), batch(B, A, '2026-10', 4n, NORMAL)],
  [batch(A, B, '2026-11', 7n, { ...NORMAL, voice_mo: 6_000n })],
];
const ALL = BLOCKS.flat();
const AB = ALL.filter((b) => b.creditor === A);

/** An anomaly without this node's sequence number: what both parties must agree on. */
const withoutSeq = (anomalies: readonly AnomalyRecord[]) => anomalies.map(({ seq: _seq, ...rest }) => rest);
const everyAnomalyOf = (node: MemberNode) => node.detection.anomalies({ member: node.member.id }, { limit: 1_000 });
const batchIdOfPlanned = (b: PlannedBatch) => `${b.creditor.id}>${b.debtor.id}/${b.records.period}/${b.records.firstId}`;

/**
 * The anomalies of the A -> B direction computed independently: observeRecordBatch folded over
 * its batches in commit order (height, then period, then firstId), with the block of each.
 */
function expectedAnomaliesAB(): { batchId: string; kind: string; service: string; volume: bigint; baseline: bigint; height: number }[] {
  let baselines: DirectionBaselines = {};
  const expected: { batchId: string; kind: string; service: string; volume: bigint; baseline: bigint; height: number }[] = [];
  BLOCKS.forEach((block, i) => {
    const height = i + 2; // the agreement is block 1
    const ordered = block.filter((b) => b.creditor === A).sort((x, y) => (x.records.period < y.records.period ? -1 : x.records.period > y.records.period ? 1 : x.records.firstId < y.records.firstId ? -1 : 1));
    for (const planned of ordered) {
      const observation = observeRecordBatch(baselines, planned.records);
      baselines = observation.baselines;
      for (const anomaly of observation.anomalies) expected.push({ batchId: batchIdOfPlanned(planned), kind: anomaly.kind, service: anomaly.service, volume: anomaly.volume, baseline: anomaly.baseline, height });
    }
  });
  return expected;
}

let verifier: Groth16Verifier;
let root: string;
let folders = 0;
const open: MemberNode[] = [];

beforeAll(() => {
  verifier = idleVerifier();
});
afterAll(async () => {
  await verifier.close();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'anomaly-detection-'));
});
afterEach(async () => {
  for (const node of open.splice(0)) await node.close().catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

async function openNode(member: TestMember, dir = join(root, `node-${++folders}`)): Promise<MemberNode> {
  const node = await MemberNode.open(member, dir, verifier);
  open.push(node);
  return node;
}

/**
 * Runs the blocks on `nodes`: the agreement, then each block's batches. Before a block, each
 * creditor's node holds its batches as its desk keeps them (submitted); `afterBlock` is where the
 * debtors get their records.
 */
async function settle(nodes: readonly MemberNode[], afterBlock: (block: readonly PlannedBatch[]) => Promise<void>, blocks = new TestBlocks()): Promise<TestBlocks> {
  await blocks.next(nodes, [agreementTx(A, B)]);
  for (const block of BLOCKS) await settleBlock(nodes, blocks, block, afterBlock);
  return blocks;
}

async function settleBlock(nodes: readonly MemberNode[], blocks: TestBlocks, block: readonly PlannedBatch[], afterBlock: (block: readonly PlannedBatch[]) => Promise<void>): Promise<void> {
  const txs: Uint8Array[] = [];
  for (const planned of block) {
    const { tx, own } = committedBatch(planned.creditor, planned.debtor, planned.records);
    const creditorNode = nodes.find((node) => node.member === planned.creditor);
    if (creditorNode !== undefined) await creditorNode.store.put('batch', own.batchId, own);
    txs.push(tx);
  }
  await blocks.next(nodes, txs);
  await afterBlock(block);
}

/** Hands each batch's records to its debtor's node among `nodes`, as the desk does once the record exchange checked them. */
async function deliver(nodes: readonly MemberNode[], batches: readonly PlannedBatch[]): Promise<void> {
  for (const planned of batches) {
    const debtorNode = nodes.find((node) => node.member === planned.debtor);
    await debtorNode?.detection.recordsReceived(receivedBatch(planned.creditor, planned.debtor, planned.records));
  }
}

describe('usage anomaly detection on the parties\' nodes', () => {
  it('creditor and debtor raise the same anomalies for the same committed batch sequence, in both directions', async () => {
    const [a, b, c] = [await openNode(A), await openNode(B), await openNode(C)];
    const nodes = [a, b, c];
    await settle(nodes, (block) => deliver(nodes, block));

    const onCreditor = await everyAnomalyOf(a);
    const onDebtor = await everyAnomalyOf(b);
    expect(onCreditor.length).toBeGreaterThanOrEqual(3);
    expect(withoutSeq(onDebtor)).toEqual(withoutSeq(onCreditor));
    // the figures the pure detector gives over the batches in commit order, with the chain's height and time of each batch
    expect(onCreditor.map(({ batchId, kind, service, volume, baseline, height }) => ({ batchId, kind, service, volume, baseline, height }))).toEqual(expectedAnomaliesAB());
    expect(onCreditor.map((x) => x.kind)).toEqual(expect.arrayContaining(['spike', 'drop']));
    for (const anomaly of onCreditor) {
      const onChain = a.app.state.get('batch', anomaly.batchId)!;
      expect(anomaly).toMatchObject({ creditor: A.id, debtor: B.id, period: onChain.period, height: onChain.height, timeMs: onChain.timeMs });
    }
    expect(onCreditor.map((x) => x.seq)).toEqual(onCreditor.map((_x, i) => i + 1));
    // every batch observed: nothing is left queued on either party's node
    for (const node of [a, b]) expect(await node.store.all('unobserved')).toEqual([]);
    // the other direction (B bills A) is observed on both too, with the same baselines
    for (const service of ['voice_mo', 'voice_mt', 'sms', 'data']) {
      expect(await b.store.get('baseline', `${B.id}>${A.id}/${service}`)).toEqual(await a.store.get('baseline', `${B.id}>${A.id}/${service}`));
      expect((await a.store.get('baseline', `${A.id}>${B.id}/${service}`))?.samples).toBe(AB.length);
    }

    // The third member's node holds none of it, and a party's node shows it to the parties only.
    expect(await everyAnomalyOf(c)).toEqual([]);
    for (const kind of ['baseline', 'anomaly', 'unobserved'] as const) expect(await c.store.all(kind)).toEqual([]);
    expect(await a.detection.anomalies({ member: C.id }, { limit: 1_000 })).toEqual([]);
    expect(await a.detection.anomalies(null, { limit: 1_000 })).toEqual([]);
    expect(withoutSeq(await a.detection.anomalies({ member: B.id }, { limit: 1_000 }))).toEqual(withoutSeq(onCreditor));
    expect(await a.detection.anomalies({ member: A.id }, { limit: 1_000, member: C.id })).toEqual([]);
    expect(await a.detection.anomalies({ member: A.id }, { limit: 1, afterSeq: 1 })).toEqual([onCreditor[1]]);
  });

  it('a debtor whose records arrive out of order raises the same anomalies: a batch waits for every earlier one of its direction', async () => {
    const [a, b] = [await openNode(A), await openNode(B)];
    const nodes = [a, b];
    // The B -> A records go to A as they commit; B gets the A -> B records late and in another order.
    await settle(nodes, (block) => deliver(nodes, block.filter((x) => x.creditor === B)));
    const first = AB[0]!;
    const rest = AB.slice(1);
    const shuffled = [rest[3]!, rest[6]!, rest[0]!, rest[5]!, rest[2]!, rest[7]!, rest[1]!, rest[4]!];
    expect(new Set(shuffled)).toEqual(new Set(rest));
    await deliver(nodes, shuffled);
    // Every record is here but the first batch's: nothing of the direction is observed yet.
    expect(await b.store.all('baseline', `${A.id}>${B.id}/`)).toEqual([]);
    expect(await everyAnomalyOf(b)).toEqual([]);
    expect(await b.store.all('unobserved', `${A.id}>${B.id}/`)).toHaveLength(AB.length);
    expect(await b.store.all('batch', `${A.id}>${B.id}/`)).toHaveLength(rest.length);

    await deliver(nodes, [first]);
    expect(withoutSeq(await everyAnomalyOf(b))).toEqual(withoutSeq(await everyAnomalyOf(a)));
    expect((await everyAnomalyOf(b)).length).toBeGreaterThanOrEqual(3);
    expect(await b.store.all('unobserved')).toEqual([]);
    expect(await b.store.all('batch', `${A.id}>${B.id}/`)).toHaveLength(AB.length);
  });

  it('a restart neither repeats nor loses an anomaly: blocks committed but not followed, records stored but not observed, a block replayed', async () => {
    // Reference: the same chain on two nodes that never stop.
    const [refA, refB] = [await openNode(A), await openNode(B)];
    await settle([refA, refB], (block) => deliver([refA, refB], block));
    const reference = withoutSeq(await everyAnomalyOf(refA));

    const dirA = join(root, 'restarting-a');
    const dirB = join(root, 'restarting-b');
    let a = await openNode(A, dirA);
    let b = await openNode(B, dirB);
    const followed: CommittedSettlementBlock[] = [];
    a.app.onCommitted((block) => followed.push(block));
    const blocks = new TestBlocks();
    await blocks.next([a, b], [agreementTx(A, B)]);
    const [early, late] = [BLOCKS.slice(0, 4), BLOCKS.slice(4)];
    // B's records of the third A -> B batch come before those of the second.
    const held = AB[1]!;
    for (const block of early) await settleBlock([a, b], blocks, block, (batches) => deliver([a, b], batches.filter((x) => x !== held)));
    expect(await b.store.all('unobserved', `${A.id}>${B.id}/`)).not.toEqual([]);
    // A's node commits the next block, and dies before its detection follows it.
    a.following = false;
    await settleBlock([a, b], blocks, late[0]!, (batches) => deliver([a, b], batches));
    await a.close();
    await b.close();

    a = await openNode(A, dirA);
    b = await openNode(B, dirB);
    await a.detection.resume();
    await b.detection.resume();
    await deliver([a, b], [held]);
    // A block followed before comes again (a replay): nothing is queued or raised twice.
    await a.detection.blockCommitted(followed[2]!);
    for (const block of late.slice(1)) await settleBlock([a, b], blocks, block, (batches) => deliver([a, b], batches));

    for (const node of [a, b]) {
      const anomalies = await everyAnomalyOf(node);
      expect(withoutSeq(anomalies)).toEqual(reference);
      expect(anomalies.map((x) => x.seq)).toEqual(anomalies.map((_x, i) => i + 1));
      expect(await node.store.all('unobserved')).toEqual([]);
      expect((await node.store.get('baseline', `${A.id}>${B.id}/data`))?.samples).toBe(AB.length);
    }
  });

  it('refuses records that arrive while the node stops, storing nothing: the creditor takes a stored delivery as done', async () => {
    const [a, b] = [await openNode(A), await openNode(B)];
    const blocks = new TestBlocks();
    await blocks.next([a, b], [agreementTx(A, B)]);
    const [planned] = BLOCKS[0]!;
    await settleBlock([a, b], blocks, [planned!], () => Promise.resolve());
    b.detection.close();
    const received = receivedBatch(planned!.creditor, planned!.debtor, planned!.records);
    await expect(b.detection.recordsReceived(received)).rejects.toThrow(/the node is stopping/);
    expect(await b.store.get('batch', received.batchId)).toBeNull();
  });

  it('GET /v1/anomalies answers the pair\'s operators; a third member\'s operator, observers and admins get an empty list', async () => {
    const [a, b] = [await openNode(A), await openNode(B)];
    await settle([a, b], (block) => deliver([a, b], block));
    const expected = await everyAnomalyOf(a);
    expect(expected.length).toBeGreaterThan(0);
    const absent = null as never;
    const settlement: SettlementParts = { app: a.app, desk: absent, store: a.store, detection: a.detection, prover: absent, circuit: 'settlement-4', close: () => Promise.resolve() };
    // The fixture is Orange-FR's node (A) with operators of Orange-FR and SFR-FR; T-Mobile-DE's operator has a token here too.
    const api = await startApiFixture({ settlement, extraClients: [{ client: 'tmobile-operator', role: 'operator', member: B.id }] });
    try {
      const get = async (client: string, query = '') => {
        const reply = await api.server.inject({ method: 'GET', url: `/v1/anomalies${query}`, headers: { authorization: `Bearer ${api.tokens[client]!}` } });
        expect(reply.statusCode).toBe(200);
        return reply.json<{ anomalies: Record<string, unknown>[] }>().anomalies;
      };
      const asJson = expected.map((x) => ({ ...x, volume: x.volume.toString(), baseline: x.baseline.toString() }));
      expect(await get('orange-operator')).toEqual(asJson);
      expect(await get('tmobile-operator')).toEqual(asJson);
      expect(await get('orange-operator', `?afterSeq=1&limit=1`)).toEqual(asJson.slice(1, 2));
      expect(await get('orange-operator', `?member=${C.id}`)).toEqual([]);
      expect(await get('sfr-operator')).toEqual([]);
      expect(await get('grafana')).toEqual([]);
      expect(await get('root')).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
