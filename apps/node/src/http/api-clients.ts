import { findApiClient, isApiClientExpired, type ApiClient, type ApiClientRecord } from '@consortium/node-config';

/**
 * The API's clients as the tokens file lists them (hashes only), replaceable while the node
 * runs: a reload (SIGHUP, src/api-tokens-file.ts) swaps the whole set at once, so a request
 * sees either the old set or the new one, never a mix. Expiry is judged per request against the
 * clock, so a token stops working at its `expiresAt` without any reload.
 */
export class ApiClients {
  #records: readonly ApiClientRecord[];
  readonly #onReplace = new Set<() => void>();

  constructor(
    records: readonly ApiClientRecord[],
    private readonly nowMs: () => number = Date.now,
  ) {
    this.#records = records;
  }

  get records(): readonly ApiClientRecord[] {
    return this.#records;
  }

  /** The client a token belongs to, expired or not (constant-time over every record). */
  find(token: string): ApiClient | null {
    return findApiClient(this.#records, token);
  }

  now(): number {
    return this.nowMs();
  }

  /** The clients whose tokens have expired now (for the log: ids only). */
  expiredClients(): string[] {
    const nowMs = this.nowMs();
    return this.#records.filter((record) => isApiClientExpired(record, nowMs)).map((record) => record.client);
  }

  /** Replaces every record; returns what changed, by client id (never a token or its hash). */
  replace(records: readonly ApiClientRecord[]): ApiClientsChange {
    const change = changeOf(this.#records, records);
    this.#records = records;
    for (const listener of this.#onReplace) listener();
    return change;
  }

  /**
   * Calls `listener` after every replace (what outlives a request, an event stream, checks its
   * token again); returns the function that stops it.
   */
  onReplace(listener: () => void): () => void {
    this.#onReplace.add(listener);
    return () => this.#onReplace.delete(listener);
  }

  /**
   * Whether `token` still authenticates `client` as it did: listed, with the same role and
   * member, and not expired. An event stream asks this after a reload and before each event.
   */
  stillAuthenticates(token: string, client: ApiClient): boolean {
    const current = this.find(token);
    return current !== null && current.client === client.client && current.role === client.role && current.member === client.member && !isApiClientExpired(current, this.nowMs());
  }
}

/** What a reload changed, by client id: new ids, ids gone, and ids whose token, role, member or expiry differ. */
export interface ApiClientsChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

function changeOf(before: readonly ApiClientRecord[], after: readonly ApiClientRecord[]): ApiClientsChange {
  const old = new Map(before.map((record) => [record.client, record]));
  const next = new Map(after.map((record) => [record.client, record]));
  const same = (a: ApiClientRecord, b: ApiClientRecord) => a.sha256 === b.sha256 && a.role === b.role && a.member === b.member && a.expiresAt === b.expiresAt;
  return {
    added: after.filter((record) => !old.has(record.client)).map((record) => record.client),
    removed: before.filter((record) => !next.has(record.client)).map((record) => record.client),
    changed: after.filter((record) => old.has(record.client) && !same(old.get(record.client)!, record)).map((record) => record.client),
  };
}
