import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCircuit, CircuitBuildError, REPOSITORY_ROOT, sha256File, type BuiltCircuit } from '../../src/index.js';

/** The real circom2 compiler, into a temporary build root inside the repository (its sandbox). */
let buildRoot: string;
let built: BuiltCircuit;

beforeAll(async () => {
  await mkdir(join(REPOSITORY_ROOT, 'build/test-builds'), { recursive: true });
  buildRoot = await mkdtemp(join(REPOSITORY_ROOT, 'build/test-builds/circuits-'));
  built = await buildCircuit('settlement-4', { buildRoot });
}, 600_000);
afterAll(async () => rm(buildRoot, { recursive: true, force: true }));

describe('circuit build', () => {
  it('writes r1cs, wasm and sym with a manifest of their hashes and the constraint count', async () => {
    expect(built.cached).toBe(false);
    const { manifest } = built;
    expect(manifest.constraints).toBeGreaterThan(1_000);
    expect(manifest.domainPower).toBe(11);
    expect(manifest.publicInputs).toEqual(['creditor', 'debtor', 'period', 'firstId', 'count', 'batchCommitment', 'rateCommitment', 'total']);
    expect(manifest.compiler).toMatch(/^circom2@/);
    for (const entry of Object.values(manifest.files)) expect(await sha256File(join(built.dir, entry.path))).toBe(entry.sha256);
    expect(JSON.parse(await readFile(join(built.dir, 'manifest.json'), 'utf8'))).toEqual(manifest);
  });

  it('refuses a build folder outside the repository, where circom2 cannot write', async () => {
    await expect(buildCircuit('settlement-4', { buildRoot: tmpdir() })).rejects.toBeInstanceOf(CircuitBuildError);
  });

  it('reuses an intact build, and rebuilds one whose files were changed', async () => {
    expect((await buildCircuit('settlement-4', { buildRoot })).cached).toBe(true);
    await writeFile(join(built.dir, built.manifest.files.sym.path), 'damaged');
    const rebuilt = await buildCircuit('settlement-4', { buildRoot });
    expect(rebuilt.cached).toBe(false);
    expect(rebuilt.manifest.files.r1cs.sha256).toBe(built.manifest.files.r1cs.sha256); // deterministic compiler
  }, 600_000);
});
