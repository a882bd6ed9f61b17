import { generateNodeKey, P2PNode, peerIdOf, PrivateMessageRefusedError, type MemberEntry } from '@consortium/p2p';
import { LogRecorder, setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { batchCommitment } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  encodeRecordBatch,
  encodeRecordOffer,
  generateUsage,
  InvalidRecordBatchError,
  offerOf,
  RecordExchange,
  recordsDigest,
  type OnChainBatch,
  type RecordBatch,
  type ReceivedRange,
  type RecordRefusal,
} from '../../src/index.js';
import { TEST_OPERATORS } from '../support/members.js';

// The record exchange between real P2PNodes on loopback. The chain's view (which usage batches
// are committed) is a map the test fills, standing in for the settlement state this exchange
// reads in a node; everything else is the real thing.

/** The test consortium's operators (ids and TADIGs); this test makes its own p2p keys. */
const MEMBERS = TEST_OPERATORS;
const BATCH_SIZE = 64;

interface TestMember {
  readonly id: string;
  readonly tadig: string;
  readonly node: P2PNode;
  readonly telemetry: Telemetry;
  readonly exchange: RecordExchange;
  readonly stored: RecordBatch[];
  readonly refusals: { from: string; refusal: RecordRefusal }[];
}

const started: TestMember[] = [];
async function stopAll(members: readonly TestMember[]): Promise<void> {
  const running = members.filter(({ node }) => node.isStarted());
  await Promise.all(running.map(async ({ node }) => node.stop()));
  await Promise.all(running.map(async ({ telemetry }) => telemetry.shutdown()));
}
afterAll(async () => stopAll(started));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function metric(telemetry: Telemetry, name: string, labels: Record<string, string>): Promise<number> {
  const { values } = await telemetry.registry.getSingleMetric(name)!.get();
  return values.filter((value) => Object.entries(labels).every(([label, expected]) => value.labels[label] === expected)).reduce((sum, value) => sum + value.value, 0);
}

/** One committed-batch view per consortium: what the chain would hold, by pair, period and firstId. */
class ChainView {
  private readonly batches = new Map<string, OnChainBatch>();
  commit(batch: RecordBatch): OnChainBatch {
    const onChain: OnChainBatch = {
      creditor: batch.creditor,
      debtor: batch.debtor,
      period: batch.period,
      firstId: batch.firstId,
      count: batch.records.length,
      batchCommitment: batchCommitment(batch, BATCH_SIZE),
      recordsDigest: recordsDigest(batch),
      batchSize: BATCH_SIZE,
    };
    this.batches.set(`${batch.creditor}>${batch.debtor}@${batch.period}#${batch.firstId}`, onChain);
    return onChain;
  }
  lookup(offer: { creditor: string; debtor: string; period: string; firstId: bigint }): OnChainBatch | null {
    return this.batches.get(`${offer.creditor}>${offer.debtor}@${offer.period}#${offer.firstId}`) ?? null;
  }
}

