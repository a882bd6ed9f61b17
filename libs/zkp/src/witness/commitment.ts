import { BATCH_DOMAIN, RATES_DOMAIN, SETTLEMENT_LIMITS, SETTLEMENT_SERVICES, SPONGE_CHUNK } from '@consortium/circuits';
import { poseidon16, poseidon5, poseidon8 } from 'poseidon-lite';
import type { RateTable, UsageRecord } from './domain.js';
import { assertBits, assertFieldElement, WitnessInputError } from './field.js';

/**
 * The two commitments, computed exactly as the circuit computes them (tested equal against
 * the compiled circuit): a member commits its records and rates on chain with these, and the
 * proof shows the statement's total follows from what was committed.
 */

const VOLUME_SHIFT = BigInt(SETTLEMENT_LIMITS.volumeBits);
const SERVICE_SHIFT = BigInt(SETTLEMENT_LIMITS.volumeBits + SETTLEMENT_LIMITS.recordIdBits);

export function serviceIndex(service: UsageRecord['service']): bigint {
  const index = SETTLEMENT_SERVICES.indexOf(service);
  if (index < 0) throw new WitnessInputError(`unknown service "${String(service)}"; services: ${SETTLEMENT_SERVICES.join(', ')}`);
  return BigInt(index);
}

/** Checks a record against the circuit's ranges; the message names the record and the field. */
export function assertRecord(record: UsageRecord, position: number): void {
  assertBits(record.recordId, SETTLEMENT_LIMITS.recordIdBits, `records[${position}].recordId`);
  assertBits(record.volume, SETTLEMENT_LIMITS.volumeBits, `records[${position}].volume`);
  assertFieldElement(record.salt, `records[${position}].salt`);
  serviceIndex(record.service);
}

/** volume | recordId << 32 | service << 64: one field element, injective because each part is range-checked. */
export function packRecord(record: UsageRecord): bigint {
  return record.volume + (record.recordId << VOLUME_SHIFT) + (serviceIndex(record.service) << SERVICE_SHIFT);
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

/**
 * The batch commitment of a batch of `batchSize` slots: a Poseidon sponge seeded with
 * (domain, creditor, debtor, period, count), absorbing (packed, salt) per record and zeros for
 * the padding, 15 elements per Poseidon(16) call.
 */
export function batchCommitment(creditor: bigint, debtor: bigint, period: bigint, records: readonly UsageRecord[], batchSize: number): bigint {
  if (records.length > batchSize) throw new WitnessInputError(`${records.length} records do not fit a batch of ${batchSize}`);
  records.forEach(assertRecord);
  const elements: bigint[] = [];
  for (const record of records) elements.push(packRecord(record), record.salt);
  while (elements.length < 2 * batchSize) elements.push(0n);
  return spongeCommitment([BATCH_DOMAIN, creditor, debtor, period, BigInt(records.length)], elements);
}

/**
 * The sponge itself, without any check on what goes in: exported for tests that must build
 * commitments to inputs the circuit refuses (a record out of range, abused padding).
 */
export function spongeCommitment(seed: readonly [bigint, bigint, bigint, bigint, bigint], elements: readonly bigint[]): bigint {
  let state = poseidon5([...seed]);
  for (let start = 0; start < elements.length; start += SPONGE_CHUNK) {
    const chunk = elements.slice(start, start + SPONGE_CHUNK);
    while (chunk.length < SPONGE_CHUNK) chunk.push(0n);
    state = poseidon16([state, ...chunk]);
  }
  return state;
}
