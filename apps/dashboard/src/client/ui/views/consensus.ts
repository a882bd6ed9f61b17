/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Consensus: height, block interval, throughput and rounds over time; missed votes; equivocation evidence; recent blocks. */
import { h } from 'preact';
import type { DashboardSnapshot } from '../../../protocol.js';
import { formatClock, formatCount } from '../../format.js';
import type { BlockItem } from '../../state.js';
import { ChartsOf } from '../chart.js';
import { Section, Table } from '../parts.js';

export function ConsensusView({ data, blocks }: { readonly data: DashboardSnapshot; readonly blocks: readonly BlockItem[] }) {
  const members = data.members.map((member) => member.id);
  const { consensus } = data;
  return h(
    'div',
    null,
    h('p', { class: 'summary' }, `Round changes since the dashboard started: ${formatCount(consensus.roundChanges)}`),
    h(ChartsOf, { view: 'consensus', charts: data.charts, members }),
    h(
      'div',
      { class: 'columns' },
      h(
        Section,
        { title: 'Missed votes per validator' },
        h(Table, {
          testid: 'missed-votes',
          columns: ['Validator', 'Missed precommits'],
          rows: consensus.missedVotes.map((item) => [item.validator, formatCount(item.missed)]),
          rowAttributes: consensus.missedVotes.map((item) => ({ 'data-validator': item.validator, 'data-missed': item.missed })),
          empty: 'No votes counted yet.',
        }),
      ),
      h(
        Section,
        { title: 'Recent blocks' },
        h(Table, {
          testid: 'recent-blocks',
          columns: ['Time', 'Member', 'Height', 'Transactions'],
          rows: blocks.map((block) => [formatClock(block.timeMs), block.member, formatCount(block.height), formatCount(block.txs)]),
          empty: 'No block announced since the page opened.',
        }),
      ),
    ),
    h(
      Section,
      { title: 'Equivocation evidence' },
      h(Table, {
        testid: 'equivocations',
        columns: ['Time', 'Reported by', 'Offender', 'Message', 'Detail'],
        rows: consensus.equivocations.map((item) => [formatClock(item.timeMs), item.reportedBy, item.offender, item.message, item.detail]),
        empty: 'No equivocation seen.',
      }),
    ),
  );
}
