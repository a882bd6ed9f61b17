import { MEMBER_TOKEN_DIR, MEMBER_TOKENS_FILE, type NodeJson } from '@consortium/node-config';
import { PortRangeError } from './errors.js';
import type { MemberDetails } from './members.js';

/**
 * The layout of a local devnet, as data: which member listens where, and each member's node.json.
 * Pure, so ports and peers are tested without writing a file. On disk:
 *
 *   <out>/genesis.json
 *   <out>/<member-id>/validator-key.json   node-key.json   node.json   data/ (the node's, later)
 *   <out>/<member-id>/api-tokens.json (hashes, named by node.json http.tokensFile)
 *   <out>/<member-id>/tokens/{operator,observer,admin}.token (the bearer tokens themselves)
 */

export const DEVNET_CHAIN_ID = 'sp-consortium-devnet';
export const DEFAULT_BASE_PORT = 26_600;
/** Member i listens for p2p on base + i and for HTTP on base + HTTP_PORT_OFFSET + i. */
export const HTTP_PORT_OFFSET = 100;
/** Below this, listening needs root. */
const LOWEST_PORT = 1024;
const HIGHEST_PORT = 65_535;
export const LOOPBACK_HOST = '127.0.0.1';

export const DEVNET_FILES = {
  genesis: 'genesis.json',
  validatorKey: 'validator-key.json',
  nodeKey: 'node-key.json',
  nodeConfig: 'node.json',
  dataDir: 'data',
  /** The API clients' hashed tokens (written by writeMemberApiTokens from @consortium/node-config). */
  apiTokens: MEMBER_TOKENS_FILE,
  /** One file per role with its bearer token. */
  tokenDir: MEMBER_TOKEN_DIR,
} as const;

export interface DevnetNode {
  readonly member: MemberDetails;
  /** The folder under --out, relative: the member id. */
  readonly dir: string;
  readonly p2pPort: number;
  readonly httpPort: number;
}

/** node.json, as apps/node reads it (its one schema lives in @consortium/node-config); paths are relative to the file's folder. */
export type { NodeJson };
/** A devnet's node.json always lists every other member as a peer. */
export type DevnetNodeJson = NodeJson & { readonly p2p: NodeJson['p2p'] & { readonly peers: Record<string, string[]> } };

export function loopbackMultiaddr(port: number): string {
  return `/ip4/${LOOPBACK_HOST}/tcp/${port}`;
}

/** Checks that every port of `count` members lies in the unprivileged range; throws PortRangeError. */
export function checkPortRange(basePort: number, count: number): void {
  if (!Number.isInteger(basePort) || basePort < LOWEST_PORT) throw new PortRangeError(`${basePort} is below ${LOWEST_PORT} (ports under ${LOWEST_PORT} need root)`);
  const highest = basePort + HTTP_PORT_OFFSET + count - 1;
  if (highest > HIGHEST_PORT) throw new PortRangeError(`with ${count} members the highest HTTP port would be ${highest}, above ${HIGHEST_PORT}`);
  // p2p ports base..base+count-1 must stay below the first HTTP port.
  if (count > HTTP_PORT_OFFSET) throw new PortRangeError(`${count} members would make p2p and HTTP ports overlap`);
}

/** Member i (in the given order) gets p2p port base + i and HTTP port base + 100 + i. */
export function devnetLayout(members: readonly MemberDetails[], basePort: number): DevnetNode[] {
  checkPortRange(basePort, members.length);
  return members.map((member, i) => ({ member, dir: member.id, p2pPort: basePort + i, httpPort: basePort + HTTP_PORT_OFFSET + i }));
}

/** The node.json of `node`: listens on loopback, knows every other member's address; `keysDir` relative to the member's folder. */
export function nodeJsonOf(nodes: readonly DevnetNode[], node: DevnetNode, keysDir?: string): DevnetNodeJson {
  const peers: Record<string, string[]> = {};
  for (const other of nodes) if (other.member.id !== node.member.id) peers[other.member.id] = [loopbackMultiaddr(other.p2pPort)];
  return {
    memberId: node.member.id,
    genesisFile: `../${DEVNET_FILES.genesis}`,
    validatorKeyFile: DEVNET_FILES.validatorKey,
    nodeKeyFile: DEVNET_FILES.nodeKey,
    dataDir: DEVNET_FILES.dataDir,
    p2p: { listen: [loopbackMultiaddr(node.p2pPort)], peers },
    http: { host: LOOPBACK_HOST, port: node.httpPort, tokensFile: DEVNET_FILES.apiTokens },
    ...(keysDir === undefined ? {} : { keysDir }),
  };
}
