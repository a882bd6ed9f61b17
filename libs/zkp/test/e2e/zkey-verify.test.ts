import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import { ensureTestKeys, type TestKeys } from '../../src/index.js';

/**
 * snarkjs's own CLI (`npx snarkjs zkey verify <r1cs> <ptau> <zkey>`) re-derives the proving key
 * from the r1cs and the powers of tau (prepared for its domain) and checks every contribution: run on the test keys of
 * settlement-4 (2^11), it accepts them, and refuses a key whose L section was altered.
 */

/** What `npx snarkjs` runs: the workspace's snarkjs binary. */
const snarkjsCli = join(REPOSITORY_ROOT, 'node_modules/.bin/snarkjs');

function zkeyVerify(r1cs: string, ptau: string, zkey: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [snarkjsCli, 'zkey', 'verify', r1cs, ptau, zkey], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, output }));
  });
}

/** Offset and size of section `type` of a snarkjs binary file ("zkey", version, count, then [type u32, size u64, data]). */
function section(file: Buffer, type: number): { start: number; size: number } {
  let offset = 12;
  for (let i = 0; i < file.readUInt32LE(8); i++) {
    const size = Number(file.readBigUInt64LE(offset + 4));
    if (file.readUInt32LE(offset) === type) return { start: offset + 12, size };
    offset += 12 + size;
  }
  throw new Error(`no section ${type}`);
}

let keys: TestKeys;
let r1cs: string;
let dir: string;

beforeAll(async () => {
  keys = await ensureTestKeys('settlement-4');
  r1cs = join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path);
  dir = await mkdtemp(join(tmpdir(), 'zkey-verify-'));
}, 900_000);
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('snarkjs zkey verify (CLI) on the test keys', () => {
  it('accepts the keys made for the circuit', async () => {
    const { code, output } = await zkeyVerify(r1cs, keys.preparedPtauPath, keys.zkeyPath);
    expect(output).toContain('ZKey Ok!');
    expect(code).toBe(0);
  }, 600_000);

  it('refuses a key whose L section (one point per private wire) was altered', async () => {
    const tampered = join(dir, 'tampered.zkey');
    await copyFile(keys.zkeyPath, tampered);
    const bytes = await readFile(tampered);
    const l = section(bytes, 8); // Groth16 zkey section 8, "L" in snarkjs: one G1 point per private wire
    bytes[l.start + Math.floor(l.size / 2)]! ^= 0x01;
    await writeFile(tampered, bytes);
    const { code, output } = await zkeyVerify(r1cs, keys.preparedPtauPath, tampered);
    expect(code).not.toBe(0);
    expect(output).toContain('L section does not match');
    expect(output).not.toContain('ZKey Ok!');
  }, 600_000);
});
