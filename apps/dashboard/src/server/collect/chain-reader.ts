import { UpstreamResponseError } from '../errors.js';
import { DASHBOARD_LIMITS, DEADLINES_MS } from '../limits.js';
import { fetchJson } from './http-fetch.js';
import type { Target } from './targets.js';

/**
 * The settlement state of the chain as one node's API shows it to an observer (the public view:
 * every node holds the same committed state, so one answering node is enough): periods, the
 * netting of closed periods (fetched once: a closed period does not change), the statements of
 * the latest periods and key epochs. JSON as the node sends it: amounts are decimal strings.
 *
 * Usage anomalies are not on chain: each party's node raises them on its own pairs' records and
 * shows them to the pair's operators only (T33). So they are read from each member's own node
 * with that member's totals token (its operator's), where one is configured, followed there by
 * that node's sequence number, and merged: both parties of a pair raise the same anomaly, which
 * is listed once (by batch and service). With observer tokens only, there is none to show.
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

/** An anomaly as a party's node lists it; `seq` numbers that node's anomalies only. */
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
  /** The anomalies the members' own nodes showed, each once, oldest first. */
  readonly anomalies: readonly AnomalyJson[];
  /** Whether any member has a token that shows its own pairs' anomalies (false: observer tokens only, the list is empty). */
  readonly anomaliesReadable: boolean;
  readonly keyEpochs: readonly KeyEpochJson[];
}

/** The period the bilateral matrix shows: the latest closed one (its statements are final), else the latest. */
export function matrixPeriodOf(periods: readonly PeriodJson[]): string | null {
  return (periods.findLast((period) => period.closed !== null) ?? periods.at(-1))?.period ?? null;
}

/**
 * The anomalies of several members' nodes as one list: both parties of a pair raise the same
 * anomaly (same batch, same service), kept once; ordered by the time of the block that
 * committed the batch (then batch and service); the newest `max`.
 */
export function mergeAnomalies(lists: Iterable<readonly AnomalyJson[]>, max: number): AnomalyJson[] {
  const key = (anomaly: AnomalyJson) => `${anomaly.batchId}|${anomaly.service}`;
  const byBatchAndService = new Map<string, AnomalyJson>();
  for (const list of lists) for (const anomaly of list) byBatchAndService.set(key(anomaly), anomaly);
  return [...byBatchAndService.values()].sort((a, b) => a.timeMs - b.timeMs || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)).slice(-max);
}

function listField<T>(json: unknown, field: string, url: string): T[] {
  const list = (json as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(list)) throw new UpstreamResponseError(`GET ${url}: no "${field}" list in the answer`, url, 200);
  return list as T[];
}

export class ChainReader {
  private readonly nettings = new Map<string, NettingJson>();
  /** Each member's own node's anomalies, oldest first (that node's sequence numbers), the newest anomaliesMax. */
  private readonly anomaliesByMember = new Map<string, AnomalyJson[]>();

  private async get(target: Target, path: string): Promise<unknown> {
    return fetchJson(`${target.apiUrl}${path}`, { token: target.observerToken, timeoutMs: DEADLINES_MS.api, bytesMax: DASHBOARD_LIMITS.apiResponseBytesMax });
  }

  /**
   * Reads from the first member of `candidates` that answers; throws the last failure when none
   * does. Then each candidate with a totals token reads, from its own node, its own statements of
   * the matrix's period (whose view shows their totals; a member that does not answer keeps the
   * public view) and the anomalies on its pairs.
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
      const [statements, anomalies] = await Promise.all([this.withOwnTotals(data, candidates), this.ownAnomalies(candidates)]);
      return { ...data, statements, anomalies, anomaliesReadable: candidates.some((member) => member.totalsToken !== null) };
    }
    throw failure;
  }

  /** Each candidate's new anomalies from its own node (a member that does not answer keeps what it showed before), merged. */
  private async ownAnomalies(candidates: readonly Target[]): Promise<AnomalyJson[]> {
    await Promise.all(
      candidates.map(async (member) => {
        if (member.totalsToken === null) return;
        const known = this.anomaliesByMember.get(member.id) ?? [];
        const path = `/v1/anomalies?afterSeq=${known.at(-1)?.seq ?? 0}&limit=${DASHBOARD_LIMITS.anomaliesMax}`;
        try {
          const json = await fetchJson(`${member.apiUrl}${path}`, { token: member.totalsToken, timeoutMs: DEADLINES_MS.api, bytesMax: DASHBOARD_LIMITS.apiResponseBytesMax });
          this.anomaliesByMember.set(member.id, [...known, ...listField<AnomalyJson>(json, 'anomalies', path)].slice(-DASHBOARD_LIMITS.anomaliesMax));
        } catch {
          // What this member's node showed before stays.
        }
      }),
    );
    return mergeAnomalies(this.anomaliesByMember.values(), DASHBOARD_LIMITS.anomaliesMax);
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
    const keyEpochs = listField<KeyEpochJson>(await this.get(target, '/v1/key-epochs'), 'epochs', '/v1/key-epochs');
    return { readFrom: target.id, readAtMs: nowMs, periods, nettings: new Map(this.nettings), statements, anomalies: [], anomaliesReadable: false, keyEpochs };
  }
}
