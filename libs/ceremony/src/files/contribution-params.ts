/**
 * The parameters snarkjs stores with each contribution, in a powers-of-tau file (section 7) and a
 * zkey (section 10) alike: a list of (id, value) sorted by id: 1 the name (length byte, UTF-8),
 * 2 the beacon's iterations exponent (one byte), 3 the beacon value (length byte, bytes).
 */
export interface ContributionParams {
  /** The name the contributor gave (self-declared: proves nothing). */
  readonly name: string | null;
  /** A beacon's value as hex and its 2^iterationsExp hash iterations. */
  readonly beacon: { readonly valueHex: string; readonly iterationsExp: number } | null;
}

export function parseContributionParams(params: Uint8Array): ContributionParams {
  let name: string | null = null;
  let iterationsExp: number | null = null;
  let valueHex: string | null = null;
  let at = 0;
  while (at < params.byteLength) {
    const id = params[at++];
    if (id === 1 || id === 3) {
      const length = params[at++] ?? 0;
      const value = params.subarray(at, at + length);
      at += length;
      if (id === 1) name = new TextDecoder().decode(value);
      else valueHex = Buffer.from(value).toString('hex');
    } else if (id === 2) {
      iterationsExp = params[at++] ?? null;
    } else {
      break; // an id snarkjs does not write: stop rather than guess
    }
  }
  return { name, beacon: valueHex !== null && iterationsExp !== null ? { valueHex, iterationsExp } : null };
}
