/// <reference lib="dom" />
/**
 * The browser entry: sign in (a `#token=` fragment, else the form), load the snapshot, open the
 * live stream, and render. `window.__dashboard` exposes the store and the topology graph to
 * the browser tests (read only use).
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { h, render } from 'preact';
import type { ChartRange } from '../protocol.js';
import { NotSignedInError, TokenRefusedError, fetchSnapshot, signIn, takeTokenFromFragment } from './api.js';
import { Store, viewFromHash } from './store.js';
import { openStream } from './stream.js';
import { App, type AppActions } from './ui/app.js';
import { topologyHandle } from './ui/topology.js';

declare global {
  interface Window {
    __dashboard?: { readonly store: Store; readonly topology: typeof topologyHandle };
  }
}

const store = new Store(viewFromHash(location.hash) ?? 'health');
window.__dashboard = { store, topology: topologyHandle };
let closeStream: (() => void) | null = null;

function problemText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Loads the range the user chose; a 401 means signed out. */
async function loadSnapshot(range: ChartRange): Promise<boolean> {
  try {
    const snapshot = await fetchSnapshot(range);
    // A slower answer for a range the user already left is dropped.
    if (store.ui.range === range) store.dispatch({ type: 'snapshot', snapshot });
    store.setUi({ auth: 'signed-in', problem: null });
    return true;
  } catch (error) {
    if (error instanceof NotSignedInError) {
      closeStream?.();
      closeStream = null;
      store.setUi({ auth: 'signed-out', loginError: null });
    } else store.setUi({ problem: problemText(error) });
    return false;
  }
}

function startStream(): void {
  closeStream?.();
  closeStream = openStream({
    onMessage: (message) => {
      store.dispatch(message);
      // The stream's snapshots are of its own range; a longer range the user chose is re-read.
      if (message.type === 'snapshot' && message.snapshot.range !== store.ui.range) void loadSnapshot(store.ui.range);
    },
    onStatus: (status) => store.setUi({ stream: status }),
    onBadMessage: (type, detail) => {
      store.setUi({ badMessages: store.ui.badMessages + 1, problem: `bad ${type} message: ${detail}` });
    },
    beforeReconnect: () => loadSnapshot(store.ui.range),
  });
}

async function start(): Promise<void> {
  if (await loadSnapshot(store.ui.range)) startStream();
}

const actions: AppActions = {
  signIn: (token) => {
    void (async () => {
      try {
        await signIn(token);
        store.setUi({ auth: 'checking', loginError: null });
        await start();
      } catch (error) {
        store.setUi({ auth: 'signed-out', loginError: error instanceof TokenRefusedError ? error.message : problemText(error) });
      }
    })();
  },
  chooseRange: (range) => {
    store.setUi({ range });
    void loadSnapshot(range);
  },
};

window.addEventListener('hashchange', () => {
  const view = viewFromHash(location.hash);
  if (view !== null) store.setUi({ view });
});
setInterval(() => store.expireToasts(Date.now()), 1_000);

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(h(App, { store, actions }), root);
}

const token = takeTokenFromFragment(location, history);
if (token === null) void start();
else actions.signIn(token);
