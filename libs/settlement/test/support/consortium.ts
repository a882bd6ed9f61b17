import { expect } from 'vitest';
import { sha256, type BlockHeader } from '@consortium/consensus';
import { rateCommitment, randomSalt, tadigToField, type RateTable, type SettlementBatch, type UsageRecord } from '@consortium/zkp';
import { encodeSettlementCbor, encodeSettlementTx, usageBatchBody, type CommitUsageBatchBody, type SettlementApplication, type SettlementTxBody } from '../../src/index.js';
import { signed } from './bodies.js';
import { CHAIN_ID, type TestMember } from './members.js';
import { BATCH_SIZE } from './proofs.js';

/** Several settlement applications standing for a consortium's nodes, and the usage they settle (the e2e suites). */

/** Rates in micro-euro per charging unit, below the EU caps (DOMAIN.md). */
export const EU_RATES = { voice_mo: 317n, voice_mt: 250n, sms: 3_000n, data: 1_100n } as const;

/** The consortium's nodes: every block goes to each, and they must agree. */
export class Consortium {
  height = 0;
  timeMs = 1_797_000_000_000;
  constructor(readonly apps: SettlementApplication[]) {}

  /** `decided`: a block that reached the node decided (block sync), without a proposal vote. */
  async block(txs: readonly Uint8Array[], options: { readonly decided?: boolean } = {}) {
    this.height += 1;
    this.timeMs += 5_000;
    const header = { chainId: CHAIN_ID, height: this.height, timeMs: this.timeMs } as BlockHeader;
    const outcomes = [];
    for (const app of this.apps) {
      if (options.decided !== true) expect(await app.processProposal({ header, txs })).toBe(true);
      const result = await app.finalizeBlock({ header, txs });
      await app.commit();
      outcomes.push(result);
    }
    for (const other of outcomes.slice(1)) expect(other).toEqual(outcomes[0]);
    return outcomes[0]!;
  }
}

export const record = (recordId: bigint, service: UsageRecord['service'], volume: bigint): UsageRecord => ({ recordId, service, volume });

export function usage(creditor: TestMember, debtor: TestMember, rateTable: RateTable, firstId: bigint, volumes: readonly [bigint, bigint, bigint, bigint]): SettlementBatch {
  const services = ['data', 'voice_mo', 'sms', 'voice_mt'] as const;
  return {
    creditor: creditor.tadig,
    debtor: debtor.tadig,
    period: '2026-11',
    firstId,
    records: volumes.map((volume, i) => record(firstId + BigInt(i), services[i]!, volume)),
    salt: randomSalt(),
    rateTable,
  };
}

export function batchTx(creditor: TestMember, debtor: TestMember, batch: SettlementBatch): CommitUsageBatchBody {
  // the record-exchange engineer's canonical record encoding goes here; any digest of the records will do for the chain
  return usageBatchBody(batch, { creditor: creditor.id, debtor: debtor.id }, BATCH_SIZE, sha256(encodeSettlementCbor(batch.records)));
}

export const tx = (body: SettlementTxBody, ...signers: TestMember[]) => encodeSettlementTx(signed(body, signers));
export const rateTable = (): RateTable => ({ rates: { ...EU_RATES }, salt: randomSalt() });
export const commitmentOf = (creditor: TestMember, debtor: TestMember, table: RateTable) => rateCommitment(tadigToField(creditor.tadig), tadigToField(debtor.tadig), table);

