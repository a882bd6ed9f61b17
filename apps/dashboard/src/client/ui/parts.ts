/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Small building blocks the views share: a section, a bounded table, a key-value list, an amount. */
import { h, type ComponentChildren } from 'preact';
import { InvalidAmountError, formatAmount } from '../format.js';
import { CLIENT_LIMITS } from '../limits.js';

export function Section({ title, testid, children }: { readonly title: string; readonly testid?: string; readonly children?: ComponentChildren }) {
  return h('section', { class: 'panel', 'data-testid': testid }, h('h3', null, title), children);
}

export interface TableProps {
  readonly testid: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly ComponentChildren[])[];
  readonly empty: string;
  /** Per-row attributes (test ids, data attributes), same order as rows. */
  readonly rowAttributes?: readonly Record<string, string | number>[];
}

/** A table of at most CLIENT_LIMITS.tableRowsMax rows; says how many more there are. */
export function Table({ testid, columns, rows, empty, rowAttributes }: TableProps) {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testid }, empty);
  const shown = rows.slice(0, CLIENT_LIMITS.tableRowsMax);
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': testid, 'data-rows': rows.length },
      h('thead', null, h('tr', null, ...columns.map((column) => h('th', null, column)))),
      h('tbody', null, ...shown.map((cells, index) => h('tr', rowAttributes?.[index] ?? null, ...cells.map((cell) => h('td', null, cell))))),
    ),
    rows.length > shown.length ? h('p', { class: 'more' }, `${rows.length - shown.length} more not shown`) : null,
  );
}

/** An amount of minor units in major units, or a visible error for a malformed one. */
export function Amount({ minor }: { readonly minor: string }) {
  try {
    return h('span', { class: 'amount', title: `${minor} minor units` }, formatAmount(minor));
  } catch (error) {
    if (error instanceof InvalidAmountError) return h('span', { class: 'amount invalid', title: error.message }, 'invalid amount');
    throw error;
  }
}

export function KeyValues({ items, testid }: { readonly items: readonly (readonly [string, ComponentChildren])[]; readonly testid?: string }) {
  return h('dl', { class: 'kv', 'data-testid': testid }, ...items.flatMap(([key, value]) => [h('dt', null, key), h('dd', null, value)]));
}
