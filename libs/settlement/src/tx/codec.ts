import { SETTLEMENT_PUBLIC_INPUTS } from '@consortium/circuits';
import { bytesEqual, sha256 } from '@consortium/consensus';
import { assertContributedKey, type Groth16Proof, type SettlementPublicInputs } from '@consortium/zkp';
import { CborDecodeError, decodeSettlementCbor, encodeSettlementCbor } from '../encoding/cbor.js';
import { DISPUTE_REASON_CODES, type CircuitPins, type DirectedRateCommitment } from '../domain/types.js';
import { MalformedTxError, OversizedTxError, UnknownTxTypeError } from '../errors.js';
import { SETTLEMENT_LIMITS_TABLE as LIMITS } from '../limits.js';
import { array, bigint, bytes, decimalString, exactMap, fail, fieldElement, integer, memberId, oneOf, period, strictlyAscending, text, type CborMap } from './fields.js';
import { SETTLEMENT_TX_TYPES, type SettlementTx, type SettlementTxBody, type TxSignature } from './types.js';

/**
 * Encoding and checked decoding of settlement transactions. Decoding bounds the bytes first,
 * requires the canonical form, then checks every field (a specific error naming it), so a
 * decoded transaction re-encodes to exactly the bytes it came from.
 */

const HASH_BYTES = 32;
const SIGNATURE_BYTES = 64;
const CIRCUIT_NAME = /^[a-z0-9][a-z0-9.-]*$/;

export function encodeSettlementTx(tx: SettlementTx): Uint8Array {
  return encodeSettlementCbor({ body: tx.body, signatures: tx.signatures });
}

export function decodeSettlementTx(encoded: Uint8Array): SettlementTx {
  if (encoded.byteLength > LIMITS.txMaxBytes) throw new OversizedTxError(encoded.byteLength, LIMITS.txMaxBytes);
  let value: unknown;
  try {
    value = decodeSettlementCbor(encoded, LIMITS.txMaxBytes, 'settlement transaction');
  } catch (error) {
    if (error instanceof CborDecodeError) throw new MalformedTxError(error.message);
    throw error;
  }
  return txFromCbor(value);
}

/** The checked transaction of a decoded CBOR value. */
export function txFromCbor(value: unknown): SettlementTx {
  const envelope = exactMap(value, 'tx', ['body', 'signatures']);
  return { body: bodyFromCbor(envelope.body), signatures: signaturesFromCbor(envelope.signatures) };
}

function signaturesFromCbor(value: unknown): TxSignature[] {
  const signatures = array(value, 'signatures', 1, LIMITS.signaturesMax).map((entry, i) => {
    const o = exactMap(entry, `signatures[${i}]`, ['member', 'signature']);
    return { member: memberId(o.member, `signatures[${i}].member`), signature: bytes(o.signature, `signatures[${i}].signature`, SIGNATURE_BYTES) };
  });
  strictlyAscending(signatures, (s) => s.member, 'signatures');
  return signatures;
}

/** The checked body of a decoded CBOR value (or of a JSON body after `txBodyFromJson` turned its strings into bigints and bytes). */
export function bodyFromCbor(value: unknown): SettlementTxBody {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) fail('body', 'must be a map');
  const type = (value as CborMap).type;
  switch (type) {
    case 'register_agreement':
      return registerAgreement(value);
    case 'commit_usage_batch':
      return commitUsageBatch(value);
    case 'propose_statement':
      return proposeStatement(value);
    case 'accept_statement': {
      const o = exactMap(value, 'body', ['type', 'statementId']);
      return { type, statementId: bytes(o.statementId, 'body.statementId', HASH_BYTES) };
    }
    case 'dispute_statement': {
      const o = exactMap(value, 'body', ['type', 'statementId', 'reasonCode', 'reason']);
      return {
        type,
        statementId: bytes(o.statementId, 'body.statementId', HASH_BYTES),
        reasonCode: oneOf(o.reasonCode, 'body.reasonCode', DISPUTE_REASON_CODES),
        reason: text(o.reason, 'body.reason', 1, LIMITS.disputeReasonMaxLength),
      };
    }
    case 'resolve_dispute': {
      const o = exactMap(value, 'body', ['type', 'statementId', 'agreedTotal']);
      return { type, statementId: bytes(o.statementId, 'body.statementId', HASH_BYTES), agreedTotal: fieldElementAmount(o.agreedTotal, 'body.agreedTotal') };
    }
    case 'close_period': {
      const o = exactMap(value, 'body', ['type', 'period']);
      return { type, period: period(o.period, 'body.period') };
    }
    case 'register_key_epoch':
      return registerKeyEpoch(value);
    default:
      throw new UnknownTxTypeError(type);
  }
}

