import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlockHeader, Genesis } from '@consortium/consensus';
import type { Telemetry } from '@consortium/telemetry';
import {
  encodeSettlementTx,
  SettlementApplication,
  SettlementConfigError,
  SettlementStateCorruptionError,
  type SettlementTxBody,
  type StatementProofVerifier,
} from '../../src/index.js';
import { acceptBody, agreementBody, batchBody, closeBody, disputeBody, keyEpochBody, resolveBody, signed } from '../support/bodies.js';
import { GENESIS_ARTIFACTS, idOf, statementOf, TestChain } from '../support/chain.js';
import { CHAIN_ID, testMembers, type TestMember } from '../support/members.js';
import { metricValue, testTelemetry } from '../support/telemetry.js';

/**
 * The application's shell on real LevelDB: refusals before the mempool and their security
 * events, the metrics a block moves, a damaged database, a bad genesis. Proofs are not the
 * subject here: an in-project verifier stands in that calls every proof valid (the real
 * verifier and real proofs are in application.test.ts).
 */
const ACCEPT_EVERY_PROOF: StatementProofVerifier = {
  verify: () => Promise.resolve({ outcome: 'valid', error: null }),
  verifyBatch: (proofs) => Promise.resolve({ results: proofs.map(() => ({ outcome: 'valid' as const, error: null })) }),
};

let root: string;
let telemetry: Telemetry;
let folders = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'settlement-shell-'));
  telemetry = testTelemetry();
});

afterAll(async () => {
  await telemetry.shutdown();
  await rm(root, { recursive: true, force: true });
});

function genesisOf(members: readonly TestMember[]): Pick<Genesis, 'chainId' | 'members' | 'artifacts'> {
  return { chainId: CHAIN_ID, members: members.map((m) => ({ id: m.id, operator: m.id, tadig: m.tadig, publicKey: m.publicKey, peerId: `peer-${m.id}`, votingPower: 1 })), artifacts: GENESIS_ARTIFACTS };
}

function open(members: readonly TestMember[], directory = join(root, `node-${++folders}`), nowMs?: () => number) {
  return SettlementApplication.open({
    directory,
    genesis: genesisOf(members),
    verifier: ACCEPT_EVERY_PROOF,
    metrics: telemetry.metrics.settlement,
    zkpMetrics: telemetry.metrics.zkp,
    security: telemetry.metrics.security,
    nowMs,
  });
}

const tx = (body: SettlementTxBody, ...signers: TestMember[]) => encodeSettlementTx(signed(body, signers));

async function block(app: SettlementApplication, height: number, txs: readonly Uint8Array[]) {
  const header = { chainId: CHAIN_ID, height, timeMs: 1_797_000_000_000 + height * 60_000 } as BlockHeader;
  const result = await app.finalizeBlock({ header, txs });
  await app.commit();
  return result;
}

