/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/**
 * The page's one store: the reducer's state (state.ts) plus what only the page knows (which
 * view, which range, whether it is signed in, the stream's status). Listeners are called at
 * most once per animation frame, so a burst of messages costs one render.
 */
import type { ChartRange, StreamMessage, ViewKey } from '../protocol.js';
import { INITIAL_STATE, applyMessage, dismissToast, expireToasts, type ClientState } from './state.js';
import type { StreamStatus } from './stream.js';

export type AuthState = 'checking' | 'signed-out' | 'signed-in';

export interface UiState {
  readonly auth: AuthState;
  readonly loginError: string | null;
  readonly view: ViewKey;
  /** The range the user chose; the data's range follows once its snapshot arrives. */
  readonly range: ChartRange;
  readonly stream: StreamStatus;
  /** Stream messages that were not the protocol's shape (never applied). */
  readonly badMessages: number;
  /** The last request that failed, shown in the header until the next success. */
  readonly problem: string | null;
}

export const VIEW_KEYS: readonly ViewKey[] = ['health', 'consensus', 'topology', 'settlements', 'zkp', 'security', 'alerts', 'resources'];

export function viewFromHash(hash: string): ViewKey | null {
  const name = hash.replace(/^#\/?/, '');
  return (VIEW_KEYS as readonly string[]).includes(name) ? (name as ViewKey) : null;
}

export class Store {
  state: ClientState = INITIAL_STATE;
  ui: UiState;
  private readonly listeners = new Set<() => void>();
  private frame: number | null = null;

  constructor(view: ViewKey) {
    this.ui = { auth: 'checking', loginError: null, view, range: '10m', stream: 'connecting', badMessages: 0, problem: null };
  }

  dispatch(message: StreamMessage): void {
    this.state = applyMessage(this.state, message);
    this.changed();
  }

  setUi(patch: Partial<UiState>): void {
    this.ui = { ...this.ui, ...patch };
    this.changed();
  }

  dismissToast(id: number): void {
    this.state = dismissToast(this.state, id);
    this.changed();
  }

  expireToasts(nowMs: number): void {
    const next = expireToasts(this.state, nowMs);
    if (next === this.state) return;
    this.state = next;
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    if (this.frame !== null) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      for (const listener of this.listeners) listener();
    });
  }
}
