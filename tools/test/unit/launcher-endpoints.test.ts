import { describe, expect, it } from 'vitest';
import { endpointsOf, endpointsTable, ENDPOINTS_FORMAT } from '../../src/launcher/endpoints.js';
import { DEVNET_MEMBERS } from '../support/running-members.js';

const MEMBERS = DEVNET_MEMBERS;

function running(count: number) {
  return MEMBERS.slice(0, count).map((member, i) => ({
    member,
    config: { http: { host: '127.0.0.1', port: 26_700 + i }, p2p: { listen: [`/ip4/127.0.0.1/tcp/${26_600 + i}`] }, dataDir: 'data' },
    pid: 4_000 + i,
  }));
}

describe('endpoints.json', () => {
  it.each([4, 5, 7])('lists each of %i members with its API, metrics, p2p address, pid, files and API token files', (count) => {
    const endpoints = endpointsOf('/home/op/.devnet', 'sp-consortium-devnet', 99, new Date('2026-11-29T07:00:00Z'), running(count));
    expect(endpoints.format).toBe(ENDPOINTS_FORMAT);
    expect(endpoints.members).toHaveLength(count);
    expect(endpoints.members[count - 1]).toEqual({
      id: MEMBERS[count - 1]!.id,
      tadig: MEMBERS[count - 1]!.tadig,
      operator: MEMBERS[count - 1]!.operator,
      apiUrl: `http://127.0.0.1:${26_700 + count - 1}`,
      metricsUrl: `http://127.0.0.1:${26_700 + count - 1}/metrics`,
      p2p: [`/ip4/127.0.0.1/tcp/${26_600 + count - 1}`],
      pid: 4_000 + count - 1,
      dataDir: `/home/op/.devnet/${MEMBERS[count - 1]!.id}/data`,
      logFile: `/home/op/.devnet/${MEMBERS[count - 1]!.id}/node.log`,
      nodeConfig: `/home/op/.devnet/${MEMBERS[count - 1]!.id}/node.json`,
      tokens: {
        operator: `/home/op/.devnet/${MEMBERS[count - 1]!.id}/tokens/operator.token`,
        observer: `/home/op/.devnet/${MEMBERS[count - 1]!.id}/tokens/observer.token`,
        admin: `/home/op/.devnet/${MEMBERS[count - 1]!.id}/tokens/admin.token`,
      },
    });
    expect(endpoints).toMatchObject({ chainId: 'sp-consortium-devnet', launcherPid: 99, startedAt: '2026-11-29T07:00:00.000Z' });
  });

  it('prints one aligned row per member under a header', () => {
    const table = endpointsTable(endpointsOf('/d', 'c', 1, new Date(0), running(5))).split('\n');
    expect(table).toHaveLength(6);
    expect(table[0]).toMatch(/^ {2}member +TADIG +API +metrics +p2p +pid +data$/);
    expect(table[1]).toMatch(/^ {2}T-Mobile-DE +DEUD1 +http:\/\/127\.0\.0\.1:26700 +http:\/\/127\.0\.0\.1:26700\/metrics +\/ip4\/127\.0\.0\.1\/tcp\/26600 +4000 +\/d\/T-Mobile-DE\/data$/);
    // Every column starts at the same place on every row.
    const apiColumn = table[0]!.indexOf('API');
    for (const row of table.slice(1)) expect(row.indexOf('http://')).toBe(apiColumn);
  });
});
