import { describe, expect, it } from 'vitest';
import { metricCatalogue } from '@consortium/telemetry';
import { SETTLEMENT_SERVICES } from '@consortium/zkp';
import * as settlement from '../../src/index.js';

/**
 * libs/telemetry sits below libs/settlement, so the settlement area of the metric catalogue
 * lists the transaction types, result codes, statement states and services by hand. These
 * tests fail when the two drift apart.
 */

const S = settlement;
/** One instance of every refusal class, with arguments of the right shape. */
const refusals: settlement.SettlementTxError[] = [
  new S.OversizedTxError(2, 1),
  new S.MalformedTxError('x'),
  new S.UnknownTxTypeError('x'),
  new S.InvalidTxFieldError('body.x', 'x'),
  new S.UnknownMemberError('body.x', 'x'),
  new S.InvalidTxSignatureError('x'),
  new S.MissingSignatureError(['x'], 'x'),
  new S.UnexpectedSignerError('x', 'x'),
  new S.DuplicateError('x'),
  new S.NoAgreementInForceError('a', 'b', '2026-11'),
  new S.BatchRangeError('gap', 0n, 1n),
  new S.BatchExceedsCircuitsError(5, 4),
  new S.UnknownBatchError('x'),
  new S.StatementMismatchError('total', 'x'),
  new S.UnknownKeyEpochError(2),
  new S.CircuitNotInEpochError(1, 'x'),
  new S.KeyEpochOrderError('x'),
  new S.KeyEpochNotInForceError(1, 2, 'x'),
  new S.ProofRejectedError('invalid', 'x'),
  new S.UnknownStatementError('x'),
  new S.StatementStateError('x', 'accepted', 'x'),
  new S.PeriodClosedError('2026-11'),
  new S.PeriodNotOverError('2026-11', 0),
  new S.PeriodUnsettledError('2026-11', ['x']),
  new S.TooManyMembersForNettingError(17, 16),
];

describe('the settlement metric catalogue and the library agree', () => {
  const definitions = metricCatalogue.settlement;

  it('on every refusal class and its code', () => {
    const exported = Object.values(settlement).filter((value) => typeof value === 'function' && value.prototype instanceof S.SettlementTxError) as (abstract new (...args: never[]) => unknown)[];
    expect(new Set(refusals.map((error) => error.constructor))).toEqual(new Set(exported));
    expect(new Set(['ok', ...refusals.map((error) => error.code)])).toEqual(new Set(definitions.txsTotal.labels.code));
    const securityKinds: readonly string[] = metricCatalogue.security.invalidMessagesTotal.labels.kind;
    for (const error of refusals) expect(securityKinds).toContain(error.kind);
  });

  it('on transaction types, statement states and services', () => {
    expect([...definitions.txsTotal.labels.type]).toEqual([...S.SETTLEMENT_TX_TYPES]);
    expect([...definitions.statements.labels.state]).toEqual([...S.STATEMENT_STATES]);
    expect([...definitions.anomaliesTotal.labels.service]).toEqual([...SETTLEMENT_SERVICES]);
    expect([...definitions.anomaliesTotal.labels.kind]).toEqual([...S.ANOMALY_KINDS]);
  });
});
