import type { DisputeReasonCode, StatementState } from '@consortium/settlement';
import { waitFor, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import { TxRefusedError } from './errors.js';
import type { RateTableJson } from './plan.js';
import type { UsageRequest } from './usage.js';

/**
 * A typed client of one node's settlement API (docs: the node's /openapi.json; the contract of
 * issue 8), acting with one bearer token. JSON both ways: bigints go out as decimal strings and
 * come back as decimal strings (the answer types say `string` where the chain holds a bigint;
 * callers convert with BigInt). A refusal is a NodeApiError carrying the status and the node's
 * `{ error, field?, message }`; 429 is waited out (Retry-After) and sent again, since a refused
 * request changed nothing. Waits poll with a deadline sized for a busy machine.
 */

/** A refusal by the node: its status and body (`code` is the body's `error`: an error class name or a short code). */
export class NodeApiError extends Error {
  override readonly name = 'NodeApiError';

  constructor(
    readonly method: string,
    readonly route: string,
    readonly status: number,
    readonly code: string,
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${method} ${route} answered ${status} ${code}${field === null ? '' : ` (${field})`}: ${detail}`);
  }
}

export interface SettlementClientOptions {
  /** e.g. http://127.0.0.1:26700 */
  readonly apiUrl: string;
  readonly token: string;
  /** Aborts every request and wait (the generator stopping). */
  readonly signal?: AbortSignal;
  /** One request's deadline; a busy node can take seconds (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Longest Retry-After honoured before a 429 is sent again (default 60 s). */
  readonly retryAfterMaxMs?: number;
  /** 429s in a row on one request before it fails with the NodeApiError (default 20). */
  readonly rateLimitedRetries?: number;
}

// --- answers (JSON forms of libs/settlement's reads: bigints as decimal strings) ---

export interface Submitted {
  readonly txHash: string;
}

export interface ProposedAgreement {
  readonly agreementId: string;
  readonly state: string;
}

export interface AgreementProposalJson {
  readonly agreementId: string;
  readonly direction: 'sent' | 'received';
  /** The other member: for a received proposal, the one that proposed it. */
  readonly counterparty: string;
  readonly fromPeriod: string;
  readonly toPeriod: string;
}

export interface AgreementJson {
  readonly id: string;
  readonly members: readonly [string, string];
  readonly fromPeriod: string;
  readonly toPeriod: string;
}

export interface SubmittedBatch {
  readonly batchId: string;
  readonly firstId: string;
  readonly count: number;
  readonly txHash: string;
}

export interface BatchJson {
  /** The spec names it `batchId`; libs/settlement's record `id`: either may be present. */
  readonly batchId?: string;
  readonly id?: string;
  readonly creditor: string;
  readonly debtor: string;
  readonly period: string;
  readonly firstId: string;
  readonly count: number;
  /** Every statement proposed for the batch, oldest first (the last is the live one). */
  readonly statementIds?: readonly string[];
  readonly statementId?: string | null;
  readonly settledStatementId?: string | null;
}

export interface BatchRecordsJson {
  readonly batchId: string;
  readonly records: readonly { readonly recordId: string; readonly service: string; readonly volume: string }[];
}

export interface StatementJson {
  readonly statementId?: string;
  readonly id?: string;
  readonly state: StatementState;
  readonly creditor: string;
  readonly debtor: string;
  readonly period: string;
  readonly batchId: string;
  readonly total?: string | null;
  readonly agreedTotal?: string | null;
  readonly publicInputs: { readonly total: string } | null;
}

export interface PeriodJson {
  readonly period: string;
  readonly batches: number;
  readonly settledBatches: number;
  readonly closed: { readonly height: number; readonly closedBy: string } | null;
}

export interface NettingJson {
  readonly period: string;
  /** By member id (the spec's map) or as libs/settlement's list of { member, balance }: signed decimal strings. */
  readonly balances: Readonly<Record<string, string>> | readonly { readonly member: string; readonly balance: string }[];
  readonly payments: readonly { readonly from: string; readonly to: string; readonly amount: string }[];
}

/** An anomaly as a party's node shows it to the pair's operators; `seq` numbers that node's anomalies. */
export interface AnomalyJson {
  readonly seq: number;
  readonly kind: string;
  readonly creditor: string;
  readonly debtor: string;
  readonly service: string;
  readonly batchId: string;
  readonly period: string;
  readonly volume: string;
  readonly baseline: string;
}

export interface TxLocationJson {
  readonly height: number;
  readonly index: number;
  /** "ok" or the refusal's code; absent on nodes that do not report it (taken as "ok"). */
  readonly code?: string;
  readonly log?: string;
}

export type ResolutionAnswer = { readonly state: 'awaiting_counterparty' } | Submitted;

/** The id of a statement view, whichever name the node uses. */
export function statementIdOf(view: StatementJson): string {
  const id = view.statementId ?? view.id;
  if (id === undefined) throw new TypeError('a statement view without an id');
  return id;
}

export function batchIdOf(view: BatchJson): string {
  const id = view.batchId ?? view.id;
  if (id === undefined) throw new TypeError('a batch view without an id');
  return id;
}

/** The live statement of a batch view (the last proposed), or null. */
export function liveStatementOf(view: BatchJson): string | null {
  if (view.statementIds !== undefined) return view.statementIds.at(-1) ?? null;
  return view.statementId ?? null;
}

/** The proven total of a statement (member view), as a bigint. */
export function statementTotal(view: StatementJson): bigint {
  const total = view.total ?? view.publicInputs?.total;
  if (total === undefined || total === null) throw new TypeError(`statement ${statementIdOf(view)}: no total in this view (a party's view has it)`);
  return BigInt(total);
}

/** Netting balances as a map member -> bigint, from either JSON form. */
export function nettingBalances(netting: NettingJson): Map<string, bigint> {
  const entries: [string, string][] = Array.isArray(netting.balances)
    ? (netting.balances as readonly { member: string; balance: string }[]).map((b) => [b.member, b.balance])
    : Object.entries(netting.balances as Record<string, string>);
  return new Map(entries.map(([member, balance]) => [member, BigInt(balance)]));
}

const jsonBody = (body: unknown) => JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
const segment = encodeURIComponent;

function query(params: Readonly<Record<string, string | number | undefined>>): string {
  const defined = Object.entries(params).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  return defined.length === 0 ? '' : `?${new URLSearchParams(defined.map(([key, value]): [string, string] => [key, String(value)])).toString()}`;
}

/** Seconds of a Retry-After header (delta seconds or an HTTP date), at least 1. */
export function retryAfterMs(header: string | null, nowMs: number = Date.now()): number {
  if (header === null) return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds)) * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 1_000 : Math.max(1_000, at - nowMs);
}

async function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
}