/** n members, every one connected to every other, each with its exchange started. */
async function startConsortium(n: number, chain: ChainView): Promise<TestMember[]> {
  const members = MEMBERS.slice(0, n);
  const keys = await Promise.all(members.map(async () => generateNodeKey()));
  const entries = members.map((member, i) => ({ id: member.id, peerId: peerIdOf(keys[i]!) }));
  const consortium: TestMember[] = [];
  for (const [i, member] of members.entries()) {
    const telemetry = setupTelemetry({ serviceName: 'records-test', memberId: member.id, env: {}, registerGlobal: false, collectors: false, logLevel: 'warn', logDestination: new LogRecorder() });
    const known: MemberEntry[] = entries.map((entry, j) => (j < i ? { ...entry, addresses: consortium[j]!.node.listenAddresses() } : entry));
    const node = await P2PNode.create({
      memberId: member.id,
      privateKey: keys[i]!,
      listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
      members: known,
      metrics: { p2p: telemetry.metrics.p2p, security: telemetry.metrics.security },
      logger: telemetry.logger,
      limits: { pingIntervalMs: 200, redialBaseMs: 50, redialMaxMs: 500 },
    });
    const stored: RecordBatch[] = [];
    const refusals: { from: string; refusal: RecordRefusal }[] = [];
    const received = new Map<string, ReceivedRange[]>();
    const exchange = new RecordExchange({
      transport: node,
      self: member.id,
      members: MEMBERS.slice(0, n),
      committedBatch: (offer) => chain.lookup(offer),
      receivedRanges: (creditor, debtor, period) => received.get(`${creditor}>${debtor}@${period}`) ?? [],
      onBatch: (batch, accepted) => {
        stored.push(batch);
        const key = `${batch.creditor}>${batch.debtor}@${batch.period}`;
        received.set(key, [...(received.get(key) ?? []), { ...accepted.range, recordsDigest: accepted.recordsDigest }]);
      },
      onRefused: (from, refusal) => refusals.push({ from, refusal }),
    });
    exchange.start();
    await node.start();
    const testMember = { ...member, node, telemetry, exchange, stored, refusals };
    consortium.push(testMember);
    started.push(testMember);
  }
  await waitFor(`all ${n} members connected`, () => consortium.every((member) => member.node.connectedMembers().length === n - 1));
  return consortium;
}

const byId = (consortium: TestMember[], id: string) => consortium.find((member) => member.id === id)!;

describe.each([4, 5, 7])('the record exchange among %i members', (n) => {
  it('gets a committed batch to its debtor and to no other member', async () => {
    const chain = new ChainView();
    const consortium = await startConsortium(n, chain);
    onTestFinished(async () => stopAll(consortium));
    const orange = byId(consortium, 'Orange-FR');
    const batch = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0n, count: BATCH_SIZE, seed: `exchange-${n}` });
    chain.commit(batch);
    await orange.exchange.sendBatch(batch);
    // sendBatch resolved: the debtor's node checked and stored the batch.
    expect(byId(consortium, 'T-Mobile-DE').stored).toEqual([batch]);
    for (const member of consortium.filter((m) => m.id !== 'T-Mobile-DE')) {
      expect(member.stored).toEqual([]);
      expect(await metric(member.telemetry, 'consortium_p2p_received_bytes_total', { protocol: 'records' })).toBe(0);
    }
    expect(consortium.flatMap((member) => member.refusals)).toEqual([]);
  });
});

