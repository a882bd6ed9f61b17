import { describe, expect, it } from 'vitest';
import {
  BatchExceedsCircuitsError,
  BatchRangeError,
  CircuitNotInEpochError,
  DuplicateError,
  KeyEpochNotInForceError,
  KeyEpochOrderError,
  keyEpochInForce,
  SETTLEMENT_LIMITS_TABLE,
  MissingSignatureError,
  NoAgreementInForceError,
  PeriodClosedError,
  PeriodNotOverError,
  PeriodUnsettledError,
  ProofRejectedError,
  StatementMismatchError,
  StatementStateError,
  UnexpectedSignerError,
  UnknownBatchError,
  UnknownKeyEpochError,
  UnknownMemberError,
  UnknownStatementError,
} from '../../src/index.js';
import { acceptBody, agreementBody, batchBody, closeBody, disputeBody, keyEpochBody, resolveBody, SAMPLE_PROOF } from '../support/bodies.js';
import { hexId as toHexId, idOf, statementOf, TestChain, VALID } from '../support/chain.js';
import { testMembers, type TestMember } from '../support/members.js';

const RATES_AB = 1_111n;
const RATES_BA = 2_222n;

/** A chain where members[0] and members[1] have an agreement for 2026, with one committed batch a -> b. */
function setup(count: 4 | 5 | 7 = 5) {
  const members = testMembers(count);
  const chain = new TestChain(members);
  const [a, b, c] = [...members].sort((x, y) => (x.id < y.id ? -1 : 1)) as [TestMember, TestMember, TestMember];
  chain.ok(agreementBody(a.id, b.id, { commitments: [RATES_AB, RATES_BA] }), [a, b]);
  const batch = batchBody(a.id, b.id);
  chain.ok(batch, [a]);
  return { chain, members, a, b, c, batch };
}

describe('register_agreement', () => {
  it('needs both parties and nobody else, once', () => {
    const members = testMembers(5);
    const chain = new TestChain(members);
    const [a, b, c] = members as [TestMember, TestMember, TestMember];
    const body = agreementBody(a.id, b.id);
    expect(chain.refused(body, [a], MissingSignatureError).members).toEqual(body.members);
    expect(chain.refused(body, [a, b, c], UnexpectedSignerError).member).toBe(c.id);
    const outcome = chain.ok(body, [a, b]);
    expect(outcome.events[0]).toMatchObject({ type: 'agreement_registered', members: body.members });
    chain.refused(body, [a, b], DuplicateError);
  });

  it('refuses a party genesis does not list', () => {
    const members = testMembers(4);
    const chain = new TestChain(members);
    const error = chain.refused(agreementBody(members[0]!.id, 'Zz-Unknown'), [members[0]!], UnknownMemberError);
    expect(error.field).toMatch(/^body\.members\[[01]\]$/);
  });
});

describe('commit_usage_batch', () => {
  it('needs an agreement in force for the pair and period', () => {
    const { chain, a, b, c } = setup();
    chain.refused(batchBody(a.id, c.id), [a], NoAgreementInForceError);
    chain.refused(batchBody(a.id, b.id, { period: '2027-01', firstId: 0n }), [a], NoAgreementInForceError);
  });

  it('is refused when no circuit of the registered key epochs could prove it', () => {
    const { chain, a, b } = setup();
    // genesis pins settlement-4 only
    const error = chain.refused(batchBody(a.id, b.id, { firstId: 4n, count: 5 }), [a], BatchExceedsCircuitsError);
    expect([error.count, error.largestBatchSize]).toEqual([5, 4]);
    chain.ok(keyEpochBody(2, ['settlement-16']), chain.members);
    chain.ok(batchBody(a.id, b.id, { firstId: 4n, count: 16 }), [a]);
  });

  it('is signed by the creditor only', () => {
    const { chain, a, b } = setup();
    chain.refused(batchBody(a.id, b.id, { firstId: 4n }), [b], MissingSignatureError);
    chain.refused(batchBody(a.id, b.id, { firstId: 4n }), [a, b], UnexpectedSignerError);
  });

  it('keeps the record ids of a pair and period contiguous: no overlap, gap or repeat', () => {
    const { chain, a, b, batch } = setup();
    expect(chain.refused(batch, [a], BatchRangeError).problem).toBe('repeat');
    const overlap = chain.refused(batchBody(a.id, b.id, { firstId: 2n }), [a], BatchRangeError);
    expect([overlap.problem, overlap.expectedFirstId, overlap.firstId]).toEqual(['overlap', 4n, 2n]);
    expect(chain.refused(batchBody(a.id, b.id, { firstId: 5n }), [a], BatchRangeError).problem).toBe('gap');
    chain.ok(batchBody(a.id, b.id, { firstId: 4n, count: 3 }), [a]);
    chain.ok(batchBody(a.id, b.id, { firstId: 7n }), [a]);
    // the other direction and another period have chains of their own, each starting at 0
    expect(chain.refused(batchBody(b.id, a.id, { firstId: 4n }), [b], BatchRangeError).problem).toBe('gap');
    chain.ok(batchBody(b.id, a.id), [b]);
    chain.ok(batchBody(a.id, b.id, { period: '2026-12' }), [a]);
    expect(chain.state.get('batchChain', `${a.id}>${b.id}/2026-11`)?.nextFirstId).toBe(11n);
  });
});

