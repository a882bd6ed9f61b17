import type { MemberId, Period, StatementState } from './domain/types.js';
import type { AgreementRecord, BatchRecord, KeyEpochRecord, NettingRecord, PeriodRecord, StatementRecord } from './state/records.js';
import type { MapState } from './state/store.js';

/**
 * Reads of the committed state for the node's API, as plain functions. Two views: a member
 * operator sees the full records of its own pairs (totals, proofs, commitments, dispute text);
 * anyone else (an observer, another member) sees the public view, in which those parts are
 * null. Netting results, periods and key epochs are the same for everyone. The chain holds no
 * volumes and no anomalies (T33): the parties' nodes keep those (apps/node's private store).
 */

export type Viewer = { readonly kind: 'public' } | { readonly kind: 'member'; readonly member: MemberId };

export const PUBLIC_VIEWER: Viewer = { kind: 'public' };
/** The default and largest page of a list read. */
export const READ_LIMIT_DEFAULT = 100;
export const READ_LIMIT_MAX = 1_000;

const isParty = (viewer: Viewer, ...parties: MemberId[]) => viewer.kind === 'member' && parties.includes(viewer.member);
const limitOf = (limit: number | undefined) => Math.max(1, Math.min(limit ?? READ_LIMIT_DEFAULT, READ_LIMIT_MAX));
const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export interface AgreementView extends Omit<AgreementRecord, 'rateCommitments'> {
  readonly rateCommitments: AgreementRecord['rateCommitments'] | null;
}

export function agreementView(record: AgreementRecord, viewer: Viewer): AgreementView {
  return isParty(viewer, ...record.members) ? record : { ...record, rateCommitments: null };
}

export function listAgreements(state: MapState, viewer: Viewer, filter: { readonly member?: MemberId; readonly limit?: number } = {}): AgreementView[] {
  return [...state.all('agreement')]
    .filter((a) => filter.member === undefined || a.members.includes(filter.member))
    .sort((a, b) => a.height - b.height || (a.id < b.id ? -1 : 1))
    .slice(0, limitOf(filter.limit))
    .map((a) => agreementView(a, viewer));
}

export interface BatchView extends Omit<BatchRecord, 'batchCommitment' | 'recordsDigest'> {
  readonly batchCommitment: bigint | null;
  readonly recordsDigest: Uint8Array | null;
}

export function batchView(record: BatchRecord, viewer: Viewer): BatchView {
  return isParty(viewer, record.creditor, record.debtor) ? record : { ...record, batchCommitment: null, recordsDigest: null };
}

export function getBatch(state: MapState, id: string, viewer: Viewer): BatchView | null {
  const record = state.get('batch', id);
  return record === undefined ? null : batchView(record, viewer);
}

export interface BatchFilter {
  readonly period?: Period;
  readonly creditor?: MemberId;
  readonly debtor?: MemberId;
  readonly limit?: number;
}

export function listBatches(state: MapState, viewer: Viewer, filter: BatchFilter = {}): BatchView[] {
  return [...state.all('batch')]
    .filter((b) => (filter.period === undefined || b.period === filter.period) && (filter.creditor === undefined || b.creditor === filter.creditor) && (filter.debtor === undefined || b.debtor === filter.debtor))
    .sort(byKey((b) => `${b.period}/${b.creditor}>${b.debtor}/${b.firstId.toString().padStart(20, '0')}`))
    .slice(0, limitOf(filter.limit))
    .map((b) => batchView(b, viewer));
}

export interface StatementView extends Omit<StatementRecord, 'publicInputs' | 'proof' | 'dispute' | 'resolution'> {
  readonly publicInputs: StatementRecord['publicInputs'] | null;
  readonly proof: StatementRecord['proof'] | null;
  /** The public view keeps the reason code, not the text. */
  readonly dispute: { readonly reasonCode: string; readonly reason: string | null; readonly height: number; readonly timeMs: number } | null;
  /** The public view keeps that a resolution happened, not the agreed total. */
  readonly resolution: { readonly agreedTotal: bigint | null; readonly height: number; readonly timeMs: number } | null;
}

export function statementView(record: StatementRecord, viewer: Viewer): StatementView {
  if (isParty(viewer, record.creditor, record.debtor)) return record;
  return {
    ...record,
    publicInputs: null,
    proof: null,
    dispute: record.dispute === null ? null : { ...record.dispute, reason: null },
    resolution: record.resolution === null ? null : { ...record.resolution, agreedTotal: null },
  };
}

export function getStatement(state: MapState, id: string, viewer: Viewer): StatementView | null {
  const record = state.get('statement', id);
  return record === undefined ? null : statementView(record, viewer);
}

export interface StatementFilter {
  readonly state?: StatementState;
  readonly period?: Period;
  readonly creditor?: MemberId;
  readonly debtor?: MemberId;
  /** Either direction between these two members. */
  readonly pair?: readonly [MemberId, MemberId];
  readonly limit?: number;
}

export function listStatements(state: MapState, viewer: Viewer, filter: StatementFilter = {}): StatementView[] {
  const inPair = (s: StatementRecord) => filter.pair === undefined || (filter.pair.includes(s.creditor) && filter.pair.includes(s.debtor));
  return [...state.all('statement')]
    .filter(
      (s) =>
        (filter.state === undefined || s.state === filter.state) &&
        (filter.period === undefined || s.period === filter.period) &&
        (filter.creditor === undefined || s.creditor === filter.creditor) &&
        (filter.debtor === undefined || s.debtor === filter.debtor) &&
        inPair(s),
    )
    .sort((a, b) => a.proposedHeight - b.proposedHeight || (a.id < b.id ? -1 : 1))
    .slice(0, limitOf(filter.limit))
    .map((s) => statementView(s, viewer));
}

export interface PeriodView {
  readonly period: Period;
  readonly batches: number;
  /** Batches with an accepted or resolved statement. */
  readonly settledBatches: number;
  readonly closed: PeriodRecord['closed'];
}

/** Every period with batches or closed, in order (O(periods): counts are kept on the period's record). */
export function listPeriods(state: MapState): PeriodView[] {
  return [...state.all('period')]
    .sort(byKey((p) => p.period))
    .map((p) => ({
      period: p.period,
      batches: p.batches,
      settledBatches: p.settledBatches,
      closed: p.closed,
    }));
}

export function getNetting(state: MapState, period: Period): NettingRecord | null {
  return state.get('netting', period) ?? null;
}

export function listKeyEpochs(state: MapState): KeyEpochRecord[] {
  return [...state.all('keyEpoch')].sort((a, b) => a.epoch - b.epoch);
}
