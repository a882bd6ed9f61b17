/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** Alerts: active (firing, pending) and the resolved history, each with its runbook link. */
import { h } from 'preact';
import type { AlertItem, DashboardSnapshot } from '../../../protocol.js';
import { formatDateTime } from '../../format.js';
import { Section } from '../parts.js';

function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}="${value}"`)
    .join(', ');
}

function AlertRow({ alert, testid }: { readonly alert: AlertItem; readonly testid: string }) {
  return h(
    'li',
    { class: `alert severity-${alert.severity} state-${alert.state}`, 'data-testid': testid, 'data-state': alert.state, 'data-severity': alert.severity, 'data-alert-id': alert.id, 'data-member': alert.labels.member ?? '' },
    h('div', { class: 'alert-head' }, h('span', { class: `badge severity-${alert.severity}` }, alert.severity), h('strong', null, alert.rule), h('span', { class: 'state' }, alert.state), h('span', { class: 'origin' }, alert.origin)),
    h('p', null, alert.summary),
    Object.keys(alert.labels).length === 0 ? null : h('p', { class: 'labels' }, labelsText(alert.labels)),
    h(
      'p',
      { class: 'times' },
      `since ${formatDateTime(alert.activeSinceMs)}`,
      alert.resolvedAtMs === null ? '' : `, resolved ${formatDateTime(alert.resolvedAtMs)}`,
      ' · ',
      h('a', { href: alert.runbookUrl, target: '_blank', rel: 'noopener', 'data-testid': 'runbook' }, 'runbook'),
    ),
  );
}

export function AlertsView({ data }: { readonly data: DashboardSnapshot }) {
  const { active, history } = data.alerts;
  return h(
    'div',
    null,
    h(
      Section,
      { title: `Active (${active.length})`, testid: 'alerts-active' },
      active.length === 0 ? h('p', { class: 'empty' }, 'No alert active.') : h('ul', { class: 'alerts' }, ...active.map((alert) => h(AlertRow, { key: alert.id, alert, testid: `alert-${alert.rule}` }))),
    ),
    h(
      Section,
      { title: `History (${history.length})`, testid: 'alerts-history' },
      history.length === 0 ? h('p', { class: 'empty' }, 'No alert resolved yet.') : h('ul', { class: 'alerts' }, ...history.map((alert) => h(AlertRow, { key: `${alert.id}@${alert.activeSinceMs}`, alert, testid: `alert-history-${alert.rule}` }))),
    ),
  );
}
