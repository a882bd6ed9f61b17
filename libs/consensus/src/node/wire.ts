import { decodeCanonical, encodeCanonical } from '../encoding/canonical.js';
import { describeValue } from '../encoding/describe.js';
import {
  blockFromCbor,
  blockToCbor,
  certificateFromCbor,
  certificateToCbor,
  MAX_HEIGHT,
  MAX_ROUND,
  proposalFromCbor,
  proposalToCbor,
  voteFromCbor,
  voteToCbor,
  type BlockLimits,
} from '../encoding/codec.js';
import { MalformedMessageError } from '../errors.js';
import { deriveConsensusLimits, SYNC_REQUEST_FRAME_MAX_BYTES, TX_BATCH_MAX_TXS } from '../limits.js';
import type { Block, CommitCertificate, CommittedBlock, SignedProposal, SignedVote } from '../types.js';

/**
 * Messages on the wire, per channel. Every decoder checks the size before parsing (against the
 * limits table, which is also what libs/p2p caps frames at) and the shape after; a bad message
 * raises a typed error naming what was wrong, and the sender is reported.
 */

export type ConsensusMessage =
  | { readonly kind: 'proposal'; readonly proposal: SignedProposal; readonly block: Block }
  | { readonly kind: 'vote'; readonly vote: SignedVote }
  /**
   * Where the sender is: lets peers notice they are behind (block sync) or that we lost
   * messages. Unsigned, so only a claim; the certificate of `committedHeight`, when attached,
   * proves that height was decided, and only such backed claims steer block sync.
   */
  | {
      readonly kind: 'status';
      readonly height: number;
      readonly round: number;
      readonly committedHeight: number;
      readonly certificate?: CommitCertificate;
    };

export interface WireLimits extends BlockLimits {
  readonly blockMaxBytes: number;
}

export function encodeConsensusMessage(message: ConsensusMessage): Uint8Array {
  switch (message.kind) {
    case 'proposal':
      return encodeCanonical({ k: 'proposal', p: proposalToCbor(message.proposal), b: blockToCbor(message.block) });
    case 'vote':
      return encodeCanonical({ k: 'vote', v: voteToCbor(message.vote) });
    case 'status': {
      const status = { k: 'status', h: message.height, r: message.round, c: message.committedHeight };
      return encodeCanonical(message.certificate === undefined ? status : { ...status, q: certificateToCbor(message.certificate) });
    }
  }
}

function integer(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new MalformedMessageError(`${what}: must be an integer from ${min} to ${max}`);
  }
  return value;
}

