import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCircuit } from '@consortium/circuits';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccumulator, newZKey, openSetupCurve, SetupStepError, type SetupCurve } from '../../src/index.js';

/** snarkjs reports some failures by logging an error and returning -1: the setup's steps must notice. */

let dir: string;
let curve: SetupCurve;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'setup-steps-'));
  curve = await openSetupCurve();
});

afterAll(async () => {
  await curve.terminate();
  await rm(dir, { recursive: true, force: true });
});

describe('the setup steps', () => {
  it('refuse a proving key from powers of tau that were not prepared for phase 2, with what snarkjs said', async () => {
    await newAccumulator(curve, 11, join(dir, 'pot_new.ptau'));
    const circuit = await buildCircuit('settlement-4');
    const r1cs = join(circuit.dir, circuit.manifest.files.r1cs.path);
    const error = await newZKey(r1cs, join(dir, 'pot_new.ptau'), join(dir, 'new.zkey')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SetupStepError);
    expect((error as SetupStepError).message).toBe('new proving key: Powers of tau is not prepared.');
  });
});
