import { createHash } from 'node:crypto';
import { checkReceivedBatch, recordsDigest, BatchCommitmentMismatchError, RecordsDigestMismatchError, type RecordBatch } from '@consortium/settlement';
import {
  assertContributedKey,
  batchCommitment,
  Groth16Verifier,
  periodToField,
  publicSignalsOf,
  tadigToField,
  VerificationKeys,
  type VerificationKey,
} from '@consortium/zkp';
import type { AgreementFacts, BatchFacts, BatchRecords, KeyEpochPins, StatementFacts } from './views.js';

/**
 * The checks of a statement, offline and pure: they take what the node answered and the local
 * verification key file, and say for each check whether it passed and why. No HTTP here (the
 * CLI fetches); the only work is hashing, the Groth16 pairing check and the commitments.
 *
 * What each check trusts: the chain's key epoch pins (GET /v1/key-epochs) are the anchor; the
 * local key file counts only if its sha256 is the pin of the statement's (epoch, circuit); the
 * proof is verified with that key and the statement's public inputs; the public inputs must be
 * those of the on-chain batch; and the raw records, when the token may read them, must hash to
 * the batch's records digest and commitment.
 */

export interface Check {
  /** Short name of what was checked, e.g. "proof". */
  readonly name: string;
  readonly passed: boolean;
  /** What was compared, with the values when it failed. */
  readonly detail: string;
}

