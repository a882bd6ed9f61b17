import { describe, expect, it } from 'vitest';
import { circuitDefinition } from '@consortium/circuits';
import { buildSettlementWitness, rateCommitment, SETTLEMENT_SERVICES, tadigToField, type RateTable, type SettlementService } from '@consortium/zkp';
import {
  batchVolumes,
  decodeSettlementTx,
  encodeSettlementTx,
  generateUsage,
  parseStateKey,
  recordsDigest,
  toSettlementBatch,
  usageBatchBody,
  wholesaleRates,
  type BatchRecord,
  type ProposeStatementBody,
  type SettlementTxBody,
  type StatementRecord,
} from '../../src/index.js';
import { agreementBody, SAMPLE_PROOF, signed } from '../support/bodies.js';
import { TestChain, VALID } from '../support/chain.js';
import { testMembers, type TestMember } from '../support/members.js';

/**
 * T33 (docs/security.md): what a third member learns of a pair's confidential rate table from the
 * chain alone. Every member runs a full node, so it holds every block's transactions and the
 * whole settlement state; this test plays a member outside the pair that reads only those and
 * tries to solve for the rates of one direction with exact rational arithmetic.
 *
 * A statement's total is exactly the sum over services of the batch's volume x rate. When the
 * batches carried their volume per service on chain, a few of them gave a linear system whose
 * unique solution was the rate table. They no longer do (docs/decisions.md, "Per-service
 * volumes off the chain (T33)"): the volumes stay with the two parties, and the reader below,
 * which looks for them by shape in the blocks and in the state, finds none, so the system it
 * can build stays underdetermined.
 */

const PERIOD = '2026-11';
const CIRCUIT = 'settlement-4';
const BATCH_SIZE = circuitDefinition(CIRCUIT).params.batchSize;
/** Enough batches of 4 generated records for every service to appear in several (the seed is fixed). */
const BATCHES = 8;
const UNKNOWN_RATES = SETTLEMENT_SERVICES.length;

type UnitsByService = Readonly<Record<SettlementService, bigint>>;

interface SettledPair {
  /** Every transaction of every block, encoded as the blocks carry them (one per block here). */
  readonly blockTxs: readonly Uint8Array[];
  /** The settlement state as every member's node holds it (flat keys, as the application stores them). */
  readonly stateEntries: ReadonlyMap<string, unknown>;
  readonly creditor: TestMember;
  readonly debtor: TestMember;
  /** The rates the pair agreed and committed to: only the two parties know them. */
  readonly secretRates: UnitsByService;
  /** Each batch's volume per service, summed from the records only the two parties hold. */
  readonly partiesVolumes: readonly UnitsByService[];
}

/**
 * A pair settling the normal way: an agreement on committed rate tables, then per batch the
 * creditor's generated records, the commit_usage_batch body the node's desk builds
 * (usageBatchBody), and a statement whose public inputs are the circuit's (its witness builder
 * computes the total the proof attests). The proof verdict is handed in: proofs are not the
 * subject here, what the chain holds is.
 */
function settlePair(): SettledPair {
  const members = testMembers(5);
  const chain = new TestChain(members);
  const creditor = members.find((m) => m.id === 'T-Mobile-DE')!;
  const debtor = members.find((m) => m.id === 'Orange-FR')!;
  const tableOf = (from: TestMember, to: TestMember): RateTable => ({ rates: wholesaleRates(from.tadig, to.tadig, PERIOD), salt: 0x5a17n + BigInt(from.tadig.length) });
  const forward = tableOf(creditor, debtor);
  const backward = tableOf(debtor, creditor);
  const commitment = (from: TestMember, to: TestMember, table: RateTable) => rateCommitment(tadigToField(from.tadig), tadigToField(to.tadig), table);
  const [first] = [creditor, debtor].sort((x, y) => (x.id < y.id ? -1 : 1));
  const commitments: [bigint, bigint] = first === creditor ? [commitment(creditor, debtor, forward), commitment(debtor, creditor, backward)] : [commitment(debtor, creditor, backward), commitment(creditor, debtor, forward)];

  const blockTxs: Uint8Array[] = [];
  const partiesVolumes: UnitsByService[] = [];
  const commit = (body: SettlementTxBody, signers: TestMember[]) => {
    chain.ok(body, signers, VALID);
    blockTxs.push(encodeSettlementTx(signed(body, signers)));
  };
  commit(agreementBody(creditor.id, debtor.id, { fromPeriod: '2026-01', toPeriod: '2026-12', commitments }), [creditor, debtor]);
  let firstId = 0n;
  for (let i = 0; i < BATCHES; i++) {
    const records = generateUsage({ creditor: creditor.tadig, debtor: debtor.tadig, period: PERIOD, firstId, count: BATCH_SIZE, seed: `rates-privacy/${i}` });
    const batch = toSettlementBatch(records, forward);
    partiesVolumes.push(batchVolumes(records));
    commit(usageBatchBody(batch, { creditor: creditor.id, debtor: debtor.id }, BATCH_SIZE, recordsDigest(records)), [creditor]);
    const statement: ProposeStatementBody = {
      type: 'propose_statement',
      publicInputs: buildSettlementWitness(batch, circuitDefinition(CIRCUIT).params).publicInputs,
      epoch: 1,
      circuit: CIRCUIT,
      proof: SAMPLE_PROOF as ProposeStatementBody['proof'],
    };
    commit(statement, [creditor]);
    firstId += BigInt(BATCH_SIZE);
  }
  return { blockTxs, stateEntries: chain.entries, creditor, debtor, secretRates: forward.rates, partiesVolumes };
}

