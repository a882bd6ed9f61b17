// The verifier's curve engine (src/verifier/bn254.ts) and the prover worker
// (src/prover/prover-worker.js) use internals of snarkjs and ffjavascript that are not their
// public API. The versions are pinned exactly in every package.json; these tests fail, naming
// the internal, when an upgrade changes one of them, so an upgrade is a deliberate change.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@consortium/circuits';
import * as snarkjs from 'snarkjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asFfjavascriptCurve, Bn254, g1Bytes, g2Bytes, G1_GENERATOR, G2_GENERATOR, WASM_EXPORTS_USED } from '../../src/verifier/bn254.js';
import { BASE_FIELD_MODULUS } from '../../src/verifier/encoding.js';

/** The versions whose internals the code was written against. */
const PINNED = { snarkjs: '0.7.6', ffjavascript: '0.3.1' } as const;
const WORKSPACES = ['libs/zkp', 'libs/ceremony', 'libs/settlement', 'apps/setup-cli', 'apps/node', 'tools', 'circuits'];

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(REPOSITORY_ROOT, path), 'utf8')) as Record<string, unknown>;
}

async function readText(path: string): Promise<string> {
  return readFile(join(REPOSITORY_ROOT, path), 'utf8');
}

describe('pinned versions', () => {
  it.each(Object.entries(PINNED))('%s is installed at exactly the pinned version, once', async (name, version) => {
    const installed = await readJson(`node_modules/${name}/package.json`);
    expect(installed.version, `node_modules/${name} is ${String(installed.version)}, the code relies on the internals of ${version}`).toBe(version);
  });

  it('snarkjs loads the same ffjavascript (no nested copy of another version)', async () => {
    const snarkjsPackage = await readJson('node_modules/snarkjs/package.json');
    expect((snarkjsPackage.dependencies as Record<string, string>).ffjavascript, 'snarkjs depends on another ffjavascript').toBe(PINNED.ffjavascript);
    await expect(readFile(join(REPOSITORY_ROOT, 'node_modules/snarkjs/node_modules/ffjavascript/package.json')), 'snarkjs has its own ffjavascript').rejects.toThrow(/ENOENT/);
  });

  it('every package.json that lists snarkjs or ffjavascript pins the exact version (no range)', async () => {
    for (const workspace of WORKSPACES) {
      const manifest = await readJson(`${workspace}/package.json`).catch(() => null);
      if (manifest === null) continue;
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies'] as const) {
        const dependencies = (manifest[field] ?? {}) as Record<string, string>;
        for (const [name, version] of Object.entries(PINNED)) {
          if (dependencies[name] !== undefined) expect(dependencies[name], `${workspace}/package.json ${field}.${name}`).toBe(version);
        }
      }
    }
  });
});

