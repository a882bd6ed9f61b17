import type { MemberId } from '../../domain/types.js';
import { BatchExceedsCircuitsError, BatchRangeError, NoAgreementInForceError, PeriodClosedError, UnknownMemberError } from '../../errors.js';
import type { CommitUsageBatchBody } from '../../tx/types.js';
import { batchChainIdOf, batchIdOf, succeed, type SettlementEvent, type TxContext, type TxOutcome } from '../context.js';
import { agreementInForce, batchChainOf, countersOf, largestProvableBatch, periodOf, requireSigners } from '../lookups.js';
import { write, type StateReader, type StateWrite } from '../store.js';

/**
 * commit_usage_batch: the creditor commits a batch of its records (commitments only). Batches of
 * a (creditor, debtor, period) are contiguous from record id 0, so no record counts twice and
 * none goes missing. The chain keeps no volume per service (T33): anomaly detection runs on the
 * two parties' nodes, over the records they hold.
 */
export function commitUsageBatch(state: StateReader, body: CommitUsageBatchBody, signers: ReadonlySet<MemberId>, context: TxContext): TxOutcome {
  for (const field of ['creditor', 'debtor'] as const) {
    if (!context.members.some((m) => m.id === body[field])) throw new UnknownMemberError(`body.${field}`, body[field]);
  }
  requireSigners(signers, [body.creditor], 'a usage batch');
  const counters = countersOf(state);
  if (counters.closedPeriods.includes(body.period)) throw new PeriodClosedError(body.period);
  if (agreementInForce(state, body.creditor, body.debtor, body.period) === null) throw new NoAgreementInForceError(body.creditor, body.debtor, body.period);
  const largest = largestProvableBatch(state, counters.latestKeyEpoch);
  if (largest !== null && body.count > largest) throw new BatchExceedsCircuitsError(body.count, largest);

  const chain = batchChainOf(state, body.creditor, body.debtor, body.period);
  const id = batchIdOf(body.creditor, body.debtor, body.period, body.firstId);
  if (body.firstId !== chain.nextFirstId) {
    const problem = state.get('batch', id) !== undefined ? 'repeat' : body.firstId < chain.nextFirstId ? 'overlap' : 'gap';
    throw new BatchRangeError(problem, chain.nextFirstId, body.firstId);
  }

  const period = periodOf(state, body.period);
  const chainId = batchChainIdOf(body.creditor, body.debtor, body.period);
  const writes: StateWrite[] = [
    write('batch', id, {
      id,
      creditor: body.creditor,
      debtor: body.debtor,
      period: body.period,
      firstId: body.firstId,
      count: body.count,
      batchCommitment: body.batchCommitment,
      recordsDigest: body.recordsDigest,
      height: context.height,
      timeMs: context.timeMs,
      statementIds: [],
      settledStatementId: null,
    }),
    write('batchChain', chainId, { nextFirstId: body.firstId + BigInt(body.count), batches: chain.batches + 1 }),
    write('period', body.period, { ...period, chains: period.chains.includes(chainId) ? period.chains : [...period.chains, chainId], batches: period.batches + 1 }),
  ];
  const events: SettlementEvent[] = [{ type: 'batch_committed', batchId: id, creditor: body.creditor, records: body.count }];
  return succeed(writes, events);
}
