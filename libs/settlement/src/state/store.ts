import { STATE_KINDS, type StateKind, type StateRecords } from './records.js';

/**
 * The state as transitions see it: a read-only lookup of records by kind and id. A transition
 * never changes what it reads; it returns the records it writes, and a new state is an overlay
 * of those writes on the old one (O(writes), not O(state)). The application folds a block's
 * writes into its committed map at commit.
 */

export interface StateReader {
  get<K extends StateKind>(kind: K, id: string): StateRecords[K] | undefined;
}

export interface StateWrite<K extends StateKind = StateKind> {
  readonly kind: K;
  readonly id: string;
  readonly value: StateRecords[K];
}

/** A write, typed by its kind. */
export function write<K extends StateKind>(kind: K, id: string, value: StateRecords[K]): StateWrite {
  return { kind, id, value };
}

/** The flat key of a record: `kind/id` (ids never contain a kind's name followed by '/', kinds no '/'). */
export function stateKey(kind: StateKind, id: string): string {
  return `${kind}/${id}`;
}

/** The kind and id of a flat key; null when the key is not one of ours. */
export function parseStateKey(key: string): { readonly kind: StateKind; readonly id: string } | null {
  const slash = key.indexOf('/');
  if (slash < 0) return null;
  const kind = key.slice(0, slash) as StateKind;
  if (!STATE_KINDS.includes(kind)) return null;
  return { kind, id: key.slice(slash + 1) };
}

/** A state held in a map of flat keys (the application's committed state, a test's starting state). */
export class MapState implements StateReader {
  constructor(readonly entries: ReadonlyMap<string, unknown> = new Map()) {}

  get<K extends StateKind>(kind: K, id: string): StateRecords[K] | undefined {
    return this.entries.get(stateKey(kind, id)) as StateRecords[K] | undefined;
  }

  /** Every record of a kind (for reads; O(state)). */
  *all<K extends StateKind>(kind: K): Generator<StateRecords[K]> {
    const prefix = `${kind}/`;
    for (const [key, value] of this.entries) if (key.startsWith(prefix)) yield value as StateRecords[K];
  }
}

/** `below` with `writes` on top. */
export class OverlayState implements StateReader {
  constructor(
    private readonly below: StateReader,
    private readonly writes: ReadonlyMap<string, unknown>,
  ) {}

  get<K extends StateKind>(kind: K, id: string): StateRecords[K] | undefined {
    const key = stateKey(kind, id);
    return this.writes.has(key) ? (this.writes.get(key) as StateRecords[K]) : this.below.get(kind, id);
  }
}

/** The state after `writes` (later writes of one key win). */
export function withWrites(state: StateReader, writes: readonly StateWrite[]): StateReader {
  if (writes.length === 0) return state;
  return new OverlayState(state, new Map(writes.map((w) => [stateKey(w.kind, w.id), w.value])));
}
