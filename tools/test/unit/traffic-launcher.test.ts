import { CommanderError } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { endpointsOf, endpointsTable, withTraffic } from '../../src/launcher/endpoints.js';
import { parseLauncherArgs } from '../../src/launcher/options.js';

/** `npm start`'s traffic generator options and what the endpoints say of it. */

const argv = (...args: string[]) => ['node', 'start.ts', ...args];

describe('npm start and the traffic generator', () => {
  it('starts it by default, with --periods and --records, and not with --no-traffic', () => {
    expect(parseLauncherArgs(argv(), '/repo', '/repo').traffic).toEqual({ periods: 3, recordsPerDirection: 300 });
    expect(parseLauncherArgs(argv('--periods', '2', '--records', '61'), '/repo', '/repo').traffic).toEqual({ periods: 2, recordsPerDirection: 61 });
    expect(parseLauncherArgs(argv('--no-traffic', '--periods', '2'), '/repo', '/repo').traffic).toBeNull();
  });

  it.each([['--periods', '0'], ['--periods', '121'], ['--records', '0'], ['--records', 'many']])('refuses %s %s', (...args) => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => parseLauncherArgs(argv(...args), '/repo', '/repo')).toThrow(CommanderError);
    } finally {
      stderr.mockRestore();
    }
  });

  it('is named in endpoints.json and under the table once it runs', () => {
    const running = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO'].map((id, i) => ({
      member: { id, tadig: `TAD${i}X`, operator: id },
      config: { http: { host: '127.0.0.1', port: 26_700 + i }, p2p: { listen: [`/ip4/127.0.0.1/tcp/${26_600 + i}`] }, dataDir: 'data' },
      pid: 4_000 + i,
    }));
    const endpoints = endpointsOf('/d', 'c', 1, new Date(0), running);
    expect(endpoints.traffic).toBeUndefined();
    expect(endpointsTable(endpoints)).not.toContain('traffic');
    const traffic = { pid: 4_100, logFile: '/d/traffic.log', periods: 3, recordsPerDirection: 300 };
    const withGenerator = withTraffic(endpoints, traffic);
    expect(withGenerator.traffic).toEqual(traffic);
    expect(withGenerator.members).toEqual(endpoints.members);
    const lines = endpointsTable(withGenerator).split('\n');
    expect(lines.slice(0, 5)).toEqual(endpointsTable(endpoints).split('\n'));
    expect(lines.at(-1)).toBe('  traffic generator (pid 4100): 3 periods, 300 records per direction and period; log in /d/traffic.log');
    expect(endpointsTable(withTraffic(endpoints, { ...traffic, periods: 1 })).split('\n').at(-1)).toContain('(pid 4100): 1 period, 300 records');
  });
});