/** An amount in minor units: non-negative and below the field modulus, like every proven total. */
function fieldElementAmount(value: unknown, field: string): bigint {
  return fieldElement(value, field);
}

function registerAgreement(value: unknown): SettlementTxBody {
  const o = exactMap(value, 'body', ['type', 'members', 'fromPeriod', 'toPeriod', 'rateCommitments']);
  const members = array(o.members, 'body.members', 2, 2).map((m, i) => memberId(m, `body.members[${i}]`));
  const [a, b] = members as [string, string];
  if (!(a < b)) fail('body.members', 'must be two different members in ascending order');
  const fromPeriod = period(o.fromPeriod, 'body.fromPeriod');
  const toPeriod = period(o.toPeriod, 'body.toPeriod');
  if (toPeriod < fromPeriod) fail('body.toPeriod', `must not be before fromPeriod ${fromPeriod}`);
  const commitments = array(o.rateCommitments, 'body.rateCommitments', 2, 2).map((entry, i): DirectedRateCommitment => {
    const field = `body.rateCommitments[${i}]`;
    const c = exactMap(entry, field, ['creditor', 'debtor', 'commitment']);
    return { creditor: memberId(c.creditor, `${field}.creditor`), debtor: memberId(c.debtor, `${field}.debtor`), commitment: fieldElement(c.commitment, `${field}.commitment`) };
  });
  const expected = [
    [a, b],
    [b, a],
  ];
  commitments.forEach((c, i) => {
    if (c.creditor !== expected[i]![0] || c.debtor !== expected[i]![1]) fail(`body.rateCommitments[${i}]`, `must be the direction ${expected[i]![0]} -> ${expected[i]![1]} (one per direction, ordered by creditor)`);
  });
  return { type: 'register_agreement', members: [a, b], fromPeriod, toPeriod, rateCommitments: [commitments[0]!, commitments[1]!] };
}

function commitUsageBatch(value: unknown): SettlementTxBody {
  // No `volumes` (T33): exactMap refuses a body that still carries them, naming the field.
  const o = exactMap(value, 'body', ['type', 'creditor', 'debtor', 'period', 'firstId', 'count', 'batchCommitment', 'recordsDigest']);
  const creditor = memberId(o.creditor, 'body.creditor');
  const debtor = memberId(o.debtor, 'body.debtor');
  if (creditor === debtor) fail('body.debtor', 'must differ from the creditor');
  const count = integer(o.count, 'body.count', 1, LIMITS.batchRecordsMax);
  const firstId = bigint(o.firstId, 'body.firstId', 0n, LIMITS.recordIdLimit - BigInt(count) + 1n);
  return {
    type: 'commit_usage_batch',
    creditor,
    debtor,
    period: period(o.period, 'body.period'),
    firstId,
    count,
    batchCommitment: fieldElement(o.batchCommitment, 'body.batchCommitment'),
    recordsDigest: bytes(o.recordsDigest, 'body.recordsDigest', HASH_BYTES),
  };
}

function publicInputsFromCbor(value: unknown): SettlementPublicInputs {
  const o = exactMap(value, 'body.publicInputs', SETTLEMENT_PUBLIC_INPUTS);
  const inputs = Object.fromEntries(SETTLEMENT_PUBLIC_INPUTS.map((name) => [name, fieldElement(o[name], `body.publicInputs.${name}`)])) as unknown as SettlementPublicInputs;
  if (inputs.count < 1n || inputs.count > BigInt(LIMITS.batchRecordsMax)) fail('body.publicInputs.count', `must lie in 1 .. ${LIMITS.batchRecordsMax}`);
  if (inputs.firstId + inputs.count > LIMITS.recordIdLimit) fail('body.publicInputs.firstId', 'the covered record ids must lie below 2^64');
  return inputs;
}

function coordinates(value: unknown, field: string, length: number): string[] {
  return array(value, field, length, length).map((c, i) => decimalString(c, `${field}[${i}]`, LIMITS.proofCoordinateMaxLength));
}