describe('propose_statement', () => {
  it('is proposed by the creditor when it matches the batch and the agreement in force and its proof verified', () => {
    const { chain, a, b, batch } = setup();
    const statement = statementOf(chain, batch, RATES_AB, 10_000n);
    chain.refused(statement, [b], MissingSignatureError, VALID);
    const outcome = chain.ok(statement, [a], VALID);
    const id = Buffer.from(idOf(statement)).toString('hex');
    expect(outcome.events).toContainEqual({ type: 'statement_state', statementId: id, state: 'proposed', batchId: `${a.id}>${b.id}/2026-11/0` });
    expect(chain.state.get('statement', id)).toMatchObject({ state: 'proposed', creditor: a.id, debtor: b.id, period: '2026-11' });
    expect(chain.state.get('batch', `${a.id}>${b.id}/2026-11/0`)?.statementIds).toEqual([id]);
  });

  it('is identified by content: another proof of the same public inputs is the same statement, refused as a duplicate', () => {
    const { chain, a, batch } = setup();
    chain.ok(statementOf(chain, batch, RATES_AB, 10_000n), [a], VALID);
    const otherProof = { ...SAMPLE_PROOF, pi_a: ['11', '12', '1'] };
    chain.refused(statementOf(chain, batch, RATES_AB, 10_000n, { proof: otherProof as never }), [a], DuplicateError, VALID);
  });

  it('refuses a proof the application found invalid, or did not verify', () => {
    const { chain, a, batch } = setup();
    const statement = statementOf(chain, batch, RATES_AB, 10_000n);
    expect(chain.refused(statement, [a], ProofRejectedError, { outcome: 'invalid', detail: 'pairing' }).outcome).toBe('invalid');
    expect(chain.refused(statement, [a], ProofRejectedError).outcome).toBe('unverified');
  });

  it('must match a committed batch exactly', () => {
    const { chain, a, batch } = setup();
    chain.refused(statementOf(chain, { ...batch, firstId: 4n }, RATES_AB, 1n), [a], UnknownBatchError, VALID);
    expect(chain.refused(statementOf(chain, { ...batch, count: 3 }, RATES_AB, 1n), [a], StatementMismatchError, VALID).field).toBe('count');
    expect(chain.refused(statementOf(chain, { ...batch, batchCommitment: 5n }, RATES_AB, 1n), [a], StatementMismatchError, VALID).field).toBe('batchCommitment');
  });

  it("must carry the rate commitment of its direction in the agreement in force: a superseded table no longer proves", () => {
    const { chain, a, b, batch } = setup();
    expect(chain.refused(statementOf(chain, batch, RATES_BA, 1n), [a], StatementMismatchError, VALID).field).toBe('rateCommitment');
    // a new agreement from 2026-11 on supersedes the old one for November
    chain.ok(agreementBody(a.id, b.id, { fromPeriod: '2026-11', toPeriod: '2027-06', commitments: [3_333n, 4_444n] }), [a, b]);
    expect(chain.refused(statementOf(chain, batch, RATES_AB, 1n), [a], StatementMismatchError, VALID).field).toBe('rateCommitment');
    chain.ok(statementOf(chain, batch, 3_333n, 1n), [a], VALID);
    // October is still priced by the old agreement
    const october = batchBody(a.id, b.id, { period: '2026-10' });
    chain.ok(october, [a]);
    chain.refused(statementOf(chain, october, 3_333n, 1n), [a], StatementMismatchError, VALID);
    chain.ok(statementOf(chain, october, RATES_AB, 1n), [a], VALID);
  });

  it('names a key epoch that exists and a circuit it pins', () => {
    const { chain, a, batch } = setup();
    expect(chain.refused(statementOf(chain, batch, RATES_AB, 1n, { epoch: 2 }), [a], UnknownKeyEpochError, VALID).epoch).toBe(2);
    chain.refused(statementOf(chain, batch, RATES_AB, 1n, { circuit: 'settlement-16' }), [a], CircuitNotInEpochError, VALID);
  });

  it('refuses public inputs naming a TADIG no member has', () => {
    const { chain, a, batch } = setup();
    const statement = statementOf(chain, batch, RATES_AB, 1n);
    const error = chain.refused({ ...statement, publicInputs: { ...statement.publicInputs, debtor: 42n } }, [a], UnknownMemberError, VALID);
    expect(error.field).toBe('body.publicInputs.debtor');
  });

  it('refuses a second statement for a batch while the first is live', () => {
    const { chain, a, batch } = setup();
    chain.ok(statementOf(chain, batch, RATES_AB, 1n), [a], VALID);
    chain.refused(statementOf(chain, batch, RATES_AB, 2n), [a], StatementStateError, VALID);
  });
});

