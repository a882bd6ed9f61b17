import { SETTLEMENT_PUBLIC_INPUTS, SETTLEMENT_SERVICE_BITS, SETTLEMENT_SERVICES, type SettlementParams } from '@consortium/circuits';
import { batchCommitment, rateCommitment, serviceIndex } from './commitment.js';
import type { SettlementBatch, SettlementPublicInputs } from './domain.js';
import { periodToField, tadigToField, WitnessInputError } from './field.js';

/**
 * The circuit input of a settlement statement (circuit v2), built from typed domain values: the
 * witness calculator's input object (decimal strings), and the public inputs it will prove.
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
  if (params.serviceBits !== SETTLEMENT_SERVICE_BITS) throw new WitnessInputError(`the witness builder knows rate tables of ${SETTLEMENT_SERVICES.length} services (serviceBits ${SETTLEMENT_SERVICE_BITS})`);
  const creditor = tadigToField(batch.creditor);
  const debtor = tadigToField(batch.debtor);
  if (creditor === debtor) throw new WitnessInputError(`creditor and debtor are both ${batch.creditor}: a statement is between two members`);
  const { batchSize } = params;
  const publicInputs: SettlementPublicInputs = {
    creditor,
    debtor,
    period: periodToField(batch.period),
    firstId: batch.firstId,
    count: BigInt(batch.records.length),
    batchCommitment: batchCommitment(batch, batchSize),
    rateCommitment: rateCommitment(creditor, debtor, batch.rateTable),
    total: settlementTotal(batch),
  };
  const padded = (values: string[]) => [...values, ...Array<string>(batchSize - values.length).fill('0')];
  const input = {
    ...Object.fromEntries(SETTLEMENT_PUBLIC_INPUTS.map((name) => [name, publicInputs[name].toString()])),
    volume: padded(batch.records.map((r) => r.volume.toString())),
    service: padded(batch.records.map((r) => serviceIndex(r.service).toString())),
    salt: batch.salt.toString(),
    rate: SETTLEMENT_SERVICES.map((service) => batch.rateTable.rates[service].toString()),
    rateSalt: batch.rateTable.salt.toString(),
  };
  return { input, publicInputs };
}
