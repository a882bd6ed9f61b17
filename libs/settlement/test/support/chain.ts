import { expect } from 'vitest';
import { periodToField, tadigToField } from '@consortium/zkp';
import {
  authenticateTx,
  encodeSettlementCbor,
  genesisWrites,
  MapState,
  stateKey,
  statementIdOf,
  transitionWrites,
  type CommitUsageBatchBody,
  type ProofVerdict,
  type ProposeStatementBody,
  type SettlementTxBody,
  type SettlementTxError,
  type StateReader,
  type TxOutcome,
} from '../../src/index.js';
import { SAMPLE_PROOF, signed } from './bodies.js';
import { CHAIN_ID, memberMap, type TestMember } from './members.js';

/** Genesis pins of epoch 1 for settlement-4 (any sha256 will do for the state rules). */
export const GENESIS_ARTIFACTS = {
  'epoch-1/settlement-4.zkey': 'aa'.repeat(32),
  'epoch-1/settlement-4.wasm': 'bb'.repeat(32),
  'epoch-1/settlement-4.vkey': 'cc'.repeat(32),
};

export const VALID: ProofVerdict = { outcome: 'valid' };

/**
 * A chain of one transaction per block over the pure transition, for the rules' tests. The
 * proof verdict is handed in as the application would after verifying the block: these tests
 * are about the state rules, not about proofs (the application's tests verify real proofs).
 */
export class TestChain {
  readonly entries = new Map<string, unknown>();
  state: StateReader = new MapState(this.entries);
  height = 0;
  timeMs = 1_797_000_000_000;

  constructor(readonly members: readonly TestMember[]) {
    for (const w of genesisWrites(GENESIS_ARTIFACTS)) this.entries.set(stateKey(w.kind, w.id), w.value);
  }

  /** The whole state in its canonical encoding (hex): equal fingerprints, equal states. */
  fingerprint(): string {
    const sorted = [...this.entries].sort(([a], [b]) => (a < b ? -1 : 1));
    return Buffer.from(encodeSettlementCbor(sorted)).toString('hex');
  }

  member(id: string): TestMember {
    return this.members.find((m) => m.id === id)!;
  }

  /** Signs, authenticates and applies `body` in a new block; on success the writes become the state. */
  apply(body: SettlementTxBody, signers: readonly TestMember[], proofVerdict?: ProofVerdict): TxOutcome {
    this.height += 1;
    this.timeMs += 60_000;
    const authenticated = authenticateTx(signed(body, signers), memberMap(this.members), CHAIN_ID);
    const before = this.fingerprint();
    const outcome = transitionWrites(this.state, authenticated, { chainId: CHAIN_ID, height: this.height, timeMs: this.timeMs, members: [...this.members].sort((a, b) => (a.id < b.id ? -1 : 1)), proofVerdict });
    // the transition reads the state and never changes it, not even inside a record
    expect(this.fingerprint()).toEqual(before);
    if (outcome.ok) for (const w of outcome.writes) this.entries.set(stateKey(w.kind, w.id), w.value);
    return outcome;
  }

  ok(body: SettlementTxBody, signers: readonly TestMember[], proofVerdict?: ProofVerdict): TxOutcome & { ok: true } {
    const outcome = this.apply(body, signers, proofVerdict);
    if (!outcome.ok) throw outcome.error;
    return outcome;
  }

  /** Applies a transaction that must be refused with `errorClass`; the state must stay as it was. */
  refused<E extends SettlementTxError>(body: SettlementTxBody, signers: readonly TestMember[], errorClass: abstract new (...args: never[]) => E, proofVerdict?: ProofVerdict): E {
    const before = this.fingerprint();
    const outcome = this.apply(body, signers, proofVerdict);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) throw new Error('applied');
    expect(outcome.error).toBeInstanceOf(errorClass);
    expect(this.fingerprint()).toEqual(before);
    return outcome.error as E;
  }
}

/** The statement of a committed batch, as a creditor would propose it. */
export function statementOf(chain: TestChain, batch: CommitUsageBatchBody, rateCommitment: bigint, total: bigint, overrides: Partial<ProposeStatementBody> = {}): ProposeStatementBody {
  return {
    type: 'propose_statement',
    publicInputs: {
      creditor: tadigToField(chain.member(batch.creditor).tadig),
      debtor: tadigToField(chain.member(batch.debtor).tadig),
      period: periodToField(batch.period),
      firstId: batch.firstId,
      count: BigInt(batch.count),
      batchCommitment: batch.batchCommitment,
      rateCommitment,
      total,
    },
    epoch: 1,
    circuit: 'settlement-4',
    proof: SAMPLE_PROOF as ProposeStatementBody['proof'],
    ...overrides,
  };
}

export function idOf(statement: ProposeStatementBody): Uint8Array {
  return statementIdOf(statement.publicInputs, statement.epoch, statement.circuit);
}

export const hexId = (id: Uint8Array): string => Buffer.from(id).toString('hex');
