import { randomBytes } from 'node:crypto';
import * as snarkjs from 'snarkjs';
import type { VerificationKey } from '../groth16-json.js';
import { SetupStepError } from './errors.js';

/**
 * The Groth16 setup's steps, one snarkjs call each: the single-party sequence (test keys, the
 * devnet's demo) and the multi-party ceremony (libs/ceremony) are both made of these, so they
 * handle entropy, snarkjs's failure reporting and progress lines the same way.
 *
 * Secret randomness: each contribution's entropy is 64 bytes from node:crypto, handed to snarkjs
 * as hex (snarkjs takes a string, and mixes in 64 random bytes of its own) and never written
 * anywhere; the bytes are zeroed after the call, whatever happens. What JavaScript cannot promise
 * (docs/decisions.md, "Ceremony secrets"): the hex string is immutable and left to the garbage
 * collector, and snarkjs's own copies of the key (field elements in its wasm memory and worker
 * threads) are not ours to overwrite.
 */

/** What snarkjs's calls log through; a step's progress bar reads the lines. */
export interface SetupLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** snarkjs calls log() too (newAccumulator from 2^16 on). */
  log?(message: string): void;
}

/**
 * The curve snarkjs computes on (BN254), opaque to callers. Its worker threads keep the process
 * alive: `terminate()` it when the setup is done.
 */
export interface SetupCurve {
  terminate(): Promise<void>;
}

/**
 * ffjavascript builds the multi-threaded BN254 curve once per process and hands every caller the
 * same object, so one caller's terminate() would stop the worker threads under all the others
 * (their next call waits forever). Each caller gets a handle on the shared curve instead: it reads
 * through to the curve, and its terminate() stops the threads only when the last handle is done.
 *
 * The build is shared too, from its first moment: ffjavascript keeps the curve in a global only
 * once built, so two callers opening at once (parties of a ceremony in one process) would each
 * build one; snarkjs's own lookups inside every step then find whichever was built last, and
 * when its holders were done it stopped under the other's steps, which waited forever.
 */
let shared: { curve: Promise<snarkjs.Curve>; handles: number } | null = null;

export async function openSetupCurve(): Promise<SetupCurve> {
  shared ??= { curve: snarkjs.curves.getCurveFromName('bn128'), handles: 0 };
  const entry = shared;
  entry.handles += 1;
  let open = true;
  const release = async () => {
    if (!open) return;
    open = false;
    entry.handles -= 1;
    if (entry.handles === 0) {
      if (shared === entry) shared = null;
      await (await entry.curve).terminate();
    }
  };
  let curve: snarkjs.Curve;
  try {
    curve = await entry.curve;
  } catch (error) {
    if (shared === entry) shared = null;
    open = false;
    throw error;
  }
  return Object.create(curve, { terminate: { value: release } }) as SetupCurve;
}

/** Runs `use` with a curve handle, terminated afterwards whatever happens. */
export async function withSetupCurve<T>(use: (curve: SetupCurve) => Promise<T>): Promise<T> {
  const curve = await openSetupCurve();
  try {
    return await use(curve);
  } finally {
    await curve.terminate();
  }
}

const toSnarkjsCurve = (curve: SetupCurve) => curve as snarkjs.Curve;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * Runs one snarkjs call and turns its ways of failing into a SetupStepError naming the step:
 * some calls throw a plain Error, some log an error and return -1, false or nothing. A full disk
 * or a permission problem keeps its errno (callers advise on it), and a TypeError or the like
 * is a bug, here or in snarkjs, and is not disguised.
 */
export async function runSnarkjsStep<T>(step: string, logger: SetupLogger | undefined, call: (logger: SetupLogger & { log(message: string): void }) => Promise<T>): Promise<T> {
  const problems: string[] = [];
  const follow = (message: string) => logger?.debug(message);
  const combined: SetupLogger & { log(message: string): void } = {
    debug: follow,
    info: (message) => logger?.info(message),
    log: (message) => (logger?.log ?? logger?.info)?.call(logger, message),
    warn: (message) => logger?.warn(message),
    error: (message) => {
      problems.push(message);
      logger?.error(message);
    },
  };
  let result: T;
  try {
    result = await call(combined);
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code === 'string' || (error instanceof Error && error.constructor !== Error)) throw error;
    const detail = problems.length > 0 ? ` (snarkjs: ${problems.join('; ')})` : '';
    throw new SetupStepError(step, `${error instanceof Error ? error.message : String(error)}${detail}`);
  }
  if (result === false || result === -1 || (problems.length > 0 && result === undefined)) {
    throw new SetupStepError(step, problems.length > 0 ? problems.join('; ') : 'snarkjs returned no result');
  }
  return result;
}