/** Deadlines of the waits: a statement waits for its proof behind the creditor's others on a shared 2-core machine. */
export const CLIENT_WAIT_DEADLINES_MS = {
  tx: WAIT_DEADLINES_MS.progress,
  statement: 600_000,
} as const;

export class SettlementApiClient {
  private readonly baseUrl: string;

  constructor(private readonly options: SettlementClientOptions) {
    this.baseUrl = options.apiUrl.replace(/\/+$/, '');
  }

  /** One request; 429 is waited out and sent again; any other status >= 400 is a NodeApiError. */
  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const { signal, requestTimeoutMs = 60_000, retryAfterMaxMs = 60_000, rateLimitedRetries = 20 } = this.options;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(requestTimeoutMs);
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: jsonBody(body) }),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
      if (response.status === 429 && attempt < rateLimitedRetries) {
        await response.body?.cancel();
        await sleep(Math.min(retryAfterMs(response.headers.get('retry-after')), retryAfterMaxMs), signal);
        continue;
      }
      const text = await response.text();
      if (response.ok) return (text === '' ? {} : JSON.parse(text)) as T;
      let refusal: { error?: unknown; field?: unknown; message?: unknown } = {};
      try {
        refusal = JSON.parse(text) as typeof refusal;
      } catch {
        refusal = { message: text.slice(0, 500) };
      }
      throw new NodeApiError(
        method,
        path,
        response.status,
        typeof refusal.error === 'string' ? refusal.error : `http_${response.status}`,
        typeof refusal.field === 'string' ? refusal.field : null,
        typeof refusal.message === 'string' ? refusal.message : '',
      );
    }
  }

  /** A read that is null on 404 (not there yet, or not at all). */
  private async maybe<T>(path: string): Promise<T | null> {
    try {
      return await this.request<T>('GET', path);
    } catch (error) {
      if (error instanceof NodeApiError && error.status === 404) return null;
      throw error;
    }
  }

  // --- member operator routes ({member}: the member this client's token acts for) ---

  async proposeAgreement(member: string, body: { readonly counterparty: string; readonly fromPeriod: string; readonly toPeriod: string; readonly rates: Readonly<Record<string, RateTableJson>> }): Promise<ProposedAgreement> {
    return this.request('POST', `/v1/members/${segment(member)}/agreements`, body);
  }

  async agreementProposals(member: string): Promise<AgreementProposalJson[]> {
    return (await this.request<{ proposals: AgreementProposalJson[] }>('GET', `/v1/members/${segment(member)}/agreements/proposals`)).proposals;
  }

  async acceptAgreement(member: string, agreementId: string): Promise<{ readonly agreementId: string; readonly txHash: string }> {
    return this.request('POST', `/v1/members/${segment(member)}/agreements/${segment(agreementId)}/accept`, {});
  }

  async submitUsage(member: string, usage: UsageRequest): Promise<SubmittedBatch[]> {
    return (await this.request<{ batches: SubmittedBatch[] }>('POST', `/v1/members/${segment(member)}/usage`, usage)).batches;
  }

  /** The raw records of a batch, for its creditor or debtor; null until the debtor's node received them. */
  async batchRecords(member: string, batchId: string): Promise<BatchRecordsJson | null> {
    return this.maybe(`/v1/members/${segment(member)}/batches/${segment(batchId)}/records`);
  }

  async proposeStatement(member: string, batchId: string): Promise<{ readonly statementId: string; readonly state: string }> {
    return this.request('POST', `/v1/members/${segment(member)}/statements`, { batchId });
  }

  async acceptStatement(member: string, statementId: string): Promise<Submitted> {
    return this.request('POST', `/v1/members/${segment(member)}/statements/${segment(statementId)}/accept`, {});
  }

  async disputeStatement(member: string, statementId: string, dispute: { readonly reasonCode: DisputeReasonCode; readonly reason: string }): Promise<Submitted> {
    return this.request('POST', `/v1/members/${segment(member)}/statements/${segment(statementId)}/dispute`, dispute);
  }

  async resolveStatement(member: string, statementId: string, agreedTotal: bigint): Promise<ResolutionAnswer> {
    return this.request('POST', `/v1/members/${segment(member)}/statements/${segment(statementId)}/resolution`, { agreedTotal });
  }

  async closePeriod(member: string, period: string): Promise<Submitted> {
    return this.request('POST', `/v1/members/${segment(member)}/periods/${segment(period)}/close`, {});
  }

  // --- reads ---

  async agreements(filter: { readonly member?: string; readonly limit?: number } = {}): Promise<AgreementJson[]> {
    return (await this.request<{ agreements: AgreementJson[] }>('GET', `/v1/agreements${query(filter)}`)).agreements;
  }

  async batches(filter: { readonly period?: string; readonly creditor?: string; readonly debtor?: string; readonly limit?: number } = {}): Promise<BatchJson[]> {
    return (await this.request<{ batches: BatchJson[] }>('GET', `/v1/batches${query(filter)}`)).batches;
  }

  async batch(batchId: string): Promise<BatchJson | null> {
    return this.maybe(`/v1/batches/${segment(batchId)}`);
  }

  async statements(filter: { readonly state?: StatementState; readonly period?: string; readonly creditor?: string; readonly debtor?: string; readonly limit?: number } = {}): Promise<StatementJson[]> {
    return (await this.request<{ statements: StatementJson[] }>('GET', `/v1/statements${query(filter)}`)).statements;
  }

  async statement(statementId: string): Promise<StatementJson | null> {
    return this.maybe(`/v1/statements/${segment(statementId)}`);
  }

  async periods(): Promise<PeriodJson[]> {
    return (await this.request<{ periods: PeriodJson[] }>('GET', '/v1/periods')).periods;
  }

  /** null until the period is closed on this node. */
  async netting(period: string): Promise<NettingJson | null> {
    return this.maybe(`/v1/periods/${segment(period)}/netting`);
  }

  async anomalies(filter: { readonly afterSeq?: number; readonly member?: string; readonly limit?: number } = {}): Promise<AnomalyJson[]> {
    return (await this.request<{ anomalies: AnomalyJson[] }>('GET', `/v1/anomalies${query(filter)}`)).anomalies;
  }

  /** Where a transaction committed; null while it has not (404). */
  async tx(txHash: string): Promise<TxLocationJson | null> {
    return this.maybe(`/v1/txs/${segment(txHash)}`);
  }

  // --- waits ---

  /** A poll that treats a request that failed to reach the node or a 5xx (busy, restarting) as "not yet"; refusals (4xx) end the wait. */
  private async poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, describe: (value: T) => string, options: WaitOptions, defaultTimeoutMs: number): Promise<T> {
    let last: T | undefined;
    await waitFor(
      what,
      async () => {
        this.options.signal?.throwIfAborted();
        try {
          last = await read();
        } catch (error) {
          if (this.options.signal?.aborted === true || (error instanceof NodeApiError && error.status < 500)) throw error;
          return { done: false, seen: `no answer (${(error as Error).message})` };
        }
        return { done: done(last), seen: describe(last) };
      },
      options.timeoutMs ?? defaultTimeoutMs,
      options.intervalMs ?? 500,
    );
    return last as T;
  }

  /** Waits until this node has committed `txHash`; TxRefusedError when it committed with a refusal. */
  async waitForTx(txHash: string, options: WaitOptions = {}): Promise<TxLocationJson> {
    const location = await this.poll(`${this.baseUrl} commits tx ${txHash}`, () => this.tx(txHash), (found) => found !== null, (found) => (found === null ? 'not committed' : `height ${found.height}`), options, CLIENT_WAIT_DEADLINES_MS.tx);
    const committed = location!;
    if (committed.code !== undefined && committed.code !== 'ok') throw new TxRefusedError(txHash, committed.code, committed.log ?? '');
    return committed;
  }

  /**
   * Waits until this node holds statement `statementId` in one of `states`. While it is not on
   * chain, the node's 404 says why (being proved here, or the proof failed), and a timeout quotes it.
   */
  async waitForStatement(statementId: string, states: StatementState | readonly StatementState[], options: WaitOptions = {}): Promise<StatementJson> {
    const wanted: readonly StatementState[] = typeof states === 'string' ? [states] : states;
    const read = async (): Promise<StatementJson | string> => {
      try {
        return await this.request<StatementJson>('GET', `/v1/statements/${segment(statementId)}`);
      } catch (error) {
        if (error instanceof NodeApiError && error.status === 404) return error.detail;
        throw error;
      }
    };
    const found = await this.poll(
      `${this.baseUrl} holds statement ${statementId} ${wanted.join(' or ')}`,
      read,
      (statement) => typeof statement !== 'string' && wanted.includes(statement.state),
      (statement) => (typeof statement === 'string' ? `not on chain (${statement})` : statement.state),
      { intervalMs: 1_000, ...options },
      CLIENT_WAIT_DEADLINES_MS.statement,
    );
    return found as StatementJson;
  }

  /** Polls `read` on this node until `done` holds (a period settled, a netting there). */
  async waitUntil<T>(what: string, read: (client: this) => Promise<T>, done: (value: T) => boolean, describe: (value: T) => string, options: WaitOptions = {}): Promise<T> {
    return this.poll(`${this.baseUrl}: ${what}`, () => read(this), done, describe, options, CLIENT_WAIT_DEADLINES_MS.tx);
  }
}
