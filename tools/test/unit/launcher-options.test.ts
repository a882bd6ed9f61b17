import { CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_DEVNET_CIRCUITS, parseLauncherArgs } from '../../src/launcher/options.js';

const argv = (...args: string[]) => ['node', 'start.ts', ...args];

describe('npm start options', () => {
  it('defaults to the five founding members in <repository>/.devnet, keys in .devnet/keys', () => {
    expect(parseLauncherArgs(argv(), '/repo', '/elsewhere')).toEqual({ members: 5, dir: '/repo/.devnet', keysDir: '/repo/.devnet/keys', circuits: [DEFAULT_DEVNET_CIRCUITS], fresh: false, traffic: { periods: 3, recordsPerDirection: 300 } });
  });

  it('takes --members 7, a folder relative to the working directory, keys elsewhere, circuits, --fresh and a base port', () => {
    expect(parseLauncherArgs(argv('--members', '7', '--dir', 'net', '--keys', '../keys', '--circuits', 'settlement-4, settlement-16', '--fresh', '--base-port', '27000'), '/repo', '/work/x')).toEqual({
      members: 7,
      dir: '/work/x/net',
      keysDir: '/work/keys',
      circuits: ['settlement-4', 'settlement-16'],
      fresh: true,
      basePort: 27_000,
      traffic: { periods: 3, recordsPerDirection: 300 },
    });
  });

  it("takes --ceremony: the members' own ceremony instead of the demo keys", () => {
    expect(parseLauncherArgs(argv('--ceremony', '--no-traffic'), '/repo', '/repo')).toMatchObject({ ceremony: true, traffic: null });
    expect(parseLauncherArgs(argv(), '/repo', '/repo')).not.toHaveProperty('ceremony');
  });

  it.each([['--members', '0'], ['--members', '33'], ['--members', 'five'], ['--base-port', '80'], ['--unknown']])('refuses %s %s', (...args) => {
    const parse = () => parseLauncherArgs(argv(...args), '/repo', '/repo');
    // commander prints the problem and the help on stderr before it throws.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(parse).toThrow(CommanderError);
    } finally {
      stderr.mockRestore();
    }
  });
});
