import { isUtf8 } from 'node:buffer';

/**
 * Whether bytes that cborg decoded (strictly, without tags, undefined or indefinite lengths) are
 * the canonical encoding of what they decoded to, read from the bytes in one pass instead of
 * encoding the value again and comparing: the re-encoding was 10 % of a 10-member simulation's
 * CPU, and every frame a node receives pays it.
 *
 * The answer is the re-encoding's, item by item (a property test compares the two):
 * - every head (integers, lengths) in its shortest form;
 * - text strings valid UTF-8 (an invalid sequence decodes to U+FFFD, which encodes otherwise);
 * - map keys in strictly ascending bytewise order of their encodings (RFC 8949's order; equal
 *   keys are duplicates, which the decoder refuses anyway);
 * - `false`, `true`, `null` as they are.
 * A float's canonical form depends on its value (an integral one encodes as an integer; others
 * in the shortest width that holds them): for one, `'unknown'` sends the caller to the
 * re-encoding. No value of the project carries a float.
 */
export type CanonicalVerdict = 'canonical' | 'not-canonical' | 'unknown';

/** Smallest argument each head size may carry: below it the head is longer than needed. */
const MIN_ARGUMENT_BY_INFO = [24, 0x100, 0x1_0000, 0x1_0000_0000] as const;

interface Cursor {
  offset: number;
}

export function canonicalVerdict(bytes: Uint8Array): CanonicalVerdict {
  const cursor: Cursor = { offset: 0 };
  const verdict = checkItem(bytes, cursor);
  // The decoder refused trailing bytes already; a walk that stopped short means bytes it did not expect.
  if (verdict === 'canonical' && cursor.offset !== bytes.byteLength) return 'unknown';
  return verdict;
}

/** Reads one item at the cursor (its head and everything inside it) and moves past it. */
function checkItem(bytes: Uint8Array, cursor: Cursor): CanonicalVerdict {
  const head = bytes[cursor.offset++];
  if (head === undefined) return 'unknown';
  const major = head >> 5;
  const info = head & 0x1f;
  if (major === 7) {
    // false, true, null; anything else (floats) is for the re-encoding.
    return info >= 20 && info <= 22 ? 'canonical' : 'unknown';
  }
  if (major === 6 || info > 27) return 'unknown';
  let argument = info;
  if (info >= 24) {
    const size = 1 << (info - 24);
    if (cursor.offset + size > bytes.byteLength) return 'unknown';
    argument = 0;
    for (let i = 0; i < size; i++) argument = argument * 256 + bytes[cursor.offset + i]!;
    cursor.offset += size;
    if (argument < MIN_ARGUMENT_BY_INFO[info - 24]!) return 'not-canonical';
  }
  switch (major) {
    case 0:
    case 1:
      return 'canonical';
    case 2:
      cursor.offset += argument;
      return cursor.offset <= bytes.byteLength ? 'canonical' : 'unknown';
    case 3: {
      const end = cursor.offset + argument;
      if (end > bytes.byteLength) return 'unknown';
      const valid = isUtf8(bytes.subarray(cursor.offset, end));
      cursor.offset = end;
      return valid ? 'canonical' : 'not-canonical';
    }
    case 4:
      for (let i = 0; i < argument; i++) {
        const verdict = checkItem(bytes, cursor);
        if (verdict !== 'canonical') return verdict;
      }
      return 'canonical';
    default:
      return checkMapEntries(bytes, cursor, argument);
  }
}

function checkMapEntries(bytes: Uint8Array, cursor: Cursor, entries: number): CanonicalVerdict {
  let previousKeyStart = -1;
  let previousKeyEnd = -1;
  for (let i = 0; i < entries; i++) {
    const keyStart = cursor.offset;
    const keyVerdict = checkItem(bytes, cursor);
    if (keyVerdict !== 'canonical') return keyVerdict;
    const keyEnd = cursor.offset;
    if (previousKeyStart >= 0 && compareBytes(bytes, previousKeyStart, previousKeyEnd, keyStart, keyEnd) >= 0) return 'not-canonical';
    previousKeyStart = keyStart;
    previousKeyEnd = keyEnd;
    const valueVerdict = checkItem(bytes, cursor);
    if (valueVerdict !== 'canonical') return valueVerdict;
  }
  return 'canonical';
}

/** Bytewise order of two ranges of one buffer (a proper prefix first). */
function compareBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i++) {
    const difference = bytes[aStart + i]! - bytes[bStart + i]!;
    if (difference !== 0) return difference;
  }
  return aEnd - aStart - (bEnd - bStart);
}
