import { describe, expect, it, vi } from 'vitest';
import { CommanderError } from 'commander';
import { parseDashboardArgs, parseListen } from '../../src/server/options.js';

const argv = (...args: string[]) => ['node', 'consortium-dashboard', ...args];
const quiet = <T>(run: () => T): T => {
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return run();
  } finally {
    spy.mockRestore();
  }
};

describe('consortium-dashboard options', () => {
  it('follows a devnet with its defaults', () => {
    expect(parseDashboardArgs(argv('--devnet', '.devnet'), '/repo')).toEqual({
      targetsFile: '/repo/.devnet/endpoints.json',
      devnetDir: '/repo/.devnet',
      listen: { host: '127.0.0.1', port: 4800 },
      tokenFile: '/repo/.devnet/dashboard/observer.token',
      makeTokenFile: true,
      prometheusUrl: null,
      alertmanagerTokenFile: '/repo/.devnet/dashboard/alertmanager.token',
      makeAlertmanagerTokenFile: true,
      intervalMs: 1000,
    });
  });

  it('takes a targets file, a token file, Prometheus and the webhook token', () => {
    const options = parseDashboardArgs(argv('--targets', 't.json', '--token-file', '/etc/obs', '--prometheus', 'http://127.0.0.1:9090/', '--alertmanager-token-file', 'am', '--listen', '[::1]:0', '--interval-ms', '500'), '/w');
    expect(options).toMatchObject({ targetsFile: '/w/t.json', devnetDir: null, tokenFile: '/etc/obs', makeTokenFile: false, prometheusUrl: 'http://127.0.0.1:9090', alertmanagerTokenFile: '/w/am', makeAlertmanagerTokenFile: false, listen: { host: '::1', port: 0 }, intervalMs: 500 });
  });

  it('refuses a missing or double member source, a targets run without tokens, and values out of range', () => {
    for (const args of [[], ['--devnet', 'd', '--targets', 't'], ['--targets', 't'], ['--devnet', 'd', '--interval-ms', '10'], ['--devnet', 'd', '--listen', 'nohost'], ['--devnet', 'd', '--prometheus', 'ftp://x']]) {
      expect(() => quiet(() => parseDashboardArgs(argv(...args), '/w'))).toThrow(CommanderError);
    }
    expect(parseListen('localhost:4800')).toEqual({ host: 'localhost', port: 4800 });
  });
});
