import { describe, expect, it } from 'vitest';
import { formatElapsed, lineProgress } from '../../src/launcher/progress.js';

describe('launcher progress', () => {
  it.each([
    [850, '850 ms'],
    [12_340, '12.3 s'],
    [125_000, '2 min 05 s'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });

  it('prints a step when it starts and ends, with what it found and how long it took; details indented', async () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = lineProgress((text) => lines.push(text), () => clock);
    await progress.step('demo keys', (outcome) => {
      progress.detail('✔ prepare phase 2 (2.0 s)');
      clock += 1_500;
      outcome('reused');
      return Promise.resolve();
    });
    await expect(
      progress.step('start 5 nodes', () => {
        clock += 200;
        return Promise.reject(new Error('port in use'));
      }),
    ).rejects.toThrow('port in use');
    expect(lines.join('')).toBe('… demo keys\n    ✔ prepare phase 2 (2.0 s)\n✔ demo keys: reused (1.5 s)\n… start 5 nodes\n✖ start 5 nodes (200 ms)\n');
  });
});
