import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetsFollower } from '../../src/server/collect/targets-follower.js';
import { readTargets } from '../../src/server/collect/targets.js';
import { TargetsFileError, TokenFileError } from '../../src/server/errors.js';
import { ensureTokenFile, readTokenFile, TokenSet } from '../../src/server/tokens.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-targets-'));
  await writeFile(join(dir, 'obs.token'), 'cst_observer_token\n');
  await writeFile(join(dir, 'op.token'), 'cst_operator_token\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const member = (id: string, extra: object = {}) => ({ id, tadig: `T${id}`, operator: `Op ${id}`, apiUrl: `http://127.0.0.1:1${id.length}/`, tokens: { observer: 'obs.token', operator: 'op.token', admin: 'y' }, ...extra });

describe('targets files', () => {
  it('reads the endpoints.json shape, relative token paths and the default metrics URL', async () => {
    const file = join(dir, 'endpoints.json');
    await writeFile(file, JSON.stringify({ format: 'consortium-devnet-endpoints/1', chainId: 'c', members: [member('A'), member('B', { metricsUrl: 'http://127.0.0.1:9/m' })] }));
    const targets = await readTargets(file);
    expect(targets.chainId).toBe('c');
    expect(targets.members[0]).toEqual({ id: 'A', tadig: 'TA', operator: 'Op A', apiUrl: 'http://127.0.0.1:11', metricsUrl: 'http://127.0.0.1:11/metrics', observerToken: 'cst_observer_token', totalsToken: null });
    expect(targets.members[1]!.metricsUrl).toBe('http://127.0.0.1:9/m');
    // A devnet's operator token shows the member's own totals; a --targets file names one as tokens.totals.
    expect((await readTargets(file, { totalsFrom: 'operator' })).members[0]!.totalsToken).toBe('cst_operator_token');
    await writeFile(file, JSON.stringify({ chainId: 'c', members: [member('A', { tokens: { observer: 'obs.token', totals: 'op.token' } })] }));
    expect((await readTargets(file)).members[0]!.totalsToken).toBe('cst_operator_token');
  });

  it('resolves the keys manifest and the ceremony transcript relative to the file; both are optional', async () => {
    const file = join(dir, 'targets.json');
    await writeFile(file, JSON.stringify({ chainId: 'c', members: [member('A')], keysManifest: 'ceremony/keys/keys-manifest.json', ceremonyTranscript: '/srv/ceremony/transcript.json' }));
    expect(await readTargets(file)).toMatchObject({ keysManifestFile: join(dir, 'ceremony', 'keys', 'keys-manifest.json'), ceremonyTranscriptFile: '/srv/ceremony/transcript.json' });
    await writeFile(file, JSON.stringify({ chainId: 'c', members: [member('A')] }));
    expect(await readTargets(file)).toMatchObject({ keysManifestFile: null, ceremonyTranscriptFile: null });
  });

  it('refuses a file with a bad field, a duplicate member, a missing token or too many members', async () => {
    const cases = [
      { chainId: 'c', members: [] },
      { members: [member('A')] },
      { chainId: 'c', members: [member('A'), member('A')] },
      { chainId: 'c', members: [member('A', { apiUrl: 'ftp://x' })] },
      { chainId: 'c', members: [member('A', { tokens: { observer: 'absent.token' } })] },
      { chainId: 'c', members: Array.from({ length: 33 }, (_, i) => member(`M${i}`)) },
    ];
    for (const [i, content] of cases.entries()) {
      const file = join(dir, `bad-${i}.json`);
      await writeFile(file, JSON.stringify(content));
      await expect(readTargets(file)).rejects.toBeInstanceOf(TargetsFileError);
    }
    await expect(readTargets(join(dir, 'absent.json'))).rejects.toBeInstanceOf(TargetsFileError);
  });

  it('waits for the file, then follows its rewrites and keeps the last good list on a bad one', async () => {
    const file = join(dir, 'followed.json');
    const errors: TargetsFileError[] = [];
    const follower = new TargetsFollower(file, (t) => t, (error) => errors.push(error));
    const first = follower.first(20, AbortSignal.timeout(10_000));
    await new Promise((done) => setTimeout(done, 60));
    await writeFile(file, JSON.stringify({ chainId: 'c', members: [member('A')] }));
    expect((await first).members.map((m) => m.id)).toEqual(['A']);
    const bump = async (content: string) => {
      const before = (await stat(file)).mtimeMs;
      do await writeFile(file, content);
      while ((await stat(file)).mtimeMs === before);
      await follower.refresh();
    };
    await bump(JSON.stringify({ chainId: 'c', members: [member('A'), member('B')] }));
    expect(follower.targets.members.map((m) => m.id)).toEqual(['A', 'B']);
    await bump('{ not json');
    expect(follower.targets.members.map((m) => m.id)).toEqual(['A', 'B']);
    expect(errors).toHaveLength(1);
  });
});

describe('token files', () => {
  it('makes a missing observer token file with mode 0600 and reuses it', async () => {
    const file = join(dir, 'dash', 'observer.token');
    const token = await ensureTokenFile(file);
    expect(token).toMatch(/^cdo_[A-Za-z0-9_-]{43}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await ensureTokenFile(file)).toBe(token);
    expect((await readTokenFile(file)).matches(token)).toBe(true);
  });

  it('matches only listed tokens, and refuses empty, short or overlong lists', async () => {
    const set = new TokenSet(['first-token-0000000', 'second-token-000000']);
    expect(set.matches('second-token-000000')).toBe(true);
    expect(set.matches('second-token-00000')).toBe(false);
    const cases: [string, string][] = [['empty', '# nothing\n'], ['short', 'short\n'], ['many', Array.from({ length: 17 }, (_, i) => `token-number-${i}-padding`).join('\n')]];
    for (const [name, content] of cases) {
      await writeFile(join(dir, name), content);
      await expect(readTokenFile(join(dir, name))).rejects.toBeInstanceOf(TokenFileError);
    }
  });
});
