/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** The page: header (chain, overall status, stream, range), navigation, the current view, toasts, and the sign-in form. */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { CHART_RANGES, type ChartRange, type DashboardSnapshot, type ViewKey } from '../../protocol.js';
import { formatClock } from '../format.js';
import type { ClientState } from '../state.js';
import { VIEW_KEYS, type Store, type UiState } from '../store.js';
import { AlertsView } from './views/alerts.js';
import { ConsensusView } from './views/consensus.js';
import { HealthView } from './views/health.js';
import { ResourcesView } from './views/resources.js';
import { SecurityView } from './views/security.js';
import { SettlementsView } from './views/settlements.js';
import { TopologyView } from './views/topology.js';
import { ZkpView } from './views/zkp.js';

export const VIEW_TITLES: Readonly<Record<ViewKey, string>> = {
  health: 'Consortium health',
  consensus: 'Consensus',
  topology: 'P2P topology',
  settlements: 'Settlements',
  zkp: 'ZKP',
  security: 'Security events',
  alerts: 'Alerts',
  resources: 'Resources',
};

export interface AppActions {
  readonly signIn: (token: string) => void;
  readonly chooseRange: (range: ChartRange) => void;
}

function useStore(store: Store): { state: ClientState; ui: UiState } {
  const [, setVersion] = useState(0);
  const rendered = { state: store.state, ui: store.ui };
  useEffect(() => {
    const unsubscribe = store.subscribe(() => setVersion((version) => version + 1));
    // The effect runs after the first frame; a change before it (the first answer, a 401 on a
    // fast server and a slow page) notified nobody, and the page would wait for a next change
    // that may never come: the sign-in form stayed hidden.
    if (store.state !== rendered.state || store.ui !== rendered.ui) setVersion((version) => version + 1);
    return unsubscribe;
  }, [store]);
  return rendered;
}

function Login({ ui, actions }: { readonly ui: UiState; readonly actions: AppActions }) {
  const [token, setToken] = useState('');
  return h(
    'form',
    {
      class: 'login',
      'data-testid': 'login-form',
      onSubmit: (event: Event) => {
        event.preventDefault();
        actions.signIn(token.trim());
      },
    },
    h('h2', null, 'Sign in'),
    h('p', null, 'The dashboard is read only and needs an observer token of the consortium (printed by npm start, or in the devnet token files).'),
    h('input', { type: 'password', autocomplete: 'off', 'data-testid': 'login-token', placeholder: 'observer token', value: token, onInput: (event: Event) => setToken((event.currentTarget as HTMLInputElement).value) }),
    h('button', { type: 'submit', 'data-testid': 'login-submit' }, 'Sign in'),
    ui.loginError === null ? null : h('p', { class: 'error', 'data-testid': 'login-error' }, ui.loginError),
  );
}

function CurrentView({ view, data, state }: { readonly view: ViewKey; readonly data: DashboardSnapshot; readonly state: ClientState }) {
  switch (view) {
    case 'health':
      return h(HealthView, { data });
    case 'consensus':
      return h(ConsensusView, { data, blocks: state.blocks });
    case 'topology':
      return h(TopologyView, { data });
    case 'settlements':
      return h(SettlementsView, { data });
    case 'zkp':
      return h(ZkpView, { data });
    case 'security':
      return h(SecurityView, { data });
    case 'alerts':
      return h(AlertsView, { data });
    case 'resources':
      return h(ResourcesView, { data });
  }
}

function Toasts({ state, store }: { readonly state: ClientState; readonly store: Store }) {
  return h(
    'div',
    { class: 'toasts', 'data-testid': 'toasts', 'aria-live': 'assertive' },
    ...state.toasts.map((toast) =>
      h(
        'div',
        { key: toast.id, class: `toast severity-${toast.severity}`, role: 'alert', 'data-testid': `toast-${toast.rule}` },
        h('a', { href: '#/alerts', onClick: () => store.dismissToast(toast.id) }, h('strong', null, `${toast.severity}: ${toast.rule}`), h('span', null, toast.summary)),
        h('button', { type: 'button', 'aria-label': 'dismiss', onClick: () => store.dismissToast(toast.id) }, '×'),
      ),
    ),
  );
}

export function App({ store, actions }: { readonly store: Store; readonly actions: AppActions }) {
  const { state, ui } = useStore(store);
  const data = state.data;
  const firing = data?.alerts.active.filter((alert) => alert.state === 'firing').length ?? 0;
  // The tab's title counts firing alerts, so a background tab shows them too.
  useEffect(() => {
    document.title = firing > 0 ? `(${firing}) SP Consortium Chain: dashboard` : 'SP Consortium Chain: dashboard';
  }, [firing]);
  return h(
    'div',
    { class: 'shell', 'data-view': ui.view },
    h(
      'header',
      { class: 'top' },
      h('h1', null, 'SP Consortium Chain'),
      data === null ? null : h('span', { class: 'chain' }, data.chainId),
      data === null ? null : h('span', { class: `badge status-${data.overall}`, 'data-testid': 'header-overall' }, data.overall),
      h('span', { class: `stream stream-${ui.stream}`, 'data-testid': 'stream-status', 'data-status': ui.stream }, ui.stream),
      data === null ? null : h('span', { class: 'source', title: data.source.prometheusUrl ?? '' }, `source: ${data.source.kind}`),
      h(
        'span',
        { class: 'ranges' },
        ...(Object.keys(CHART_RANGES) as ChartRange[]).map((range) =>
          h('button', { type: 'button', class: range === ui.range ? 'active' : '', 'data-testid': `range-${range}`, 'aria-pressed': range === ui.range, onClick: () => actions.chooseRange(range) }, range),
        ),
      ),
      ui.problem === null ? null : h('span', { class: 'problem', 'data-testid': 'problem' }, ui.problem),
    ),
    ui.auth === 'signed-out'
      ? h(Login, { ui, actions })
      : h(
          'div',
          { class: 'body' },
          h(
            'nav',
            null,
            ...VIEW_KEYS.map((view) =>
              h('a', { href: `#/${view}`, class: view === ui.view ? 'active' : '', 'data-testid': `nav-${view}`, 'aria-current': view === ui.view ? 'page' : undefined }, VIEW_TITLES[view], view === 'alerts' && firing > 0 ? h('span', { class: 'count' }, String(firing)) : null),
            ),
          ),
          h(
            'main',
            { 'data-testid': `view-${ui.view}`, 'data-range': data?.range ?? '' },
            h('h2', null, VIEW_TITLES[ui.view]),
            data === null ? h('p', { class: 'empty', 'data-testid': 'waiting' }, 'Waiting for the first snapshot...') : h(CurrentView, { view: ui.view, data, state }),
          ),
        ),
    h(Toasts, { state, store }),
    h(
      'footer',
      { 'data-testid': 'footer', 'data-ticks': state.applied.tick, 'data-messages': Object.values(state.applied).reduce((sum, count) => sum + count, 0), 'data-bad-messages': ui.badMessages },
      data === null ? 'no data yet' : `updated ${formatClock(data.nowMs)} UTC · ${data.members.length} members · collected every ${data.source.intervalMs} ms`,
    ),
  );
}
