import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newAccumulator, openSetupCurve } from '../../src/index.js';

/**
 * Handles on the one multi-threaded BN254 curve of the process (the ceremony's parties share it
 * when they run in one process). snarkjs looks the curve up by itself inside every step, in
 * ffjavascript's global: the handles must all be on that curve, and it must keep running until
 * the last handle is done.
 */

const processCurve = () => (globalThis as { curve_bn128?: object | null }).curve_bn128 ?? null;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'setup-curve-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the setup curve', () => {
  it('is built once for handles opened at the same moment, and is the curve snarkjs finds by itself', async () => {
    const handles = await Promise.all([openSetupCurve(), openSetupCurve(), openSetupCurve()]);
    const curves = new Set(handles.map((handle) => Object.getPrototypeOf(handle) as object));
    expect(curves.size).toBe(1);
    expect(processCurve()).toBe([...curves][0]);
    for (const handle of handles) await handle.terminate();
    expect(processCurve()).toBeNull();
  });

  it('keeps running for the handles still open when the others are done', async () => {
    const [first, second, last] = await Promise.all([openSetupCurve(), openSetupCurve(), openSetupCurve()]);
    await first.terminate();
    await second.terminate();
    await first.terminate(); // twice: counted once
    // A snarkjs step on the remaining handle: it looks the curve up itself and computes on its threads.
    await newAccumulator(last, 4, join(dir, 'after-others.ptau'));
    expect((await stat(join(dir, 'after-others.ptau'))).size).toBeGreaterThan(0);
    expect(processCurve()).toBe(Object.getPrototypeOf(last) as object);
    await last.terminate();
    expect(processCurve()).toBeNull();
  });

  it('is built anew for a handle opened after the last one closed', async () => {
    const before = await openSetupCurve();
    const old = Object.getPrototypeOf(before) as object;
    await before.terminate();
    const after = await openSetupCurve();
    expect(Object.getPrototypeOf(after)).not.toBe(old);
    await newAccumulator(after, 4, join(dir, 'new-curve.ptau'));
    await after.terminate();
  });
});
