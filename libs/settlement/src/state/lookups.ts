import { CIRCUITS } from '@consortium/circuits';
import { tadigToField } from '@consortium/zkp';
import type { MemberId, SettlementMember } from '../domain/types.js';
import { MissingSignatureError, UnexpectedSignerError } from '../errors.js';
import { batchChainIdOf, pairIdOf } from './context.js';
import type { AgreementRecord, BatchChainRecord, BatchRecord, CountersRecord, PeriodRecord } from './records.js';
import type { StateReader } from './store.js';

/** Reads and checks several rules share. */

export const COUNTERS_ID = 'chain';
const NO_COUNTERS: CountersRecord = { latestKeyEpoch: 0, closedPeriods: [] };

export function countersOf(state: StateReader): CountersRecord {
  return state.get('counters', COUNTERS_ID) ?? NO_COUNTERS;
}

export function batchChainOf(state: StateReader, creditor: MemberId, debtor: MemberId, period: string): BatchChainRecord {
  return state.get('batchChain', batchChainIdOf(creditor, debtor, period)) ?? { nextFirstId: 0n, batches: 0 };
}

/**
 * The agreement of the pair in force for `period`: of those whose validity covers the period,
 * the one registered last (a later agreement supersedes an older one from its fromPeriod on).
 */
export function agreementInForce(state: StateReader, x: MemberId, y: MemberId, period: string): AgreementRecord | null {
  const ids = state.get('pairAgreements', pairIdOf(x, y))?.ids ?? [];
  for (let i = ids.length - 1; i >= 0; i--) {
    const agreement = state.get('agreement', ids[i]!);
    if (agreement !== undefined && agreement.fromPeriod <= period && period <= agreement.toPeriod) return agreement;
  }
  return null;
}

/** The rate commitment of the direction creditor -> debtor of an agreement. */
export function rateCommitmentOf(agreement: AgreementRecord, creditor: MemberId, debtor: MemberId): bigint | null {
  return agreement.rateCommitments.find((c) => c.creditor === creditor && c.debtor === debtor)?.commitment ?? null;
}

/** The member whose TADIG is the field element `value` (as the circuit encodes it). */
export function memberByTadigField(members: readonly SettlementMember[], value: bigint): SettlementMember | null {
  return members.find((m) => tadigToField(m.tadig) === value) ?? null;
}

/** 202611n -> "2026-11"; null when the number is not a period. */
export function periodFromField(value: bigint): string | null {
  if (value < 100_001n || value > 999_912n) return null;
  const text = value.toString();
  const month = Number(text.slice(4));
  if (month < 1 || month > 12) return null;
  return `${text.slice(0, 4)}-${text.slice(4)}`;
}

/** The signers must be exactly `required` (ordered for the message): a missing one or an extra one is refused. */
export function requireSigners(signers: ReadonlySet<MemberId>, required: readonly MemberId[], what: string): void {
  const missing = required.filter((m) => !signers.has(m));
  if (missing.length > 0) throw new MissingSignatureError(required, what);
  for (const signer of signers) if (!required.includes(signer)) throw new UnexpectedSignerError(signer, what);
}

/**
 * The largest batch size among the circuits the registered key epochs pin (sizes from the
 * circuit catalogue, the same code on every node); null when no pinned circuit is in the
 * catalogue, in which case batches are not bounded by it.
 */
export function largestProvableBatch(state: StateReader, latestKeyEpoch: number): number | null {
  let largest: number | null = null;
  for (let epoch = 1; epoch <= latestKeyEpoch; epoch++) {
    for (const pin of state.get('keyEpoch', String(epoch))?.pins ?? []) {
      const batchSize = CIRCUITS[pin.circuit]?.params.batchSize;
      if (batchSize !== undefined && (largest === null || batchSize > largest)) largest = batchSize;
    }
  }
  return largest;
}

export function periodOf(state: StateReader, period: string): PeriodRecord {
  return state.get('period', period) ?? { period, chains: [], batches: 0, settledBatches: 0, closed: null };
}

/** The batches of a chain (`creditor>debtor/period`), in record id order: each starts where the previous ended. */
export function batchesOfChain(state: StateReader, chainId: string): BatchRecord[] {
  const chain = state.get('batchChain', chainId);
  if (chain === undefined) return [];
  const batches: BatchRecord[] = [];
  let firstId = 0n;
  for (let i = 0; i < chain.batches; i++) {
    const batch = state.get('batch', `${chainId}/${firstId}`);
    if (batch === undefined) throw new Error(`batch chain ${chainId} has no batch at record id ${firstId}`);
    batches.push(batch);
    firstId += BigInt(batch.count);
  }
  return batches;
}

/** The batches of a period, chain by chain. */
export function batchesOfPeriod(state: StateReader, period: PeriodRecord): BatchRecord[] {
  return period.chains.flatMap((chainId) => batchesOfChain(state, chainId));
}
