import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Span, SpanStatusCode, Tracer } from '@opentelemetry/api';
import type { SecurityMetrics, ZkpMetrics } from '@consortium/telemetry';
import type { SettlementProof } from '../proof.js';
import { Bn254 } from './bn254.js';
import { checkEnvelope } from './encoding.js';
import {
  BatchTooLargeError,
  InvalidProofError,
  InvalidVerificationKeyError,
  MalformedProofError,
  ProofFormatError,
  UnknownVerificationKeyError,
  VerifierClosedError,
  type ProofVerificationError,
} from './errors.js';
import { checkProof, verifyCombination, verifyOne, type CheckedProof, type PreparedKey } from './groth16.js';
import { PreparedKeyCache } from './prepared-keys.js';
import type { VerificationKeyLookup } from './keys.js';

/**
 * Groth16 verification of settlement proofs, one at a time or in batches. A bad proof is a
 * result, never an exception: `invalid` when the pairing equation fails, `error` with the class
 * naming what is malformed (or that no key is known). Batches are checked per (epoch, circuit)
 * by a random linear combination (see groth16.ts); a failing group is bisected so the result
 * names exactly the bad proofs.
 */

export type VerificationResult =
  | { readonly outcome: 'valid'; readonly error: null }
  | { readonly outcome: 'invalid'; readonly error: InvalidProofError }
  | { readonly outcome: 'error'; readonly error: MalformedProofError };

export interface BatchFailure {
  /** Index of the proof in the batch given to verifyBatch. */
  readonly index: number;
  readonly outcome: 'invalid' | 'error';
  readonly error: ProofVerificationError;
}

export interface BatchVerificationResult {
  /** True when every proof is valid (and for an empty batch). */
  readonly valid: boolean;
  /** One result per proof, in the batch's order. */
  readonly results: readonly VerificationResult[];
  /** The proofs that are not valid, by index, with why. */
  readonly failures: readonly BatchFailure[];
  /** Groups of proofs (one per epoch and circuit) checked by random linear combination. */
  readonly groups: number;
}

export interface Groth16VerifierOptions {
  readonly metrics: ZkpMetrics | null;
  readonly security: SecurityMetrics | null;
  readonly tracer: Tracer | null;
  /** Most proofs one verifyBatch call takes (default DEFAULT_MAX_BATCH_PROOFS). */
  readonly maxBatchProofs?: number;
  /** Randomness for the batch scalars (default node:crypto randomBytes); tests may inject it. */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export const DEFAULT_MAX_BATCH_PROOFS = 10_000;
/** Segments of a failing group at most this long are checked proof by proof instead of split again. */
const BISECTION_LEAF_PROOFS = 4;
/** Combined checks a failing group may spend on bisection, in multiples of its size, before checking proof by proof. */
const BISECTION_BUDGET_FACTOR = 2;
/** Proofs admitted (parsed, curve and subgroup checked, ~0.3 ms each) between two event-loop turns. */
const ADMISSION_CHUNK_PROOFS = 64;
/** The label value used for a proof whose circuit has no key: proof.circuit is a peer's string, not a bounded label. */
const UNKNOWN_CIRCUIT_LABEL = 'unknown';
const SPAN_STATUS_ERROR: SpanStatusCode = 2;

const VALID: VerificationResult = Object.freeze({ outcome: 'valid', error: null });

function failed(error: ProofVerificationError): VerificationResult {
  return error instanceof InvalidProofError ? { outcome: 'invalid', error } : { outcome: 'error', error: error as MalformedProofError };
}

/** A proof that passed every check short of the pairing, waiting for its group's check. */
interface Pending {
  readonly index: number;
  readonly proof: CheckedProof;
}

interface Group {
  readonly epoch: number;
  readonly circuit: string;
  readonly key: PreparedKey;
  readonly pending: Pending[];
}

/** Bisection work: a segment of a failing group, and whether it is already known to fail. */
interface Segment {
  readonly items: readonly Pending[];
  readonly knownToFail: boolean;
}

export class Groth16Verifier {
  private readonly metrics: ZkpMetrics | null;
  private readonly security: SecurityMetrics | null;
  private readonly tracer: Tracer | null;
  private readonly maxBatchProofs: number;
  private readonly randomBytes: (size: number) => Uint8Array;
  private engine: Promise<Bn254> | null = null;
  private readonly prepared = new PreparedKeyCache();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly keys: VerificationKeyLookup,
    options: Groth16VerifierOptions,
  ) {
    this.metrics = options.metrics;
    this.security = options.security;
    this.tracer = options.tracer;
    this.maxBatchProofs = options.maxBatchProofs ?? DEFAULT_MAX_BATCH_PROOFS;
    if (!Number.isSafeInteger(this.maxBatchProofs) || this.maxBatchProofs < 1) throw new RangeError('maxBatchProofs must be a positive integer');
    this.randomBytes = options.randomBytes ?? cryptoRandomBytes;
  }

  /** Builds the curve engine now rather than on the first verification (about 0.1-0.3 s of wasm compilation). */
  async start(): Promise<void> {
    await this.run(() => this.getEngine());
  }

