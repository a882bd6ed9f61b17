import { SETTLEMENT_PUBLIC_INPUTS, SETTLEMENT_SERVICES, type SettlementParams } from '@consortium/circuits';
import { batchCommitment, rateCommitment, serviceIndex } from './commitment.js';
import type { SettlementBatch, SettlementPublicInputs } from './domain.js';
import { periodToField, tadigToField, WitnessInputError } from './field.js';

/**
 * The circuit input of a settlement statement, built from typed domain values: the witness
 * calculator's input object (decimal strings), and the public inputs it will prove.
 */

export interface SettlementWitness {
  /** Signal name -> value(s), as snarkjs's witness calculator takes them. */
  readonly input: Readonly<Record<string, string | readonly string[]>>;
  readonly publicInputs: SettlementPublicInputs;
}

/** Sum of volume x rate over the records, in minor units: integer arithmetic only. */
export function settlementTotal(batch: Pick<SettlementBatch, 'records' | 'rateTable'>): bigint {
  let total = 0n;
  for (const record of batch.records) total += record.volume * batch.rateTable.rates[record.service];
  return total;
}

/** The public inputs as the circuit orders its public signals (decimal strings). */
export function publicSignalsOf(inputs: SettlementPublicInputs): string[] {
  return SETTLEMENT_PUBLIC_INPUTS.map((name) => inputs[name].toString());
}

export function buildSettlementWitness(batch: SettlementBatch, params: SettlementParams): SettlementWitness {
  if (params.serviceBits !== 2 || SETTLEMENT_SERVICES.length !== 4) throw new WitnessInputError('the witness builder knows rate tables of 4 services (serviceBits 2)');
  const creditor = tadigToField(batch.creditor);
  const debtor = tadigToField(batch.debtor);
  if (creditor === debtor) throw new WitnessInputError(`creditor and debtor are both ${batch.creditor}: a statement is between two members`);
  const period = periodToField(batch.period);
  const { batchSize } = params;
  const publicInputs: SettlementPublicInputs = {
    creditor,
    debtor,
    period,
    count: BigInt(batch.records.length),
    batchCommitment: batchCommitment(creditor, debtor, period, batch.records, batchSize),
    rateCommitment: rateCommitment(creditor, debtor, batch.rateTable),
    total: settlementTotal(batch),
  };
  const padded = <T>(values: T[], zero: T) => [...values, ...Array<T>(batchSize - values.length).fill(zero)];
  const decimal = (value: bigint) => value.toString();
  const input = {
    ...Object.fromEntries(SETTLEMENT_PUBLIC_INPUTS.map((name) => [name, decimal(publicInputs[name])])),
    recordId: padded(batch.records.map((r) => decimal(r.recordId)), '0'),
    service: padded(batch.records.map((r) => decimal(serviceIndex(r.service))), '0'),
    volume: padded(batch.records.map((r) => decimal(r.volume)), '0'),
    salt: padded(batch.records.map((r) => decimal(r.salt)), '0'),
    rate: SETTLEMENT_SERVICES.map((service) => decimal(batch.rateTable.rates[service])),
    rateSalt: decimal(batch.rateTable.salt),
  };
  return { input, publicInputs };
}
