import type { VerificationKey } from '../groth16-json.js';
import type { Bn254 } from './bn254.js';
import { InvalidVerificationKeyError } from './errors.js';
import { prepareKey, type PreparedKey } from './groth16.js';

/**
 * Verification keys parsed, checked and prepared once, by key object (callers pass the same
 * pinned object for every proof of a circuit). A key the engine cannot use is remembered as its
 * error, so it is refused at once the next time.
 */
export class PreparedKeyCache {
  private readonly prepared = new WeakMap<object, PreparedKey | InvalidVerificationKeyError>();

  get(engine: Bn254, vkey: VerificationKey): PreparedKey | InvalidVerificationKeyError {
    let key = this.prepared.get(vkey);
    if (key === undefined) {
      try {
        key = prepareKey(engine, vkey);
      } catch (error) {
        if (!(error instanceof InvalidVerificationKeyError)) throw error;
        key = error;
      }
      this.prepared.set(vkey, key);
    }
    return key;
  }
}