/** Hands `use` fresh entropy as hex; the bytes are zeroed afterwards, whatever happens. */
export async function withEntropy<T>(use: (entropyHex: string) => Promise<T>): Promise<T> {
  const bytes = randomBytes(64);
  try {
    return await use(bytes.toString('hex'));
  } finally {
    bytes.fill(0);
  }
}

/** A random beacon value: 32 bytes as hex (the demo's; a real ceremony's comes from its plan's source). */
export const randomBeaconHex = (): string => randomBytes(32).toString('hex');

/** Phase 1's empty accumulator at 2^power (no secret: every contribution starts from it). */
export async function newAccumulator(curve: SetupCurve, power: number, out: string, logger?: SetupLogger): Promise<void> {
  await runSnarkjsStep('powers of tau: new accumulator', logger, (log) => snarkjs.powersOfTau.newAccumulator(toSnarkjsCurve(curve), power, out, log));
}

/** One phase-1 contribution with fresh entropy; returns snarkjs's contribution hash (hex, 64 bytes). */
export async function contributePhase1(input: string, out: string, name: string, logger?: SetupLogger): Promise<string> {
  const hash = await withEntropy((entropy) => runSnarkjsStep('powers of tau: contribution', logger, (log) => snarkjs.powersOfTau.contribute(input, out, name, entropy, log)));
  return hex(hash);
}

/** The beacon that closes phase 1: a contribution whose randomness everyone can recompute from `beaconHex`. */
export async function beaconPhase1(input: string, out: string, name: string, beaconHex: string, iterationsExp: number, logger?: SetupLogger): Promise<string> {
  const hash = await runSnarkjsStep('powers of tau: beacon', logger, (log) => snarkjs.powersOfTau.beacon(input, out, name, beaconHex, iterationsExp, log));
  return hex(hash);
}

/** snarkjs's full check of a phase-1 file: every contribution's proof and the pairing checks of its points. */
export async function verifyPhase1(ptau: string, logger?: SetupLogger): Promise<void> {
  await runSnarkjsStep('powers of tau: verification', logger, (log) => snarkjs.powersOfTau.verify(ptau, log));
}

/** Phase 2's start for one circuit (no secret); returns the circuit hash snarkjs prints. */
export async function newZKey(r1cs: string, preparedPtau: string, out: string, logger?: SetupLogger): Promise<string> {
  const hash = await runSnarkjsStep('new proving key', logger, (log) => snarkjs.zKey.newZKey(r1cs, preparedPtau, out, log));
  return hex(hash);
}

/** One phase-2 contribution with fresh entropy; returns snarkjs's contribution hash (hex). */
export async function contributePhase2(input: string, out: string, name: string, logger?: SetupLogger): Promise<string> {
  const hash = await withEntropy((entropy) => runSnarkjsStep('proving key: contribution', logger, (log) => snarkjs.zKey.contribute(input, out, name, entropy, log)));
  return hex(hash);
}

/** The beacon that closes phase 2 of a circuit. */
export async function beaconPhase2(input: string, out: string, name: string, beaconHex: string, iterationsExp: number, logger?: SetupLogger): Promise<string> {
  const hash = await runSnarkjsStep('proving key: beacon', logger, (log) => snarkjs.zKey.beacon(input, out, name, beaconHex, iterationsExp, log));
  return hex(hash);
}

/**
 * snarkjs's check of a proving key against the key phase 2 started from (`initZkey`, made by
 * newZKey from the same prepared powers of tau): every contribution's proof of knowledge and the
 * pairing checks of the updated points. It does not see a dropped contributor or a key built on
 * an older file: libs/ceremony checks the contribution hashes against its transcript for that.
 */
export async function verifyPhase2(initZkey: string, preparedPtau: string, zkey: string, logger?: SetupLogger): Promise<void> {
  await runSnarkjsStep('proving key: verification', logger, (log) => snarkjs.zKey.verifyFromInit(initZkey, preparedPtau, zkey, log));
}

export async function exportVerificationKey(zkey: string, logger?: SetupLogger): Promise<VerificationKey> {
  return runSnarkjsStep('verification key: export', logger, (log) => snarkjs.zKey.exportVerificationKey(zkey, log));
}