describe('the settlement application shell', () => {
  it('refuses bad transactions before the mempool, changes nothing, and counts each as a security event', async () => {
    const members = testMembers(5);
    const [a, b] = members as [TestMember, TestMember];
    const app = await open(members);
    const before = await app.snapshot();
    const malformedBefore = await metricValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'malformed' });
    const badSignatureBefore = await metricValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'bad_signature' });
    expect(await app.checkTx(new Uint8Array([0xa1, 0x61]), 'new')).toMatchObject({ ok: false, code: 'malformed' });
    expect(await app.checkTx(tx(agreementBody(a.id, b.id), a), 'new')).toMatchObject({ ok: false, code: 'missing_signature' });
    expect(await app.checkTx(encodeSettlementTx(signed(agreementBody(a.id, b.id), [a, b], 'another-chain')), 'new')).toMatchObject({ ok: false, code: 'bad_signature' });
    // a transaction the last block made invalid is dropped quietly on recheck
    expect(await app.checkTx(tx(closeBody('2026-13'), a), 'recheck')).toMatchObject({ ok: false, code: 'invalid_field' });
    expect(await metricValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'malformed' })).toBe(malformedBefore + 1);
    expect(await metricValue(telemetry, 'consortium_security_invalid_messages_total', { kind: 'bad_signature' })).toBe(badSignatureBefore + 2);
    expect(await metricValue(telemetry, 'consortium_settlement_check_tx_refused_total', { code: 'missing_signature' })).toBe(1);
    expect(await app.snapshot()).toEqual(before);
    await app.close();
  });

  it('records what committed blocks did in the settlement metrics', async () => {
    const members = testMembers(4);
    const chain = new TestChain(members);
    const [a, b, c] = [...members].sort((x, y) => (x.id < y.id ? -1 : 1)) as [TestMember, TestMember, TestMember];
    const app = await open(members);
    const batch = batchBody(a.id, b.id, { count: 4 });
    const statement = statementOf(chain, batch, 123n, 50_000n);
    const reverse = batchBody(b.id, a.id);
    const statementBack = statementOf(chain, reverse, 456n, 20_000n);
    let height = 0;
    await block(app, ++height, [tx(agreementBody(a.id, b.id), a, b), tx(batch, a), tx(reverse, b)]);
    await block(app, ++height, [tx(statement, a), tx(statementBack, b)]);
    await block(app, ++height, [tx(acceptBody(idOf(statement)), b), tx(disputeBody(idOf(statementBack)), a)]);
    await block(app, ++height, [tx(resolveBody(idOf(statementBack), 15_000n), a, b), tx(acceptBody(idOf(statement)), b)]);
    const closed = await block(app, height + 1, [tx(closeBody(), c)]);
    expect(closed.txResults[0]?.ok).toBe(true);
    expect(JSON.parse(closed.txResults[0]!.log!)).toEqual([{ type: 'period_closed', period: '2026-11', nettedAmount: '35000', grossAmount: '65000', payments: 1 }]);

    const value = (name: string, labels: Record<string, string> = {}) => metricValue(telemetry, `consortium_settlement_${name}`, labels);
    expect(await value('records_committed_total', { creditor: a.id })).toBe(4);
    expect(await value('batches_committed_total', { creditor: b.id })).toBe(1);
    expect(await value('statements', { state: 'accepted' })).toBe(1);
    expect(await value('statements', { state: 'resolved' })).toBe(1);
    expect(await value('statements', { state: 'proposed' })).toBe(0);
    expect(await value('disputes_total', { event: 'opened' })).toBe(1);
    expect(await value('disputes_total', { event: 'resolved' })).toBe(1);
    expect(await value('txs_total', { type: 'accept_statement', code: 'duplicate' })).toBe(1);
    expect(await value('txs_total', { type: 'close_period', code: 'ok' })).toBe(1);
    expect(await value('proof_verifications_total', { stage: 'block', outcome: 'valid' })).toBe(2);
    expect(await value('batch_to_accepted_seconds')).toBe(1);
    expect(await value('period_netted_amount', { period: '2026-11' })).toBe(35_000);
    expect(await value('period_gross_amount', { period: '2026-11' })).toBe(65_000);
    await app.close();
  });

  it('shows the block-time age of the oldest statement its debtor has not answered, across a restart', async () => {
    const members = testMembers(5);
    const chain = new TestChain(members);
    const [a, b] = [...members].sort((x, y) => (x.id < y.id ? -1 : 1)) as [TestMember, TestMember];
    const directory = join(root, `node-${++folders}`);
    let app = await open(members, directory);
    const age = () => metricValue(telemetry, 'consortium_settlement_oldest_unanswered_statement_age_seconds');
    const batch = batchBody(a.id, b.id);
    const reverse = batchBody(b.id, a.id);
    const first = statementOf(chain, batch, 123n, 50_000n);
    const second = statementOf(chain, reverse, 456n, 20_000n);
    // block() puts its blocks a minute apart: height h at genesis + h minutes.
    await block(app, 1, [tx(agreementBody(a.id, b.id), a, b), tx(batch, a), tx(reverse, b)]);
    expect(await age()).toBe(0);
    await block(app, 2, [tx(first, a)]);
    expect(await age()).toBe(0);
    await block(app, 3, []);
    expect(await age()).toBe(60);
    await block(app, 4, [tx(second, b)]);
    expect(await age()).toBe(120);
    // The first is answered: the second, proposed a minute before block 5, is the oldest now.
    await block(app, 5, [tx(acceptBody(idOf(first)), b)]);
    expect(await age()).toBe(60);

    // A restart rebuilds the index from the database; the next block measures from it.
    await app.close();
    app = await open(members, directory);
    await block(app, 6, []);
    expect(await age()).toBe(120);
    await block(app, 7, [tx(disputeBody(idOf(second)), a)]);
    expect(await age()).toBe(0);
    await app.close();
  });

  it('shows the latest key epoch registered on chain, at start and when one is registered', async () => {
    const members = testMembers(4);
    const directory = join(root, `node-${++folders}`);
    telemetry.metrics.zkp.keyEpoch.set(0);
    let app = await open(members, directory);
    const epoch = () => metricValue(telemetry, 'consortium_zkp_key_epoch');
    expect(await epoch()).toBe(1);
    await block(app, 1, [tx(keyEpochBody(2), ...members)]);
    expect(await epoch()).toBe(2);
    await app.close();
    telemetry.metrics.zkp.keyEpoch.set(0);
    app = await open(members, directory);
    expect(await epoch()).toBe(2);
    await app.close();
  });

  it('judges a period close before the next block by the clock', async () => {
    const members = testMembers(4);
    let nowMs = Date.UTC(2026, 10, 30, 23, 59);
    const app = await open(members, undefined, () => nowMs);
    expect(await app.checkTx(tx(closeBody('2026-11'), members[0]!), 'new')).toMatchObject({ ok: false, code: 'period_not_over' });
    nowMs = Date.UTC(2026, 11, 1);
    expect(await app.checkTx(tx(closeBody('2026-11'), members[0]!), 'new')).toEqual({ ok: true });
    await app.close();
  });

  it('refuses to open a database whose record cannot be read', async () => {
    const members = testMembers(4);
    const directory = join(root, `node-${++folders}`);
    await (await open(members, directory)).close();
    const db = new ClassicLevel<string, Uint8Array>(directory, { valueEncoding: 'view' });
    await db.put('s:counters/chain', new Uint8Array([0xff]));
    await db.close();
    await expect(open(members, directory)).rejects.toThrow(SettlementStateCorruptionError);
  });

  it("refuses to open another chain's database", async () => {
    const members = testMembers(4);
    const directory = join(root, `node-${++folders}`);
    await (await open(members, directory)).close();
    const other = { ...genesisOf(members), chainId: 'another-chain' };
    await expect(SettlementApplication.open({ directory, genesis: other, verifier: ACCEPT_EVERY_PROOF })).rejects.toThrow(SettlementConfigError);
    await (await open(members, directory)).close();
  });

  it('refuses a snapshot of another height', async () => {
    const members = testMembers(4);
    const app = await open(members);
    const snapshot = await app.snapshot();
    await expect(app.restore(snapshot, 3)).rejects.toThrow(SettlementStateCorruptionError);
    await expect(app.restore(new Uint8Array([1, 2]), 0)).rejects.toThrow(SettlementStateCorruptionError);
    await app.close();
  });

  it('refuses a genesis with more members than exact netting handles', async () => {
    const base = testMembers(7);
    const many = Array.from({ length: 17 }, (_, i) => ({ ...base[i % 7]!, id: `member-${i}` }));
    await expect(open(many)).rejects.toThrow(SettlementConfigError);
  });

  it('starts every node from the same genesis state and app hash', async () => {
    const members = testMembers(7);
    const [x, y] = [await open(members), await open(members)];
    expect(await x.info()).toEqual(await y.info());
    expect((await x.info()).lastHeight).toBe(0);
    expect(x.state.get('keyEpoch', '1')?.pins.map((p) => p.circuit)).toEqual(['settlement-4']);
    await x.close();
    await y.close();
  });
});