  /** Prepares the key of (epoch, circuit) now, so an unusable key shows at start-up; throws UnknownVerificationKeyError or InvalidVerificationKeyError. */
  async prepareKey(epoch: number, circuit: string): Promise<void> {
    await this.run(async () => {
      const vkey = this.keys.get(epoch, circuit);
      if (vkey === null) throw new UnknownVerificationKeyError(epoch, circuit);
      const key = this.prepared.get(await this.getEngine(), vkey);
      if (key instanceof InvalidVerificationKeyError) throw key;
    });
  }

  verify(proof: SettlementProof): Promise<VerificationResult> {
    return this.run(() => this.verifySingle(proof));
  }

  verifyBatch(proofs: readonly SettlementProof[]): Promise<BatchVerificationResult> {
    if (proofs.length > this.maxBatchProofs) return Promise.reject(new BatchTooLargeError(proofs.length, this.maxBatchProofs));
    return this.run(() => this.verifyMany(proofs));
  }

  /** Waits for running verifications, then releases the curve (no worker threads stay behind). Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
    const engine = this.engine;
    this.engine = null;
    if (engine !== null) await (await engine.catch(() => null))?.close();
  }

  /** Runs a call unless the verifier is closing, and keeps it in the set close() waits for. */
  private run<T>(call: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new VerifierClosedError());
    const work = call();
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  private getEngine(): Promise<Bn254> {
    if (this.engine === null) {
      const engine = Bn254.create();
      // A failed start is retried on the next call rather than cached.
      engine.catch(() => {
        if (this.engine === engine) this.engine = null;
      });
      this.engine = engine;
    }
    return this.engine;
  }


  /** The key and checked proof, or why the proof cannot be checked; `label` is the bounded circuit label. */
  private admit(engine: Bn254, proof: SettlementProof): { label: string; key: PreparedKey; checked: CheckedProof } | { label: string; error: MalformedProofError } {
    try {
      if (typeof proof !== 'object' || proof === null) throw new ProofFormatError('envelope', 'must be an object { epoch, circuit, proof, publicSignals }');
      checkEnvelope(proof.epoch, proof.circuit);
    } catch (error) {
      return { label: UNKNOWN_CIRCUIT_LABEL, error: error as MalformedProofError };
    }
    const vkey = this.keys.get(proof.epoch, proof.circuit);
    if (vkey === null) return { label: UNKNOWN_CIRCUIT_LABEL, error: new UnknownVerificationKeyError(proof.epoch, proof.circuit) };
    const label = proof.circuit;
    const key = this.prepared.get(engine, vkey);
    if (key instanceof InvalidVerificationKeyError) return { label, error: key };
    try {
      return { label, key, checked: checkProof(engine, key, proof) };
    } catch (error) {
      if (error instanceof MalformedProofError) return { label, error };
      throw error;
    }
  }

  private async verifySingle(proof: SettlementProof): Promise<VerificationResult> {
    const span = this.tracer?.startSpan('zkp.verify', { attributes: { 'zkp.proofs': 1 } }) ?? null;
    const startedMs = performance.now();
    try {
      const engine = await this.getEngine();
      const admitted = this.admit(engine, proof);
      let result: VerificationResult;
      if ('error' in admitted) result = failed(admitted.error);
      else result = verifyOne(engine, admitted.key, admitted.checked) ? VALID : failed(new InvalidProofError(proof.epoch, proof.circuit));
      this.metrics?.verifyDurationSeconds.observe({ circuit: admitted.label, mode: 'single' }, (performance.now() - startedMs) / 1000);
      this.count(admitted.label, result);
      span?.setAttributes({ 'zkp.circuit': admitted.label, 'zkp.valid': result.outcome === 'valid' });
      return result;
    } catch (error) {
      recordException(span, error);
      throw error;
    } finally {
      span?.end();
    }
  }

  private async verifyMany(proofs: readonly SettlementProof[]): Promise<BatchVerificationResult> {
    const span = this.tracer?.startSpan('zkp.verify', { attributes: { 'zkp.proofs': proofs.length } }) ?? null;
    try {
      this.metrics?.verifyBatchProofs.observe(proofs.length);
      const engine = await this.getEngine();
      const results = new Array<VerificationResult>(proofs.length);
      const labels = new Array<string>(proofs.length);
      const groups = new Map<string, Group>();
      for (let index = 0; index < proofs.length; index++) {
        if (index > 0 && index % ADMISSION_CHUNK_PROOFS === 0) await nextTurn();
        const proof = proofs[index]!;
        const admitted = this.admit(engine, proof);
        labels[index] = admitted.label;
        if ('error' in admitted) {
          results[index] = failed(admitted.error);
          continue;
        }
        const id = `${proof.epoch}/${proof.circuit}`;
        let group = groups.get(id);
        if (group === undefined) {
          group = { epoch: proof.epoch, circuit: proof.circuit, key: admitted.key, pending: [] };
          groups.set(id, group);
        }
        group.pending.push({ index, proof: admitted.checked });
      }
      for (const group of groups.values()) {
        const startedMs = performance.now();
        const invalid = await this.invalidInGroup(engine, group);
        for (const { index } of group.pending) results[index] = invalid.has(index) ? failed(new InvalidProofError(group.epoch, group.circuit)) : VALID;
        this.metrics?.verifyDurationSeconds.observe({ circuit: group.circuit, mode: 'batch' }, (performance.now() - startedMs) / 1000);
      }
      const failures: BatchFailure[] = [];
      results.forEach((result, index) => {
        this.count(labels[index]!, result);
        if (result.outcome !== 'valid') failures.push({ index, outcome: result.outcome, error: result.error });
      });
      const circuits = [...new Set(labels)].sort().join(',');
      span?.setAttributes({ 'zkp.circuit': circuits, 'zkp.valid': failures.length === 0 });
      return { valid: failures.length === 0, results, failures, groups: groups.size };
    } catch (error) {
      recordException(span, error);
      throw error;
    } finally {
      span?.end();
    }
  }

