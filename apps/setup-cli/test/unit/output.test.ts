import { describe, expect, it } from 'vitest';
import { formatElapsed, isDecorated, Progress, Style, type OutputStream } from '../../src/output.js';

class FakeStream implements OutputStream {
  text = '';
  constructor(readonly isTTY: boolean) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

/** A clock that advances by `stepMs` each time it is read. */
const tickingClock = (stepMs: number) => {
  let now = 0;
  return () => (now += stepMs);
};

const ESC = '\u001b';

describe('formatElapsed', () => {
  it.each([
    [0, '0 ms'],
    [12.4, '12 ms'],
    [999, '999 ms'],
    [1_000, '1 s'],
    [2_449, '2.4 s'],
    [59_940, '59.9 s'],
    [185_000, '3 min 5 s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('isDecorated', () => {
  it('decorates terminals only, and not with NO_COLOR or TERM=dumb', () => {
    expect(isDecorated(new FakeStream(true), {})).toBe(true);
    expect(isDecorated(new FakeStream(false), {})).toBe(false);
    expect(isDecorated(new FakeStream(true), { NO_COLOR: '1' })).toBe(false);
    expect(isDecorated(new FakeStream(true), { TERM: 'dumb' })).toBe(false);
  });
});

describe('Progress', () => {
  it('prints one plain line per step when the stream is not a terminal', async () => {
    const stream = new FakeStream(false);
    const progress = new Progress(stream, {}, tickingClock(12));
    const result = await progress.step('generate keys', (update) => {
      update('1/2'); // ignored: plain output has no line to update
      return 42;
    });
    expect(result).toBe(42);
    expect(stream.text).toBe('✔ generate keys (12 ms)\n');
  });

  it('prints ✖ for a failing step and rethrows its error', async () => {
    const stream = new FakeStream(false);
    const progress = new Progress(stream, {}, tickingClock(5));
    const failure = new Error('disk full');
    await expect(progress.step('write files', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(stream.text).toBe('✖ write files (5 ms)\n');
  });

  it('on a terminal, shows the running step and rewrites it in colour', async () => {
    const stream = new FakeStream(true);
    const progress = new Progress(stream, {}, tickingClock(1_500));
    await progress.step('generate keys', (update) => update('3/8'));
    expect(stream.text).toContain('… generate keys 3/8');
    expect(stream.text).toContain(`${ESC}[2K`);
    expect(stream.text).toMatch(/✔.* generate keys .*\(1\.5 s\)/);
    expect(stream.text).toContain(`${ESC}[32m`);
  });
});

describe('Style', () => {
  it('leaves text unchanged when plain', () => {
    const plain = new Style(false);
    expect(plain.red('x') + plain.bold('y') + plain.dim('z')).toBe('xyz');
    expect(new Style(true).red('x')).toBe(`${ESC}[31mx${ESC}[0m`);
  });
});
