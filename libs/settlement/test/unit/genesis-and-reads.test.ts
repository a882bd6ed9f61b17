import { describe, expect, it } from 'vitest';
import { getBatch, getStatement, keyEpochsFromGenesis, listAgreements, listPeriods, listStatements, MapState, SettlementConfigError } from '../../src/index.js';
import { agreementBody, batchBody, disputeBody } from '../support/bodies.js';
import { GENESIS_ARTIFACTS, hexId, idOf, statementOf, TestChain, VALID } from '../support/chain.js';
import { testMembers, type TestMember } from '../support/members.js';

describe('key epochs from genesis', () => {
  it('reads the pins of each epoch and circuit, and ignores other artifacts', () => {
    const epochs = keyEpochsFromGenesis({ ...GENESIS_ARTIFACTS, 'epoch-2/settlement-16.zkey': '01'.repeat(32), 'epoch-2/settlement-16.wasm': '02'.repeat(32), 'epoch-2/settlement-16.vkey': '03'.repeat(32), 'ceremony/transcript.json': 'ff'.repeat(32) });
    expect(epochs.map((e) => [e.epoch, e.pins.map((p) => p.circuit)])).toEqual([
      [1, ['settlement-4']],
      [2, ['settlement-16']],
    ]);
    expect(epochs[1]!.pins[0]!.wasm).toEqual(new Uint8Array(32).fill(2));
  });

  it('refuses a gap between epochs, a partly pinned circuit, and a digest that is not sha256 hex', () => {
    const epoch2 = Object.fromEntries(Object.entries(GENESIS_ARTIFACTS).map(([k, v]) => [k.replace('epoch-1', 'epoch-2'), v]));
    expect(() => keyEpochsFromGenesis(epoch2)).toThrow(SettlementConfigError);
    expect(() => keyEpochsFromGenesis({ 'epoch-1/settlement-4.zkey': 'aa'.repeat(32) })).toThrow(SettlementConfigError);
    expect(() => keyEpochsFromGenesis({ ...GENESIS_ARTIFACTS, 'epoch-1/settlement-4.zkey': 'xyz' })).toThrow(SettlementConfigError);
  });
});

describe('reads: member and public views', () => {
  it("shows a pair's figures to its parties only", () => {
    const members = testMembers(5);
    const chain = new TestChain(members);
    const [a, b, c] = [...members].sort((x, y) => (x.id < y.id ? -1 : 1)) as [TestMember, TestMember, TestMember];
    chain.ok(agreementBody(a.id, b.id), [a, b]);
    const batch = batchBody(a.id, b.id);
    chain.ok(batch, [a]);
    const statement = statementOf(chain, batch, 123n, 777n);
    chain.ok(statement, [a], VALID);
    chain.ok(disputeBody(idOf(statement), 'the roaming partner sent records twice'), [b]);
    const state = new MapState(chain.entries);
    const id = hexId(idOf(statement));
    const asParty = getStatement(state, id, { kind: 'member', member: b.id })!;
    const asThird = getStatement(state, id, { kind: 'member', member: c.id })!;
    const asPublic = getStatement(state, id, { kind: 'public' })!;
    expect(asParty.publicInputs?.total).toBe(777n);
    expect(asParty.dispute?.reason).toBe('the roaming partner sent records twice');
    for (const view of [asThird, asPublic]) {
      expect(view).toMatchObject({ publicInputs: null, proof: null, state: 'disputed', creditor: a.id, debtor: b.id });
      expect(view.dispute).toMatchObject({ reasonCode: 'duplicate_records', reason: null });
    }
    const publicBatch = getBatch(state, batch.creditor + '>' + batch.debtor + '/2026-11/0', { kind: 'public' });
    expect(publicBatch).toMatchObject({ recordsDigest: null, batchCommitment: null, count: 4 });
    // T33: the chain holds no volumes, so no view has them to hide or show
    expect(publicBatch).not.toHaveProperty('volumes');
    expect(getBatch(state, batch.creditor + '>' + batch.debtor + '/2026-11/0', { kind: 'member', member: batch.creditor })).not.toHaveProperty('volumes');
    expect(listAgreements(state, { kind: 'member', member: c.id })[0]?.rateCommitments).toBeNull();
    expect(listAgreements(state, { kind: 'member', member: a.id })[0]?.rateCommitments).toHaveLength(2);
    expect(listStatements(state, { kind: 'public' }, { state: 'disputed' }).map((s) => s.id)).toEqual([id]);
    expect(listStatements(state, { kind: 'public' }, { pair: [b.id, a.id] })).toHaveLength(1);
    expect(listStatements(state, { kind: 'public' }, { pair: [b.id, c.id] })).toHaveLength(0);
    expect(listPeriods(state)).toEqual([{ period: '2026-11', batches: 1, settledBatches: 0, closed: null }]);
  });
});
