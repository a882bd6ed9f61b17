import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256 } from '@consortium/consensus';
import { FIELD_MODULUS } from '@consortium/zkp';
import {
  decodeSettlementTx,
  encodeSettlementTx,
  InvalidTxFieldError,
  MalformedTxError,
  OversizedTxError,
  SETTLEMENT_LIMITS_TABLE,
  SettlementTxError,
  UnknownTxTypeError,
  type RegisterKeyEpochBody,
  type SettlementTx,
  type SettlementTxBody,
} from '../../src/index.js';
import { encodeSettlementCbor } from '../../src/encoding/cbor.js';
import { acceptBody, agreementBody, batchBody, closeBody, disputeBody, everyKindOfBody, FIXTURE_VKEY_BYTES, keyEpochBody, resolveBody, signed, statementBody } from '../support/bodies.js';
import { testMembers } from '../support/members.js';

const members = testMembers(5);
const [tmobile, vodafone] = members as [(typeof members)[0], (typeof members)[0]];
const id = new Uint8Array(32).fill(9);

const everyKind: SettlementTxBody[] = everyKindOfBody(tmobile.id, vodafone.id, id);

/** Encodes a raw envelope whose body is `body` (any value), signed by nobody valid: the decoder must refuse before signatures matter. */
function raw(body: unknown, signatures: unknown = [{ member: tmobile.id, signature: new Uint8Array(64) }]): Uint8Array {
  return encodeSettlementCbor({ body, signatures });
}

function fieldError(body: unknown, signatures?: unknown): InvalidTxFieldError {
  try {
    decodeSettlementTx(raw(body, signatures));
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidTxFieldError);
    return error as InvalidTxFieldError;
  }
  throw new Error('decoded');
}

