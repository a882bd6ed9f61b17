import { GenesisValidationError } from '../errors.js';
import { describeValue } from '../encoding/describe.js';
import { fromHex } from '../crypto/hash.js';
import { ED25519_PUBLIC_KEY_BYTES } from '../crypto/ed25519.js';
import { findLimitProblems, MAX_LEGAL_TX_MAX_BYTES, TRANSPORT_FRAME_MAX_BYTES } from '../limits.js';
import { DEFAULT_CONSENSUS_PARAMS, GENESIS_APPLICATIONS, GENESIS_NETWORKS, TRUSTED_SETUP_KINDS, type ConsensusParams, type Genesis, type GenesisApplication, type GenesisMember, type GenesisNetwork, type GenesisTrustedSetup } from './types.js';

/**
 * Parses and validates a genesis document (the JSON form, as written by the setup CLI). Every
 * problem is collected with its path, so an operator fixing a hand-edited file sees them all at
 * once; nothing here assumes a number of members.
 */

const CHAIN_ID = /^[a-z0-9][a-z0-9-]{0,49}$/;
const MEMBER_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;
const TADIG = /^[A-Z]{3}[A-Z0-9]{2}$/;
// base58btc of an identity-multihash ed25519 key (12D3KooW...) or a sha256 multihash (Qm...).
const PEER_ID = /^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{36,52}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ARTIFACT_NAME = /^[a-z0-9][a-z0-9._/-]{0,99}$/;

export const MAX_MEMBERS = 32;
const MAX_VOTING_POWER = 1_000_000;

/** Ranges per consensus parameter: [min, max], chosen so a typo cannot stall or flood the chain. */
const PARAM_RANGES: Record<keyof ConsensusParams, readonly [number, number]> = {
  timeoutProposeMs: [10, 600_000],
  timeoutProposeDeltaMs: [0, 600_000],
  timeoutPrevoteMs: [10, 600_000],
  timeoutPrevoteDeltaMs: [0, 600_000],
  timeoutPrecommitMs: [10, 600_000],
  timeoutPrecommitDeltaMs: [0, 600_000],
  timeoutCommitMs: [0, 600_000],
  // 0 = an empty block every timeoutCommitMs; at most an hour, so "the chain is alive" stays visible.
  emptyBlocksIntervalMs: [0, 3_600_000],
  // Nothing larger can cross a transport frame; findLimitProblems then checks the derived frames.
  blockMaxBytes: [1024, TRANSPORT_FRAME_MAX_BYTES],
  blockMaxTxs: [1, 1_000_000],
  txMaxBytes: [64, MAX_LEGAL_TX_MAX_BYTES],
};

/**
 * Parameters a genesis file may leave out (they came after genesis files existed): the default
 * applies. Written out by genesisToJson like every other parameter.
 */
