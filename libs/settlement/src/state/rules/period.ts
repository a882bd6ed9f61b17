import type { MemberId } from '../../domain/types.js';
import { periodEndMs } from '../../domain/period.js';
import { DuplicateError, PeriodNotOverError, PeriodUnsettledError, UnexpectedSignerError } from '../../errors.js';
import { netMultilateral, type SettledAmount } from '../../netting.js';
import type { ClosePeriodBody } from '../../tx/types.js';
import { succeed, type TxContext, type TxOutcome } from '../context.js';
import { batchesOfPeriod, countersOf, COUNTERS_ID, periodOf } from '../lookups.js';
import { write, type StateReader } from '../store.js';

/**
 * close_period (any one member signs): refused before the period is over (block time) and while a batch of the period lacks a settled
 * statement; otherwise nets every settled statement (the agreed total of a resolved one, the
 * proven total of an accepted one) into the fewest payments.
 */
export function closePeriod(state: StateReader, body: ClosePeriodBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  if (signers.size !== 1) throw new UnexpectedSignerError([...signers].sort()[1]!, 'a period close (one member signs it)');
  const [closedBy] = [...signers] as [MemberId];
  const counters = countersOf(state);
  if (counters.closedPeriods.includes(body.period)) throw new DuplicateError(`period ${body.period} is already closed`);
  const endsAtMs = periodEndMs(body.period);
  if (context.timeMs < endsAtMs) throw new PeriodNotOverError(body.period, endsAtMs);
  const period = periodOf(state, body.period);

  const unsettled: string[] = [];
  const amounts: SettledAmount[] = [];
  const statementIds: string[] = [];
  for (const batch of batchesOfPeriod(state, period)) {
    const settledId = batch.settledStatementId;
    if (settledId === null) {
      unsettled.push(batch.id);
      continue;
    }
    const statement = state.get('statement', settledId)!;
    const amount = statement.resolution?.agreedTotal ?? statement.publicInputs.total;
    amounts.push({ creditor: statement.creditor, debtor: statement.debtor, amount });
    statementIds.push(statement.id);
  }
  if (unsettled.length > 0) throw new PeriodUnsettledError(body.period, unsettled);

  const { balances, payments } = netMultilateral(
    context.members.map((m) => m.id),
    amounts,
  );
  const grossAmount = amounts.reduce((sum, a) => sum + a.amount, 0n);
  const nettedAmount = payments.reduce((sum, p) => sum + p.amount, 0n);
  return succeed(
    [
      write('period', body.period, { ...period, closed: { height: context.height, timeMs: context.timeMs, closedBy } }),
      write('netting', body.period, { period: body.period, balances, payments, statementIds: statementIds.sort(), grossAmount, nettedAmount, height: context.height }),
      write('counters', COUNTERS_ID, { ...counters, closedPeriods: [...counters.closedPeriods, body.period].sort() }),
    ],
    [{ type: 'period_closed', period: body.period, nettedAmount, grossAmount, payments: payments.length }],
  );
}
