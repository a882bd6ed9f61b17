import { buildCircuit } from '@consortium/circuits';
import type * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ceremonyFiles, newAccumulator, newZKey, openCurve } from '../../src/demo-ceremony.js';
import { CeremonyStepError } from '../../src/errors.js';
import type { StepProgress } from '../../src/output.js';
import { temporaryDir } from './support/cli.js';

/** snarkjs reports some failures by logging an error and returning -1: the ceremony must notice. */

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let curve: snarkjs.Curve;
const progress: StepProgress = { fraction: () => {}, outcome: () => {} };

beforeAll(async () => {
  tmp = await temporaryDir('ceremony-steps');
  curve = await openCurve();
});

afterAll(async () => {
  await curve.terminate();
  await tmp.remove();
});

describe('demo ceremony steps', () => {
  it('refuses a proving key from powers of tau that were not prepared for phase 2, with what snarkjs said', async () => {
    const files = ceremonyFiles(tmp.path);
    await newAccumulator(curve, files, 11, progress);
    const circuit = await buildCircuit('settlement-4');
    const error = await newZKey(files, circuit, files.ptau('0'), 11, progress).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CeremonyStepError);
    expect((error as CeremonyStepError).message).toBe('settlement-4: new proving key: Powers of tau is not prepared.');
    expect((error as CeremonyStepError).nextStep).toMatch(/^Nothing was written to --out/);
  });
});