describe('what the debtor refuses', () => {
  let consortium: TestMember[];
  let chain: ChainView;
  let batch: RecordBatch;
  const member = (id: string) => byId(consortium, id);
  const refusalOf = async (promise: Promise<unknown>) => promise.then(() => null, (err: unknown) => err);

  beforeAll(async () => {
    chain = new ChainView();
    consortium = await startConsortium(5, chain);
    batch = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0n, count: 40, seed: 'refusals' });
    chain.commit(batch);
    await member('Orange-FR').exchange.sendBatch(batch);
  });

  it('delivers the batch the other cases build on', () => {
    expect(member('T-Mobile-DE').stored).toEqual([batch]);
  });

  it("a third member's copy of the pair's records: refused before they are sent, and counted", async () => {
    const vodafone = member('Vodafone-UK');
    const error = await refusalOf(vodafone.node.sendPrivate('T-Mobile-DE', encodeRecordOffer(offerOf(batch)), encodeRecordBatch(batch)));
    expect(error).toBeInstanceOf(PrivateMessageRefusedError);
    expect(error).toMatchObject({ refusal: 'unauthorized', stage: 'offer' });
    expect(member('T-Mobile-DE').refusals.at(-1)).toEqual({ from: 'Vodafone-UK', refusal: { stage: 'offer', reason: 'not_creditor', error: null } });
    expect(await metric(member('T-Mobile-DE').telemetry, 'consortium_security_private_refusals_total', { member: 'Vodafone-UK', reason: 'unauthorized' })).toBe(1);
    expect(member('T-Mobile-DE').stored).toHaveLength(1);
    // Its own exchange will not even try: a node sends only the batches it is the creditor of.
    await expect(vodafone.exchange.sendBatch(batch)).rejects.toThrow(InvalidRecordBatchError);
  });

  it('a batch the chain has not committed, or sent to a member that is not its debtor', async () => {
    const uncommitted = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 40n, count: 10, seed: 'uncommitted' });
    expect(await refusalOf(member('Orange-FR').exchange.sendBatch(uncommitted))).toMatchObject({ refusal: 'unauthorized' });
    expect(member('T-Mobile-DE').refusals.at(-1)!.refusal.reason).toBe('no_committed_batch');
    const toTelenor = await refusalOf(member('Orange-FR').node.sendPrivate('Telenor-NO', encodeRecordOffer(offerOf(batch)), encodeRecordBatch(batch)));
    expect(toTelenor).toMatchObject({ refusal: 'unauthorized' });
    expect(member('Telenor-NO').refusals.at(-1)!.refusal.reason).toBe('not_debtor');
    expect(member('Telenor-NO').stored).toEqual([]);
  });

  it('a creditor ahead of its debtor retries until the debtor has the batch committed', async () => {
    const early = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-12', firstId: 0n, count: 8, seed: 'early' });
    const refusedBefore = member('T-Mobile-DE').refusals.length;
    const sending = member('Orange-FR').exchange.sendBatch(early, { retryForMs: 60_000 });
    // The debtor's node has not executed the block with the batch yet: refused, for now.
    await waitFor('the debtor refused the early offer', () => member('T-Mobile-DE').refusals.length > refusedBefore);
    expect(member('T-Mobile-DE').refusals.at(-1)!.refusal.reason).toBe('no_committed_batch');
    chain.commit(early);
    await sending;
    expect(member('T-Mobile-DE').stored.at(-1)).toEqual(early);
  });

  it('the same batch again is acknowledged and stored once; other records for its range, or not the committed ones, are refused and reported', async () => {
    const storedBefore = member('T-Mobile-DE').stored.length;
    await member('Orange-FR').exchange.sendBatch(batch); // as after a lost acknowledgement
    expect(member('T-Mobile-DE').stored).toHaveLength(storedBefore);
    const otherRecords = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 0n, count: 40, seed: 'a second set of records for ids 0-39' });
    const again = await refusalOf(member('Orange-FR').exchange.sendBatch(otherRecords));
    expect(again).toMatchObject({ refusal: 'handler_failed', stage: 'delivery' });
    expect(member('T-Mobile-DE').refusals.at(-1)!.refusal).toMatchObject({ stage: 'batch', reason: 'range_already_received' });
    expect(await metric(member('T-Mobile-DE').telemetry, 'consortium_security_invalid_messages_total', { kind: 'replay' })).toBe(1);

    const next = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 40n, count: 10, seed: 'committed' });
    chain.commit(next);
    const forged = generateUsage({ creditor: 'FRAF1', debtor: 'DEUD1', period: '2026-11', firstId: 40n, count: 10, seed: 'forged' });
    expect(await refusalOf(member('Orange-FR').exchange.sendBatch(forged))).toMatchObject({ refusal: 'handler_failed', stage: 'delivery' });
    expect(member('T-Mobile-DE').refusals.at(-1)!.refusal).toMatchObject({ stage: 'batch', reason: 'digest_mismatch' });
    expect(await metric(member('T-Mobile-DE').telemetry, 'consortium_security_invalid_messages_total', { kind: 'malformed' })).toBe(1);
    expect(member('T-Mobile-DE').stored).toHaveLength(2);
    // The real records of that batch still go through.
    await member('Orange-FR').exchange.sendBatch(next);
    expect(member('T-Mobile-DE').stored).toEqual([batch, expect.objectContaining({ period: '2026-12' }), next]);
  });
});
