import type { SettlementsView, StatementState, ZkpView } from '../../protocol.js';
import { matrixPeriodOf, type ChainData } from '../collect/chain-reader.js';
import { latestValues, sumBy } from '../collect/queries.js';
import { DASHBOARD_LIMITS } from '../limits.js';
import type { DeriveContext } from './context.js';

/**
 * The settlements and ZKP views from what the chain reader fetched. Amounts stay decimal strings
 * of integer minor units: sums are made in bigint and printed back, never through a float.
 */

const STATES: readonly StatementState[] = ['proposed', 'accepted', 'disputed', 'superseded', 'resolved'];
const emptyStates = (): Record<StatementState, number> => ({ proposed: 0, accepted: 0, disputed: 0, superseded: 0, resolved: 0 });
const isState = (state: string): state is StatementState => (STATES as readonly string[]).includes(state);

/** A decimal string of an integer, or null when it is not one (a malformed answer adds nothing). */
function integer(text: string | null | undefined): bigint | null {
  return typeof text === 'string' && /^-?\d+$/.test(text) ? BigInt(text) : null;
}

/** What the anomalies list says when the dashboard holds no member's own token. */
export const ANOMALIES_ARE_THE_PARTIES = "Anomalies are the parties' data: each member's node shows those of its own pairs to its operators only. Give the dashboard a member's totals token (tokens.totals) to list that member's.";

export const EMPTY_SETTLEMENTS: SettlementsView = { periods: [], pairs: [], matrix: { period: null, cells: [] }, anomalies: [], anomaliesUnavailable: null, disputes: [] };

export function settlementsView(data: ChainData): SettlementsView {
  const periods = data.periods.map((period) => {
    const netting = data.nettings.get(period.period);
    return {
      period: period.period,
      closed: period.closed !== null,
      batches: period.batches,
      settledBatches: period.settledBatches,
      netting: netting === undefined ? null : { grossAmount: netting.grossAmount, nettedAmount: netting.nettedAmount, payments: netting.payments.map(({ from, to, amount }) => ({ from, to, amount })) },
    };
  });

  const pairs = new Map<string, { creditor: string; debtor: string; states: Record<StatementState, number> }>();
  for (const statement of data.statements) {
    if (!isState(statement.state)) continue;
    const key = `${statement.creditor}>${statement.debtor}`;
    const pair = pairs.get(key) ?? { creditor: statement.creditor, debtor: statement.debtor, states: emptyStates() };
    pair.states[statement.state] += 1;
    pairs.set(key, pair);
  }

  // The matrix of the latest closed period (else the latest): what each creditor bills each debtor in settled statements
  // (accepted: the proven total; resolved: the agreed one). Only the parties' own view carries
  // totals, so a public reader shows the cells it can see.
  const shownPeriod = matrixPeriodOf(data.periods);
  const cells = new Map<string, { creditor: string; debtor: string; amount: bigint }>();
  for (const statement of data.statements) {
    if (statement.period !== shownPeriod) continue;
    const amount = statement.state === 'accepted' ? integer(statement.publicInputs?.total) : statement.state === 'resolved' ? integer(statement.resolution?.agreedTotal) : null;
    if (amount === null) continue;
    const key = `${statement.creditor}>${statement.debtor}`;
    const cell = cells.get(key) ?? { creditor: statement.creditor, debtor: statement.debtor, amount: 0n };
    cell.amount += amount;
    cells.set(key, cell);
  }

  const disputes = data.statements
    .filter((statement) => statement.dispute !== null && (statement.state === 'disputed' || statement.state === 'resolved' || statement.state === 'superseded'))
    .slice(-DASHBOARD_LIMITS.disputesMax)
    .reverse()
    .map((statement) => ({
      statementId: statement.id,
      creditor: statement.creditor,
      debtor: statement.debtor,
      period: statement.period,
      state: statement.state as StatementState,
      reason: statement.dispute!.reason ?? statement.dispute!.reasonCode,
    }));

  return {
    periods,
    pairs: [...pairs.values()].sort((a, b) => (a.creditor === b.creditor ? (a.debtor < b.debtor ? -1 : 1) : a.creditor < b.creditor ? -1 : 1)),
    matrix: { period: shownPeriod, cells: [...cells.values()].map(({ creditor, debtor, amount }) => ({ creditor, debtor, amount: amount.toString() })) },
    anomalies: [...data.anomalies].reverse().map((anomaly) => ({
      timeMs: anomaly.timeMs,
      member: anomaly.creditor,
      kind: anomaly.kind,
      service: anomaly.service,
      detail: `${anomaly.creditor} bills ${anomaly.debtor}: ${anomaly.volume} units of ${anomaly.service} against a baseline of ${anomaly.baseline} (batch ${anomaly.batchId})`,
    })),
    anomaliesUnavailable: data.anomaliesReadable ? null : ANOMALIES_ARE_THE_PARTIES,
    disputes,
  };
}

/** Proofs and verifications by outcome (summed over members, from their counters), key epochs, the ceremony. */
export function zkpView(context: DeriveContext, data: ChainData | null, ceremony: ZkpView['ceremony']): ZkpView {
  const since = context.nowMs - context.rateWindowMs;
  const byOutcome = (metric: string) => Object.fromEntries(sumBy(latestValues(context.store, metric, since), (labels) => labels['outcome'] ?? null));
  return {
    proofsByOutcome: byOutcome('consortium_zkp_proofs_total'),
    verificationsByOutcome: byOutcome('consortium_zkp_verifications_total'),
    keyEpochs: (data?.keyEpochs ?? []).map((epoch) => ({ epoch: epoch.epoch, height: epoch.height, circuits: epoch.pins.map((pin) => pin.circuit) })),
    ceremony,
  };
}