// ---------------------------------------------------------------------------------------------
// The third member's side: it knows the genesis members (ids and TADIGs) and what the chain holds.

/** One batch and its statement as a chain reader sees them: the batch's public fields and the statement's total. */
interface ChainObservation {
  /** The batch's charging units per service when the chain discloses them; null when it does not. */
  readonly unitsByService: UnitsByService | null;
  readonly totalMinorUnits: bigint;
}

/** The per-service units a batch body or record discloses, read by shape so the reader does not depend on the codec's types. */
function disclosedUnits(batch: object): UnitsByService | null {
  const candidate = (batch as Record<string, unknown>)['volumes'];
  if (typeof candidate !== 'object' || candidate === null) return null;
  const units = candidate as Record<string, unknown>;
  return SETTLEMENT_SERVICES.every((service) => typeof units[service] === 'bigint') ? (units as UnitsByService) : null;
}

/** From the blocks: every commit_usage_batch of the direction, joined to its statement by the public batch commitment. */
function observationsFromBlocks(blockTxs: readonly Uint8Array[], creditor: TestMember, debtor: TestMember): ChainObservation[] {
  const bodies = blockTxs.map((bytes) => decodeSettlementTx(bytes).body);
  const batches = bodies.filter((body) => body.type === 'commit_usage_batch' && body.creditor === creditor.id && body.debtor === debtor.id);
  const statements = bodies.filter((body): body is ProposeStatementBody => body.type === 'propose_statement');
  return batches.flatMap((batch) => {
    if (batch.type !== 'commit_usage_batch') return [];
    const statement = statements.find((s) => s.publicInputs.batchCommitment === batch.batchCommitment && s.publicInputs.creditor === tadigToField(creditor.tadig));
    return statement === undefined ? [] : [{ unitsByService: disclosedUnits(batch), totalMinorUnits: statement.publicInputs.total }];
  });
}

/** From the node's settlement state: every batch record of the direction and the statement that names it. */
function observationsFromState(entries: ReadonlyMap<string, unknown>, creditor: TestMember, debtor: TestMember): ChainObservation[] {
  const batches: BatchRecord[] = [];
  const statements: StatementRecord[] = [];
  for (const [key, value] of entries) {
    const parsed = parseStateKey(key);
    if (parsed?.kind === 'batch') batches.push(value as BatchRecord);
    if (parsed?.kind === 'statement') statements.push(value as StatementRecord);
  }
  return batches
    .filter((batch) => batch.creditor === creditor.id && batch.debtor === debtor.id)
    .flatMap((batch) => {
      const statement = statements.find((s) => s.batchId === batch.id);
      return statement === undefined ? [] : [{ unitsByService: disclosedUnits(batch), totalMinorUnits: statement.publicInputs.total }];
    });
}

/** A rational number num/den in lowest terms, den > 0: exact, no float anywhere. */
type Rational = readonly [bigint, bigint];
const gcd = (a: bigint, b: bigint): bigint => {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};
const rational = (num: bigint, den = 1n): Rational => {
  const sign = den < 0n ? -1n : 1n;
  const divisor = gcd(num, den) || 1n;
  return [(sign * num) / divisor, (sign * den) / divisor];
};
const sub = (a: Rational, b: Rational) => rational(a[0] * b[1] - b[0] * a[1], a[1] * b[1]);
const mul = (a: Rational, b: Rational) => rational(a[0] * b[0], a[1] * b[1]);
const div = (a: Rational, b: Rational) => rational(a[0] * b[1], a[1] * b[0]);

