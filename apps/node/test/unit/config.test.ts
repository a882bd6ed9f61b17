import { describe, expect, it } from 'vitest';
import { NodeConfigError, parseNodeConfig } from '../../src/index.js';

const valid = {
  memberId: 'Orange-FR',
  genesisFile: '../genesis.json',
  validatorKeyFile: 'validator-key.json',
  nodeKeyFile: '/keys/node-key.json',
  dataDir: 'data',
  p2p: { listen: ['/ip4/127.0.0.1/tcp/26602'], peers: { 'SFR-FR': ['/ip4/127.0.0.1/tcp/26604'] } },
  http: { host: '127.0.0.1', port: 26702 },
};

describe('node configuration', () => {
  it('resolves relative paths against the file, keeps absolute ones', () => {
    const config = parseNodeConfig(valid, '/devnet/Orange-FR/node.json');
    expect(config.genesisFile).toBe('/devnet/genesis.json');
    expect(config.validatorKeyFile).toBe('/devnet/Orange-FR/validator-key.json');
    expect(config.nodeKeyFile).toBe('/keys/node-key.json');
    expect(config.p2p.peers['SFR-FR']).toEqual(['/ip4/127.0.0.1/tcp/26604']);
  });

  it('lists every problem with its field', () => {
    const broken = { ...valid, memberId: '', dataDir: 7, p2p: { listen: [], peers: { 'SFR-FR': 'nope' } }, http: { host: '', port: 70_000 } };
    let error: unknown;
    try {
      parseNodeConfig(broken, 'node.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NodeConfigError);
    expect((error as NodeConfigError).problems).toEqual([
      "memberId: must name this node's member (as in genesis)",
      'dataDir: must be a path',
      'p2p.listen: must list at least one multiaddr, e.g. /ip4/0.0.0.0/tcp/26600',
      'p2p.peers.SFR-FR: must be a list of multiaddrs',
      'http.host: must be an address to listen on, e.g. 127.0.0.1',
      'http.port: must be a port from 0 to 65535',
    ]);
  });

  it('snapshots the application every 100 blocks unless told otherwise, and checks the interval', () => {
    expect(parseNodeConfig(valid, 'node.json').snapshotIntervalBlocks).toBe(100);
    expect(parseNodeConfig({ ...valid, snapshotIntervalBlocks: 7 }, 'node.json').snapshotIntervalBlocks).toBe(7);
    expect(() => parseNodeConfig({ ...valid, snapshotIntervalBlocks: 0 }, 'node.json')).toThrow('snapshotIntervalBlocks: must be a whole number of blocks from 1 to 1000000');
  });

  it('refuses something that is not an object', () => {
    expect(() => parseNodeConfig([], 'node.json')).toThrow('node.json is not a valid node configuration:\n  - the file must hold a JSON object');
  });
});