/** The local verification key file the tool was given for the statement's (epoch, circuit). */
export interface LocalVerificationKey {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface StatementEvidence {
  readonly statement: StatementFacts;
  readonly batch: BatchFacts;
  readonly keyEpochs: readonly KeyEpochPins[];
  readonly verificationKey: LocalVerificationKey;
  /** The circuit's batch size (its record slots), which the batch commitment binds: circuitDefinition(statement.circuit).params.batchSize. */
  readonly batchSize: number;
  /** The agreements of the statement's creditor (GET /v1/agreements?member=): the one in force for the period holds the rate commitment the proof must use. */
  readonly agreements: readonly AgreementFacts[];
  /** The batch's raw records when the token may read them (its creditor's or debtor's operator); null otherwise. */
  readonly records: BatchRecords | null;
}

const pass = (name: string, detail: string): Check => ({ name, passed: true, detail });
const fail = (name: string, detail: string): Check => ({ name, passed: false, detail });
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * The local verification key against the chain's pin of the statement's (epoch, circuit); the
 * key (parsed, with a phase-2 contribution) only when it matches.
 */
export function checkVerificationKeyPin(statement: Pick<StatementFacts, 'epoch' | 'circuit'>, keyEpochs: readonly KeyEpochPins[], key: LocalVerificationKey): { check: Check; key: VerificationKey | null } {
  const name = 'verification key pin';
  const where = `epoch ${statement.epoch}, ${statement.circuit}`;
  const epoch = keyEpochs.find((e) => e.epoch === statement.epoch);
  if (epoch === undefined) return { check: fail(name, `the chain registers no key epoch ${statement.epoch} (it has ${keyEpochs.map((e) => e.epoch).join(', ') || 'none'})`), key: null };
  const pin = epoch.pins.find((p) => p.circuit === statement.circuit);
  if (pin === undefined) return { check: fail(name, `key epoch ${statement.epoch} pins no circuit ${statement.circuit}`), key: null };
  const actual = sha256Hex(key.bytes);
  if (actual !== pin.vkey) return { check: fail(name, `${key.path} has sha256 ${actual}, the chain pins ${pin.vkey} for ${where}`), key: null };
  let parsed: VerificationKey;
  try {
    parsed = assertContributedKey(JSON.parse(Buffer.from(key.bytes).toString('utf8')), key.path);
  } catch (error) {
    return { check: fail(name, `${key.path} matches the pin but is not a usable key: ${(error as Error).name}: ${(error as Error).message}`), key: null };
  }
  return { check: pass(name, `sha256 of ${key.path} is the chain's pin for ${where}`), key: parsed };
}

/** The Groth16 proof under the pinned key, with the statement's public inputs in the circuit's order. */
export async function checkProof(statement: StatementFacts, key: VerificationKey | null): Promise<Check> {
  const name = 'Groth16 proof';
  if (key === null) return fail(name, 'not verified: no verification key matching the chain\'s pin (see above)');
  const keys = new VerificationKeys();
  const verifier = new Groth16Verifier(keys, { metrics: null, security: null, tracer: null });
  try {
    keys.add(statement.epoch, statement.circuit, key);
    const result = await verifier.verify({ epoch: statement.epoch, circuit: statement.circuit, proof: statement.proof, publicSignals: publicSignalsOf(statement.publicInputs) });
    if (result.outcome === 'valid') return pass(name, `valid for its public inputs (total ${statement.publicInputs.total}) under key epoch ${statement.epoch}, ${statement.circuit}`);
    return fail(name, `${result.outcome}: ${result.error.name}: ${result.error.message}`);
  } finally {
    await verifier.close();
  }
}

/** The statement's public inputs against the batch the chain committed (the proof binds them; the chain binds the batch). */
export function checkPublicInputsAgainstBatch(statement: StatementFacts, batch: BatchFacts): Check[] {
  const inputs = statement.publicInputs;
  const sameBatch =
    statement.batchId === batch.id && statement.creditor === batch.creditor && statement.debtor === batch.debtor && statement.period === batch.period
      ? pass('batch', `statement of batch ${batch.id}: ${batch.creditor} bills ${batch.debtor} for ${batch.period}`)
      : fail('batch', `the statement names batch ${statement.batchId} (${statement.creditor} -> ${statement.debtor}, ${statement.period}), the node answered batch ${batch.id} (${batch.creditor} -> ${batch.debtor}, ${batch.period})`);
  const lastId = batch.firstId + BigInt(batch.count) - 1n;
  const range =
    inputs.firstId === batch.firstId && inputs.count === BigInt(batch.count)
      ? pass('record range', `the proof covers record ids ${batch.firstId}..${lastId}, the batch's`)
      : fail('record range', `the proof covers ${inputs.count} records from id ${inputs.firstId}, the batch holds ${batch.count} from id ${batch.firstId}`);
  const commitment =
    inputs.batchCommitment === batch.batchCommitment
      ? pass('batch commitment (public input)', `the proof's batch commitment is the one committed on chain`)
      : fail('batch commitment (public input)', `the proof's batch commitment is ${inputs.batchCommitment}, the chain holds ${batch.batchCommitment}`);
  let period: Check;
  try {
    const field = periodToField(statement.period);
    period = inputs.period === field ? pass('period (public input)', `${statement.period}`) : fail('period (public input)', `the proof's period is ${inputs.period}, ${statement.period} is ${field}`);
  } catch (error) {
    period = fail('period (public input)', `${statement.period}: ${(error as Error).message}`);
  }
  return [sameBatch, range, commitment, period];
}

/**
 * The proof's rate commitment against the agreement that was in force for the statement's period
 * when the statement was proposed (the later registered where two overlap, as the chain decides;
 * one registered after the proposal does not change it): the rates both parties signed.
 */
export function checkRateCommitment(statement: StatementFacts, agreements: readonly AgreementFacts[]): Check {
  const name = 'rate commitment (public input)';
  const pair = [statement.creditor, statement.debtor];
  const inForce = agreements
    .filter((a) => a.height <= statement.proposedHeight && pair.every((m) => a.members.includes(m)) && a.fromPeriod <= statement.period && statement.period <= a.toPeriod)
    .reduce<AgreementFacts | null>((latest, a) => (latest === null || a.height >= latest.height ? a : latest), null);
  if (inForce === null) return fail(name, `no agreement between ${statement.creditor} and ${statement.debtor} was in force for ${statement.period} at height ${statement.proposedHeight}`);
  const signed = inForce.rateCommitments.find((c) => c.creditor === statement.creditor && c.debtor === statement.debtor)?.commitment ?? null;
  if (signed === null) return fail(name, `agreement ${inForce.id} holds no rate commitment of ${statement.creditor} billing ${statement.debtor} (hidden from this token?)`);
  if (signed !== statement.publicInputs.rateCommitment) return fail(name, `the proof's rate commitment is ${statement.publicInputs.rateCommitment}, agreement ${inForce.id} (in force for ${statement.period}) holds ${signed}`);
  return pass(name, `the rates of agreement ${inForce.id}, in force for ${statement.period}, signed by both`);
}

/** The raw records as a RecordBatch: the networks are those the records name (each record is checked against them). */
function recordBatchOf(records: BatchRecords, batch: BatchFacts): RecordBatch | null {
  const first = records.records[0];
  if (first === undefined) return null;
  return { creditor: first.visitedTadig, debtor: first.homeTadig, period: batch.period, firstId: batch.firstId, salt: records.salt, records: records.records };
}

/**
 * The raw records against the chain: their records digest (libs/settlement recordsDigest) and
 * batch commitment (libs/zkp batchCommitment) recomputed offline, the ids, networks and times
 * (libs/settlement checkReceivedBatch, the debtor node's own check), and the networks against
 * the proof's creditor and debtor public inputs.
 */
export function checkRecords(statement: StatementFacts, batch: BatchFacts, batchSize: number, records: BatchRecords): Check[] {
  const recordBatch = recordBatchOf(records, batch);
  if (records.batchId !== batch.id) return [fail('records', `the node answered the records of batch ${records.batchId}, not ${batch.id}`)];
  if (recordBatch === null) return [fail('records', `the node answered no records for batch ${batch.id} (the chain says ${batch.count})`)];
  const checks: Check[] = [];
  const onChain = { ...batch, batchSize, creditor: recordBatch.creditor, debtor: recordBatch.debtor };
  const wellFormed = pass('records', `${records.records.length} records, ids ${batch.firstId}.., positional, from ${recordBatch.creditor} to ${recordBatch.debtor}, all in ${batch.period}`);
  try {
    checkReceivedBatch(recordBatch, onChain, []);
    checks.push(wellFormed);
  } catch (error) {
    // checkReceivedBatch compares the digest and the commitment last: a mismatch there means the
    // ids, networks and times passed; the two recomputations have their own lines below.
    const recomputation = error instanceof RecordsDigestMismatchError || error instanceof BatchCommitmentMismatchError;
    checks.push(recomputation ? wellFormed : fail('records', `${(error as Error).name}: ${(error as Error).message}`));
  }
  checks.push(recomputed('records digest', () => hex(recordsDigest(recordBatch)), hex(batch.recordsDigest)));
  checks.push(recomputed('batch commitment (records)', () => batchCommitment(recordBatch, batchSize).toString(), batch.batchCommitment.toString()));
  checks.push(networks(statement, recordBatch));
  return checks;
}

/** A value recomputed from the records, against the chain's. */
function recomputed(name: string, compute: () => string, onChain: string): Check {
  let value: string;
  try {
    value = compute();
  } catch (error) {
    return fail(name, `cannot be recomputed from the records: ${(error as Error).name}: ${(error as Error).message}`);
  }
  return value === onChain ? pass(name, `recomputed from the records: ${value}, as on chain`) : fail(name, `recomputed from the records: ${value}, the chain holds ${onChain}`);
}

function networks(statement: StatementFacts, records: RecordBatch): Check {
  const name = 'creditor and debtor (public inputs)';
  try {
    const [creditor, debtor] = [tadigToField(records.creditor), tadigToField(records.debtor)];
    if (creditor === statement.publicInputs.creditor && debtor === statement.publicInputs.debtor) return pass(name, `the proof is for ${records.creditor} billing ${records.debtor}, the records' networks`);
    return fail(name, `the records are from ${records.creditor} to ${records.debtor} (${creditor}, ${debtor}); the proof's public inputs are ${statement.publicInputs.creditor}, ${statement.publicInputs.debtor}`);
  } catch (error) {
    return fail(name, `${(error as Error).name}: ${(error as Error).message}`);
  }
}

/** Every check, in the order the report prints them. */
export async function checkStatement(evidence: StatementEvidence): Promise<Check[]> {
  const { statement, batch } = evidence;
  const pin = checkVerificationKeyPin(statement, evidence.keyEpochs, evidence.verificationKey);
  const checks = [pin.check, await checkProof(statement, pin.key), ...checkPublicInputsAgainstBatch(statement, batch), checkRateCommitment(statement, evidence.agreements)];
  if (evidence.records !== null) checks.push(...checkRecords(statement, batch, evidence.batchSize, evidence.records));
  return checks;
}
