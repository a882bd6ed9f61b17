/**
 * How deep a CBOR value nests, found before decoding it. cborg decodes and encodes recursively:
 * a frame of a few thousand nested arrays (a few kilobytes) overflowed the stack when
 * decodeCanonical encoded it again to check its form, and cost time quadratic in the depth
 * before that (cborg's encoder checks each level against every level above it). No value of
 * the project nests more than a handful of levels (a block in a sync response: 8), so anything
 * deeper is refused from its heads alone: one pass over the bytes, no recursion.
 */

/** Most levels of arrays, maps and tags a canonical value may nest. */
export const CBOR_NESTING_MAX = 32;

/**
 * True when the item heads of `bytes` open more than `maxDepth` levels. A head the decoder will
 * refuse anyway (reserved, indefinite length, cut short) ends the walk with false: the decoder
 * names that problem.
 */
export function exceedsCborNesting(bytes: Uint8Array, maxDepth: number = CBOR_NESTING_MAX): boolean {
  /** Items still to read at each open level. */
  const open: number[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    const head = bytes[offset++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    let argument = info;
    if (info >= 24) {
      if (info > 27) return false;
      const size = 1 << (info - 24);
      if (offset + size > bytes.byteLength) return false;
      argument = 0;
      for (let i = 0; i < size; i++) argument = argument * 256 + bytes[offset + i]!;
      offset += size;
    }
    if (major === 2 || major === 3) offset += argument;
    const children = major === 4 ? argument : major === 5 ? 2 * argument : major === 6 ? 1 : 0;
    if (children > 0) {
      open.push(children);
      if (open.length > maxDepth) return true;
      continue;
    }
    // A complete item: it completes the levels whose last item it was.
    while (open.length > 0) {
      const left = open.pop()! - 1;
      if (left > 0) {
        open.push(left);
        break;
      }
    }
  }
  return false;
}
