import fc from 'fast-check';

/**
 * Byte-level mutations of valid encodings (AFL's classic set): a flipped bit, a byte set to a
 * value decoders trip on, a cut, a deletion, an insertion, a repeated slice, junk appended, and
 * deep nesting. Positions are drawn as naturals and taken modulo the seed's length, so one
 * mutation applies to any seed and shrinks towards its start.
 */

/** CBOR heads of every major type and width, length boundaries, 0 and 0xff. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x37, 0x38, 0x3b, 0x40, 0x57, 0x58, 0x5b, 0x5f, 0x60, 0x77, 0x78, 0x7b, 0x7f, 0x80, 0x97, 0x98,
  0x9b, 0x9f, 0xa0, 0xb7, 0xb8, 0xbb, 0xbf, 0xc0, 0xc2, 0xc3, 0xd8, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xff,
];

/** Deeper than any structure of the project; enough to find a recursive walk without a bound. */
const NESTING_MAX = 10_000;

type ByteMutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'repeat'; readonly at: number; readonly length: number; readonly times: number }
  | { readonly kind: 'append'; readonly bytes: Uint8Array }
  | { readonly kind: 'nest'; readonly head: number; readonly depth: number };

const position = fc.nat({ max: 1 << 20 });
const junk = fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.constantFrom(...INTERESTING_BYTES).map((b) => Uint8Array.of(b)));

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: junk }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), at: position, length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: junk }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), head: fc.constantFrom(0x81, 0x9f, 0xa1, 0xd8), depth: fc.integer({ min: 1, max: NESTING_MAX }) }) },
);

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A copy, whatever the input's class: Buffer's `slice` is a view (cborg encodes into Buffers), and seeds must never change. */
const copyOf = (bytes: Uint8Array, end = bytes.byteLength): Uint8Array => Uint8Array.prototype.slice.call(bytes, 0, end);

export function applyByteMutation(input: Uint8Array, mutation: ByteMutation): Uint8Array {
  const at = input.byteLength === 0 ? 0 : 'at' in mutation ? mutation.at % input.byteLength : 0;
  switch (mutation.kind) {
    case 'flip': {
      if (input.byteLength === 0) return input;
      const out = copyOf(input);
      out[at] = out[at]! ^ (1 << mutation.bit);
      return out;
    }
    case 'set': {
      if (input.byteLength === 0) return Uint8Array.of(mutation.byte);
      const out = copyOf(input);
      out[at] = mutation.byte;
      return out;
    }
    case 'truncate':
      return copyOf(input, at);
    case 'delete':
      return concat(input.subarray(0, at), input.subarray(at + mutation.length));
    case 'insert':
      return concat(input.subarray(0, at), mutation.bytes, input.subarray(at));
    case 'repeat': {
      const slice = input.subarray(at, at + mutation.length);
      return concat(input.subarray(0, at + slice.byteLength), ...Array.from({ length: mutation.times }, () => slice), input.subarray(at + slice.byteLength));
    }
    case 'append':
      return concat(input, mutation.bytes);
    case 'nest': {
      // `head` opens a container (or a tag) around the next item: depth of them wrap the input.
      const heads = mutation.head === 0xd8 ? new Uint8Array(2 * mutation.depth).map((_, i) => (i % 2 === 0 ? 0xd8 : 0x18)) : new Uint8Array(mutation.depth).fill(mutation.head);
      return concat(heads, input);
    }
  }
}

/** One to `maxMutations` byte mutations stacked on one of `seeds`. */
export function mutatedBytes(seeds: readonly Uint8Array[], maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(byteMutation, { minLength: 1, maxLength: maxMutations }))
    .map(([seed, mutations]) => mutations.reduce(applyByteMutation, seed));
}

/** Random bytes of any length up to `maxLength`, biased towards short inputs (where most decoders decide). */
export function randomBytes(maxLength = 256): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ weight: 3, arbitrary: fc.uint8Array({ maxLength: 32 }) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength }) });
}

/**
 * Inputs just above a size limit: the limit must be checked before anything is parsed. Views of
 * one buffer (limits run to 16 MiB: a fresh one per input would be most of a run's time);
 * decoders only read their input.
 */
export function oversizedBytes(maxBytes: number): fc.Arbitrary<Uint8Array> {
  let shared: Uint8Array | null = null;
  return fc.integer({ min: 1, max: 64 }).map((extra) => {
    shared ??= new Uint8Array(maxBytes + 64).fill(0xa0);
    return shared.subarray(0, maxBytes + extra);
  });
}