describe('ffjavascript internals used by src/verifier/bn254.ts', () => {
  let curve: snarkjs.Curve;
  beforeAll(async () => {
    curve = await snarkjs.curves.getCurveFromName('bn128', { singleThread: true });
  });
  afterAll(async () => curve.terminate());

  it('the curve object exposes tm.memory, tm.instance.exports, tm.alloc, tm.pG1gen, tm.pG2gen, prePSize and preQSize', () => {
    const raw = curve as unknown as { tm?: Record<string, unknown>; prePSize?: unknown; preQSize?: unknown };
    expect(raw.tm, 'curve.tm (the thread manager holding the wasm instance)').toBeDefined();
    expect((raw.tm!.memory as { buffer?: unknown }).buffer, 'curve.tm.memory.buffer').toBeInstanceOf(ArrayBuffer);
    expect(typeof raw.tm!.alloc, 'curve.tm.alloc').toBe('function');
    expect(typeof raw.tm!.pG1gen, 'curve.tm.pG1gen').toBe('number');
    expect(typeof raw.tm!.pG2gen, 'curve.tm.pG2gen').toBe('number');
    expect(typeof raw.prePSize, 'curve.prePSize').toBe('number');
    expect(typeof raw.preQSize, 'curve.preQSize').toBe('number');
    expect(() => asFfjavascriptCurve(curve)).not.toThrow();
  });

  it.each(WASM_EXPORTS_USED)('the bn128 wasm module exports %s', (name) => {
    const { tm } = asFfjavascriptCurve(curve);
    expect(typeof tm.instance.exports[name], `wasmcurves export ${name}`).toBe('function');
  });

  it('points are Montgomery-form little-endian limbs, Jacobian with z = 1 (the generators at tm.pG1gen and tm.pG2gen)', () => {
    const { tm } = asFfjavascriptCurve(curve);
    const memory = new Uint8Array(tm.memory.buffer);
    const g1 = g1Bytes(G1_GENERATOR);
    const g2 = g2Bytes(G2_GENERATOR);
    expect(Buffer.from(memory.slice(tm.pG1gen, tm.pG1gen + g1.length)).toString('hex'), 'G1 generator layout at tm.pG1gen').toBe(Buffer.from(g1).toString('hex'));
    expect(Buffer.from(memory.slice(tm.pG2gen, tm.pG2gen + g2.length)).toString('hex'), 'G2 generator layout at tm.pG2gen').toBe(Buffer.from(g2).toString('hex'));
  });

  it("Bn254.create succeeds: its multi-Miller loop equals wasmcurves's bn128_millerLoop for the generators", async () => {
    const engine = await Bn254.create();
    await engine.close();
  });
});

describe('snarkjs and ffjavascript internals used by src/prover/prover-worker.js', () => {
  it('a multi-threaded curve request returns globalThis.curve_bn128 when it is set (the worker reuses its single-threaded curve that way)', async () => {
    const planted = await snarkjs.curves.getCurveFromName('bn128', { singleThread: true });
    const global = globalThis as { curve_bn128?: unknown };
    const before = global.curve_bn128;
    global.curve_bn128 = planted;
    try {
      // snarkjs's type declarations (types/snarkjs.d.ts) list only getCurveFromName.
      const curves = snarkjs.curves as unknown as { getCurveFromQ(q: bigint, options: { singleThread: boolean }): Promise<unknown> };
      expect(await curves.getCurveFromQ(BASE_FIELD_MODULUS, { singleThread: false }), 'ffjavascript buildBn128 cache globalThis.curve_bn128').toBe(planted);
      // groth16.prove gets its curve through zkey's readHeader(..., options) -> getCurveFromQ.
      await planted.terminate();
      expect(global.curve_bn128, "a single-threaded curve's terminate() must leave globalThis.curve_bn128 alone").toBe(planted);
    } finally {
      global.curve_bn128 = before;
    }
  });

  it('groth16.prove passes its options to the curve lookup, and wtns.calculate takes (input, wasm, wtns) files', async () => {
    const prove = await readText('node_modules/snarkjs/src/groth16_prove.js');
    expect(prove, 'snarkjs groth16Prove(zkeyFileName, witnessFileName, logger, options)').toContain('export default async function groth16Prove(zkeyFileName, witnessFileName, logger, options)');
    expect(prove, 'snarkjs groth16Prove reads the zkey header with options (its curve lookup)').toContain('zkeyUtils.readHeader(fdZKey, sectionsZKey, undefined, options)');
    const calculate = await readText('node_modules/snarkjs/src/wtns_calculate.js');
    expect(calculate, 'snarkjs wtnsCalculate(_input, wasmFileName, wtnsFileName, options)').toContain('export default async function wtnsCalculate(_input, wasmFileName, wtnsFileName, options)');
  });

  it('web-worker decides when it is loaded, by worker_threads.isMainThread, whether it runs in its own thread (the worker loads snarkjs with isMainThread = true)', async () => {
    const source = await readText('node_modules/web-worker/node.js');
    expect(source, 'web-worker node.js export chosen by threads.isMainThread').toContain('export default threads.isMainThread ? mainThread() : workerThread();');
  });
});
