import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { InvalidTxFieldError, settlementToJson, txBodyFromJson, UnknownTxTypeError } from '@consortium/settlement';
import { ensureTestKeys } from '@consortium/zkp';
import { hostileJson } from '../arbitraries/hostile.js';
import { everyKindOfBody, OPERATORS } from '../fixtures/settlement-txs.js';
import { decodeWith, expectThat, type FuzzTarget } from '../target.js';

/**
 * txBodyFromJson (libs/settlement tx/json.ts): transaction bodies in the API's JSON form
 * (bigints as decimal strings, bytes as hex), converted by field name and then checked as a
 * decoded transaction is. Refusals: InvalidTxFieldError naming the field, UnknownTxTypeError.
 * A body read from JSON and written back with settlementToJson reads to the same body.
 */

export const settlementJsonTarget: FuzzTarget<unknown> = {
  name: 'settlement-json',
  description: 'txBodyFromJson on JSON bodies (the API form); InvalidTxFieldError or UnknownTxTypeError, else a round trip through settlementToJson',
  async open() {
    // a key epoch carries a real verification key (hex in JSON), checked against its pin and parsed
    const vkey = new Uint8Array(await readFile((await ensureTestKeys('settlement-4')).vkeyPath));
    const seeds = everyKindOfBody(OPERATORS[0].id, OPERATORS[1].id, vkey).map((body) => settlementToJson(body));
    return {
      inputs: hostileJson(seeds),
      check: ({ value }) =>
        decodeWith(() => txBodyFromJson(value), [InvalidTxFieldError, UnknownTxTypeError], 'txBodyFromJson', {
          onValue: (body) => {
            expectThat(isDeepStrictEqual(txBodyFromJson(settlementToJson(body)), body), 'a body read from JSON does not survive settlementToJson and txBodyFromJson');
            // every field read is one the document holds itself, not one it inherits ("__proto__")
            expectThat(Object.keys(body).every((key) => Object.hasOwn(value as object, key)), 'a body field came from outside the document');
          },
        }),
      close: () => Promise.resolve(),
    };
  },
};