describe('settlement transaction codec', () => {
  it.each(everyKind.map((body) => [body.type, body] as const))('round-trips %s to the same bytes', (_type, body) => {
    const tx = signed(body, [tmobile]);
    const bytes = encodeSettlementTx(tx);
    const decoded = decodeSettlementTx(bytes);
    expect(decoded).toEqual(tx);
    expect(Buffer.compare(encodeSettlementTx(decoded), bytes)).toBe(0);
  });

  it('refuses bytes over the limit before parsing them', () => {
    expect(() => decodeSettlementTx(new Uint8Array(SETTLEMENT_LIMITS_TABLE.txMaxBytes + 1))).toThrow(OversizedTxError);
  });

  it('refuses bytes that are not CBOR, and a second encoding of a valid transaction', () => {
    expect(() => decodeSettlementTx(new Uint8Array([0xff, 0x00]))).toThrow(MalformedTxError);
    const tx = signed(closeBody(), [tmobile]);
    // the period's text with its length in a one-byte argument (0x78 0x07) instead of the short form (0x67): the same value, other bytes
    const hex = Buffer.from(encodeSettlementTx(tx)).toString('hex');
    const period = Buffer.from('2026-11').toString('hex');
    const longForm = new Uint8Array(Buffer.from(hex.replace(`67${period}`, `7807${period}`), 'hex'));
    expect(() => decodeSettlementTx(longForm)).toThrow(MalformedTxError);
  });

  it('refuses an unknown transaction type by class', () => {
    expect(() => decodeSettlementTx(raw({ type: 'mint_money' }))).toThrow(UnknownTxTypeError);
  });

  it('refuses a commit_usage_batch still carrying its volumes per service (the format before T33), signed as it was', () => {
    // a body of the old format, signed by its creditor: the signature is right, the field is not
    const old = { ...batchBody(tmobile.id, vodafone.id), volumes: { voice_mo: 600n, voice_mt: 300n, sms: 4n, data: 2_048n } };
    const bytes = encodeSettlementCbor({ body: old, signatures: signed(batchBody(tmobile.id, vodafone.id), [tmobile]).signatures });
    let refused: unknown = null;
    try {
      decodeSettlementTx(bytes);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(InvalidTxFieldError);
    expect(refused).toMatchObject({ name: 'InvalidTxFieldError', field: 'body.volumes' });
    expect((refused as InvalidTxFieldError).message).toContain('is not a field of this transaction');
  });

  it('names a missing field and an extra field', () => {
    const { period: _omitted, ...missing } = closeBody();
    expect(fieldError(missing).field).toBe('body.period');
    expect(fieldError({ ...closeBody(), note: 'x' }).field).toBe('body.note');
    expect(fieldError({ ...closeBody() }, []).field).toBe('signatures');
  });

  it.each([
    ['body.members', { ...agreementBody(tmobile.id, vodafone.id), members: [vodafone.id, tmobile.id] }],
    ['body.members[0]', { ...agreementBody(tmobile.id, vodafone.id), members: ['not a member!', tmobile.id] }],
    ['body.toPeriod', agreementBody(tmobile.id, vodafone.id, { fromPeriod: '2026-06', toPeriod: '2026-05' })],
    ['body.fromPeriod', agreementBody(tmobile.id, vodafone.id, { fromPeriod: '2026-13' })],
    ['body.rateCommitments[0]', { ...agreementBody(tmobile.id, vodafone.id), rateCommitments: [...agreementBody(tmobile.id, vodafone.id).rateCommitments].reverse() }],
    ['body.rateCommitments[1].commitment', agreementBody(tmobile.id, vodafone.id, { commitments: [1n, FIELD_MODULUS] })],
    ['body.debtor', batchBody(tmobile.id, tmobile.id)],
    ['body.count', batchBody(tmobile.id, vodafone.id, { count: 0 })],
    ['body.count', batchBody(tmobile.id, vodafone.id, { count: SETTLEMENT_LIMITS_TABLE.batchRecordsMax + 1 })],
    ['body.firstId', batchBody(tmobile.id, vodafone.id, { firstId: SETTLEMENT_LIMITS_TABLE.recordIdLimit - 3n })],
    ['body.firstId', batchBody(tmobile.id, vodafone.id, { firstId: -1n })],
    ['body.recordsDigest', batchBody(tmobile.id, vodafone.id, { recordsDigest: new Uint8Array(31) })],
    // T33: a batch no longer carries its volume per service; a body that still does is refused
    ['body.volumes', { ...batchBody(tmobile.id, vodafone.id), volumes: { voice_mo: 600n, voice_mt: 300n, sms: 4n, data: 2_048n } }],
    ['body.batchCommitment', { ...batchBody(tmobile.id, vodafone.id), batchCommitment: 5 }],
    ['body.publicInputs.total', { ...statementBody(), publicInputs: { ...statementBody().publicInputs, total: FIELD_MODULUS } }],
    ['body.publicInputs.count', { ...statementBody(), publicInputs: { ...statementBody().publicInputs, count: 0n } }],
    ['body.epoch', statementBody({ epoch: 0 })],
    ['body.circuit', statementBody({ circuit: 'Settlement 4' })],
    ['body.proof.pi_a[1]', { ...statementBody(), proof: { ...statementBody().proof, pi_a: ['1', '02', '1'] } }],
    ['body.proof.pi_b', { ...statementBody(), proof: { ...statementBody().proof, pi_b: [['1', '2']] } }],
    ['body.proof.protocol', { ...statementBody(), proof: { ...statementBody().proof, protocol: 'plonk' } }],
    ['body.statementId', acceptBody(new Uint8Array(31))],
    ['body.reasonCode', { ...disputeBody(id), reasonCode: 'grumpy' }],
    ['body.reason', disputeBody(id, 'x'.repeat(SETTLEMENT_LIMITS_TABLE.disputeReasonMaxLength + 1))],
    ['body.reason', disputeBody(id, '')],
    ['body.agreedTotal', resolveBody(id, -1n)],
    ['body.period', closeBody('2026-1')],
    ['body.pins[1]', { ...keyEpochBody(2), pins: [...keyEpochBody(2).pins, ...keyEpochBody(2).pins] }],
    ['body.pins[0].zkey', { ...keyEpochBody(2), pins: [{ ...keyEpochBody(2).pins[0], zkey: new Uint8Array(3) }] }],
    ['body.epoch', keyEpochBody(SETTLEMENT_LIMITS_TABLE.keyEpochMax + 1)],
  ] as const)('names %s when it is wrong', (field, body) => {
    expect(fieldError(body).field).toBe(field);
  });

  it('refuses signatures out of order, repeated, or of the wrong length', () => {
    const sig = (member: string, length = 64) => ({ member, signature: new Uint8Array(length) });
    expect(fieldError(closeBody(), [sig(vodafone.id), sig(tmobile.id)]).field).toBe('signatures[1]');
    expect(fieldError(closeBody(), [sig(tmobile.id), sig(tmobile.id)]).field).toBe('signatures[1]');
    expect(fieldError(closeBody(), [sig(tmobile.id, 63)]).field).toBe('signatures[0].signature');
  });

  it('decodes the largest legal transactions, and they fit the byte limit', () => {
    const signatures = Array.from({ length: SETTLEMENT_LIMITS_TABLE.signaturesMax }, (_, i) => ({ member: `member-${String(i).padStart(2, '0')}`, signature: new Uint8Array(64).fill(i) }));
    const circuits = Array.from({ length: SETTLEMENT_LIMITS_TABLE.circuitsPerEpochMax }, (_, i) => `settlement-${String(i).padStart(53, '0')}`);
    // a verification key file padded with spaces to the largest size (still the same key)
    const largestVkey = new Uint8Array(SETTLEMENT_LIMITS_TABLE.verificationKeyMaxBytes).fill(0x20);
    largestVkey.set(FIXTURE_VKEY_BYTES);
    const bodies: SettlementTxBody[] = [
      keyEpochBody(SETTLEMENT_LIMITS_TABLE.keyEpochMax, circuits, Number.MAX_SAFE_INTEGER, largestVkey),
      disputeBody(id, 'é'.repeat(SETTLEMENT_LIMITS_TABLE.disputeReasonMaxLength)),
      statementBody({
        publicInputs: Object.fromEntries(Object.keys(statementBody().publicInputs).map((k) => [k, k === 'count' ? BigInt(SETTLEMENT_LIMITS_TABLE.batchRecordsMax) : k === 'firstId' ? 0n : FIELD_MODULUS - 1n])) as never,
        proof: { ...statementBody().proof, pi_a: ['9'.repeat(80), '9'.repeat(80), '1'], pi_c: ['9'.repeat(80), '9'.repeat(80), '1'], pi_b: [['9'.repeat(80), '9'.repeat(80)], ['9'.repeat(80), '9'.repeat(80)], ['1', '0']] },
        circuit: 'x'.repeat(SETTLEMENT_LIMITS_TABLE.circuitNameMaxLength),
      }),
    ];
    for (const body of bodies) {
      const tx: SettlementTx = { body, signatures };
      const bytes = encodeSettlementTx(tx);
      expect(bytes.byteLength).toBeLessThanOrEqual(SETTLEMENT_LIMITS_TABLE.txMaxBytes);
      expect(decodeSettlementTx(bytes)).toEqual(tx);
    }
  });
});

describe('a key epoch\'s verification keys', () => {
  const fixture = JSON.parse(new TextDecoder().decode(FIXTURE_VKEY_BYTES)) as Record<string, unknown>;
  /** A key epoch body carrying `file` as settlement-4's verification key, pinned by its sha256 (unless `pin` says otherwise). */
  const carrying = (file: Uint8Array, pin: Uint8Array = sha256(file)): RegisterKeyEpochBody => {
    const body = keyEpochBody(2);
    return { ...body, pins: [{ ...body.pins[0]!, vkey: pin }], verificationKeys: [file] };
  };
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 1));
  const problemOf = (body: unknown) => {
    const error = fieldError(body);
    expect(error.field).toBe('body.verificationKeys[0]');
    return error.problem;
  };

  it('round-trips the bytes its pins hash', () => {
    const tx = signed(carrying(FIXTURE_VKEY_BYTES), members);
    expect(decodeSettlementTx(encodeSettlementTx(tx))).toEqual(tx);
  });

  it('refuses a key whose hash is not its pin, naming the circuit', () => {
    expect(problemOf(carrying(FIXTURE_VKEY_BYTES, new Uint8Array(32)))).toMatch(/not the vkey pin of settlement-4/);
  });

  it('refuses one key per pin, no fewer and no more', () => {
    const body = keyEpochBody(2);
    expect(fieldError({ ...body, verificationKeys: [] }).field).toBe('body.verificationKeys');
    expect(fieldError({ ...body, verificationKeys: [FIXTURE_VKEY_BYTES, FIXTURE_VKEY_BYTES] }).field).toBe('body.verificationKeys');
  });

  it('refuses a key without a phase 2 contribution (gamma = delta), one of another statement, not JSON, or too large', () => {
    expect(problemOf(carrying(json({ ...fixture, vk_delta_2: fixture.vk_gamma_2 })))).toMatch(/contribut/i);
    expect(problemOf(carrying(json({ ...fixture, nPublic: 7, IC: (fixture.IC as unknown[]).slice(1) })))).toMatch(/has 7 public signals; a settlement statement has 8/);
    expect(problemOf(carrying(json({ ...fixture, curve: 'bls12381' })))).toMatch(/not a Groth16 bn128/);
    expect(problemOf(carrying(new TextEncoder().encode('{"protocol":')))).toMatch(/not UTF-8 JSON/);
    const padded = new Uint8Array(SETTLEMENT_LIMITS_TABLE.verificationKeyMaxBytes + 1).fill(0x20);
    padded.set(FIXTURE_VKEY_BYTES);
    expect(problemOf(carrying(padded))).toMatch(/at most 6144 bytes/);
    // the largest legal file decodes
    const largest = padded.subarray(0, SETTLEMENT_LIMITS_TABLE.verificationKeyMaxBytes);
    expect(decodeSettlementTx(encodeSettlementTx(signed(carrying(largest), members))).body).toMatchObject({ verificationKeys: [largest] });
  });

  it('refuses an activation height below 1', () => {
    expect(fieldError({ ...keyEpochBody(2), activationHeight: 0 }).field).toBe('body.activationHeight');
  });
});

describe('settlement transaction codec under arbitrary bytes', () => {
  const valid = everyKind.map((body) => encodeSettlementTx(signed(body, [tmobile])));

  it('property: a mutated transaction decodes or is refused with a SettlementTxError, never anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (which, flips) => {
        const bytes = new Uint8Array(valid[which]!);
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        try {
          decodeSettlementTx(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(SettlementTxError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('property: random bytes are refused with a SettlementTxError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        expect(() => decodeSettlementTx(bytes)).toThrow(SettlementTxError);
      }),
      { numRuns: 1_000 },
    );
  });
});