  /**
   * The indexes of a group's invalid proofs: one combined check, and when it fails, bisection
   * (a stack, no recursion): a half that passes is done, the sibling of a passing half is known
   * to fail, segments of at most BISECTION_LEAF_PROOFS are checked proof by proof. Bisection
   * pays off when few proofs are bad; when many are (a peer flooding invalid proofs), it would
   * check every proof log(n) times, so once the combined checks have covered
   * BISECTION_BUDGET_FACTOR x the group, the remaining segments are checked proof by proof.
   */
  private async invalidInGroup(engine: Bn254, group: Group): Promise<Set<number>> {
    const invalid = new Set<number>();
    const stack: Segment[] = [{ items: group.pending, knownToFail: false }];
    let budget = BISECTION_BUDGET_FACTOR * group.pending.length;
    let failedOnce = false;
    const holds = async (items: readonly Pending[]) => {
      budget -= items.length;
      return this.combinationHolds(engine, group.key, items);
    };
    const checkEach = async (items: readonly Pending[]) => {
      for (const [position, item] of items.entries()) {
        if (!verifyOne(engine, group.key, item.proof)) invalid.add(item.index);
        if (position % BISECTION_LEAF_PROOFS === BISECTION_LEAF_PROOFS - 1) await nextTurn();
      }
    };
    // Each pass pops one segment and pushes at most two strictly smaller ones: at most 2n passes.
    for (let passes = 0; stack.length > 0; passes++) {
      if (passes > 2 * group.pending.length) throw new Error(`bisection of ${group.pending.length} proofs did not end after ${passes} passes`);
      const { items, knownToFail } = stack.pop()!;
      if (items.length === 1 || (knownToFail && (items.length <= BISECTION_LEAF_PROOFS || budget <= 0))) {
        await checkEach(items);
        continue;
      }
      if (!knownToFail && (await holds(items))) continue;
      failedOnce = true;
      if (items.length <= BISECTION_LEAF_PROOFS || budget <= 0) {
        await checkEach(items);
        continue;
      }
      const middle = Math.ceil(items.length / 2);
      const left = items.slice(0, middle);
      const right = items.slice(middle);
      if (await holds(left)) stack.push({ items: right, knownToFail: true });
      else stack.push({ items: right, knownToFail: false }, { items: left, knownToFail: true });
    }
    // A failing combination implies an invalid proof (a batch of valid proofs always passes).
    if (failedOnce && invalid.size === 0) throw new Error(`the combined check of ${group.pending.length} proofs failed but none fails alone: a verifier bug`);
    return invalid;
  }

  private combinationHolds(engine: Bn254, key: PreparedKey, items: readonly Pending[]): Promise<boolean> {
    if (items.length === 1) return Promise.resolve(verifyOne(engine, key, items[0]!.proof));
    return verifyCombination(
      engine,
      key,
      items.map((item) => item.proof),
      this.randomScalars(items.length),
      () => nextTurn(),
    );
  }

  /** Uniform scalars in [1, 2^128): 16 random bytes each, 0 replaced by 1. */
  private randomScalars(count: number): bigint[] {
    const bytes = this.randomBytes(16 * count);
    if (bytes.length !== 16 * count) throw new Error(`randomBytes returned ${bytes.length} bytes, expected ${16 * count}`);
    const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
    const scalars: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const scalar = BigInt(`0x${hex.slice(32 * i, 32 * i + 32)}`);
      scalars.push(scalar === 0n ? 1n : scalar);
    }
    return scalars;
  }

  private count(label: string, result: VerificationResult): void {
    this.metrics?.verificationsTotal.inc({ circuit: label, outcome: result.outcome });
    if (result.outcome === 'invalid') this.security?.invalidMessagesTotal.inc({ kind: 'invalid_proof' });
    else if (result.outcome === 'error' && result.error.peerFault) this.security?.invalidMessagesTotal.inc({ kind: 'malformed' });
  }
}

function recordException(span: Span | null, error: unknown): void {
  if (span === null) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SPAN_STATUS_ERROR, message: error instanceof Error ? error.message : String(error) });
}
