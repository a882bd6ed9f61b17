import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS, generateEd25519KeyPair, generatePkcs11Ed25519Key, genesisToJson, validatorKeyToJson, type Genesis } from '@consortium/consensus';
import { MEMBER_TOKEN_DIR, writeMemberApiTokens, type ApiRole } from '@consortium/node-config';
import { generateNodeKey, nodeKeyToJson, peerIdOf } from '@consortium/p2p';
import { parseNodeConfig, type NodeConfig } from '../../src/index.js';

/** What genesis says about proofs; default: the KV test chain (no keys, `application: kv-test`). */
export type GenesisProofFields = Pick<Genesis, 'artifacts' | 'trustedSetup' | 'network' | 'application'>;

/**
 * A consortium of one member (it decides alone) in `dir`: genesis, keys, API tokens (operator,
 * observer, admin: `apiTokenFor`) and a node configuration (node.json) on loopback with ports
 * chosen by the system.
 */
export async function writeSingleMemberNode(
  dir: string,
  options: Partial<GenesisProofFields> & {
    readonly keysDir?: string;
    /** The validator key is generated in this HSM key (a PKCS#11 URI) instead of a key file. */
    readonly validatorPkcs11Uri?: string;
  } = {},
): Promise<NodeConfig> {
  const validator = options.validatorPkcs11Uri === undefined ? generateEd25519KeyPair() : { publicKey: generatePkcs11Ed25519Key(options.validatorPkcs11Uri), privateKey: null };
  const nodeKey = await generateNodeKey();
  const genesis = {
    chainId: 'api-test',
    genesisTimeMs: Date.now() - 1_000,
    members: [{ id: 'Orange-FR', operator: 'Orange France', tadig: 'FRAF1', publicKey: validator.publicKey, peerId: peerIdOf(nodeKey), votingPower: 1 }],
    // A block every commit pause (no empty-blocks interval): tests wait for heights to grow.
    consensus: { ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 20, emptyBlocksIntervalMs: 0 },
    artifacts: options.artifacts ?? {},
    ...(options.artifacts === undefined ? { application: 'kv-test' as const } : {}),
    ...(options.trustedSetup === undefined ? {} : { trustedSetup: options.trustedSetup }),
    ...(options.network === undefined ? {} : { network: options.network }),
    ...(options.application === undefined ? {} : { application: options.application }),
  };
  await writeFile(join(dir, 'genesis.json'), JSON.stringify(genesisToJson(genesis)));
  // Private keys 0600, as consortium-setup writes them: the node refuses key files others may read.
  if (validator.privateKey !== null) await writeFile(join(dir, 'validator-key.json'), JSON.stringify(validatorKeyToJson('Orange-FR', validator)), { mode: 0o600 });
  await writeFile(join(dir, 'node-key.json'), JSON.stringify(nodeKeyToJson(nodeKey)), { mode: 0o600 });
  await writeMemberApiTokens(dir, 'Orange-FR');
  const nodeJson = {
    memberId: 'Orange-FR',
    genesisFile: 'genesis.json',
    ...(options.validatorPkcs11Uri === undefined ? { validatorKeyFile: 'validator-key.json' } : { validatorKeyPkcs11Uri: options.validatorPkcs11Uri }),
    nodeKeyFile: 'node-key.json',
    dataDir: 'data',
    p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], peers: {} },
    http: { host: '127.0.0.1', port: 0, tokensFile: 'api-tokens.json' },
    ...(options.keysDir === undefined ? {} : { keysDir: options.keysDir }),
  };
  // On disk too, for tests that run the node as a process (`consortium-node --config dir/node.json`).
  await writeFile(join(dir, 'node.json'), JSON.stringify(nodeJson));
  return parseNodeConfig(nodeJson, join(dir, 'node.json'));
}

/** A pino destination that drops every line. */
export const SILENT_LOG = { write: () => {} };

/** The API token of `role` written beside a node.json by writeSingleMemberNode or writeConsortium. */
export async function apiTokenFor(configFile: string, role: ApiRole): Promise<string> {
  return (await readFile(join(dirname(configFile), MEMBER_TOKEN_DIR, `${role}.token`), 'utf8')).trim();
}
