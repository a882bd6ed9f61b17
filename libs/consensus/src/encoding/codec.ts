import { MalformedMessageError } from '../errors.js';
import { HASH_BYTES } from '../crypto/hash.js';
import { ED25519_SIGNATURE_BYTES } from '../crypto/ed25519.js';
import type {
  Block,
  BlockHeader,
  CommitCertificate,
  CommitSignature,
  SignedProposal,
  SignedVote,
  VoteType,
} from '../types.js';

/**
 * Plain CBOR-ready forms of the consensus structures and their checked inverses. The forms use
 * short keys; every decoder checks every field's type and range and names the field at fault.
 * Sizes are checked before decoding (decodeCanonical); these check shapes after.
 */

type Cbor = Record<string, unknown>;

export const MAX_HEIGHT = Number.MAX_SAFE_INTEGER;
/** Rounds beyond this are nonsense at any plausible timeout: refuse rather than store. */
export const MAX_ROUND = 1_000_000;
const MAX_ID_LENGTH = 64;

function fail(what: string, problem: string): never {
  throw new MalformedMessageError(`${what}: ${problem}`);
}

function object(value: unknown, what: string): Cbor {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) fail(what, 'must be a map');
  return value as Cbor;
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) fail(what, `must be an integer from ${min} to ${max}`);
  return value;
}

function bytes(value: unknown, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) fail(what, 'must be a byte string');
  if (length !== undefined && value.byteLength !== length) fail(what, `must be ${length} bytes`);
  return value;
}

function text(value: unknown, what: string, maxLength = MAX_ID_LENGTH): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) fail(what, `must be a string of 1 to ${maxLength} characters`);
  return value;
}

function array(value: unknown, what: string, maxLength: number): unknown[] {
  if (!Array.isArray(value)) fail(what, 'must be an array');
  if (value.length > maxLength) fail(what, `has ${value.length} entries, more than ${maxLength}`);
  return value;
}

const hash = (value: unknown, what: string) => bytes(value, what, HASH_BYTES);
const signature = (value: unknown, what: string) => bytes(value, what, ED25519_SIGNATURE_BYTES);

function voteType(value: unknown, what: string): VoteType {
  if (value !== 'prevote' && value !== 'precommit') fail(what, 'must be "prevote" or "precommit"');
  return value;
}

// --- votes -------------------------------------------------------------------------------

export function voteToCbor(vote: SignedVote): Cbor {
  return { t: vote.type, h: vote.height, r: vote.round, b: vote.blockHash, v: vote.validator, s: vote.signature };
}

export function voteFromCbor(value: unknown): SignedVote {
  const o = object(value, 'vote');
  return {
    type: voteType(o.t, 'vote.type'),
    height: integer(o.h, 'vote.height', 1, MAX_HEIGHT),
    round: integer(o.r, 'vote.round', 0, MAX_ROUND),
    blockHash: o.b === null ? null : hash(o.b, 'vote.blockHash'),
    validator: text(o.v, 'vote.validator'),
    signature: signature(o.s, 'vote.signature'),
  };
}

// --- proposals ---------------------------------------------------------------------------

export function proposalToCbor(proposal: SignedProposal): Cbor {
  return { h: proposal.height, r: proposal.round, p: proposal.polRound, b: proposal.blockHash, v: proposal.proposer, s: proposal.signature };
}

export function proposalFromCbor(value: unknown): SignedProposal {
  const o = object(value, 'proposal');
  const round = integer(o.r, 'proposal.round', 0, MAX_ROUND);
  const polRound = integer(o.p, 'proposal.polRound', -1, MAX_ROUND);
  if (polRound >= round) fail('proposal.polRound', 'must be below the round (or -1)');
  return {
    height: integer(o.h, 'proposal.height', 1, MAX_HEIGHT),
    round,
    polRound,
    blockHash: hash(o.b, 'proposal.blockHash'),
    proposer: text(o.v, 'proposal.proposer'),
    signature: signature(o.s, 'proposal.signature'),
  };
}

// --- certificates ------------------------------------------------------------------------

const MAX_CERTIFICATE_SIGNATURES = 64;

export function certificateToCbor(certificate: CommitCertificate): Cbor {
  return {
    h: certificate.height,
    r: certificate.round,
    b: certificate.blockHash,
    s: certificate.signatures.map((entry) => [entry.validator, entry.signature]),
  };
}

export function certificateFromCbor(value: unknown, what = 'certificate'): CommitCertificate {
  const o = object(value, what);
  const signatures: CommitSignature[] = array(o.s, `${what}.signatures`, MAX_CERTIFICATE_SIGNATURES).map((entry, i) => {
    const pair = array(entry, `${what}.signatures[${i}]`, 2);
    return { validator: text(pair[0], `${what}.signatures[${i}].validator`), signature: signature(pair[1], `${what}.signatures[${i}].signature`) };
  });
  return {
    height: integer(o.h, `${what}.height`, 1, MAX_HEIGHT),
    round: integer(o.r, `${what}.round`, 0, MAX_ROUND),
    blockHash: hash(o.b, `${what}.blockHash`),
    signatures,
  };
}

// --- blocks ------------------------------------------------------------------------------

export function headerToCbor(header: BlockHeader): Cbor {
  return {
    c: header.chainId,
    h: header.height,
    t: header.timeMs,
    p: header.proposer,
    pb: header.previousBlockHash,
    lc: header.lastCommitHash,
    tx: header.txsHash,
    a: header.appHash,
  };
}

export function headerFromCbor(value: unknown): BlockHeader {
  const o = object(value, 'header');
  return {
    chainId: text(o.c, 'header.chainId'),
    height: integer(o.h, 'header.height', 1, MAX_HEIGHT),
    timeMs: integer(o.t, 'header.timeMs', 0, MAX_HEIGHT),
    proposer: text(o.p, 'header.proposer'),
    previousBlockHash: hash(o.pb, 'header.previousBlockHash'),
    lastCommitHash: hash(o.lc, 'header.lastCommitHash'),
    txsHash: hash(o.tx, 'header.txsHash'),
    appHash: hash(o.a, 'header.appHash'),
  };
}

export function blockToCbor(block: Block): Cbor {
  return {
    hd: headerToCbor(block.header),
    tx: block.txs,
    lc: block.lastCommit === null ? null : certificateToCbor(block.lastCommit),
  };
}

export interface BlockLimits {
  readonly blockMaxTxs: number;
  readonly txMaxBytes: number;
}

export function blockFromCbor(value: unknown, limits: BlockLimits): Block {
  const o = object(value, 'block');
  const txs = array(o.tx, 'block.txs', limits.blockMaxTxs).map((tx, i) => {
    const body = bytes(tx, `block.txs[${i}]`);
    if (body.byteLength === 0 || body.byteLength > limits.txMaxBytes) fail(`block.txs[${i}]`, `must be 1 to ${limits.txMaxBytes} bytes`);
    return body;
  });
  return {
    header: headerFromCbor(o.hd),
    txs,
    lastCommit: o.lc === null ? null : certificateFromCbor(o.lc, 'block.lastCommit'),
  };
}
