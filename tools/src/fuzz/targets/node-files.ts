import { isDeepStrictEqual } from 'node:util';
import { ed25519KeyPairFromSeed, validatorKeyFromJson, validatorKeyToJson, ValidatorKeyError } from '@consortium/consensus';
import { ApiTokensFileError, apiTokensFileOf, issueApiToken, NodeConfigError, parseApiTokens, parseNodeConfig } from '@consortium/node-config';
import { generateNodeKey, InvalidNodeKeyFileError, NodeKeyMismatchError, nodeKeyFromJson, nodeKeyToJson, UnsupportedNodeKeyTypeError } from '@consortium/p2p';
import fc from 'fast-check';
import { hostileJson } from '../arbitraries/hostile.js';
import { decodeWith, expectThat, type FuzzInput, type FuzzTarget, type ErrorClass, type Verdict } from '../target.js';

/**
 * The files a node reads at start: node.json (parseNodeConfig: NodeConfigError listing every
 * problem), the API tokens file (parseApiTokens: ApiTokensFileError), the validator key file
 * (validatorKeyFromJson: ValidatorKeyError) and the node key file (nodeKeyFromJson:
 * InvalidNodeKeyFileError, UnsupportedNodeKeyTypeError, NodeKeyMismatchError). A file read
 * once reads the same again.
 */

type FileKind = 'node.json' | 'api-tokens.json' | 'validator-key.json' | 'node-key.json';
type NodeFile = { readonly kind: FileKind; readonly json: unknown };

const FILE = '/etc/consortium/node.json';

const READERS: Readonly<Record<FileKind, { readonly read: (json: unknown) => unknown; readonly refusals: readonly ErrorClass[] }>> = {
  'node.json': { read: (json) => parseNodeConfig(json, FILE), refusals: [NodeConfigError] },
  'api-tokens.json': { read: (json) => parseApiTokens(json, FILE), refusals: [ApiTokensFileError] },
  'validator-key.json': { read: validatorKeyFromJson, refusals: [ValidatorKeyError] },
  'node-key.json': { read: nodeKeyFromJson, refusals: [InvalidNodeKeyFileError, UnsupportedNodeKeyTypeError, NodeKeyMismatchError] },
};

const NODE_JSON = {
  memberId: 'Orange-FR',
  genesisFile: 'genesis.json',
  validatorKeyFile: 'validator-key.json',
  nodeKeyFile: 'node-key.json',
  dataDir: 'data',
  keysDir: 'keys',
  epochKeysDirs: { '2': 'keys-2' },
  p2p: { listen: ['/ip4/0.0.0.0/tcp/26656'], peers: { 'SFR-FR': ['/dns4/sfr.example/tcp/26656'] } },
  http: {
    host: '0.0.0.0',
    port: 26_657,
    tokensFile: 'api-tokens.json',
    tls: { certFile: 'api.crt', keyFile: 'api.key', caFile: 'ca.crt', requireClientCert: true },
    bodyLimitBytes: 1_048_576,
    rateLimits: { windowMs: 60_000, perRole: { observer: 600 }, perRoute: { 'GET /v1/evidence': { observer: 10 } } },
  },
  snapshotIntervalBlocks: 100,
  proverWorkers: 2,
};

function check({ kind, json }: NodeFile): Verdict {
  const { read, refusals } = READERS[kind];
  return decodeWith(() => read(json), refusals, `the ${kind} reader`, {
    // read twice, the same: no reader keeps state or changes its input
    onValue: (value) => expectThat(isDeepStrictEqual(read(json), value), `reading ${kind} twice gave two values`),
  });
}

export const nodeFilesTarget: FuzzTarget<NodeFile> = {
  name: 'node-files',
  description: 'node.json, the API tokens file, the validator and node key files through their readers; NodeConfigError, ApiTokensFileError, ValidatorKeyError or the node key errors',
  async open() {
    const tokens = apiTokensFileOf([issueApiToken({ client: 'orange-operator', role: 'operator', member: 'Orange-FR' }).record, issueApiToken({ client: 'grafana', role: 'observer' }).record]);
    const validatorKey = validatorKeyToJson('Orange-FR', ed25519KeyPairFromSeed(new Uint8Array(32).fill(9)));
    const nodeKey = nodeKeyToJson(await generateNodeKey());
    const files = (kind: FileKind, seeds: readonly unknown[]) => hostileJson(seeds).map((input): FuzzInput<NodeFile> => ({ origin: input.origin, value: { kind, json: input.value } }));
    return {
      inputs: fc.oneof(
        files('node.json', [NODE_JSON, { ...NODE_JSON, validatorKeyFile: undefined, validatorKeyPkcs11Uri: 'pkcs11:token=node;object=validator?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/pin' }].map((seed) => JSON.parse(JSON.stringify(seed)) as unknown)),
        files('api-tokens.json', [tokens]),
        files('validator-key.json', [validatorKey]),
        files('node-key.json', [nodeKey]),
      ),
      check: ({ value }) => check(value),
      close: () => Promise.resolve(),
    };
  },
};
