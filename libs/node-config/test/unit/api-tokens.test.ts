import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_TOKENS_FORMAT, apiTokenExpiryProblem, apiTokensFileOf, ApiTokensFileError, findApiClient, hashApiToken, isApiClientExpired, issueApiToken, loadApiTokens, parseApiTokens } from '../../src/index.js';

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseApiTokens(raw, 'api-tokens.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ApiTokensFileError);
    return (error as ApiTokensFileError).problems;
  }
  throw new Error('the tokens file was accepted');
}

describe('API tokens', () => {
  it('issues a random cst_ token of 256 bits and a record holding only its SHA-256', () => {
    const { token, record } = issueApiToken({ client: 'sfr-fr-operator', role: 'operator', member: 'SFR-FR' });
    expect(token).toMatch(/^cst_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    expect(record).toEqual({ client: 'sfr-fr-operator', role: 'operator', member: 'SFR-FR', sha256: hashApiToken(token) });
    expect(JSON.stringify(record)).not.toContain(token.slice(4));
    expect(issueApiToken({ client: 'x', role: 'observer' }).token).not.toBe(issueApiToken({ client: 'x', role: 'observer' }).token);
  });

  it('refuses to issue an operator token without a member, or a member for another role', () => {
    expect(() => issueApiToken({ client: 'op', role: 'operator' })).toThrow(ApiTokensFileError);
    expect(() => issueApiToken({ client: 'watch', role: 'observer', member: 'SFR-FR' })).toThrow(/only an operator acts for a member/);
    expect(() => issueApiToken({ client: 'has space', role: 'admin' })).toThrow(/client id/);
  });

  it('finds the client of a token, and nobody for a wrong, altered or empty token', () => {
    const operator = issueApiToken({ client: 'sfr-fr-operator', role: 'operator', member: 'SFR-FR' });
    const observer = issueApiToken({ client: 'grafana', role: 'observer' });
    const records = [operator.record, observer.record];
    expect(findApiClient(records, operator.token)).toEqual({ client: 'sfr-fr-operator', role: 'operator', member: 'SFR-FR' });
    expect(findApiClient(records, observer.token)).toEqual({ client: 'grafana', role: 'observer' });
    expect(findApiClient(records, `${operator.token}x`)).toBeNull();
    expect(findApiClient(records, operator.token.slice(0, -1))).toBeNull();
    expect(findApiClient(records, '')).toBeNull();
    expect(findApiClient([], operator.token)).toBeNull();
  });

  it('writes and reads the tokens file format', async () => {
    const records = [issueApiToken({ client: 'admin', role: 'admin' }).record, issueApiToken({ client: 'op', role: 'operator', member: 'Orange-FR' }).record];
    const dir = await mkdtemp(join(tmpdir(), 'api-tokens-'));
    try {
      await writeFile(join(dir, 'api-tokens.json'), JSON.stringify(apiTokensFileOf(records)));
      expect(await loadApiTokens(join(dir, 'api-tokens.json'))).toEqual(records);
      await writeFile(join(dir, 'broken.json'), '{');
      await expect(loadApiTokens(join(dir, 'broken.json'))).rejects.toBeInstanceOf(ApiTokensFileError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists every problem of a tokens file with its field', () => {
    const sha = hashApiToken('cst_x');
    expect(problemsOf([])).toEqual(['the file must hold a JSON object with format and clients']);
    expect(
      problemsOf({
        format: 'consortium-api-tokens/0',
        clients: [{ client: 'ok', role: 'observer', sha256: sha }, { client: 'bad id!', role: 'root', sha256: 'ABC', token: 'cst_plain' }, 'nope'],
      }),
    ).toEqual([
      `format: must be "${API_TOKENS_FORMAT}"`,
      'clients.1.token: is not a known field (misspelt?)',
      'clients.1.client: must be a client id of 1 to 64 letters, digits, ".", "_" or "-"',
      'clients.1.role: must be one of observer, operator, admin',
      "clients.1.sha256: must be the token's SHA-256 in 64 lowercase hex characters",
      'clients.2: must be an object with client, role, member (operators only), sha256 and expiresAt (optional)',
    ]);
    expect(
      problemsOf({
        format: API_TOKENS_FORMAT,
        clients: [
          { client: 'op', role: 'operator', sha256: sha },
          { client: 'op', role: 'admin', member: 'SFR-FR', sha256: sha },
        ],
      }),
    ).toEqual([
      'clients.0.member: an operator must name the member it acts for',
      'clients.1.member: only an operator acts for a member (this client is admin)',
      'clients.1.client: op is listed twice',
      'clients.1.sha256: the same token is listed twice',
    ]);
  });
});

describe('token expiry', () => {
  it('keeps an expiry time with its zone, and says a client expired from that instant on', () => {
    const { token, record } = issueApiToken({ client: 'grafana', role: 'observer', expiresAt: '2030-01-31T12:00:00+01:00' });
    expect(record.expiresAt).toBe('2030-01-31T12:00:00+01:00');
    expect(parseApiTokens(apiTokensFileOf([record]), 'api-tokens.json')).toEqual([record]);
    const client = findApiClient([record], token)!;
    expect(client).toEqual({ client: 'grafana', role: 'observer', expiresAt: '2030-01-31T12:00:00+01:00' });
    const expiryMs = Date.parse('2030-01-31T11:00:00Z');
    expect(isApiClientExpired(client, expiryMs - 1)).toBe(false);
    expect(isApiClientExpired(client, expiryMs)).toBe(true);
    expect(isApiClientExpired({}, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('refuses an expiry without a zone, in another format, or on a day the calendar lacks', () => {
    const sha = hashApiToken('cst_x');
    const withExpiry = (expiresAt: unknown) => problemsOf({ format: API_TOKENS_FORMAT, clients: [{ client: 'grafana', role: 'observer', sha256: sha, expiresAt }] });
    const message = 'clients.0.expiresAt: must be an ISO 8601 time with its zone, e.g. 2026-12-31T00:00:00Z';
    expect(withExpiry('2030-01-31T12:00:00')).toEqual([message]);
    expect(withExpiry('31/01/2030')).toEqual([message]);
    expect(withExpiry(1_900_000_000)).toEqual([message]);
    expect(withExpiry('2030-02-30T00:00:00Z')).toEqual([`${message} (2030-02-30T00:00:00Z is no such time)`]);
    expect(withExpiry('2030-01-01T25:00:00Z')).toEqual([`${message} (2030-01-01T25:00:00Z is no such time)`]);
    // The same judgement for tools that ask for an expiry (consortium-setup devnet --tokens-expire-at).
    expect(apiTokenExpiryProblem('2030-01-31T12:00:00.5-03:30')).toBeNull();
    expect(apiTokenExpiryProblem('2030-01-31')).toBe(message.replace('clients.0.expiresAt: ', ''));
    expect(apiTokenExpiryProblem('2030-02-30T00:00:00Z')).toBe(`${message.replace('clients.0.expiresAt: ', '')} (2030-02-30T00:00:00Z is no such time)`);
  });
});

describe('a member node\'s standard tokens', () => {
  it('writes the tokens file (hashes) and one private file per role that authenticates as that role', async () => {
    const { readFile, stat } = await import('node:fs/promises');
    const { writeMemberApiTokens } = await import('../../src/index.js');
    const dir = await mkdtemp(join(tmpdir(), 'member-tokens-'));
    try {
      const written = await writeMemberApiTokens(dir, 'T-Mobile-DE');
      const records = await loadApiTokens(written.tokensFile);
      expect(records.map(({ client, role, member }) => ({ client, role, member }))).toEqual([
        { client: 'T-Mobile-DE-operator', role: 'operator', member: 'T-Mobile-DE' },
        { client: 'T-Mobile-DE-observer', role: 'observer', member: undefined },
        { client: 'T-Mobile-DE-admin', role: 'admin', member: undefined },
      ]);
      for (const role of ['operator', 'observer', 'admin'] as const) {
        const token = (await readFile(written.tokenFiles[role], 'utf8')).trim();
        expect(token).toBe(written.tokens[role]);
        expect(findApiClient(records, token)?.role).toBe(role);
        expect((await stat(written.tokenFiles[role])).mode & 0o777).toBe(0o600);
      }
      expect(await readFile(written.tokensFile, 'utf8')).not.toContain(written.tokens.admin.slice(4));
      expect(records.every((record) => record.expiresAt === undefined)).toBe(true);
      const expiring = await writeMemberApiTokens(join(dir, 'expiring'), 'T-Mobile-DE', { expiresAt: '2031-06-30T00:00:00Z' });
      expect(expiring.records.map((record) => record.expiresAt)).toEqual(['2031-06-30T00:00:00Z', '2031-06-30T00:00:00Z', '2031-06-30T00:00:00Z']);
      expect(await loadApiTokens(expiring.tokensFile)).toEqual(expiring.records);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