describe('accept, dispute, resolve', () => {
  function proposed() {
    const s = setup();
    const statement = statementOf(s.chain, s.batch, RATES_AB, 10_000n);
    s.chain.ok(statement, [s.a], VALID);
    return { ...s, statement, id: idOf(statement) };
  }

  it('the debtor accepts once; the time from batch to acceptance is reported', () => {
    const { chain, a, b, id } = proposed();
    chain.refused(acceptBody(id), [a], MissingSignatureError);
    // blocks are a minute apart: the batch at height 2, the statement at 3, the refused acceptance at 4
    const outcome = chain.ok(acceptBody(id), [b]);
    expect(outcome.events).toContainEqual({ type: 'statement_accepted', statementId: toHexId(id), batchToAcceptedMs: 3 * 60_000 });
    chain.refused(acceptBody(id), [b], DuplicateError);
    chain.refused(disputeBody(id), [b], StatementStateError);
    chain.refused(acceptBody(new Uint8Array(32)), [b], UnknownStatementError);
  });

  it('a disputed statement is superseded by a new statement for the same batch', () => {
    const { chain, a, b, batch, id } = proposed();
    chain.ok(disputeBody(id), [b]);
    chain.refused(disputeBody(id), [b], DuplicateError);
    chain.refused(acceptBody(id), [b], StatementStateError);
    const corrected = statementOf(chain, batch, RATES_AB, 9_000n);
    chain.ok(corrected, [a], VALID);
    expect(chain.state.get('statement', toHexId(id))).toMatchObject({ state: 'superseded', supersededBy: toHexId(idOf(corrected)) });
    expect(chain.state.get('statement', toHexId(id))?.dispute).toMatchObject({ reasonCode: 'duplicate_records' });
    chain.ok(acceptBody(idOf(corrected)), [b]);
  });

  it('a dispute is resolved by both parties with the agreed total', () => {
    const { chain, a, b, c, id } = proposed();
    chain.refused(resolveBody(id, 9_500n), [a, b], StatementStateError);
    chain.ok(disputeBody(id), [b]);
    chain.refused(resolveBody(id, 9_500n), [b], MissingSignatureError);
    chain.refused(resolveBody(id, 9_500n), [a, b, c], UnexpectedSignerError);
    chain.ok(resolveBody(id, 9_500n), [a, b]);
    expect(chain.state.get('statement', toHexId(id))?.resolution?.agreedTotal).toBe(9_500n);
    chain.refused(resolveBody(id, 9_500n), [a, b], DuplicateError);
  });
});

