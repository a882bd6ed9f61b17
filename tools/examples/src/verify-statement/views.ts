import type { Groth16Proof, SettlementPublicInputs } from '@consortium/zkp';
import { SETTLEMENT_SERVICES, type SettlementService } from '@consortium/zkp';
import type { AgreementRecord, BatchRecord, UsageRecord } from '@consortium/settlement';
import { UnexpectedAnswerError } from './errors.js';

/**
 * The node's answers as the checks need them, parsed from the API's JSON (bigints as decimal
 * strings, bytes as lowercase hex: libs/settlement's settlementToJson of its reads). A missing or
 * malformed field is an UnexpectedAnswerError naming it; nothing is trusted before the checks.
 */

/** A statement as its creditor or debtor sees it (the public view has no proof: PublicViewError). */
export interface StatementFacts {
  readonly id: string;
  readonly state: string;
  readonly creditor: string;
  readonly debtor: string;
  readonly period: string;
  readonly batchId: string;
  readonly epoch: number;
  readonly circuit: string;
  /** The height of the block that committed the proposal: the agreement in force then is the one the chain checked. */
  readonly proposedHeight: number;
  readonly publicInputs: SettlementPublicInputs;
  readonly proof: Groth16Proof;
}

/** A committed usage batch as a party sees it (the public view hides the commitments): the chain's record, its range and commitments. */
export type BatchFacts = Pick<BatchRecord, 'id' | 'creditor' | 'debtor' | 'period' | 'firstId' | 'count' | 'batchCommitment' | 'recordsDigest'>;

/** An agreement as a party sees it: the rate commitment of each direction, which a statement's proof must use. */
export type AgreementFacts = Pick<AgreementRecord, 'id' | 'members' | 'fromPeriod' | 'toPeriod' | 'rateCommitments' | 'height'>;

/** sha256 (hex) of a circuit's files, as a key epoch pins them. */
export interface CircuitPinsHex {
  readonly circuit: string;
  readonly zkey: string;
  readonly wasm: string;
  readonly vkey: string;
}

export interface KeyEpochPins {
  readonly epoch: number;
  readonly pins: readonly CircuitPinsHex[];
}

/** The raw records of a batch, as the creditor and (once received) the debtor hold them. */
export interface BatchRecords {
  readonly batchId: string;
  readonly salt: bigint;
  readonly records: readonly UsageRecord[];
}

type Json = Record<string, unknown>;

const DECIMAL = /^(0|[1-9][0-9]{0,99})$/;
const HEX = /^([0-9a-f]{2})*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Reads fields of one JSON object of one route, naming the field in every refusal. */
class Fields {
  constructor(
    private readonly route: string,
    private readonly value: Json,
    private readonly path: string,
  ) {}

  static of(route: string, value: unknown, path = 'answer'): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnexpectedAnswerError(route, path, 'must be a JSON object');
    return new Fields(route, value as Json, path);
  }

  private where(name: string): string {
    return `${this.path}.${name}`;
  }

  fail(name: string, problem: string): never {
    throw new UnexpectedAnswerError(this.route, this.where(name), problem);
  }

  raw(name: string): unknown {
    return this.value[name];
  }

  /** The first of the names present (the API's `statementId` is the record's `id`). */
  string(...names: string[]): string {
    for (const name of names) {
      const value = this.value[name];
      if (typeof value === 'string' && value !== '') return value;
    }
    return this.fail(names.join(' or '), 'must be a non-empty string');
  }

  integer(name: string): number {
    const value = this.value[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) this.fail(name, 'must be a non-negative integer');
    return value;
  }

  bigint(name: string): bigint {
    const value = this.value[name];
    if (typeof value !== 'string' || !DECIMAL.test(value)) this.fail(name, 'must be a non-negative integer as a decimal string');
    return BigInt(value);
  }

  bytes(name: string): Uint8Array {
    const value = this.value[name];
    if (typeof value !== 'string' || !HEX.test(value)) this.fail(name, 'must be bytes as lowercase hex');
    return Uint8Array.from(Buffer.from(value, 'hex'));
  }

  sha256(name: string): string {
    const value = this.value[name];
    if (typeof value !== 'string' || !SHA256_HEX.test(value)) this.fail(name, 'must be a sha256 as 64 lowercase hex characters');
    return value;
  }

  object(name: string): Fields {
    return Fields.of(this.route, this.value[name], this.where(name));
  }

  array(name: string): Fields[] {
    const value = this.value[name];
    if (!Array.isArray(value)) this.fail(name, 'must be an array');
    return value.map((item, i) => Fields.of(this.route, item, `${this.where(name)}[${i}]`));
  }
}

