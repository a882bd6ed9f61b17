import { describe, expect, it } from 'vitest';
import { InvalidTxFieldError, settlementToJson, txBodyFromJson, UnknownTxTypeError, type SettlementTxBody } from '../../src/index.js';
import { batchBody, everyKindOfBody, resolveBody } from '../support/bodies.js';

const id = new Uint8Array(32).fill(0xab);
const bodies: SettlementTxBody[] = everyKindOfBody('Orange-FR', 'T-Mobile-DE', id, 12_345_678_901_234_567_890n);

describe('JSON forms of settlement transactions', () => {
  it.each(bodies.map((body) => [body.type, body] as const))('round-trips a %s body through JSON text', (_type, body) => {
    const text = JSON.stringify(settlementToJson(body));
    expect(txBodyFromJson(JSON.parse(text))).toEqual(body);
  });

  it('writes bigints as decimal strings and bytes as hex', () => {
    expect(settlementToJson(resolveBody(id, 2n ** 70n))).toEqual({ type: 'resolve_dispute', statementId: 'ab'.repeat(32), agreedTotal: '1180591620717411303424' });
  });

  it('names the field of a JSON body that is wrong', () => {
    const field = (json: unknown) => {
      try {
        txBodyFromJson(json);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidTxFieldError);
        return (error as InvalidTxFieldError).field;
      }
      return null;
    };
    const batch = settlementToJson(batchBody('Orange-FR', 'T-Mobile-DE')) as Record<string, unknown>;
    expect(field({ ...batch, firstId: 1.5 })).toBe('body.firstId');
    expect(field({ ...batch, firstId: '01' })).toBe('body.firstId');
    expect(field({ ...batch, recordsDigest: 'zz'.repeat(32) })).toBe('body.recordsDigest');
    // T33: volumes are not a field of a batch any more, in JSON as in CBOR
    expect(field({ ...batch, volumes: { voice_mo: '600', voice_mt: '300', sms: '4', data: '2048' } })).toBe('body.volumes');
    expect(field({ ...batch, count: '4' })).toBe('body.count');
    expect(field({ type: 'accept_statement', statementId: 'ab' })).toBe('body.statementId');
    expect(() => txBodyFromJson({ type: 'mint' })).toThrow(UnknownTxTypeError);
  });
});