const OPTIONAL_PARAM_DEFAULTS: Partial<Record<keyof ConsensusParams, number>> = {
  emptyBlocksIntervalMs: DEFAULT_CONSENSUS_PARAMS.emptyBlocksIntervalMs,
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseMember(raw: unknown, path: string, problems: string[]): GenesisMember | null {
  if (!isObject(raw)) {
    problems.push(`${path}: must be an object`);
    return null;
  }
  const { id, operator, tadig, publicKey, peerId, votingPower } = raw;
  const before = problems.length;
  if (typeof id !== 'string' || !MEMBER_ID.test(id)) problems.push(`${path}.id: ${describeValue(id)} is not a member id (letters, digits and '-', at most 32)`);
  if (typeof operator !== 'string' || operator.trim() === '') problems.push(`${path}.operator: must name the operator`);
  if (typeof tadig !== 'string' || !TADIG.test(tadig)) problems.push(`${path}.tadig: ${describeValue(tadig)} is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. DEUD1)`);
  const key = typeof publicKey === 'string' ? fromHex(publicKey, ED25519_PUBLIC_KEY_BYTES) : null;
  if (key === null) problems.push(`${path}.publicKey: must be the validator's ed25519 public key as ${ED25519_PUBLIC_KEY_BYTES * 2} hex characters`);
  if (typeof peerId !== 'string' || !PEER_ID.test(peerId)) problems.push(`${path}.peerId: ${describeValue(peerId)} is not a libp2p peer id (12D3KooW...)`);
  if (typeof votingPower !== 'number' || !Number.isInteger(votingPower) || votingPower < 1 || votingPower > MAX_VOTING_POWER) {
    problems.push(`${path}.votingPower: must be an integer from 1 to ${MAX_VOTING_POWER}`);
  }
  if (problems.length > before) return null;
  return { id: id as string, operator: operator as string, tadig: tadig as string, publicKey: key!, peerId: peerId as string, votingPower: votingPower as number };
}

function parseParams(raw: unknown, problems: string[]): ConsensusParams | null {
  if (!isObject(raw)) {
    problems.push('consensus: must be an object of consensus parameters');
    return null;
  }
  const before = problems.length;
  const params: Record<string, number> = {};
  for (const [name, [min, max]] of Object.entries(PARAM_RANGES)) {
    const value = name in raw ? raw[name] : OPTIONAL_PARAM_DEFAULTS[name as keyof ConsensusParams];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`consensus.${name}: must be an integer from ${min} to ${max} (got ${describeValue(value)})`);
    } else {
      params[name] = value;
    }
  }
  for (const name of Object.keys(raw)) if (!(name in PARAM_RANGES)) problems.push(`consensus.${name}: unknown parameter`);
  if (typeof raw.txMaxBytes === 'number' && typeof raw.blockMaxBytes === 'number' && raw.txMaxBytes > raw.blockMaxBytes) {
    problems.push('consensus.txMaxBytes: must not exceed blockMaxBytes');
  }
  if (problems.length > before) return null;
  const parsed = params as unknown as ConsensusParams;
  // Every frame derived from these parameters must cross the transport (limits.ts).
  problems.push(...findLimitProblems(parsed));
  return problems.length === before ? parsed : null;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string, what: string, problems: string[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${path}: ${describeValue(value)} must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')} (${what})`);
  return undefined;
}

/** The setup behind the pinned keys: its kind, and the ceremony transcript's hash (null until there is one). */
function parseTrustedSetup(raw: unknown, pinsKeys: boolean, problems: string[]): GenesisTrustedSetup | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) {
    problems.push('trustedSetup: must be an object { "kind": "demo" | "ceremony", "transcriptSha256": null | "<sha256 hex>" }');
    return undefined;
  }
  const before = problems.length;
  const kind = oneOf(raw.kind, TRUSTED_SETUP_KINDS, 'trustedSetup.kind', 'the kind of trusted setup that made the pinned keys', problems);
  if (raw.kind === undefined) problems.push('trustedSetup.kind: must be "demo" or "ceremony"');
  const transcript = raw.transcriptSha256 ?? null;
  if (transcript !== null && (typeof transcript !== 'string' || !SHA256_HEX.test(transcript))) problems.push('trustedSetup.transcriptSha256: must be null or a lowercase sha256 hex digest');
  if (kind === 'demo' && transcript !== null) problems.push('trustedSetup.transcriptSha256: a demo setup has no transcript (null)');
  for (const name of Object.keys(raw)) if (name !== 'kind' && name !== 'transcriptSha256') problems.push(`trustedSetup.${name}: unknown field`);
  if (!pinsKeys) problems.push('trustedSetup: pins the setup of keys, but artifacts pins no key files');
  return problems.length > before ? undefined : { kind: kind!, transcriptSha256: transcript as string | null };
}

function findDuplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => (seen.has(value) ? true : (seen.add(value), false)));
}

