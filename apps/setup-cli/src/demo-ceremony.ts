import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BuiltCircuit } from '@consortium/circuits';
import { ArtifactError, assertContributedKey } from '@consortium/zkp';
import * as snarkjs from 'snarkjs';
import { CeremonyStepError } from './errors.js';
import { preparedDomains, preparePhase2ForDomains } from './prepare-phase2.js';
import { BEACON_ITERATIONS_EXP } from './keys-folder.js';
import type { StepProgress } from './output.js';
import { snarkjsProgress, type SnarkjsTask } from './snarkjs-progress.js';

/**
 * The snarkjs calls of the demo ceremony, one function per step, working in a folder of
 * intermediate files (pot_0.ptau, settlement-4_0.zkey, ...) that the command removes at the end.
 * One process makes every contribution: that is what makes the result insecure.
 *
 * Secret randomness: each contribution's entropy is 64 bytes from node:crypto, handed to snarkjs
 * as hex (snarkjs takes a string and mixes in 64 bytes of its own) and never written anywhere;
 * the bytes are zeroed after the call. The hex string itself cannot be overwritten (JavaScript
 * strings are immutable); it is dropped with the call and left to the garbage collector.
 */

/** The files a ceremony run works on. */
export interface CeremonyFiles {
  readonly work: string;
  readonly ptau: (name: string) => string;
  readonly zkey: (circuit: string, name: string) => string;
}

export function ceremonyFiles(work: string): CeremonyFiles {
  return {
    work,
    ptau: (name) => join(work, `pot_${name}.ptau`),
    zkey: (circuit, name) => join(work, `${circuit}_${name}.zkey`),
  };
}

/** The curve snarkjs computes on. Its worker threads keep the process alive until terminate(). */
export async function openCurve(): Promise<snarkjs.Curve> {
  return snarkjs.curves.getCurveFromName('bn128');
}

/**
 * A logger for snarkjs: its lines go to `follow`, its errors to `problems` too. snarkjs calls
 * debug, info, warn and error, and `log` as well (newAccumulator from 2^16 on), which its Logger
 * type does not list.
 */
export function followingLogger(follow: (line: string) => void, problems: string[]): snarkjs.Logger & { log(message: string): void } {
  const error = (message: string) => {
    problems.push(message);
    follow(message);
  };
  return { debug: follow, info: follow, log: follow, warn: follow, error };
}

/**
 * Runs one snarkjs call with a logger that moves the step's bar (when the call's lines are
 * understood) and keeps the lines snarkjs reports as errors: some snarkjs calls report a
 * failure by logging it and returning -1 or false instead of throwing.
 */
async function withLogger<T>(
  step: string,
  task: SnarkjsTask | null,
  power: number,
  progress: StepProgress,
  call: (logger: snarkjs.Logger) => Promise<T>,
  domains?: Readonly<Record<string, readonly number[]>>,
): Promise<T> {
  const tracker = task === null ? null : snarkjsProgress(task, power, domains);
  const problems: string[] = [];
  const logger = followingLogger((message) => {
    const share = tracker?.feed(message) ?? null;
    if (share !== null) progress.fraction(share);
  }, problems);
  let result: T;
  try {
    result = await call(logger);
  } catch (error) {
    // A full disk or a permission problem keeps its errno, so the top-level catch can advise on it;
    // a TypeError or the like is a bug, here or in snarkjs, and is reported as one. snarkjs
    // reports what went wrong with plain Errors ("Circuit too big for this curve").
    if (typeof (error as NodeJS.ErrnoException).code === 'string' || (error instanceof Error && error.constructor !== Error)) throw error;
    const detail = problems.length > 0 ? ` (snarkjs: ${problems.join('; ')})` : '';
    throw new CeremonyStepError(step, `${error instanceof Error ? error.message : String(error)}${detail}`);
  }
  if (result === false || result === -1 || (problems.length > 0 && result === undefined)) {
    throw new CeremonyStepError(step, problems.length > 0 ? problems.join('; ') : 'snarkjs returned no result');
  }
  return result;
}

