/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Settlements: periods and their netting, statements per pair and state, the bilateral matrix, anomalies, disputes. */
import { h } from 'preact';
import type { DashboardSnapshot, PeriodItem, StatementState } from '../../../protocol.js';
import { formatClock, formatCount } from '../../format.js';
import { Amount, Section, Table } from '../parts.js';

const STATES: readonly StatementState[] = ['proposed', 'accepted', 'disputed', 'superseded', 'resolved'];

/** The newest closed period with its netting: the one whose payments the view lists. */
function nettedPeriod(periods: readonly PeriodItem[]): PeriodItem | null {
  return [...periods].reverse().find((period) => period.netting !== null) ?? null;
}

export function SettlementsView({ data }: { readonly data: DashboardSnapshot }) {
  const { settlements } = data;
  const members = data.members.map((member) => member.id);
  const netted = nettedPeriod(settlements.periods);
  const amountOf = (creditor: string, debtor: string) => settlements.matrix.cells.find((cell) => cell.creditor === creditor && cell.debtor === debtor)?.amount ?? null;
  return h(
    'div',
    null,
    h(
      Section,
      { title: 'Periods' },
      h(Table, {
        testid: 'periods',
        columns: ['Period', 'State', 'Batches settled', 'Gross', 'Netted', 'Payments'],
        rows: settlements.periods.map((period) => [
          period.period,
          period.closed ? 'closed' : 'open',
          `${formatCount(period.settledBatches)} of ${formatCount(period.batches)}`,
          period.netting ? h(Amount, { minor: period.netting.grossAmount }) : '',
          period.netting ? h(Amount, { minor: period.netting.nettedAmount }) : '',
          period.netting ? formatCount(period.netting.payments.length) : '',
        ]),
        empty: 'No settlement period yet.',
      }),
    ),
    h(
      Section,
      { title: `Bilateral matrix${settlements.matrix.period === null ? '' : ` of ${settlements.matrix.period}`} (creditor bills debtor)` },
      settlements.matrix.cells.length === 0
        ? h('p', { class: 'empty', 'data-testid': 'matrix' }, 'No settled statement in the shown period.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'matrix', 'data-testid': 'matrix' },
              h('thead', null, h('tr', null, h('th', null, 'creditor \\ debtor'), ...members.map((member) => h('th', null, member)))),
              h(
                'tbody',
                null,
                ...members.map((creditor) =>
                  h(
                    'tr',
                    null,
                    h('th', null, creditor),
                    ...members.map((debtor) => {
                      const amount = amountOf(creditor, debtor);
                      return h('td', { 'data-cell': `${creditor}>${debtor}` }, amount === null ? '' : h(Amount, { minor: amount }));
                    }),
                  ),
                ),
              ),
            ),
          ),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        Section,
        { title: netted === null ? 'Netting payments' : `Netting payments of ${netted.period}` },
        h(Table, {
          testid: 'netting',
          columns: ['From', 'To', 'Amount'],
          rows: (netted?.netting?.payments ?? []).map((payment) => [payment.from, payment.to, h(Amount, { minor: payment.amount })]),
          empty: 'No period netted yet.',
        }),
      ),
      h(
        Section,
        { title: 'Statements per pair' },
        h(Table, {
          testid: 'pairs',
          columns: ['Creditor', 'Debtor', ...STATES],
          rows: settlements.pairs.map((pair) => [pair.creditor, pair.debtor, ...STATES.map((state) => formatCount(pair.states[state]))]),
          empty: 'No statement yet.',
        }),
      ),
    ),
    h(
      Section,
      { title: 'Anomalies' },
      h(Table, {
        testid: 'anomalies',
        columns: ['Time', 'Member', 'Kind', 'Service', 'Detail'],
        rows: settlements.anomalies.map((item) => [formatClock(item.timeMs), item.member, item.kind, item.service, item.detail]),
        empty: settlements.anomaliesUnavailable ?? 'No anomaly detected.',
      }),
    ),
    h(
      Section,
      { title: 'Disputes' },
      h(Table, {
        testid: 'disputes',
        columns: ['Statement', 'Creditor', 'Debtor', 'Period', 'State', 'Reason'],
        rows: settlements.disputes.map((item) => [item.statementId, item.creditor, item.debtor, item.period, item.state, item.reason]),
        empty: 'No dispute.',
      }),
    ),
  );
}
