import { UpstreamResponseError } from '../errors.js';
import { DASHBOARD_LIMITS, DEADLINES_MS } from '../limits.js';
import { fetchJson } from './http-fetch.js';
import type { Target } from './targets.js';

/**
 * The settlement state of the chain as one node's API shows it to an observer (the public view:
 * every node holds the same committed state, so one answering node is enough): periods, the
 * netting of closed periods (fetched once: a closed period does not change), the statements of
 * the latest periods, anomalies (followed by sequence number) and key epochs. JSON as the node
 * sends it: amounts are decimal strings.
 */

export interface PeriodJson {
  readonly period: string;
  readonly batches: number;
  readonly settledBatches: number;
  readonly closed: { readonly height: number; readonly timeMs: number; readonly closedBy: string } | null;
}

export interface NettingJson {
  readonly period: string;
  readonly balances: readonly { readonly member: string; readonly balance: string }[];
  readonly payments: readonly { readonly from: string; readonly to: string; readonly amount: string }[];
  readonly grossAmount: string;
  readonly nettedAmount: string;
}

export interface StatementJson {
  readonly id: string;
  readonly creditor: string;
  readonly debtor: string;
  readonly period: string;
  readonly state: string;
  /** Null in the public view (only the two parties see totals). */
  readonly publicInputs: { readonly total: string } | null;
  readonly dispute: { readonly reasonCode: string; readonly reason: string | null } | null;
  readonly resolution: { readonly agreedTotal: string | null } | null;
}

export interface AnomalyJson {
  readonly seq: number;
  readonly kind: string;
  readonly creditor: string;
  readonly debtor: string;
  readonly service: string;
  readonly batchId: string;
  readonly volume: string;
  readonly baseline: string;
  readonly timeMs: number;
}

export interface KeyEpochJson {
  readonly epoch: number;
  readonly height: number;
  readonly pins: readonly { readonly circuit: string }[];
}

export interface ChainData {
  readonly readFrom: string;
  readonly readAtMs: number;
  readonly periods: readonly PeriodJson[];
  readonly nettings: ReadonlyMap<string, NettingJson>;
  readonly statements: readonly StatementJson[];
  readonly anomalies: readonly AnomalyJson[];
  readonly keyEpochs: readonly KeyEpochJson[];
}

/** The period the bilateral matrix shows: the latest closed one (its statements are final), else the latest. */
export function matrixPeriodOf(periods: readonly PeriodJson[]): string | null {
  return (periods.findLast((period) => period.closed !== null) ?? periods.at(-1))?.period ?? null;
}

function listField<T>(json: unknown, field: string, url: string): T[] {
  const list = (json as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(list)) throw new UpstreamResponseError(`GET ${url}: no "${field}" list in the answer`, url, 200);
  return list as T[];
}

export class ChainReader {
  private readonly nettings = new Map<string, NettingJson>();
  private anomalies: AnomalyJson[] = [];

  private async get(target: Target, path: string): Promise<unknown> {
    return fetchJson(`${target.apiUrl}${path}`, { token: target.observerToken, timeoutMs: DEADLINES_MS.api, bytesMax: DASHBOARD_LIMITS.apiResponseBytesMax });
  }

  /**
   * Reads from the first member of `candidates` that answers; throws the last failure when none
   * does. Then each candidate with a totals token reads its own statements of the matrix's period
   * from its own node, whose view shows their totals (a member that does not answer keeps the public view).
   */
  async read(candidates: readonly Target[], nowMs: number): Promise<ChainData> {
    let failure: unknown = new UpstreamResponseError('no member node is up to read the chain from', '', null);
    for (const target of candidates) {
      let data: ChainData;
      try {
        data = await this.readFrom(target, nowMs);
      } catch (error) {
        failure = error;
        continue;
      }
      return { ...data, statements: await this.withOwnTotals(data, candidates) };
    }
    throw failure;
  }

  private async withOwnTotals(data: ChainData, candidates: readonly Target[]): Promise<StatementJson[]> {
    const period = matrixPeriodOf(data.periods);
    if (period === null) return [...data.statements];
    const own = new Map<string, StatementJson>();
    await Promise.all(
      candidates.map(async (member) => {
        if (member.totalsToken === null) return;
        const path = `/v1/statements?period=${encodeURIComponent(period)}&creditor=${encodeURIComponent(member.id)}&limit=${DASHBOARD_LIMITS.statementsPerPeriodMax}`;
        try {
          const json = await fetchJson(`${member.apiUrl}${path}`, { token: member.totalsToken, timeoutMs: DEADLINES_MS.api, bytesMax: DASHBOARD_LIMITS.apiResponseBytesMax });
          for (const statement of listField<StatementJson>(json, 'statements', path)) own.set(statement.id, statement);
        } catch {
          // The public view stays for this member's statements.
        }
      }),
    );
    return data.statements.map((statement) => own.get(statement.id) ?? statement);
  }

  private async readFrom(target: Target, nowMs: number): Promise<ChainData> {
    const periods = listField<PeriodJson>(await this.get(target, '/v1/periods'), 'periods', '/v1/periods');
    for (const period of periods) {
      if (period.closed === null || this.nettings.has(period.period)) continue;
      this.nettings.set(period.period, (await this.get(target, `/v1/periods/${encodeURIComponent(period.period)}/netting`)) as NettingJson);
    }
    // The netting of periods no longer listed is dropped, so the cache is bounded by the node's list.
    for (const period of this.nettings.keys()) if (!periods.some((p) => p.period === period)) this.nettings.delete(period);
    // The latest periods, and the matrix's (the latest closed) if it is older.
    const matrixPeriod = matrixPeriodOf(periods);
    const latest = periods.slice(-DASHBOARD_LIMITS.statementPeriodsRead);
    if (matrixPeriod !== null && !latest.some((p) => p.period === matrixPeriod)) latest.unshift(periods.find((p) => p.period === matrixPeriod)!);
    const statements: StatementJson[] = [];
    for (const { period } of latest) {
      const path = `/v1/statements?period=${encodeURIComponent(period)}&limit=${DASHBOARD_LIMITS.statementsPerPeriodMax}`;
      statements.push(...listField<StatementJson>(await this.get(target, path), 'statements', path));
    }
    const afterSeq = this.anomalies.at(-1)?.seq ?? 0;
    const fresh = listField<AnomalyJson>(await this.get(target, `/v1/anomalies?afterSeq=${afterSeq}&limit=${DASHBOARD_LIMITS.anomaliesMax}`), 'anomalies', '/v1/anomalies');
    this.anomalies = [...this.anomalies, ...fresh].slice(-DASHBOARD_LIMITS.anomaliesMax);
    const keyEpochs = listField<KeyEpochJson>(await this.get(target, '/v1/key-epochs'), 'epochs', '/v1/key-epochs');
    return { readFrom: target.id, readAtMs: nowMs, periods, nettings: new Map(this.nettings), statements, anomalies: this.anomalies, keyEpochs };
  }
}