/** Hands `use` fresh entropy as hex; the bytes are zeroed afterwards, whatever happens. */
async function withEntropy<T>(use: (entropy: string) => Promise<T>): Promise<T> {
  const bytes = randomBytes(64);
  try {
    return await use(bytes.toString('hex'));
  } finally {
    bytes.fill(0);
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** A random beacon: 32 bytes, as hex. Recorded in README-INSECURE.txt. */
export const randomBeacon = () => randomBytes(32).toString('hex');

export async function newAccumulator(curve: snarkjs.Curve, files: CeremonyFiles, power: number, progress: StepProgress): Promise<void> {
  await withLogger('powers of tau: new accumulator', 'ptau-new', power, progress, (logger) => snarkjs.powersOfTau.newAccumulator(curve, power, files.ptau('0'), logger));
}

/** The one phase-1 contribution; returns snarkjs's response hash. */
export async function contributePtau(files: CeremonyFiles, power: number, progress: StepProgress): Promise<string> {
  const hash = await withEntropy((entropy) =>
    withLogger('powers of tau: contribution', 'ptau-contribute', power, progress, (logger) =>
      snarkjs.powersOfTau.contribute(files.ptau('0'), files.ptau('1'), 'consortium-setup demo (INSECURE)', entropy, logger),
    ),
  );
  return hex(hash);
}

export async function beaconPtau(files: CeremonyFiles, power: number, beacon: string, progress: StepProgress): Promise<string> {
  const hash = await withLogger('powers of tau: beacon', 'ptau-beacon', power, progress, (logger) =>
    snarkjs.powersOfTau.beacon(files.ptau('1'), files.ptau('beacon'), 'consortium-setup demo beacon (INSECURE)', beacon, BEACON_ITERATIONS_EXP, logger),
  );
  return hex(hash);
}

/**
 * The Lagrange bases phase 2 needs, for the circuits' domains only (preparePhase2ForDomains: the
 * other domains are most of snarkjs's preparePhase2 and serve no circuit of this ceremony).
 * Writes `ptauOut`, which serves these circuits only.
 */
export async function preparePhase2(curve: snarkjs.Curve, files: CeremonyFiles, power: number, domainPowers: readonly number[], ptauOut: string, progress: StepProgress): Promise<void> {
  await withLogger(
    'prepare phase 2',
    'prepare-phase2',
    power,
    progress,
    (logger) => preparePhase2ForDomains(curve, files.ptau('beacon'), ptauOut, domainPowers, logger),
    preparedDomains(power, domainPowers),
  );
}

/** Phase 2's start for one circuit; returns the circuit hash. */
export async function newZKey(files: CeremonyFiles, circuit: BuiltCircuit, ptau: string, power: number, progress: StepProgress): Promise<string> {
  const name = circuit.manifest.name;
  const r1cs = join(circuit.dir, circuit.manifest.files.r1cs.path);
  const hash = await withLogger(`${name}: new proving key`, 'new-zkey', power, progress, (logger) => snarkjs.zKey.newZKey(r1cs, ptau, files.zkey(name, '0'), logger));
  return hex(hash);
}

export async function contributeZKey(files: CeremonyFiles, name: string, power: number, progress: StepProgress): Promise<string> {
  const hash = await withEntropy((entropy) =>
    withLogger(`${name}: contribution`, 'zkey-contribute', power, progress, (logger) =>
      snarkjs.zKey.contribute(files.zkey(name, '0'), files.zkey(name, '1'), 'consortium-setup demo (INSECURE)', entropy, logger),
    ),
  );
  return hex(hash);
}

/** The beacon that closes phase 2, written to `zkeyOut`, and the verification key exported from it, checked. */
export async function finishZKey(
  files: CeremonyFiles,
  name: string,
  power: number,
  beacon: string,
  zkeyOut: string,
  progress: StepProgress,
): Promise<{ readonly beaconHash: string; readonly vkey: snarkjs.VerificationKey }> {
  const step = `${name}: beacon and verification key`;
  const hash = await withLogger(step, 'zkey-beacon', power, progress, (logger) =>
    snarkjs.zKey.beacon(files.zkey(name, '1'), zkeyOut, 'consortium-setup demo beacon (INSECURE)', beacon, BEACON_ITERATIONS_EXP, logger),
  );
  const vkey = await withLogger(step, null, power, progress, (logger) => snarkjs.zKey.exportVerificationKey(zkeyOut, logger));
  checkContributed(vkey, step);
  return { beaconHash: hex(hash), vkey };
}

/**
 * A key whose phase 2 had no contribution has vk_gamma_2 = vk_delta_2 and lets anyone forge
 * proofs; nodes refuse it, so the ceremony does too, with the same check (assertContributedKey of
 * @consortium/zkp, which decides with hasPhase2Contribution: the one place this is decided).
 */
export function checkContributed(vkey: snarkjs.VerificationKey, step: string): void {
  try {
    assertContributedKey(vkey, 'the exported verification key');
  } catch (error) {
    if (error instanceof ArtifactError) throw new CeremonyStepError(step, error.message);
    throw error;
  }
}
