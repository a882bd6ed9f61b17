/**
 * A seeded generator of 32-bit integers (sfc32, Chris Doty-Humphrey's Small Fast Counter):
 * integer operations only, so a seed gives the same stream on every engine and version (floats
 * from Math.log or Math.exp may differ in their last bits between V8 releases). Seeded from
 * sha256 of the seed text, so nearby seeds give unrelated streams.
 */
import { createHash } from 'node:crypto';

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const digest = createHash('sha256').update(seed, 'utf8').digest();
    this.a = digest.readUInt32BE(0);
    this.b = digest.readUInt32BE(4);
    this.c = digest.readUInt32BE(8);
    this.d = digest.readUInt32BE(12);
    // Mix the state before first use, as sfc32's reference seeding does.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [min, max], both inclusive (max - min < 2^32; the modulo bias is irrelevant here). */
  intBetween(min: number, max: number): number {
    return min + (this.nextUint32() % (max - min + 1));
  }

  /** An index into `weights` (non-negative integers, not all zero), drawn in proportion to them. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let pick = this.nextUint32() % total;
    for (const [index, weight] of weights.entries()) {
      if (pick < weight) return index;
      pick -= weight;
    }
    return weights.length - 1;
  }

  /** `bytes` random bytes. */
  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i += 4) {
      const word = this.nextUint32();
      for (let j = 0; j < 4 && i + j < count; j++) out[i + j] = (word >>> (8 * (3 - j))) & 0xff;
    }
    return out;
  }
}