interface LinearSolution {
  /** Rank of the coefficient matrix: the rates are determined only when it equals the number of unknowns. */
  readonly rank: number;
  /** The unique solution, or null when the system is underdetermined or inconsistent. */
  readonly unique: readonly Rational[] | null;
}

/** Gauss-Jordan elimination over the rationals on [coefficients | right-hand side] rows; bounded by rows x unknowns steps. */
function solveExactly(rows: readonly (readonly bigint[])[], unknowns: number): LinearSolution {
  const matrix = rows.map((row) => row.map((value) => rational(value)));
  let rank = 0;
  for (let column = 0; column < unknowns && rank < matrix.length; column++) {
    const pivot = matrix.findIndex((row, i) => i >= rank && row[column]![0] !== 0n);
    if (pivot < 0) continue;
    [matrix[rank], matrix[pivot]] = [matrix[pivot]!, matrix[rank]!];
    const pivotRow = matrix[rank]!.map((value) => div(value, matrix[rank]![column]!));
    matrix[rank] = pivotRow;
    for (let i = 0; i < matrix.length; i++) {
      if (i === rank || matrix[i]![column]![0] === 0n) continue;
      const factor = matrix[i]![column]!;
      matrix[i] = matrix[i]!.map((value, j) => sub(value, mul(factor, pivotRow[j]!)));
    }
    rank += 1;
  }
  const inconsistent = matrix.slice(rank).some((row) => row[unknowns]![0] !== 0n);
  if (rank < unknowns || inconsistent) return { rank, unique: null };
  return { rank, unique: matrix.slice(0, unknowns).map((row) => row[unknowns]!) };
}

/** The equations total = sum over services of units x rate, one per batch whose units the chain discloses. */
function rateEquations(observations: readonly ChainObservation[]): bigint[][] {
  return observations.flatMap(({ unitsByService, totalMinorUnits }) => (unitsByService === null ? [] : [[...SETTLEMENT_SERVICES.map((service) => unitsByService[service]), totalMinorUnits]]));
}

describe('T33: a pair\'s rates and what the chain holds', () => {
  const pair = settlePair();
  const fromBlocks = observationsFromBlocks(pair.blockTxs, pair.creditor, pair.debtor);
  const fromState = observationsFromState(pair.stateEntries, pair.creditor, pair.debtor);

  it('the third member finds every batch of the direction and its statement total, in the blocks and in the state', () => {
    expect(fromBlocks).toHaveLength(BATCHES);
    expect(fromState).toHaveLength(BATCHES);
    expect(fromState.map((o) => o.totalMinorUnits)).toEqual(fromBlocks.map((o) => o.totalMinorUnits));
  });

  it('the solver is sound: with the volumes only the two parties hold, the same totals give the rate table exactly', () => {
    const withPartiesVolumes = fromBlocks.map((o, i) => ({ ...o, unitsByService: pair.partiesVolumes[i]! }));
    const solution = solveExactly(rateEquations(withPartiesVolumes), UNKNOWN_RATES);
    expect(solution.rank).toBe(UNKNOWN_RATES);
    expect(Object.fromEntries(SETTLEMENT_SERVICES.map((service, i) => [service, solution.unique![i]]))).toEqual(Object.fromEntries(SETTLEMENT_SERVICES.map((service) => [service, [pair.secretRates[service], 1n]])));
  });

  it('no batch discloses a volume per service, in the blocks or in the state', () => {
    expect([...fromBlocks, ...fromState].every((o) => o.unitsByService === null)).toBe(true);
  });

  it('T33 after the fix: the chain does not determine a direction\'s rates', () => {
    for (const observations of [fromBlocks, fromState]) {
      // the statements and their totals stay public (netting needs them); what must go is a
      // per-service breakdown that turns them into a solvable system
      expect(observations).toHaveLength(BATCHES);
      const solution = solveExactly(rateEquations(observations), UNKNOWN_RATES);
      expect(solution.rank).toBeLessThan(UNKNOWN_RATES);
      expect(solution.unique).toBeNull();
    }
  });
});
