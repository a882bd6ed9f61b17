import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSoftHsmToken, generatePkcs11Ed25519Key, type SoftHsmToken } from '@consortium/consensus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/fatal.js';
import { NodeProcess, waitUntil } from '../support/node-process.js';
import { apiTokenFor, writeSingleMemberNode } from '../support/single-member.js';

/**
 * A node process whose validator key lives in an HSM (a real SoftHSM 2 token in a folder of its
 * own): node.json names it by PKCS#11 URI, the key signs every vote inside the token, and a key
 * other than genesis's is refused before the node starts.
 */

const START_MS = 240_000;
let root: string;
let token: SoftHsmToken;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'node-hsm-'));
  token = await createSoftHsmToken(join(root, 'hsm'), 'consortium');
  // This process makes the keys, the node processes sign with them: both read the token's configuration.
  process.env.SOFTHSM2_CONF = token.env.SOFTHSM2_CONF;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function committedHeight(node: NodeProcess, configFile: string): Promise<number> {
  const url = node.httpUrl();
  if (url === null) return -1;
  const reply = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${await apiTokenFor(configFile, 'observer')}` } }).catch(() => null);
  return ((await reply?.json()) as { consensus?: { committedHeight: number } } | undefined)?.consensus?.committedHeight ?? -1;
}

describe('a validator key held in an HSM', () => {
  it('signs the votes of a running node: it commits blocks, and says where its key is', async () => {
    const dir = await mkdtemp(join(root, 'member-'));
    await writeSingleMemberNode(dir, { validatorPkcs11Uri: token.uriOf('validator-Orange-FR') });
    const configFile = join(dir, 'node.json');
    expect(JSON.parse(await readFile(configFile, 'utf8'))).not.toHaveProperty('validatorKeyFile');
    const node = new NodeProcess(configFile);
    try {
      // a single member decides alone: each block needs its own prevote and precommit, signed in the token
      await waitUntil('three blocks committed', async () => (await committedHeight(node, configFile)) >= 3 || !node.running, START_MS, () => node.log.slice(-2_000));
      expect(node.running).toBe(true);
      expect(node.log).toContain('"validatorKey":"the HSM key \\"validator-Orange-FR\\" in token \\"consortium\\""');
    } finally {
      await node.stop();
    }
    expect((await node.exited).code).toBe(EXIT_CODES.stopped);
  }, START_MS + 60_000);

  it('refuses to start with a key genesis does not list for the member, naming both', async () => {
    const dir = await mkdtemp(join(root, 'member-'));
    await writeSingleMemberNode(dir, { validatorPkcs11Uri: token.uriOf('validator-genesis') });
    // another key of the same token, not the one genesis lists
    const other = token.uriOf('validator-other');
    generatePkcs11Ed25519Key(other);
    const configFile = join(dir, 'node.json');
    const json = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(configFile, JSON.stringify({ ...json, validatorKeyPkcs11Uri: other }));
    const node = new NodeProcess(configFile);
    const { code } = await node.exited;
    expect(code).toBe(EXIT_CODES.startFailed);
    expect(node.log).toMatch(/the validator key in the HSM key "validator-other" in token "consortium" is [0-9a-f]{64}, genesis lists [0-9a-f]{64} for Orange-FR/);
  }, START_MS);
});
