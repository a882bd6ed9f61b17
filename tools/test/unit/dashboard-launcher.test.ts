import { describe, expect, it } from 'vitest';
import { endpointsOf, withDashboard } from '../../src/launcher/endpoints.js';
import { DashboardProcess } from '../../src/launcher/dashboard.js';
import { parseLauncherArgs } from '../../src/launcher/options.js';

const argv = (...args: string[]) => ['node', 'start.ts', ...args];

describe('npm start and the dashboard', () => {
  it('starts it unless --no-dashboard', () => {
    expect(parseLauncherArgs(argv(), '/repo', '/repo').dashboard).toBeUndefined();
    expect(parseLauncherArgs(argv('--no-dashboard'), '/repo', '/repo').dashboard).toBe(false);
  });

  it('names the dashboard in endpoints.json by URL, token file and pid', () => {
    const endpoints = endpointsOf('/d', 'chain', 1, new Date(0), []);
    const process = new DashboardProcess('/d');
    expect(process.tokenFile).toBe('/d/dashboard/observer.token');
    expect(process.logFile).toBe('/d/dashboard/dashboard.log');
    process.link = 'http://127.0.0.1:4800/#token=cdo_x';
    expect(process.url).toBe('http://127.0.0.1:4800');
    expect(withDashboard(endpoints, { url: process.url!, tokenFile: process.tokenFile, pid: 42 }).dashboard).toEqual({ url: 'http://127.0.0.1:4800', tokenFile: '/d/dashboard/observer.token', pid: 42 });
  });
});