/** Whether a statement answer is the public view (no proof, no public inputs). */
export function isPublicStatementView(answer: unknown): boolean {
  const value = answer as Json | null;
  return typeof value === 'object' && value !== null && (value.proof === null || value.publicInputs === null);
}

export function statementFromAnswer(route: string, answer: unknown): StatementFacts {
  const fields = Fields.of(route, answer);
  const inputs = fields.object('publicInputs');
  const proof = fields.raw('proof');
  if (typeof proof !== 'object' || proof === null) fields.fail('proof', 'must be a Groth16 proof object (snarkjs JSON)');
  return {
    id: fields.string('statementId', 'id'),
    state: fields.string('state'),
    creditor: fields.string('creditor'),
    debtor: fields.string('debtor'),
    period: fields.string('period'),
    batchId: fields.string('batchId'),
    epoch: fields.integer('epoch'),
    circuit: fields.string('circuit'),
    proposedHeight: fields.integer('proposedHeight'),
    publicInputs: {
      creditor: inputs.bigint('creditor'),
      debtor: inputs.bigint('debtor'),
      period: inputs.bigint('period'),
      firstId: inputs.bigint('firstId'),
      count: inputs.bigint('count'),
      batchCommitment: inputs.bigint('batchCommitment'),
      rateCommitment: inputs.bigint('rateCommitment'),
      total: inputs.bigint('total'),
    },
    // Its form is the verifier's to judge (a malformed proof is a failed check, not an error here).
    proof: proof as Groth16Proof,
  };
}

export function batchFromAnswer(route: string, answer: unknown): BatchFacts {
  const fields = Fields.of(route, answer);
  if (fields.raw('batchCommitment') === null || fields.raw('recordsDigest') === null) {
    fields.fail('batchCommitment', "is hidden from this token (public view): use the operator token of the batch's creditor or debtor");
  }
  return {
    id: fields.string('batchId', 'id'),
    creditor: fields.string('creditor'),
    debtor: fields.string('debtor'),
    period: fields.string('period'),
    firstId: fields.bigint('firstId'),
    count: fields.integer('count'),
    batchCommitment: fields.bigint('batchCommitment'),
    recordsDigest: fields.bytes('recordsDigest'),
  };
}

export function keyEpochsFromAnswer(route: string, answer: unknown): KeyEpochPins[] {
  return Fields.of(route, answer)
    .array('epochs')
    .map((epoch) => ({
      epoch: epoch.integer('epoch'),
      pins: epoch.array('pins').map((pin) => ({ circuit: pin.string('circuit'), zkey: pin.sha256('zkey'), wasm: pin.sha256('wasm'), vkey: pin.sha256('vkey') })),
    }));
}

function service(fields: Fields, name: string): SettlementService {
  const value = fields.string(name);
  if (!(SETTLEMENT_SERVICES as readonly string[]).includes(value)) fields.fail(name, `must be one of ${SETTLEMENT_SERVICES.join(', ')}`);
  return value as SettlementService;
}

export function recordsFromAnswer(route: string, answer: unknown): BatchRecords {
  const fields = Fields.of(route, answer);
  return {
    batchId: fields.string('batchId'),
    salt: fields.bigint('salt'),
    records: fields.array('records').map((record) => ({
      recordId: record.bigint('recordId'),
      subscriberRef: record.string('subscriberRef'),
      service: service(record, 'service'),
      startTime: record.bigint('startTime'),
      volume: record.bigint('volume'),
      visitedTadig: record.string('visitedTadig'),
      homeTadig: record.string('homeTadig'),
    })),
  };
}

/** The agreements of `GET /v1/agreements?member=`; one whose rate commitments are hidden (another pair's) has none. */
export function agreementsFromAnswer(route: string, answer: unknown): AgreementFacts[] {
  return Fields.of(route, answer)
    .array('agreements')
    .map((agreement) => {
      const members = agreement.raw('members');
      if (!Array.isArray(members) || members.length !== 2 || !members.every((m) => typeof m === 'string')) agreement.fail('members', 'must be the two member ids');
      const hidden = agreement.raw('rateCommitments') === null;
      return {
        id: agreement.string('agreementId', 'id'),
        members: members as [string, string],
        fromPeriod: agreement.string('fromPeriod'),
        toPeriod: agreement.string('toPeriod'),
        rateCommitments: hidden ? [] : agreement.array('rateCommitments').map((c) => ({ creditor: c.string('creditor'), debtor: c.string('debtor'), commitment: c.bigint('commitment') })),
        height: agreement.integer('height'),
      };
    });
}
