/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
/**
 * The browser entry: sign in (a `#token=` fragment, else the form), load the snapshot, open the
 * live stream, and render. `window.__dashboard` exposes the store and the topology graph to
 * the browser tests (read only use).
 */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { h, render } from 'preact';
import { PROTOCOL_VERSION, type ChartRange } from '../protocol.js';
import { NotSignedInError, TokenRefusedError, fetchSnapshot, signIn, takeTokenFromFragment } from './api.js';
import { CLIENT_LIMITS } from './limits.js';
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

/** A server of another protocol version is shown, not guessed around: the page may need a reload. */
function protocolProblem(protocol: number): string | null {
  return protocol === PROTOCOL_VERSION ? null : `the server speaks protocol ${protocol}, this page ${PROTOCOL_VERSION}: reload the page`;
}

type LoadOutcome = 'loaded' | 'signed-out' | 'failed';

let loading: { readonly range: ChartRange; readonly outcome: Promise<LoadOutcome> } | null = null;

/** Loads the range the user chose; a 401 means signed out. One request per range at a time. */
function loadSnapshot(range: ChartRange): Promise<LoadOutcome> {
  if (loading?.range === range) return loading.outcome;
  const outcome = fetchSnapshot(range)
    .then((snapshot): LoadOutcome => {
      // A slower answer for a range the user already left is dropped.
      if (store.ui.range === range) store.dispatch({ type: 'snapshot', snapshot });
      store.setUi({ auth: 'signed-in', problem: protocolProblem(snapshot.protocol) });
      return 'loaded';
    })
    .catch((error: unknown): LoadOutcome => {
      if (!(error instanceof NotSignedInError)) {
        // The server is down, or has not finished its first collection round (503).
        store.setUi({ problem: problemText(error) });
        return 'failed';
      }
      closeStream?.();
      closeStream = null;
      store.setUi({ auth: 'signed-out' });
      return 'signed-out';
    })
    .finally(() => {
      if (loading?.outcome === outcome) loading = null;
    });
  loading = { range, outcome };
  return outcome;
}

function startStream(): void {
  closeStream?.();
  closeStream = openStream({
    onMessage: (message) => {
      store.dispatch(message);
      if (message.type === 'snapshot') store.setUi({ problem: protocolProblem(message.snapshot.protocol) });
      // The stream's snapshots are of its own range; a longer range the user chose is re-read.
      if (message.type === 'snapshot' && message.snapshot.range !== store.ui.range) void loadSnapshot(store.ui.range);
      // Ticks are applied to a snapshot: without one yet (the server had none when the stream opened), read it.
      if (message.type === 'tick' && store.state.data === null) void loadSnapshot(store.ui.range);
    },
    onStatus: (status) => store.setUi({ stream: status }),
    onBadMessage: (type, detail) => {
      store.setUi({ badMessages: store.ui.badMessages + 1, problem: `bad ${type} message: ${detail}` });
    },
    // Reconnect unless signed out: a server that is down now is tried again after the back-off.
    beforeReconnect: async () => (await loadSnapshot(store.ui.range)) !== 'signed-out',
  });
}

/** The first snapshot (retried with a back-off while the server is down or not ready), then the stream. */
async function start(): Promise<void> {
  let waitMs: number = CLIENT_LIMITS.reconnectFirstMs;
  for (;;) {
    const outcome = await loadSnapshot(store.ui.range);
    if (outcome === 'signed-out') return;
    if (outcome === 'loaded') break;
    await new Promise((resolveWait) => setTimeout(resolveWait, waitMs));
    waitMs = Math.min(waitMs * 2, CLIENT_LIMITS.reconnectMaxMs);
  }
  startStream();
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

/**
 * A token in the address is exchanged for a session; if it is refused (an old link), a session
 * the browser already has may still work, and the form shows why the link did not.
 */
async function startWithFragment(token: string): Promise<void> {
  try {
    await signIn(token);
  } catch (error) {
    store.setUi({ loginError: `the token in the link was not accepted: ${problemText(error)}` });
  }
  await start();
}

const token = takeTokenFromFragment(location, history);
void (token === null ? start() : startWithFragment(token));
