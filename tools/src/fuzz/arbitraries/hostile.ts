import fc from 'fast-check';
import type { FuzzInput, InputOrigin } from '../target.js';
import { mutatedBytes, oversizedBytes, randomBytes } from './bytes.js';
import { mutatedTree, type TreeMode } from './tree.js';

/**
 * The input mix of every target: (a) fully random input, (b) mutations of valid encodings, at
 * the byte level and at the level of the decoded structure (re-encoded), so inputs reach past
 * the parser into the field checks, and (c) the valid encodings themselves, which must still
 * decode. Mutations carry most of the weight: that is where decoders break.
 */

const tagged =
  <T>(origin: InputOrigin) =>
  (value: T): FuzzInput<T> => ({ origin, value });

export interface HostileBytesOptions {
  /** Valid encodings, built by the project's own encoders from real (signed) values. */
  readonly seeds: readonly Uint8Array[];
  /** The seeds as decoded values and their encoder: structural mutations are re-encoded with it. */
  readonly structured?: { readonly values: readonly unknown[]; readonly mode: TreeMode; readonly encode: (value: unknown) => Uint8Array };
  /** The decoder's size limit: inputs just above it are added. */
  readonly maxBytes?: number;
  readonly randomMaxLength?: number;
}

/** What a structural mutation becomes when the encoder itself refuses it (undefined in JSON, a cycle...): no input. */
const UNENCODABLE = new Uint8Array(0);

export function hostileBytes(options: HostileBytesOptions): fc.Arbitrary<FuzzInput<Uint8Array>> {
  const { structured } = options;
  const mixes: fc.WeightedArbitrary<FuzzInput<Uint8Array>>[] = [
    { weight: 4, arbitrary: randomBytes(options.randomMaxLength).map(tagged('random')) },
    { weight: 8, arbitrary: mutatedBytes(options.seeds).map(tagged('mutated')) },
    { weight: 2, arbitrary: fc.constantFrom(...options.seeds).map(tagged('valid')) },
  ];
  if (structured !== undefined) {
    const encoded = mutatedTree(structured.values, structured.mode).map((value) => {
      try {
        return structured.encode(value);
      } catch {
        return UNENCODABLE;
      }
    });
    mixes.push({ weight: 8, arbitrary: encoded.map(tagged('mutated')) });
  }
  if (options.maxBytes !== undefined) mixes.push({ weight: 1, arbitrary: oversizedBytes(options.maxBytes).map(tagged('random')) });
  return fc.oneof(...mixes);
}

/**
 * Parsed JSON documents: random JSON, structural mutations of valid documents (and of `nearMisses`,
 * documents one step from valid that reach a deeper check), the valid ones (copied: targets may
 * keep them).
 */
export function hostileJson(seeds: readonly unknown[], nearMisses: readonly unknown[] = []): fc.Arbitrary<FuzzInput<unknown>> {
  const mixes: fc.WeightedArbitrary<FuzzInput<unknown>>[] = [
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(tagged<unknown>('random')) },
    { weight: 12, arbitrary: mutatedTree([...seeds, ...nearMisses], 'json').map(tagged('mutated')) },
    { weight: 2, arbitrary: fc.constantFrom(...seeds).map((seed) => structuredClone(seed)).map(tagged('valid')) },
  ];
  if (nearMisses.length > 0) mixes.push({ weight: 2, arbitrary: fc.constantFrom(...nearMisses).map((miss) => structuredClone(miss)).map(tagged('mutated')) });
  return fc.oneof(...mixes);
}

/**
 * JSON texts (files, request bodies): random text, byte mutations of valid texts (a cut, a flipped
 * quote), structural mutations written out, and the valid texts.
 */
export function hostileJsonText(seeds: readonly unknown[]): fc.Arbitrary<FuzzInput<string>> {
  const texts = seeds.map((seed) => JSON.stringify(seed));
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return fc.oneof(
    { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 64 }), fc.json({ maxDepth: 3 })).map(tagged('random')) },
    { weight: 4, arbitrary: mutatedBytes(texts.map((text) => encoder.encode(text))).map((bytes) => decoder.decode(bytes)).map(tagged('mutated')) },
    { weight: 10, arbitrary: mutatedTree(seeds, 'json').map((value) => JSON.stringify(value) ?? 'undefined').map(tagged('mutated')) },
    { weight: 2, arbitrary: fc.constantFrom(...texts).map(tagged('valid')) },
  );
}