describe('close_period', () => {
  it('is refused while a batch has no settled statement, naming it; then nets and closes the period once', () => {
    const { chain, a, b, c, batch } = setup();
    const reverse = batchBody(b.id, a.id);
    chain.ok(reverse, [b]);
    const error = chain.refused(closeBody(), [c], PeriodUnsettledError);
    expect(error.batchIds).toEqual([`${a.id}>${b.id}/2026-11/0`, `${b.id}>${a.id}/2026-11/0`]);

    const ab = statementOf(chain, batch, RATES_AB, 10_000n);
    chain.ok(ab, [a], VALID);
    chain.ok(acceptBody(idOf(ab)), [b]);
    const ba = statementOf(chain, reverse, RATES_BA, 4_000n);
    chain.ok(ba, [b], VALID);
    chain.ok(disputeBody(idOf(ba)), [a]);
    expect(chain.refused(closeBody(), [c], PeriodUnsettledError).batchIds).toEqual([`${b.id}>${a.id}/2026-11/0`]);
    chain.ok(resolveBody(idOf(ba), 3_000n), [a, b]);

    chain.refused(closeBody(), [a, c], UnexpectedSignerError);
    const outcome = chain.ok(closeBody(), [c]);
    expect(outcome.events).toContainEqual({ type: 'period_closed', period: '2026-11', nettedAmount: 7_000n, grossAmount: 13_000n, payments: 1 });
    const netting = chain.state.get('netting', '2026-11')!;
    expect(netting.payments).toEqual([{ from: b.id, to: a.id, amount: 7_000n }]);
    expect(netting.balances.find((x) => x.member === a.id)?.balance).toBe(7_000n);
    expect(netting.balances).toHaveLength(chain.members.length);

    chain.refused(closeBody(), [a], DuplicateError);
    chain.refused(batchBody(a.id, b.id, { firstId: 4n }), [a], PeriodClosedError);
    chain.refused(agreementBody(a.id, b.id, { fromPeriod: '2026-11', toPeriod: '2026-12' }), [a, b], PeriodClosedError);
  });

  it('closes a period without batches with nothing to pay', () => {
    const { chain, a } = setup();
    chain.ok(closeBody('2026-05'), [a]);
    expect(chain.state.get('netting', '2026-05')?.payments).toEqual([]);
  });

  it('is refused before the period is over by the block time', () => {
    const { chain, a } = setup();
    // the test chain's blocks are in December 2026
    const error = chain.refused(closeBody('2026-12'), [a], PeriodNotOverError);
    expect(new Date(error.endsAtMs).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    chain.refused(closeBody('2027-03'), [a], PeriodNotOverError);
  });
});

describe.each([4, 5, 7] as const)('register_key_epoch with %i members', (count) => {
  it('needs every member, in order, once', () => {
    const members = testMembers(count);
    const chain = new TestChain(members);
    chain.refused(keyEpochBody(2), members.slice(1), MissingSignatureError);
    chain.refused(keyEpochBody(3), members, KeyEpochOrderError);
    chain.ok(keyEpochBody(2), members);
    expect(chain.state.get('keyEpoch', '2')?.pins[0]?.circuit).toBe('settlement-4');
    chain.refused(keyEpochBody(2), members, DuplicateError);
  });

  it('activates ahead of its block, and after the epoch before it', () => {
    const members = testMembers(count);
    const chain = new TestChain(members);
    chain.height = 99;
    // the block refused is height 100, the one registering it 101
    expect(chain.refused(keyEpochBody(2, ['settlement-4'], 100), members, KeyEpochOrderError).message).toMatch(/state a height ahead/);
    const outcome = chain.ok(keyEpochBody(2, ['settlement-4'], 200), members);
    expect(outcome.events).toContainEqual({ type: 'key_epoch_registered', epoch: 2, activationHeight: 200 });
    expect(chain.state.get('keyEpoch', '2')).toMatchObject({ height: 101, activationHeight: 200 });
    expect(chain.refused(keyEpochBody(3, ['settlement-4'], 150), members, KeyEpochOrderError).message).toMatch(/not after epoch 2 \(200\)/);
    chain.ok(keyEpochBody(3, ['settlement-4'], 201), members);
    expect([keyEpochInForce(chain.state, 199), keyEpochInForce(chain.state, 200), keyEpochInForce(chain.state, 201)]).toEqual([1, 2, 3]);
  });

  it('switches proofs to the new epoch at its height; the old one is taken for the grace blocks, then refused', () => {
    const { chain, members, a, b, batch } = setup(count);
    const activation = chain.height + 10;
    chain.ok(keyEpochBody(2, ['settlement-4'], activation), members);
    const statement = (epoch: number, total = 10_000n) => statementOf(chain, batch, RATES_AB, total, { epoch });

    // before the switch: epoch 2 is registered (its keys are on chain) but not in force
    const early = chain.refused(statement(2), [a], KeyEpochNotInForceError, VALID);
    expect([early.epoch, early.inForce]).toEqual([2, 1]);
    expect(early.message).toMatch(new RegExp(`activates at height ${activation}`));

    // in the grace blocks after it, a statement proved under epoch 1 still lands
    chain.height = activation + SETTLEMENT_LIMITS_TABLE.keyEpochGraceBlocks - 2;
    const late = chain.ok(statement(1), [a], VALID);
    expect(late.events[0]).toMatchObject({ type: 'statement_state', state: 'proposed' });
    chain.ok(disputeBody(idOf(statement(1))), [b]);

    // after them only epoch 2 proves; the statement under epoch 1 stays on chain as it was
    const refused = chain.refused(statement(1, 10_001n), [a], KeyEpochNotInForceError, VALID);
    expect(refused.message).toMatch(/prove the statement again under epoch 2/);
    chain.ok(statement(2), [a], VALID);
    expect(chain.state.get('statement', toHexId(idOf(statement(1))))).toMatchObject({ epoch: 1, state: 'superseded' });
    expect(chain.state.get('statement', toHexId(idOf(statement(2))))).toMatchObject({ epoch: 2, state: 'proposed' });
  });
});

describe.each([4, 5, 7] as const)('a period among %i members', (count) => {
  it('nets a ring of statements into the fewest payments, every balance settled', () => {
    const members = [...testMembers(count)].sort((x, y) => (x.id < y.id ? -1 : 1));
    const chain = new TestChain(members);
    const amounts: { creditor: string; debtor: string; amount: bigint }[] = [];
    members.forEach((creditor, i) => {
      const debtor = members[(i + 1) % members.length]!;
      const [first, second] = creditor.id < debtor.id ? [creditor, debtor] : [debtor, creditor];
      chain.ok(agreementBody(first.id, second.id, { commitments: [10n + BigInt(i), 20n + BigInt(i)] }), [first, second]);
      const batch = batchBody(creditor.id, debtor.id);
      chain.ok(batch, [creditor]);
      const amount = 1_000n * BigInt(i + 1);
      const statement = statementOf(chain, batch, creditor === first ? 10n + BigInt(i) : 20n + BigInt(i), amount);
      chain.ok(statement, [creditor], VALID);
      chain.ok(acceptBody(idOf(statement)), [debtor]);
      amounts.push({ creditor: creditor.id, debtor: debtor.id, amount });
    });
    chain.ok(closeBody(), [members.at(-1)!]);
    const netting = chain.state.get('netting', '2026-11')!;
    expect(netting.balances).toHaveLength(count);
    expect(netting.statementIds).toHaveLength(count);
    // member i bills member i + 1 for (i + 1) thousand: the first member owes n - 1 thousand net and
    // every other member is owed one thousand, so n - 1 payments and no fewer
    expect(netting.payments).toHaveLength(count - 1);
    const settled = new Map(netting.balances.map((b) => [b.member, b.balance]));
    for (const p of netting.payments) {
      settled.set(p.from, settled.get(p.from)! + p.amount);
      settled.set(p.to, settled.get(p.to)! - p.amount);
    }
    expect([...settled.values()].every((v) => v === 0n)).toBe(true);
    expect(netting.grossAmount).toBe(amounts.reduce((sum, a) => sum + a.amount, 0n));
  });
});
