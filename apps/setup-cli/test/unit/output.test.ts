import { describe, expect, it } from 'vitest';
import { formatElapsed, isDecorated, Progress, Style, timeLeft, trackLine, type OutputStream } from '../../src/output.js';

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

describe('Progress.track (a step with a progress bar)', () => {
  it('prints only the final line, with its outcome, when the stream is not a terminal', async () => {
    const stream = new FakeStream(false);
    const progress = new Progress(stream, {}, tickingClock(295_000));
    const result = await progress.track('prepare phase 2 (2^14)', (step) => {
      step.fraction(0.5);
      step.outcome('done');
      return Promise.resolve('ok');
    });
    expect(result).toBe('ok');
    expect(stream.text).toBe('✔ prepare phase 2 (2^14): done (4 min 55 s)\n');
  });

  it('prints ✖ and rethrows when the step fails', async () => {
    const stream = new FakeStream(false);
    const progress = new Progress(stream, {}, tickingClock(5));
    const failure = new Error('snarkjs failed');
    await expect(progress.track('new proving key', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(stream.text).toBe('✖ new proving key (5 ms)\n');
  });

  it('on a terminal, draws a bar that follows the share done, then the final line in colour', async () => {
    const stream = new FakeStream(true);
    const progress = new Progress(stream, {}, tickingClock(1_000));
    await progress.track('prepare phase 2 (2^11)', async (step) => {
      step.fraction(0.25);
      await new Promise((resolve) => setTimeout(resolve, 300)); // cli-progress redraws on a timer
      step.fraction(0.1); // never back
    });
    expect(stream.text).toContain('prepare phase 2 (2^11) ██████');
    expect(stream.text).toContain('25%');
    expect(stream.text).not.toContain(' 10%');
    expect(stream.text).toMatch(/✔.* prepare phase 2 \(2\^11\) .*\(\d+ s\).*\n$/);
  });
});

describe('trackLine', () => {
  const plain = new Style(false);

  it('shows a spinner and the elapsed time while no share is known', () => {
    const now = trackLine(plain, 'circuit settlement-256', null, 12_300);
    const later = trackLine(plain, 'circuit settlement-256', null, 12_430);
    expect(now).toMatch(/^\S circuit settlement-256 · 12\.3 s$/);
    expect(later).toMatch(/^\S circuit settlement-256 · 12\.4 s$/);
    expect(later[0]).not.toBe(now[0]); // the spinner turns
  });

  it('shows the bar, the percentage, the elapsed time and the time left', () => {
    expect(trackLine(plain, 'prepare phase 2 (2^14)', 0.5, 150_000, 120).slice(2)).toBe(
      'prepare phase 2 (2^14) ████████████░░░░░░░░░░░░ 50% · 2 min 30 s · about 2 min 30 s left',
    );
    expect(trackLine(plain, 'x', 0, 1_000).slice(2)).toBe('x ░░░░░░░░░░░░░░░░░░░░░░░░ 0% · 1 s');
  });

  it('fits the terminal width', () => {
    const line = trackLine(plain, 'prepare phase 2 (2^14)', 0.5, 150_000, 40);
    expect(line.length).toBeLessThan(40);
    expect(line.endsWith('…')).toBe(true);
    expect(trackLine(new Style(true), 'x', 0.5, 10_000, 200)).toContain(`${ESC}[2m░`);
  });
});

describe('timeLeft', () => {
  it('extrapolates from the share done once there is enough to go on', () => {
    expect(timeLeft(0.5, 60_000)).toBe('about 1 min 0 s left');
    expect(timeLeft(0.8, 40_000)).toBe('about 10 s left');
    expect(timeLeft(0.999, 40_000)).toBe('about 1 s left');
    expect(timeLeft(0.01, 60_000)).toBeNull(); // too early to tell
    expect(timeLeft(0.5, 1_000)).toBeNull();
    expect(timeLeft(1, 60_000)).toBeNull();
  });
});

describe('Style', () => {
  it('leaves text unchanged when plain', () => {
    const plain = new Style(false);
    expect(plain.red('x') + plain.bold('y') + plain.dim('z')).toBe('xyz');
    expect(new Style(true).red('x')).toBe(`${ESC}[31mx${ESC}[0m`);
  });
});
