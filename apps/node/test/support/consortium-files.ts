import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { generateEd25519KeyPair, genesisToJson, parseGenesis, validatorKeyToJson, type ConsensusParams, type Genesis } from '@consortium/consensus';
import { writeMemberApiTokens } from '@consortium/node-config';
import { generateNodeKey, nodeKeyToJson, peerIdOf } from '@consortium/p2p';

/**
 * The files of a small consortium on loopback, with the consensus parameters a test needs:
 * genesis.json, and per member a folder with its keys and node.json (p2p ports taken from the
 * system, every peer listed, API tokens beside each node.json: `apiTokenFor` in single-member.ts).
 * What `consortium-setup devnet` writes, with chosen parameters.
 */
export interface ConsortiumFiles {
  readonly genesis: Genesis;
  readonly memberIds: readonly string[];
  configFile(memberId: string): string;
}

const IDS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR', 'Member-6', 'Member-7'];
const TADIGS = ['DEUD1', 'GBRVF', 'FRAF1', 'NORTM', 'FRAF2', 'AAAA6', 'AAAA7'];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function writeConsortium(dir: string, members: number, params: ConsensusParams, nodeOptions: Record<string, unknown> = {}): Promise<ConsortiumFiles> {
  const memberIds = IDS.slice(0, members);
  const validators = memberIds.map(() => generateEd25519KeyPair());
  const nodeKeys = await Promise.all(memberIds.map(() => generateNodeKey()));
  const ports = await Promise.all(memberIds.map(() => freePort()));
  const genesis = parseGenesis(
    genesisToJson({
      chainId: 'large-block-test',
      genesisTimeMs: Date.now() - 1_000,
      members: memberIds.map((id, i) => ({ id, operator: id, tadig: TADIGS[i]!, publicKey: validators[i]!.publicKey, peerId: peerIdOf(nodeKeys[i]!), votingPower: 1 })),
      consensus: params,
      // The key-value test application: a chain without proofs, and genesis says so.
      artifacts: {},
      application: 'kv-test',
      network: 'devnet',
    }),
  );
  await writeFile(join(dir, 'genesis.json'), JSON.stringify(genesisToJson(genesis)));
  for (const [i, id] of memberIds.entries()) {
    const memberDir = join(dir, id);
    await mkdir(memberDir, { recursive: true });
    // Private keys 0600, as consortium-setup writes them: the node refuses key files others may read.
    await writeFile(join(memberDir, 'validator-key.json'), JSON.stringify(validatorKeyToJson(id, validators[i]!)), { mode: 0o600 });
    await writeFile(join(memberDir, 'node-key.json'), JSON.stringify(nodeKeyToJson(nodeKeys[i]!)), { mode: 0o600 });
    await writeMemberApiTokens(memberDir, id);
    const peers = Object.fromEntries(memberIds.map((peer, j) => [peer, [`/ip4/127.0.0.1/tcp/${ports[j]}`]]).filter(([peer]) => peer !== id));
    await writeFile(
      join(memberDir, 'node.json'),
      JSON.stringify({
        memberId: id,
        genesisFile: '../genesis.json',
        validatorKeyFile: 'validator-key.json',
        nodeKeyFile: 'node-key.json',
        dataDir: 'data',
        p2p: { listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`], peers },
        http: { host: '127.0.0.1', port: 0, tokensFile: 'api-tokens.json' },
        ...nodeOptions,
      }),
    );
  }
  return { genesis, memberIds, configFile: (memberId) => join(dir, memberId, 'node.json') };
}
