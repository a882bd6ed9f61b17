import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_RATE_LIMITS, loadNodeConfig, NodeConfigError, parseNodeConfig, type NodeJson } from '../../src/index.js';

const valid: NodeJson = {
  memberId: 'Orange-FR',
  genesisFile: '../genesis.json',
  validatorKeyFile: 'validator-key.json',
  nodeKeyFile: '/keys/node-key.json',
  dataDir: 'data',
  p2p: { listen: ['/ip4/127.0.0.1/tcp/26602'], peers: { 'SFR-FR': ['/ip4/127.0.0.1/tcp/26604'] } },
  http: { host: '127.0.0.1', port: 26702 },
};

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseNodeConfig(raw, '/devnet/Orange-FR/node.json');
  } catch (error) {
    expect(error).toBeInstanceOf(NodeConfigError);
    expect((error as NodeConfigError).name).toBe('NodeConfigError');
    return (error as NodeConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('node configuration', () => {
  it('resolves relative paths against the file, keeps absolute ones', () => {
    const config = parseNodeConfig({ ...valid, http: { ...valid.http, tokensFile: 'api-tokens.json', tls: { certFile: 'tls/cert.pem', keyFile: '/secrets/key.pem', caFile: '../ca.pem' } } }, '/devnet/Orange-FR/node.json');
    expect(config.genesisFile).toBe('/devnet/genesis.json');
    expect(config.validatorKeyFile).toBe('/devnet/Orange-FR/validator-key.json');
    expect(config.nodeKeyFile).toBe('/keys/node-key.json');
    expect(config.p2p.peers['SFR-FR']).toEqual(['/ip4/127.0.0.1/tcp/26604']);
    expect(config.http.tokensFile).toBe('/devnet/Orange-FR/api-tokens.json');
    expect(config.http.tls).toEqual({ certFile: '/devnet/Orange-FR/tls/cert.pem', keyFile: '/secrets/key.pem', caFile: '/devnet/ca.pem', requireClientCert: false });
  });

  it('takes the validator key from a file or from an HSM by PKCS#11 URI, exactly one of them', () => {
    const uri = 'pkcs11:token=consortium;object=validator-Orange-FR?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/pin';
    const { validatorKeyFile: _file, ...withoutFile } = valid;
    const config = parseNodeConfig({ ...withoutFile, validatorKeyPkcs11Uri: uri }, '/devnet/Orange-FR/node.json');
    expect(config.validatorKeyPkcs11Uri).toBe(uri);
    expect(config.validatorKeyFile).toBeUndefined();
    expect(problemsOf({ ...valid, validatorKeyPkcs11Uri: uri })).toEqual(['validatorKeyFile: give the validator key once: validatorKeyFile (a key file) or validatorKeyPkcs11Uri (a key held in an HSM)']);
    expect(problemsOf(withoutFile)).toHaveLength(1);
    expect(problemsOf({ ...withoutFile, validatorKeyPkcs11Uri: '/keys/validator.json' }).join('\n')).toMatch(/^validatorKeyPkcs11Uri: must be a PKCS#11 URI/m);
  });

  it('takes the keys folders of later key epochs by epoch number, and refuses anything else', () => {
    const config = parseNodeConfig({ ...valid, keysDir: 'keys', epochKeysDirs: { '2': 'keys-2', '3': '/srv/keys-3' } }, '/devnet/Orange-FR/node.json');
    expect(config.epochKeysDirs).toEqual({ '2': '/devnet/Orange-FR/keys-2', '3': '/srv/keys-3' });
    expect(problemsOf({ ...valid, epochKeysDirs: { two: 'keys-2' } }).join('\n')).toMatch(/^epochKeysDirs/m);
    expect(problemsOf({ ...valid, epochKeysDirs: { '2': '' } }).join('\n')).toMatch(/^epochKeysDirs/m);
  });

  it('fills in the defaults: snapshots, body limit, rate limits, the security log beside the data', () => {
    const config = parseNodeConfig(valid, '/devnet/Orange-FR/node.json');
    expect(config.snapshotIntervalBlocks).toBe(100);
    expect(config.http.bodyLimitBytes).toBe(DEFAULT_BODY_LIMIT_BYTES);
    expect(config.http.maxConnectionsPerAddress).toBe(128);
    expect(config.http.rateLimits).toEqual({ windowMs: 60_000, perRole: DEFAULT_RATE_LIMITS, perRoute: {} });
    expect(config.securityLogFile).toBe('/devnet/Orange-FR/data/security.jsonl');
    expect(config.http.tokensFile).toBeUndefined();
    expect(config.http.tls).toBeUndefined();
    expect(parseNodeConfig({ ...valid, p2p: { listen: valid.p2p.listen } }, 'node.json').p2p.peers).toEqual({});
  });

  it('takes rate limits per role and per route, keeping the defaults of roles it does not name', () => {
    const config = parseNodeConfig({ ...valid, http: { ...valid.http, rateLimits: { windowMs: 1_000, perRole: { observer: 5 }, perRoute: { 'POST /v1/txs/batch': { operator: 2 } } } } }, 'node.json');
    expect(config.http.rateLimits).toEqual({ windowMs: 1_000, perRole: { ...DEFAULT_RATE_LIMITS, observer: 5 }, perRoute: { 'POST /v1/txs/batch': { operator: 2 } } });
  });

  it('lists every problem with its field', () => {
    const broken = { ...valid, memberId: '', dataDir: 7, p2p: { listen: [], peers: { 'SFR-FR': 'nope' } }, http: { host: '', port: 70_000 } };
    expect(problemsOf(broken)).toEqual([
      "memberId: must name this node's member (as in genesis)",
      'dataDir: must be a path',
      'p2p.listen: must list at least one multiaddr, e.g. /ip4/0.0.0.0/tcp/26600',
      'p2p.peers.SFR-FR: must be a list of multiaddrs',
      'http.host: must be an address to listen on, e.g. 127.0.0.1',
      'http.port: must be a port from 0 to 65535',
    ]);
  });

  it('lists all of many problems at once, across every section, each field once', () => {
    const { genesisFile: _genesis, ...withoutGenesis } = valid;
    const broken = {
      ...withoutGenesis,
      nodeKeyFile: '',
      p2p: { listen: ['/ip4/127.0.0.1/tcp/1', ''], peers: { 'SFR-FR': [7] } },
      http: {
        host: '127.0.0.1',
        port: 1.5,
        tokensFile: 3,
        tls: { certFile: 'cert.pem', requireClientCert: 'yes' },
        bodyLimitBytes: 10,
        maxConnectionsPerAddress: 0,
        rateLimits: { windowMs: 5, perRole: { observer: 0, guest: 3 }, perRoute: { 'POST /v1/txs': { admin: -1 }, '/v1/txs': {} } },
        tsl: {},
      },
      snapshotIntervalBlocks: 0,
      securityLog: 'x',
    };
    expect(problemsOf(broken)).toEqual([
      'genesisFile: is required and must be a path',
      'securityLog: is not a known field (misspelt?)',
      'nodeKeyFile: must be a path',
      'p2p.listen: must list at least one multiaddr, e.g. /ip4/0.0.0.0/tcp/26600',
      'p2p.peers.SFR-FR: must be a list of multiaddrs',
      // An unknown key is refused, never ignored: a misspelt "tls" must not leave the API on plain HTTP.
      'http.tsl: is not a known field (misspelt?)',
      'http.port: must be a port from 0 to 65535',
      'http.tokensFile: must be a path to the API tokens file (consortium-api-tokens/1)',
      'http.tls.keyFile: is required and must be a path to the PEM private key of that certificate',
      'http.tls.requireClientCert: must be true or false',
      'http.bodyLimitBytes: must be a size in bytes from 1024 to 67108864',
      'http.rateLimits.windowMs: must be a window from 1000 to 3600000 ms',
      'http.rateLimits.perRole.guest: is not a known field (misspelt?)',
      'http.rateLimits.perRole.observer: must be a whole number of requests from 1 to 1000000',
      'http.rateLimits.perRoute./v1/txs: must map "METHOD /route/pattern" to per-role budgets, e.g. {"POST /v1/txs/batch": {"operator": 60}}',
      'http.rateLimits.perRoute.POST /v1/txs.admin: must be a whole number of requests from 1 to 1000000',
      'http.maxConnectionsPerAddress: must be a whole number of connections from 1 to 100000',
      'snapshotIntervalBlocks: must be a whole number of blocks from 1 to 1000000',
    ]);
  });

  it('snapshots the application every 100 blocks unless told otherwise, and checks the interval', () => {
    expect(parseNodeConfig(valid, 'node.json').snapshotIntervalBlocks).toBe(100);
    expect(parseNodeConfig({ ...valid, snapshotIntervalBlocks: 7 }, 'node.json').snapshotIntervalBlocks).toBe(7);
    expect(() => parseNodeConfig({ ...valid, snapshotIntervalBlocks: 0 }, 'node.json')).toThrow('snapshotIntervalBlocks: must be a whole number of blocks from 1 to 1000000');
  });

  it('refuses mTLS without the CA to check client certificates against', () => {
    expect(problemsOf({ ...valid, http: { ...valid.http, tls: { certFile: 'c.pem', keyFile: 'k.pem', requireClientCert: true } } })).toEqual([
      'http.tls.caFile: is required with requireClientCert (the CA client certificates must chain to)',
    ]);
    expect(parseNodeConfig({ ...valid, http: { ...valid.http, tls: { certFile: 'c.pem', keyFile: 'k.pem', caFile: 'ca.pem', requireClientCert: true } } }, '/n/node.json').http.tls?.requireClientCert).toBe(true);
  });

  it('refuses something that is not an object', () => {
    expect(() => parseNodeConfig([], 'node.json')).toThrow('node.json is not a valid node configuration:\n  - the file must hold a JSON object');
  });

  it('names a file that cannot be read or is not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'node-config-'));
    try {
      await writeFile(join(dir, 'node.json'), '{ "memberId": ');
      await expect(loadNodeConfig(join(dir, 'node.json'))).rejects.toThrow(/node\.json is not a valid node configuration:\n {2}- is not JSON/);
      await expect(loadNodeConfig(join(dir, 'missing.json'))).rejects.toBeInstanceOf(NodeConfigError);
      await writeFile(join(dir, 'node.json'), JSON.stringify(valid));
      expect((await loadNodeConfig(join(dir, 'node.json'))).genesisFile).toBe(join(dir, '..', 'genesis.json'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
