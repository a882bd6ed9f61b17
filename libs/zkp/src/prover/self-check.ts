import type { VerificationKey } from '../groth16-json.js';
import { Bn254 } from '../verifier/bn254.js';
import { InvalidVerificationKeyError, MalformedProofError } from '../verifier/errors.js';
import { checkProof, verifyOne } from '../verifier/groth16.js';
import { PreparedKeyCache } from '../verifier/prepared-keys.js';

/**
 * The prover pool's check of every proof it makes, against the pinned verification key the job
 * names, before the proof leaves the pool: the verifier's own equations (groth16.ts) on its own
 * single-threaded curve engine, about 6 ms a proof on the main thread. A proving key that does
 * not belong to the pinned verification key (tampered, or from another setup) makes proofs that
 * fail here, so they are never published, whatever they would reveal.
 */
export class ProofSelfCheck {
  private engine: Bn254 | null = null;
  private readonly prepared = new PreparedKeyCache();

  /** Builds the curve engine (0.1-0.3 s of wasm compilation); the pool calls it while its workers start. */
  async start(): Promise<void> {
    this.engine ??= await Bn254.create();
  }

  /** Null when the proof verifies; otherwise why not, as the verifier's error class name. */
  check(vkey: VerificationKey, proof: unknown, publicSignals: unknown): string | null {
    if (this.engine === null) throw new Error('the proof self-check is not started');
    const key = this.prepared.get(this.engine, vkey);
    if (key instanceof InvalidVerificationKeyError) return key.name;
    try {
      return verifyOne(this.engine, key, checkProof(this.engine, key, { proof, publicSignals })) ? null : 'InvalidProofError';
    } catch (error) {
      if (error instanceof MalformedProofError) return error.name;
      throw error;
    }
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = null;
    await engine?.close();
  }
}
