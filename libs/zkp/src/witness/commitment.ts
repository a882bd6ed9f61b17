import { BATCH_DOMAIN, BATCH_LAYOUT, RATES_DOMAIN, SETTLEMENT_LIMITS, SETTLEMENT_SERVICES } from '@consortium/circuits';
// The per-width entries: the package's index parses the constants of all sixteen widths at import (~0.4 s per process).
import { poseidon16 } from 'poseidon-lite/poseidon16';
import { poseidon8 } from 'poseidon-lite/poseidon8';
import type { RateTable, SettlementBatch, UsageRecord } from './domain.js';
import { assertBits, assertFieldElement, periodToField, tadigToField, WitnessInputError } from './field.js';

/**
 * The two commitments of circuit v2, computed exactly as the circuit computes them (tested
 * equal against the compiled circuit): a member commits its records and rates on chain with
 * these, and the proof shows the statement's total follows from what was committed.
 */

const VOLUME_SHIFT = BigInt(SETTLEMENT_LIMITS.volumeBits);
const RECORD_SHIFT = BigInt(BATCH_LAYOUT.recordBits);
const RECORD_ID_LIMIT = 1n << BigInt(SETTLEMENT_LIMITS.recordIdBits);

export function serviceIndex(service: UsageRecord['service']): bigint {
  const index = SETTLEMENT_SERVICES.indexOf(service);
  if (index < 0) throw new WitnessInputError(`unknown service "${String(service)}"; services: ${SETTLEMENT_SERVICES.join(', ')}`);
  return BigInt(index);
}

/** Checks a record against the circuit's ranges and its positional id; the message names the record and the field. */
export function assertRecord(record: UsageRecord, position: number, firstId: bigint): void {
  const expectedId = firstId + BigInt(position);
  if (record.recordId !== expectedId) {
    throw new WitnessInputError(
      `records[${position}].recordId = ${record.recordId}, but record ids are positional: in a batch starting at ${firstId}, records[${position}] has id ${expectedId}`,
    );
  }
  assertBits(record.volume, SETTLEMENT_LIMITS.volumeBits, `records[${position}].volume`);
  serviceIndex(record.service);
}

/** The batch's checks: size, id range, records and salt, as the circuit and the chain will apply them. */
export function assertBatch(batch: Pick<SettlementBatch, 'firstId' | 'records' | 'salt'>, batchSize: number): void {
  if (batch.records.length > batchSize) throw new WitnessInputError(`${batch.records.length} records do not fit a batch of ${batchSize}`);
  if (batch.firstId < 0n || batch.firstId + BigInt(batch.records.length) > RECORD_ID_LIMIT) {
    throw new WitnessInputError(`firstId = ${batch.firstId}: the batch's record ids must lie in 0 .. 2^${SETTLEMENT_LIMITS.recordIdBits} - 1`);
  }
  batch.records.forEach((record, position) => assertRecord(record, position, batch.firstId));
  assertFieldElement(batch.salt, 'batch salt');
}

/** volume | service << 32: 34 bits, injective because both parts are range-checked. */
export function packRecord(record: Pick<UsageRecord, 'service' | 'volume'>): bigint {
  return packSlots([{ volume: record.volume, service: serviceIndex(record.service) }], 1)[0]!;
}

/** The records packed 7 per field element (record i in element i / 7 at bit 34 x (i mod 7)), zero-padded to the batch size. */
export function packRecords(records: readonly Pick<UsageRecord, 'service' | 'volume'>[], batchSize: number): bigint[] {
  return packSlots(
    records.map((record) => ({ volume: record.volume, service: serviceIndex(record.service) })),
    batchSize,
  );
}

/**
 * The packing itself over raw slots (volume, service index), without range checks: exported for
 * tests that must commit to slots the circuit refuses (a volume of 2^32, a service index of 4).
 */
export function packSlots(slots: readonly { readonly volume: bigint; readonly service: bigint }[], batchSize: number): bigint[] {
  const perElement = BATCH_LAYOUT.recordsPerElement;
  const elements = Array<bigint>(Math.ceil(batchSize / perElement)).fill(0n);
  slots.forEach(({ volume, service }, i) => {
    const element = Math.floor(i / perElement);
    elements[element] = elements[element]! + ((volume + (service << VOLUME_SHIFT)) << (RECORD_SHIFT * BigInt(i % perElement)));
  });
  return elements;
}

export function rateCommitment(creditor: bigint, debtor: bigint, table: RateTable): bigint {
  const rates = SETTLEMENT_SERVICES.map((service) => {
    const rate = table.rates[service];
    assertBits(rate, SETTLEMENT_LIMITS.rateBits, `rates.${service}`);
    return rate;
  });
  assertFieldElement(table.salt, 'rate table salt');
  return poseidon8([RATES_DOMAIN, creditor, debtor, ...rates, table.salt]);
}

/** The header the batch sponge absorbs first, in the circuit's order. */
export interface BatchHeader {
  readonly batchSize: number;
  readonly creditor: bigint;
  readonly debtor: bigint;
  readonly period: bigint;
  readonly firstId: bigint;
  readonly count: bigint;
  readonly salt: bigint;
}

/** The header of a batch for the circuit of `batchSize` records, its fields as field elements. */
export function batchHeader(batch: Pick<SettlementBatch, 'creditor' | 'debtor' | 'period' | 'firstId' | 'salt'>, batchSize: number, count: bigint): BatchHeader {
  return { batchSize, creditor: tadigToField(batch.creditor), debtor: tadigToField(batch.debtor), period: periodToField(batch.period), firstId: batch.firstId, count, salt: batch.salt };
}

export function batchHeaderElements(header: BatchHeader): bigint[] {
  return [BATCH_DOMAIN, BigInt(header.batchSize), header.creditor, header.debtor, header.period, header.firstId, header.count, header.salt];
}

/**
 * The batch commitment of a batch for the circuit of `batchSize` records: a Poseidon sponge over
 * the header (domain, batch size, creditor, debtor, period, firstId, count, salt) and the
 * records packed 7 per element, padding slots zero. The debtor recomputes it from the records
 * and salt it receives to check them against what the creditor committed on chain.
 */
export function batchCommitment(batch: Pick<SettlementBatch, 'creditor' | 'debtor' | 'period' | 'firstId' | 'records' | 'salt'>, batchSize: number): bigint {
  assertBatch(batch, batchSize);
  return spongeCommitment([...batchHeaderElements(batchHeader(batch, batchSize, BigInt(batch.records.length))), ...packRecords(batch.records, batchSize)]);
}

/**
 * The sponge itself, without any check on what goes in: 16 elements in the first Poseidon(16)
 * call, then the chained state and 15 more per call, zero-padded. Exported for tests that must
 * build commitments to inputs the circuit refuses (a record out of range, abused padding).
 */
export function spongeCommitment(absorbed: readonly bigint[]): bigint {
  const chunk = (start: number, length: number) => {
    const elements = absorbed.slice(start, start + length);
    while (elements.length < length) elements.push(0n);
    return elements;
  };
  let state = poseidon16(chunk(0, BATCH_LAYOUT.firstCallElements));
  for (let start = BATCH_LAYOUT.firstCallElements; start < absorbed.length; start += BATCH_LAYOUT.laterCallElements) {
    state = poseidon16([state, ...chunk(start, BATCH_LAYOUT.laterCallElements)]);
  }
  return state;
}
