import { DEFAULT_CONSENSUS_PARAMS } from '@consortium/consensus';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_PORT, devnetLayout, loopbackMultiaddr, nodeJsonOf, checkPortRange } from '../../src/devnet-layout.js';
import { PortRangeError } from '../../src/errors.js';
import { DEVNET_CONSENSUS_PARAMS } from '../../src/genesis-draft.js';
import { firstMembers } from '../../src/members.js';

describe('devnetLayout', () => {
  it.each([4, 5, 7])('gives member i p2p port base + i and HTTP port base + 100 + i (%i members)', (count) => {
    const nodes = devnetLayout(firstMembers(count), DEFAULT_BASE_PORT);
    expect(nodes.map((node) => node.p2pPort)).toEqual(Array.from({ length: count }, (_, i) => 26_600 + i));
    expect(nodes.map((node) => node.httpPort)).toEqual(Array.from({ length: count }, (_, i) => 26_700 + i));
    expect(nodes.map((node) => node.dir)).toEqual(firstMembers(count).map((member) => member.id));
  });

  it('refuses privileged ports and ports past 65535', () => {
    expect(() => checkPortRange(1023, 5)).toThrow(PortRangeError);
    expect(() => checkPortRange(65_535 - 100 - 4, 5)).not.toThrow();
    expect(() => checkPortRange(65_535 - 100 - 3, 5)).toThrow(PortRangeError);
    expect(() => devnetLayout(firstMembers(5), 80)).toThrow(PortRangeError);
  });
});

describe('nodeJsonOf', () => {
  it('is exactly the shape apps/node reads, with paths relative to node.json', () => {
    const nodes = devnetLayout(firstMembers(2), DEFAULT_BASE_PORT);
    const json = nodeJsonOf(nodes, nodes[0]!);
    expect(JSON.stringify(json)).toBe(
      JSON.stringify({
        memberId: 'T-Mobile-DE',
        genesisFile: '../genesis.json',
        validatorKeyFile: 'validator-key.json',
        nodeKeyFile: 'node-key.json',
        dataDir: 'data',
        p2p: { listen: ['/ip4/127.0.0.1/tcp/26600'], peers: { 'Vodafone-UK': ['/ip4/127.0.0.1/tcp/26601'] } },
        http: { host: '127.0.0.1', port: 26_700, tokensFile: 'api-tokens.json' },
      }),
    );
  });

  it.each([4, 5, 7])('lists every other member as a peer, with its loopback address (%i members)', (count) => {
    const nodes = devnetLayout(firstMembers(count), 30_000);
    for (const node of nodes) {
      const json = nodeJsonOf(nodes, node);
      expect(json.p2p.listen).toEqual([loopbackMultiaddr(node.p2pPort)]);
      expect(json.http).toEqual({ host: '127.0.0.1', port: node.httpPort, tokensFile: 'api-tokens.json' });
      const others = nodes.filter((other) => other !== node);
      expect(Object.keys(json.p2p.peers)).toEqual(others.map((other) => other.member.id));
      for (const other of others) expect(json.p2p.peers[other.member.id]).toEqual([`/ip4/127.0.0.1/tcp/${other.p2pPort}`]);
    }
  });
});

describe('DEVNET_CONSENSUS_PARAMS', () => {
  it('are the defaults with a 100 ms commit pause, 1 s to propose and an empty block every 5 s', () => {
    expect(DEVNET_CONSENSUS_PARAMS).toEqual({ ...DEFAULT_CONSENSUS_PARAMS, timeoutCommitMs: 100, timeoutProposeMs: 1_000, emptyBlocksIntervalMs: 5_000 });
  });
});
