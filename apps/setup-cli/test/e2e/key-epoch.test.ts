import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseGenesis, sha256, toHex, type Genesis } from '@consortium/consensus';
import { authenticateTx, decodeSettlementTx, settlementMembersOf, type RegisterKeyEpochBody } from '@consortium/settlement';
import { assembleKeysFolder, contributePhase2, ensureTestKeys, exportVerificationKey, genesisArtifactPins, genesisTrustedSetupOf } from '@consortium/zkp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson, temporaryDir } from './support/cli.js';
import { runInProcess, runInProcessOk } from './support/in-process.js';

/**
 * Key rotation's commands on a four-member devnet whose genesis pins settlement-4's test keys
 * (epoch 1). Epoch 2's keys folder is those keys with one more phase 2 contribution, laid out
 * as a ceremony writes it. Every member signs; the assembled transaction decodes, carries the
 * folder's pins and verification key, and every signature holds against genesis.
 */

const CIRCUIT = 'settlement-4';
let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let genesis: Genesis;
let members: readonly string[];
const keysDir = (epoch: number) => join(tmp.path, `keys-${epoch}`);
const genesisFile = () => join(tmp.path, 'devnet', 'genesis.json');
const keyOf = (member: string) => join(tmp.path, 'devnet', member, 'validator-key.json');

async function writeKeysFolder(epoch: number, zkey: string, vkey: string): Promise<void> {
  const keys = await ensureTestKeys(CIRCUIT);
  const manifest = await assembleKeysFolder(keysDir(epoch), {
    epoch,
    insecure: true,
    ceremony: 'demo',
    ptau: { power: keys.ptauPower, path: keys.ptauPath },
    circuits: [{ name: CIRCUIT, constraints: keys.circuit.manifest.constraints, r1cs: join(keys.circuit.dir, keys.circuit.manifest.files.r1cs.path), wasm: keys.wasmPath, zkey, vkey }],
  });
  await writeFile(join(keysDir(epoch), 'genesis-artifacts.json'), JSON.stringify({ artifacts: genesisArtifactPins(manifest), trustedSetup: genesisTrustedSetupOf(manifest) }));
}

beforeAll(async () => {
  tmp = await temporaryDir('key-epoch');
  const keys = await ensureTestKeys(CIRCUIT);
  await writeKeysFolder(1, keys.zkeyPath, keys.vkeyPath);
  const zkey2 = join(tmp.path, 'epoch-2.zkey');
  await contributePhase2(keys.zkeyPath, zkey2, 'the second ceremony');
  await writeFile(join(tmp.path, 'epoch-2.vkey.json'), JSON.stringify(await exportVerificationKey(zkey2), null, 1));
  await writeKeysFolder(2, zkey2, join(tmp.path, 'epoch-2.vkey.json'));
  await runInProcessOk(['devnet', '--out', join(tmp.path, 'devnet'), '--members', '4', '--keys', keysDir(1)]);
  genesis = parseGenesis(await readJson(genesisFile()));
  members = genesis.members.map((member) => member.id);
}, 300_000);

afterAll(async () => {
  await tmp.remove();
});

const bodyArgs = (activationHeight = 500, keys = keysDir(2)) => ['--genesis', genesisFile(), '--keys', keys, '--activation-height', String(activationHeight)];
const sign = (member: string, activationHeight = 500) => runInProcess(['key-epoch', 'sign', ...bodyArgs(activationHeight), '--member', member, '--key', keyOf(member), '--out', join(tmp.path, `${member}-${activationHeight}.sig.json`)]);
const signatureOf = (member: string, activationHeight = 500) => join(tmp.path, `${member}-${activationHeight}.sig.json`);

describe('consortium-setup key-epoch', () => {
  it('has every member sign epoch 2 and assembles one transaction that every node will authenticate', async () => {
    for (const member of members) expect((await sign(member)).stdout).toContain(`${member} signed key epoch 2 (${CIRCUIT}) from height 500`);
    const out = join(tmp.path, 'key-epoch-2.json');
    const assembled = await runInProcessOk(['key-epoch', 'assemble', ...bodyArgs(), '--signatures', ...members.map((member) => signatureOf(member)), '--out', out]);
    expect(assembled.stdout).toContain(`signed by all ${members.length} members`);

    const tx = decodeSettlementTx(new Uint8Array(Buffer.from((JSON.parse(await readFile(out, 'utf8')) as { tx: string }).tx, 'base64')));
    const body = tx.body as RegisterKeyEpochBody;
    expect(body).toMatchObject({ type: 'register_key_epoch', epoch: 2, activationHeight: 500 });
    const vkeyFile = await readFile(join(keysDir(2), `${CIRCUIT}.vkey.json`));
    expect(toHex(body.pins[0]!.vkey)).toBe(toHex(sha256(vkeyFile)));
    expect(toHex(body.pins[0]!.zkey)).toBe(toHex(sha256(await readFile(join(keysDir(2), `${CIRCUIT}.zkey`)))));
    expect(Buffer.from(body.verificationKeys[0]!).equals(vkeyFile)).toBe(true);
    const authenticated = authenticateTx(tx, new Map(settlementMembersOf(genesis).map((member) => [member.id, member])), genesis.chainId);
    expect([...authenticated.signers].sort()).toEqual([...members].sort());
  });

  it('refuses to assemble without every member, or with a signature of another activation height', async () => {
    const out = join(tmp.path, 'refused.json');
    const missing = await runInProcess(['key-epoch', 'assemble', ...bodyArgs(), '--signatures', ...members.slice(1).map((member) => signatureOf(member)), '--out', out]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`missing: ${members[0]}`);

    await sign(members[0]!, 600);
    const other = await runInProcess(['key-epoch', 'assemble', ...bodyArgs(), '--signatures', signatureOf(members[0]!, 600), ...members.slice(1).map((member) => signatureOf(member)), '--out', out]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain(`${members[0]} signed another registration (chain ${genesis.chainId}, epoch 2, from height 600)`);
    expect(other.stderr).toMatch(/agree on them and sign again/);
  });

  it('refuses to sign the genesis epoch again, a keys folder whose files are not its pins, or with another member\'s key', async () => {
    const genesisEpoch = await runInProcess(['key-epoch', 'sign', ...bodyArgs(500, keysDir(1)), '--member', members[0]!, '--key', keyOf(members[0]!), '--out', join(tmp.path, 'x.json')]);
    expect(genesisEpoch.stderr).toContain('holds key epoch 1; genesis starts with epoch 1');

    const wrongKey = await runInProcess(['key-epoch', 'sign', ...bodyArgs(), '--member', members[0]!, '--key', keyOf(members[1]!), '--out', join(tmp.path, 'x.json')]);
    expect(wrongKey.stderr).toContain(`is ${members[1]}'s key, not ${members[0]}'s`);

    const vkeyPath = join(keysDir(2), `${CIRCUIT}.vkey.json`);
    const original = await readFile(vkeyPath, 'utf8');
    await writeFile(vkeyPath, original.replace('"nPublic": 8', '"nPublic":  8'));
    try {
      const tampered = await runInProcess(['key-epoch', 'sign', ...bodyArgs(), '--member', members[0]!, '--key', keyOf(members[0]!), '--out', join(tmp.path, 'x.json')]);
      expect(tampered.code).not.toBe(0);
      expect(tampered.stderr).toContain(`${CIRCUIT}.vkey.json`);
    } finally {
      await writeFile(vkeyPath, original);
    }
  });
});