export function parseGenesis(raw: unknown): Genesis {
  const problems: string[] = [];
  if (!isObject(raw)) throw new GenesisValidationError(['the document must be a JSON object']);
  const { chainId, genesisTime, members, consensus, artifacts, trustedSetup, network, application } = raw;

  if (typeof chainId !== 'string' || !CHAIN_ID.test(chainId)) problems.push(`chainId: ${describeValue(chainId)} must be lowercase letters, digits and '-', at most 50`);
  const genesisTimeMs = typeof genesisTime === 'string' ? Date.parse(genesisTime) : NaN;
  if (!Number.isFinite(genesisTimeMs)) problems.push('genesisTime: must be an ISO 8601 timestamp');

  const parsedMembers: GenesisMember[] = [];
  if (!Array.isArray(members) || members.length === 0 || members.length > MAX_MEMBERS) {
    problems.push(`members: must list 1 to ${MAX_MEMBERS} members`);
  } else {
    members.forEach((member, i) => {
      const parsed = parseMember(member, `members[${i}]`, problems);
      if (parsed !== null) parsedMembers.push(parsed);
    });
    const duplicate = (what: string, values: string[]) =>
      findDuplicates(values).forEach((value) => problems.push(`members: ${what} ${value} appears more than once`));
    duplicate('id', parsedMembers.map((m) => m.id));
    duplicate('tadig', parsedMembers.map((m) => m.tadig));
    duplicate('peerId', parsedMembers.map((m) => m.peerId));
    duplicate('publicKey', parsedMembers.map((m) => Buffer.from(m.publicKey).toString('hex')));
  }

  const params = parseParams(consensus, problems);

  const pinned: Record<string, string> = {};
  if (artifacts !== undefined && !isObject(artifacts)) problems.push('artifacts: must be an object of name -> sha256 hex');
  for (const [name, hash] of Object.entries(isObject(artifacts) ? artifacts : {})) {
    if (!ARTIFACT_NAME.test(name)) problems.push(`artifacts.${name}: not a valid artifact name`);
    else if (typeof hash !== 'string' || !SHA256_HEX.test(hash)) problems.push(`artifacts.${name}: must be a lowercase sha256 hex digest`);
    else pinned[name] = hash;
  }

  const setup = parseTrustedSetup(trustedSetup, Object.keys(pinned).length > 0, problems);
  const networkKind = oneOf<GenesisNetwork>(network, GENESIS_NETWORKS, 'network', '"devnet" marks a local test network; absent means a real consortium', problems);
  const app = oneOf<GenesisApplication>(application, GENESIS_APPLICATIONS, 'application', '"kv-test": the key-value test application, which has no proofs', problems);

  if (problems.length > 0) throw new GenesisValidationError(problems);
  return {
    chainId: chainId as string,
    genesisTimeMs,
    members: parsedMembers,
    consensus: params!,
    artifacts: pinned,
    ...(setup === undefined ? {} : { trustedSetup: setup }),
    ...(networkKind === undefined ? {} : { network: networkKind }),
    ...(app === undefined ? {} : { application: app }),
  };
}

/** The JSON form of a genesis, as parseGenesis reads it. */
export function genesisToJson(genesis: Genesis): Json {
  return {
    chainId: genesis.chainId,
    genesisTime: new Date(genesis.genesisTimeMs).toISOString(),
    members: genesis.members.map((m) => ({
      id: m.id,
      operator: m.operator,
      tadig: m.tadig,
      publicKey: Buffer.from(m.publicKey).toString('hex'),
      peerId: m.peerId,
      votingPower: m.votingPower,
    })),
    consensus: { ...genesis.consensus },
    artifacts: { ...genesis.artifacts },
    // Written only when set, so a genesis without them keeps its hash.
    ...(genesis.trustedSetup === undefined ? {} : { trustedSetup: { kind: genesis.trustedSetup.kind, transcriptSha256: genesis.trustedSetup.transcriptSha256 } }),
    ...(genesis.network === undefined ? {} : { network: genesis.network }),
    ...(genesis.application === undefined ? {} : { application: genesis.application }),
  };
}
