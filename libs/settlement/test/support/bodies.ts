import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sha256 } from '@consortium/consensus';
import type {
  AcceptStatementBody,
  ClosePeriodBody,
  CommitUsageBatchBody,
  DisputeStatementBody,
  ProposeStatementBody,
  RegisterAgreementBody,
  RegisterKeyEpochBody,
  ResolveDisputeBody,
  SettlementTx,
  SettlementTxBody,
} from '../../src/index.js';
import { signSettlementTx } from '../../src/index.js';
import { CHAIN_ID, type TestMember } from './members.js';

/** Well-formed bodies of every kind, to start each negative test from something valid. */

export function agreementBody(a: string, b: string, options: Partial<Pick<RegisterAgreementBody, 'fromPeriod' | 'toPeriod'>> & { readonly commitments?: readonly [bigint, bigint] } = {}): RegisterAgreementBody {
  const [first, second] = a < b ? [a, b] : [b, a];
  const [c1, c2] = options.commitments ?? [123n, 456n];
  return {
    type: 'register_agreement',
    members: [first, second],
    fromPeriod: options.fromPeriod ?? '2026-01',
    toPeriod: options.toPeriod ?? '2026-12',
    rateCommitments: [
      { creditor: first, debtor: second, commitment: c1 },
      { creditor: second, debtor: first, commitment: c2 },
    ],
  };
}

export function batchBody(creditor: string, debtor: string, overrides: Partial<CommitUsageBatchBody> = {}): CommitUsageBatchBody {
  return {
    type: 'commit_usage_batch',
    creditor,
    debtor,
    period: '2026-11',
    firstId: 0n,
    count: 4,
    batchCommitment: 987_654_321n,
    recordsDigest: new Uint8Array(32).fill(7),
    ...overrides,
  };
}

export const SAMPLE_PROOF = {
  pi_a: ['1', '2', '1'],
  pi_b: [
    ['3', '4'],
    ['5', '6'],
    ['1', '0'],
  ],
  pi_c: ['7', '8', '1'],
  protocol: 'groth16',
  curve: 'bn128',
};

export function statementBody(overrides: Partial<ProposeStatementBody> = {}): ProposeStatementBody {
  return {
    type: 'propose_statement',
    publicInputs: { creditor: 1n, debtor: 2n, period: 202611n, firstId: 0n, count: 4n, batchCommitment: 987_654_321n, rateCommitment: 123n, total: 1_000n },
    epoch: 1,
    circuit: 'settlement-4',
    proof: SAMPLE_PROOF as ProposeStatementBody['proof'],
    ...overrides,
  };
}

export const acceptBody = (statementId: Uint8Array): AcceptStatementBody => ({ type: 'accept_statement', statementId });
export const disputeBody = (statementId: Uint8Array, reason = 'records 3 and 4 are duplicates of last month'): DisputeStatementBody => ({
  type: 'dispute_statement',
  statementId,
  reasonCode: 'duplicate_records',
  reason,
});
export const resolveBody = (statementId: Uint8Array, agreedTotal: bigint): ResolveDisputeBody => ({ type: 'resolve_dispute', statementId, agreedTotal });
export const closeBody = (period = '2026-11'): ClosePeriodBody => ({ type: 'close_period', period });

/**
 * A real verification key (settlement-4's test keys, phase 2 contributed): a key epoch carries
 * its verification keys on chain, and the codec checks each one is usable.
 */
export const FIXTURE_VKEY_BYTES = new Uint8Array(readFileSync(new URL('../fixtures/contributed.vkey.json', import.meta.url)));

export function keyEpochBody(epoch: number, circuits: readonly string[] = ['settlement-4'], activationHeight = 10_000, vkeyBytes: Uint8Array = FIXTURE_VKEY_BYTES): RegisterKeyEpochBody {
  const sorted = [...circuits].sort();
  return {
    type: 'register_key_epoch',
    epoch,
    activationHeight,
    pins: sorted.map((circuit) => ({ circuit, zkey: new Uint8Array(randomBytes(32)), wasm: new Uint8Array(randomBytes(32)), vkey: sha256(vkeyBytes) })),
    verificationKeys: sorted.map(() => vkeyBytes),
  };
}

/** The envelope of `body` signed by `signers`. */
export function signed(body: SettlementTxBody, signers: readonly TestMember[], chainId = CHAIN_ID): SettlementTx {
  return signSettlementTx(
    chainId,
    body,
    signers.map((m) => ({ member: m.id, signer: m.signer })),
  );
}

/** One well-formed body of every kind, between members `a` and `b`, about statement `statementId`. */
export function everyKindOfBody(a: string, b: string, statementId: Uint8Array, agreedTotal = 12_345n): SettlementTxBody[] {
  return [
    agreementBody(a, b),
    batchBody(a, b),
    statementBody(),
    acceptBody(statementId),
    disputeBody(statementId),
    resolveBody(statementId, agreedTotal),
    closeBody(),
    keyEpochBody(2, ['settlement-16', 'settlement-4']),
  ];
}