function proofFromCbor(value: unknown): Groth16Proof {
  const o = exactMap(value, 'body.proof', ['pi_a', 'pi_b', 'pi_c', 'protocol', 'curve']);
  return {
    pi_a: coordinates(o.pi_a, 'body.proof.pi_a', 3),
    pi_b: array(o.pi_b, 'body.proof.pi_b', 3, 3).map((pair, i) => coordinates(pair, `body.proof.pi_b[${i}]`, 2)),
    pi_c: coordinates(o.pi_c, 'body.proof.pi_c', 3),
    protocol: oneOf(o.protocol, 'body.proof.protocol', ['groth16']),
    curve: oneOf(o.curve, 'body.proof.curve', ['bn128']),
  };
}

export function circuitName(value: unknown, field: string): string {
  const name = text(value, field, 1, LIMITS.circuitNameMaxLength);
  if (!CIRCUIT_NAME.test(name)) fail(field, 'must be a circuit name (lowercase letters, digits, "." and "-")');
  return name;
}

function proposeStatement(value: unknown): SettlementTxBody {
  const o = exactMap(value, 'body', ['type', 'publicInputs', 'epoch', 'circuit', 'proof']);
  return {
    type: 'propose_statement',
    publicInputs: publicInputsFromCbor(o.publicInputs),
    epoch: integer(o.epoch, 'body.epoch', 1, LIMITS.keyEpochMax),
    circuit: circuitName(o.circuit, 'body.circuit'),
    proof: proofFromCbor(o.proof),
  };
}

function registerKeyEpoch(value: unknown): SettlementTxBody {
  const o = exactMap(value, 'body', ['type', 'epoch', 'activationHeight', 'pins', 'verificationKeys']);
  const pins = array(o.pins, 'body.pins', 1, LIMITS.circuitsPerEpochMax).map((entry, i): CircuitPins => {
    const field = `body.pins[${i}]`;
    const p = exactMap(entry, field, ['circuit', 'zkey', 'wasm', 'vkey']);
    return {
      circuit: circuitName(p.circuit, `${field}.circuit`),
      zkey: bytes(p.zkey, `${field}.zkey`, HASH_BYTES),
      wasm: bytes(p.wasm, `${field}.wasm`, HASH_BYTES),
      vkey: bytes(p.vkey, `${field}.vkey`, HASH_BYTES),
    };
  });
  strictlyAscending(pins, (p) => p.circuit, 'body.pins');
  const keys = array(o.verificationKeys, 'body.verificationKeys', pins.length, pins.length);
  const verificationKeys = keys.map((key, i) => pinnedVerificationKey(key, `body.verificationKeys[${i}]`, pins[i]!));
  return {
    type: 'register_key_epoch',
    epoch: integer(o.epoch, 'body.epoch', 1, LIMITS.keyEpochMax),
    activationHeight: integer(o.activationHeight, 'body.activationHeight', 1, Number.MAX_SAFE_INTEGER),
    pins,
    verificationKeys,
  };
}

/**
 * A verification key carried on chain: the bytes its pin hashes, a usable Groth16 key (on the
 * curve, phase 2 contributed) for the settlement statement's public signals. Checked here, from
 * the bytes alone, so a key no node could use never reaches the state.
 */
function pinnedVerificationKey(value: unknown, field: string, pin: CircuitPins): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(field, 'must be a byte string (the .vkey.json file)');
  if (value.byteLength > LIMITS.verificationKeyMaxBytes) fail(field, `must be at most ${LIMITS.verificationKeyMaxBytes} bytes, got ${value.byteLength}`);
  if (!bytesEqual(sha256(value), pin.vkey)) fail(field, `its sha256 is not the vkey pin of ${pin.circuit}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value));
  } catch (error) {
    fail(field, `is not UTF-8 JSON: ${(error as Error).message}`);
  }
  try {
    assertContributedKey(parsed, 'the key');
  } catch (error) {
    fail(field, (error as Error).message.replace(/^the key: /, ''));
  }
  const nPublic = (parsed as { nPublic: number }).nPublic;
  if (nPublic !== SETTLEMENT_PUBLIC_INPUTS.length) fail(field, `has ${nPublic} public signals; a settlement statement has ${SETTLEMENT_PUBLIC_INPUTS.length}`);
  return value;
}

export { SETTLEMENT_TX_TYPES };
