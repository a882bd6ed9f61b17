import { decodeCanonical, encodeCanonical } from '../../encoding/canonical.js';
import type { DbController } from '../controller/types.js';
import { META_VALUE_MAX_BYTES } from '../limits.js';
import { Repository } from '../repository.js';

/** The store's own bookkeeping, by name; each value is one non-negative integer. */
export type MetaKey = 'latest_height';

const META_KEYS: readonly MetaKey[] = ['latest_height'];

export class MetaRepository extends Repository<MetaKey, number> {
  constructor(db: DbController) {
    super(db, 'meta');
  }

  protected encodeId(key: MetaKey): Uint8Array {
    return new TextEncoder().encode(key);
  }

  protected decodeId(bytes: Uint8Array): MetaKey {
    const key = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const known = META_KEYS.find((candidate) => candidate === key);
    if (known === undefined) throw new Error(`unknown meta key "${key}"`);
    return known;
  }

  encodeValue(value: number): Uint8Array {
    return encodeCanonical(value);
  }

  protected decodeValue(bytes: Uint8Array): number {
    const value = decodeCanonical(bytes, META_VALUE_MAX_BYTES, 'stored meta value');
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error('meta value must be a non-negative integer');
    return value;
  }
}
