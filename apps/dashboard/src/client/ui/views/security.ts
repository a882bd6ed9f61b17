/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Security events: failures and rate limiting over time, and the live list, filterable by kind, node and text. */
import { h } from 'preact';
import { useState } from 'preact/hooks';
import type { DashboardSnapshot } from '../../../protocol.js';
import { formatDateTime } from '../../format.js';
import { ChartsOf } from '../chart.js';
import { CLIENT_LIMITS } from '../../limits.js';
import { SECURITY_KINDS, filterEvents, type SecurityFilter } from '../../filters.js';
import { Section, Table } from '../parts.js';

export function SecurityView({ data }: { readonly data: DashboardSnapshot }) {
  const members = data.members.map((member) => member.id);
  const [filter, setFilter] = useState<SecurityFilter>({ kind: '', node: '', text: '' });
  const kinds = [...new Set([...SECURITY_KINDS, ...data.security.map((event) => event.kind)])];
  const shown = filterEvents(data.security, filter);
  const select = (name: 'kind' | 'node', options: readonly string[], all: string) =>
    h(
      'select',
      { 'data-testid': `security-filter-${name}`, value: filter[name], onChange: (event: Event) => setFilter({ ...filter, [name]: (event.currentTarget as HTMLSelectElement).value }) },
      h('option', { value: '' }, all),
      ...options.map((option) => h('option', { value: option }, option)),
    );
  return h(
    'div',
    null,
    h(ChartsOf, { view: 'security', charts: data.charts, members }),
    h(
      Section,
      { title: 'Security events' },
      h(
        'div',
        { class: 'filters' },
        select('kind', kinds, 'every kind'),
        select('node', members, 'every node'),
        h('input', {
          type: 'search',
          placeholder: 'text (who, where, what)',
          maxLength: CLIENT_LIMITS.filterTextMax,
          'data-testid': 'security-filter-text',
          value: filter.text,
          onInput: (event: Event) => setFilter({ ...filter, text: (event.currentTarget as HTMLInputElement).value.slice(0, CLIENT_LIMITS.filterTextMax) }),
        }),
        h('span', { 'data-testid': 'security-count', 'data-shown': shown.length }, `${shown.length} of ${data.security.length} events`),
      ),
      h(Table, {
        testid: 'security-list',
        columns: ['Time (UTC)', 'Node', 'Kind', 'Who', 'Where', 'What'],
        rows: shown.map((event) => [formatDateTime(event.timeMs), event.node, event.kind, event.who, event.where, event.what]),
        rowAttributes: shown.map((event) => ({ 'data-testid': 'security-row', 'data-kind': event.kind, 'data-node': event.node })),
        empty: data.security.length === 0 ? 'No security event.' : 'No event matches the filter.',
      }),
    ),
  );
}
