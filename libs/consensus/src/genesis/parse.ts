import { GenesisValidationError } from '../errors.js';
import { fromHex } from '../crypto/hash.js';
import { ED25519_PUBLIC_KEY_BYTES } from '../crypto/ed25519.js';
import { findLimitProblems, MAX_LEGAL_TX_MAX_BYTES, TRANSPORT_FRAME_MAX_BYTES } from '../limits.js';
import type { ConsensusParams, Genesis, GenesisMember } from './types.js';

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
  // Nothing larger can cross a transport frame; findLimitProblems then checks the derived frames.
  blockMaxBytes: [1024, TRANSPORT_FRAME_MAX_BYTES],
  blockMaxTxs: [1, 1_000_000],
  txMaxBytes: [64, MAX_LEGAL_TX_MAX_BYTES],
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
  if (typeof id !== 'string' || !MEMBER_ID.test(id)) problems.push(`${path}.id: ${JSON.stringify(id)} is not a member id (letters, digits and '-', at most 32)`);
  if (typeof operator !== 'string' || operator.trim() === '') problems.push(`${path}.operator: must name the operator`);
  if (typeof tadig !== 'string' || !TADIG.test(tadig)) problems.push(`${path}.tadig: ${JSON.stringify(tadig)} is not a TADIG code (ISO 3166 alpha-3 country + 2 characters, e.g. DEUD1)`);
  const key = typeof publicKey === 'string' ? fromHex(publicKey, ED25519_PUBLIC_KEY_BYTES) : null;
  if (key === null) problems.push(`${path}.publicKey: must be the validator's ed25519 public key as ${ED25519_PUBLIC_KEY_BYTES * 2} hex characters`);
  if (typeof peerId !== 'string' || !PEER_ID.test(peerId)) problems.push(`${path}.peerId: ${JSON.stringify(peerId)} is not a libp2p peer id (12D3KooW...)`);
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
    const value = raw[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      problems.push(`consensus.${name}: must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
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

function findDuplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => (seen.has(value) ? true : (seen.add(value), false)));
}

export function parseGenesis(raw: unknown): Genesis {
  const problems: string[] = [];
  if (!isObject(raw)) throw new GenesisValidationError(['the document must be a JSON object']);
  const { chainId, genesisTime, members, consensus, artifacts } = raw;

  if (typeof chainId !== 'string' || !CHAIN_ID.test(chainId)) problems.push(`chainId: ${JSON.stringify(chainId)} must be lowercase letters, digits and '-', at most 50`);
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

  if (problems.length > 0) throw new GenesisValidationError(problems);
  return { chainId: chainId as string, genesisTimeMs, members: parsedMembers, consensus: params!, artifacts: pinned };
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
  };
}