function envelope(bytes: Uint8Array, maxBytes: number, what: string): Record<string, unknown> {
  const value = decodeCanonical(bytes, maxBytes, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedMessageError(`${what}: must be a map`);
  return value as Record<string, unknown>;
}

export function decodeConsensusMessage(bytes: Uint8Array, limits: WireLimits): ConsensusMessage {
  const o = envelope(bytes, deriveConsensusLimits(limits).consensusFrameMaxBytes, 'consensus message');
  switch (o.k) {
    case 'proposal':
      return { kind: 'proposal', proposal: proposalFromCbor(o.p), block: blockFromCbor(o.b, limits) };
    case 'vote':
      return { kind: 'vote', vote: voteFromCbor(o.v) };
    case 'status': {
      const status = {
        kind: 'status' as const,
        height: integer(o.h, 'status.height', 1, MAX_HEIGHT),
        round: integer(o.r, 'status.round', 0, MAX_ROUND),
        committedHeight: integer(o.c, 'status.committedHeight', 0, MAX_HEIGHT),
      };
      if (o.q === undefined) return status;
      const certificate = certificateFromCbor(o.q, 'status.certificate');
      if (certificate.height !== status.committedHeight) throw new MalformedMessageError('status.certificate: must be the certificate of committedHeight');
      return { ...status, certificate };
    }
    default:
      throw new MalformedMessageError(`consensus message: unknown kind ${describeValue(o.k)}`);
  }
}

// --- transactions ----------------------------------------------------------------------------

/** Transactions travel in batches: one frame per flush instead of one per transaction. */
export const MAX_TX_BATCH = TX_BATCH_MAX_TXS;

export function encodeTxBatch(txs: readonly Uint8Array[]): Uint8Array {
  return encodeCanonical({ k: 'txs', t: txs });
}

/** Bytes a transaction adds to a batch frame: itself and its CBOR length header. */
export function txBatchEntryBytes(tx: Uint8Array): number {
  return tx.byteLength + (tx.byteLength < 24 ? 1 : tx.byteLength < 256 ? 2 : tx.byteLength < 65_536 ? 3 : 5);
}

/** The frame of an empty batch: the map, its keys and the array header (at most 5 bytes). */
export const TX_BATCH_FRAME_OVERHEAD_BYTES = 16;

export function decodeTxBatch(bytes: Uint8Array, limits: WireLimits): Uint8Array[] {
  const o = envelope(bytes, deriveConsensusLimits(limits).txBatchFrameMaxBytes, 'tx batch');
  if (o.k !== 'txs' || !Array.isArray(o.t)) throw new MalformedMessageError('tx batch: must be {k: "txs", t: [...]}');
  if (o.t.length === 0 || o.t.length > MAX_TX_BATCH) throw new MalformedMessageError(`tx batch: must hold 1 to ${MAX_TX_BATCH} transactions`);
  return o.t.map((tx, i) => {
    if (!(tx instanceof Uint8Array) || tx.byteLength === 0 || tx.byteLength > limits.txMaxBytes) {
      throw new MalformedMessageError(`tx batch: transaction ${i} must be 1 to ${limits.txMaxBytes} bytes`);
    }
    return tx;
  });
}

// --- block sync ------------------------------------------------------------------------------

export interface BlocksRequest {
  readonly fromHeight: number;
  readonly maxCount: number;
}

export const MAX_BLOCKS_PER_RESPONSE = 64;

export function encodeBlocksRequest(request: BlocksRequest): Uint8Array {
  return encodeCanonical({ k: 'getBlocks', f: request.fromHeight, n: request.maxCount });
}

export function decodeBlocksRequest(bytes: Uint8Array): BlocksRequest {
  const o = envelope(bytes, SYNC_REQUEST_FRAME_MAX_BYTES, 'blocks request');
  if (o.k !== 'getBlocks') throw new MalformedMessageError('blocks request: unknown kind');
  return { fromHeight: integer(o.f, 'blocks request.fromHeight', 1, MAX_HEIGHT), maxCount: integer(o.n, 'blocks request.maxCount', 1, MAX_BLOCKS_PER_RESPONSE) };
}

export function encodeBlocksResponse(blocks: readonly CommittedBlock[]): Uint8Array {
  return encodeCanonical({ k: 'blocks', b: blocks.map(({ block, certificate }) => [blockToCbor(block), certificateToCbor(certificate)]) });
}

/** A response holds blocks up to the sync budget (at least one block): the limits table's frame. */
export function blocksResponseMaxBytes(limits: WireLimits): number {
  return deriveConsensusLimits(limits).syncResponseFrameMaxBytes;
}

export function decodeBlocksResponse(bytes: Uint8Array, limits: WireLimits): CommittedBlock[] {
  const o = envelope(bytes, blocksResponseMaxBytes(limits), 'blocks response');
  if (o.k !== 'blocks' || !Array.isArray(o.b)) throw new MalformedMessageError('blocks response: must be {k: "blocks", b: [...]}');
  if (o.b.length > MAX_BLOCKS_PER_RESPONSE) throw new MalformedMessageError(`blocks response: more than ${MAX_BLOCKS_PER_RESPONSE} blocks`);
  return o.b.map((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw new MalformedMessageError(`blocks response: entry ${i} must be [block, certificate]`);
    return { block: blockFromCbor(entry[0], limits), certificate: certificateFromCbor(entry[1]) };
  });
}
