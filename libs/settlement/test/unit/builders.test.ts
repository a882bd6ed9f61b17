import { describe, expect, it } from 'vitest';
import { batchCommitment, publicSignalsOf, randomSalt, type SettlementBatch } from '@consortium/zkp';
import { InvalidTxFieldError, publicInputsOf, statementBody, usageBatchBody } from '../../src/index.js';
import { SAMPLE_PROOF } from '../support/bodies.js';

const batch: SettlementBatch = {
  creditor: 'FRAF1',
  debtor: 'DEUD1',
  period: '2026-11',
  firstId: 8n,
  records: [
    { recordId: 8n, service: 'data', volume: 1_500n },
    { recordId: 9n, service: 'data', volume: 500n },
    { recordId: 10n, service: 'sms', volume: 2n },
  ],
  salt: randomSalt(),
  rateTable: { rates: { voice_mo: 317n, voice_mt: 250n, sms: 3_000n, data: 1_100n }, salt: randomSalt() },
};

describe('transaction bodies from a batch and its proof', () => {
  it("commits to a batch for the circuit's batch size, and carries no volume per service (T33)", () => {
    const body = usageBatchBody(batch, { creditor: 'Orange-FR', debtor: 'T-Mobile-DE' }, 4, new Uint8Array(32));
    expect(body).toMatchObject({ creditor: 'Orange-FR', debtor: 'T-Mobile-DE', firstId: 8n, count: 3 });
    expect(Object.keys(body).sort()).toEqual(['batchCommitment', 'count', 'creditor', 'debtor', 'firstId', 'period', 'recordsDigest', 'type']);
    expect(body.batchCommitment).toBe(batchCommitment(batch, 4));
  });

  it("reads the public inputs back from a proof's public signals", () => {
    const inputs = { creditor: 1n, debtor: 2n, period: 202611n, firstId: 8n, count: 3n, batchCommitment: 5n, rateCommitment: 6n, total: 7n };
    const body = statementBody({ epoch: 2, circuit: 'settlement-4', proof: SAMPLE_PROOF as never, publicSignals: publicSignalsOf(inputs) });
    expect(body).toEqual({ type: 'propose_statement', publicInputs: inputs, epoch: 2, circuit: 'settlement-4', proof: SAMPLE_PROOF });
    expect(() => publicInputsOf(['1', '2'])).toThrow(InvalidTxFieldError);
    expect(() => publicInputsOf(['1', '2', '3', '4', '5', '6', '7', '-8'])).toThrow(InvalidTxFieldError);
  });
});
