import { EventEmitter } from 'node:events';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiTokensFileOf, issueApiToken, type ApiClientRecord } from '@consortium/node-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reloadApiClientsOnSignal, type TokensReloadDeps } from '../../src/api-tokens-file.js';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

/**
 * Revocation without a restart: the node reads its tokens file again on SIGHUP (here a signal
 * emitter standing in for the process; test/e2e/json-logs.test.ts sends a real SIGHUP to a node
 * process) and swaps the whole set, or keeps the set it had when a start would refuse the file.
 * And expiry: a token stops working at its expiresAt, with no reload at all.
 */

let api: ApiFixture;
const logLines: string[] = [];
let clockMs = Date.parse('2030-01-01T00:00:00Z');
const EXPIRY = '2030-01-01T00:00:10Z';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let tokensFile: string;

beforeAll(async () => {
  api = await startApiFixture({
    logDestination: { write: (line: string) => logLines.push(line) },
    nowMs: () => clockMs,
    extraClients: [{ client: 'ten-seconds', role: 'observer', expiresAt: EXPIRY }],
  });
  tokensFile = join(api.dir, 'api-tokens.json');
});
afterAll(async () => {
  await api?.close();
});

const statusOf = async (token: string) => (await api.server.inject({ url: '/health', headers: bearer(token) })).statusCode;
/** The tokens file as the node's operator writes it: 0600. */
async function writeTokensFile(records: readonly ApiClientRecord[] | string, mode = 0o600): Promise<void> {
  await rm(tokensFile, { force: true });
  await writeFile(tokensFile, typeof records === 'string' ? records : JSON.stringify(apiTokensFileOf(records)), { mode });
  await chmod(tokensFile, mode);
}
const reloadsCounted = async (outcome: string) => Number(new RegExp(`consortium_api_tokens_reloads_total\\{outcome="${outcome}"\\} (\\d+)`).exec(await api.telemetry.registry.metrics())?.[1]);
const deps = (): TokensReloadDeps => ({ config: { memberId: 'Orange-FR', http: { tokensFile } }, clients: api.clients, logger: api.telemetry.logger, metrics: api.telemetry.metrics.api });

describe('API tokens without a restart', () => {
  it('stops taking a token at its expiresAt, without a reload: 401 token_expired from that instant on', async () => {
    clockMs = Date.parse(EXPIRY) - 1;
    expect(await statusOf(api.tokens['ten-seconds']!)).toBe(200);
    clockMs = Date.parse(EXPIRY);
    const refused = await api.server.inject({ url: '/health', headers: bearer(api.tokens['ten-seconds']!) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: 'token_expired' });
  });

  it('reloads the tokens file on SIGHUP: a removed token gets 401 at once, an added one is let in, and the log names the clients changed, never a token or its hash', async () => {
    const signals = new EventEmitter();
    const reload = reloadApiClientsOnSignal(signals as unknown as NodeJS.Process, deps());
    const added = issueApiToken({ client: 'prometheus', role: 'observer' });
    // grafana's token goes, prometheus comes, root gets a new token (a rotation), the others
    // stay, but for the fixture's operator of SFR-FR: this node is Orange-FR's, so a tokens file
    // may not name it (the next test).
    const rotatedRoot = issueApiToken({ client: 'root', role: 'admin' });
    const kept = api.clients.records.filter((record) => !['grafana', 'root', 'sfr-operator'].includes(record.client));
    await writeTokensFile([...kept, rotatedRoot.record, added.record]);
    expect(await statusOf(api.tokens.grafana!)).toBe(200);
    expect(await statusOf(added.token)).toBe(401);
    const loggedBefore = logLines.length;

    signals.emit('SIGHUP');
    await reload.reloads();

    const revoked = await api.server.inject({ url: '/health', headers: bearer(api.tokens.grafana!) });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json()).toEqual({ error: 'unauthorized', message: 'the token is not valid for this node' });
    expect(await statusOf(api.tokens.root!)).toBe(401);
    expect(await statusOf(rotatedRoot.token)).toBe(200);
    expect(await statusOf(added.token)).toBe(200);
    expect(await statusOf(api.tokens['orange-operator']!)).toBe(200);
    expect(await reloadsCounted('applied')).toBe(1);

    const logged = logLines.slice(loggedBefore).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.find((line) => line.msg === 'API tokens reloaded')).toMatchObject({
      clients: kept.length + 2,
      added: 1,
      removed: 2,
      changed: 1,
      addedClients: ['prometheus'],
      removedClients: ['sfr-operator', 'grafana'],
      changedClients: ['root'],
    });
    const text = logLines.slice(loggedBefore).join('\n');
    for (const secret of [added.token, added.record.sha256, rotatedRoot.token, rotatedRoot.record.sha256, api.tokens.grafana!]) expect(text).not.toContain(secret);

    // Once closed (the node stopping), a SIGHUP reloads nothing.
    reload.close();
    expect(signals.listenerCount('SIGHUP')).toBe(0);
  });

  it('keeps the tokens it had when the reloaded file is unreadable, invalid, names another member\'s operator or is writable by others; logs and counts each refusal', async () => {
    const signals = new EventEmitter();
    const reload = reloadApiClientsOnSignal(signals as unknown as NodeJS.Process, deps());
    const held = api.clients.records;
    const working = issueApiToken({ client: 'fresh', role: 'observer' }).record;
    const refusedBefore = (await reloadsCounted('refused')) || 0;
    const cases: { readonly write: () => Promise<void>; readonly logged: RegExp }[] = [
      { write: () => rm(tokensFile, { force: true }), logged: /cannot be read as JSON/ },
      { write: () => writeTokensFile('{"format": "consortium-api-tokens/1", "clients": ['), logged: /is not a valid API tokens file/ },
      { write: () => writeTokensFile(JSON.stringify({ format: 'consortium-api-tokens/1', clients: [...held, { ...working, role: 'root' }] })), logged: /clients\.\d+\.role: must be one of observer, operator, admin/ },
      {
        write: () => writeTokensFile([...held, issueApiToken({ client: 'tmobile-operator', role: 'operator', member: 'T-Mobile-DE' }).record]),
        logged: new RegExp(`ForeignOperatorTokenError .*clients\\.${held.length} \\(tmobile-operator\\) is an operator of T-Mobile-DE, but this node acts for Orange-FR only`),
      },
      { write: () => writeTokensFile([...held, working], 0o664), logged: /FileModeError .*has mode 0664: its group may read and write it, others may read it; run: chmod go-w / },
    ];
    for (const { write, logged } of cases) {
      await write();
      const loggedBefore = logLines.length;
      signals.emit('SIGHUP');
      await reload.reloads();
      // The very same set, untouched: every token that worked still does, nothing from the file was taken.
      expect(api.clients.records).toBe(held);
      expect(await statusOf(api.tokens['orange-operator']!)).toBe(200);
      const refusal = logLines.slice(loggedBefore).map((line) => JSON.parse(line) as { level: string; msg: string; err?: { message: string; type: string } }).find((line) => line.level === 'error');
      expect(refusal?.msg).toBe('API tokens file refused on reload: the node keeps the tokens it had');
      expect(`${refusal?.err?.type} ${refusal?.err?.message}`).toMatch(logged);
    }
    expect(await reloadsCounted('refused')).toBe(refusedBefore + cases.length);
    // The file fixed, the next SIGHUP takes it.
    await writeTokensFile([...held, working]);
    signals.emit('SIGHUP');
    await reload.reloads();
    expect(api.clients.records.map((record) => record.client)).toContain('fresh');
    reload.close();
  });
});
