import type { ConsensusParams } from './genesis/types.js';

/**
 * Every size limit of consensus, derived in one place from the genesis block parameters: what
 * the WAL and the store accept, the frame caps of each channel (libs/p2p takes them from this
 * table through apps/node's configuration), block sync's request and response budgets, and the
 * per-peer bounds on buffered and queued input. The envelope margin is written once, here.
 *
 * Rule: every frame a node may send is at most what every receiver accepts, because both read
 * the same table from the same genesis. Genesis validation refuses parameters whose largest
 * frame would not fit TRANSPORT_FRAME_MAX_BYTES (see findLimitProblems).
 */

const KiB = 1024;
const MiB = 1024 * KiB;

/** Room around a payload for its envelope: message kind, proposal fields, signatures, CBOR headers. */
export const ENVELOPE_MARGIN_BYTES = 64 * KiB;

/**
 * Largest frame consensus ever hands a transport, and so the bound on every block: libs/p2p
 * carries frames up to its own ceiling (64 MiB, P2P_FRAME_CEILING_BYTES; apps/node checks this
 * fits under it), but every node decodes, hashes, logs and stores each block several times, and
 * a node busy for seconds with one frame misses its peers' pings and loses its connections
 * (measured: a 32 MiB block on a loaded two-core machine took minutes and cut connections).
 * 8 MiB frames allow blocks of about 7.8 MiB, twice the default 4 MiB, far above what
 * settlement needs (statements of about a kilobyte).
 */
export const TRANSPORT_FRAME_MAX_BYTES = 8 * MiB;

/**
 * A certificate holds at most 64 signatures (codec's MAX_CERTIFICATE_SIGNATURES), each a
 * validator id (at most 64 UTF-16 units, so at most 192 UTF-8 bytes) and 64 signature bytes with
 * their CBOR headers: under 17 KiB; 32 KiB leaves room without allowing nonsense.
 */
export const CERTIFICATE_MAX_BYTES = 32 * KiB;

/** A header holds four hashes, two ids of at most 64 characters, a height and a time: under 1 KiB. */
const HEADER_MAX_BYTES = 8 * KiB;
/** A CBOR byte string's header: at most 5 bytes for lengths below 2^32. */
const TX_LENGTH_PREFIX_MAX_BYTES = 5;

/** Transactions per gossip frame; bytes are bounded by txBatchFrameMaxBytes. */
export const TX_BATCH_MAX_TXS = 1024;
/** A gossip frame holds at least this much (one maximal transaction when txMaxBytes is larger). */
const TX_BATCH_FRAME_MIN_BYTES = 1 * MiB;

/** Blocks asked for per sync request; at most MAX_BLOCKS_PER_RESPONSE (64) on the wire. */
export const SYNC_BLOCKS_PER_REQUEST = 16;
/** A sync request names a height range: tiny by nature. */
export const SYNC_REQUEST_FRAME_MAX_BYTES = 1 * KiB;
/** A sync response carries blocks up to this many bytes, and always at least one block. */
const SYNC_RESPONSE_TARGET_BYTES = 4 * MiB;

/** The genesis parameters every size derives from. */
export type BlockParams = Pick<ConsensusParams, 'blockMaxBytes' | 'blockMaxTxs' | 'txMaxBytes'>;

/** What a receiver accepts from one peer on one channel, per second (a token bucket). */
export interface ChannelRate {
  readonly framesPerSecond: number;
  readonly burstFrames: number;
  readonly bytesPerSecond: number;
  readonly burstBytes: number;
}

export interface ConsensusLimits extends BlockParams {
  /** A block in canonical CBOR: transactions, their length prefixes, the header and the last commit. */
  readonly encodedBlockMaxBytes: number;
  /** A block with its own certificate, as stored and as block sync sends it. */
  readonly committedBlockMaxBytes: number;
  /** A WAL entry: at most a proposal with its block, in its envelope. The store accepts exactly this. */
  readonly walEntryMaxBytes: number;
  /** A consensus frame: at most a proposal with its block. */
  readonly consensusFrameMaxBytes: number;
  readonly txBatchMaxTxs: number;
  /** A tx gossip frame; the sender packs transactions up to it. */
  readonly txBatchFrameMaxBytes: number;
  readonly syncRequestFrameMaxBytes: number;
  readonly syncBlocksPerRequest: number;
  /** Bytes of stored blocks a server puts in one response (at least one block whatever its size). */
  readonly syncResponseBudgetBytes: number;
  readonly syncResponseFrameMaxBytes: number;
  /** The largest of every frame above: what genesis validation compares with TRANSPORT_FRAME_MAX_BYTES. */
  readonly largestFrameBytes: number;
  /** Messages of the next height held until it starts, per validator that signed them. */
  readonly futureBufferMessagesPerValidator: number;
  readonly futureBufferBytesPerValidator: number;
  /** Inputs from one peer waiting for the consensus routine. */
  readonly inputQueueTasksPerPeer: number;
  readonly inputQueueBytesPerPeer: number;
  /** What a node re-sends of a stalled height, at most, per second (scaled to its status period). */
  readonly relayFramesPerSecond: number;
  readonly relayBytesPerSecond: number;
  /** What a node gossips of its clients' transactions, at most, per second. */
  readonly txGossipBytesPerSecond: number;
  /** What a receiver accepts from one peer per channel; relay and gossip budgets stay at half of it. */
  readonly receiveRates: { readonly consensus: ChannelRate; readonly tx: ChannelRate; readonly sync: ChannelRate };
}

export function deriveConsensusLimits(params: BlockParams): ConsensusLimits {
  const { blockMaxBytes, blockMaxTxs, txMaxBytes } = params;
  const encodedBlockMaxBytes = blockMaxBytes + blockMaxTxs * TX_LENGTH_PREFIX_MAX_BYTES + HEADER_MAX_BYTES + CERTIFICATE_MAX_BYTES;
  const committedBlockMaxBytes = encodedBlockMaxBytes + CERTIFICATE_MAX_BYTES;
  const consensusFrameMaxBytes = encodedBlockMaxBytes + ENVELOPE_MARGIN_BYTES;
  const txBatchFrameMaxBytes = Math.max(TX_BATCH_FRAME_MIN_BYTES, txMaxBytes + ENVELOPE_MARGIN_BYTES);
  const syncResponseBudgetBytes = SYNC_RESPONSE_TARGET_BYTES;
  const syncResponseFrameMaxBytes = Math.max(syncResponseBudgetBytes, committedBlockMaxBytes) + ENVELOPE_MARGIN_BYTES;
  const txReceiveBytesPerSecond = Math.max(16 * MiB, 4 * txBatchFrameMaxBytes);
  return {
    blockMaxBytes,
    blockMaxTxs,
    txMaxBytes,
    encodedBlockMaxBytes,
    committedBlockMaxBytes,
    walEntryMaxBytes: consensusFrameMaxBytes,
    consensusFrameMaxBytes,
    txBatchMaxTxs: TX_BATCH_MAX_TXS,
    txBatchFrameMaxBytes,
    syncRequestFrameMaxBytes: SYNC_REQUEST_FRAME_MAX_BYTES,
    syncBlocksPerRequest: SYNC_BLOCKS_PER_REQUEST,
    syncResponseBudgetBytes,
    syncResponseFrameMaxBytes,
    largestFrameBytes: Math.max(consensusFrameMaxBytes, txBatchFrameMaxBytes, syncResponseFrameMaxBytes),
    // Two proposals (an equivocator's two values) and a few rounds of votes.
    futureBufferMessagesPerValidator: 64,
    futureBufferBytesPerValidator: 2 * consensusFrameMaxBytes,
    // A relaying peer sends at most a tick's relay budget at once; twice that is room enough.
    inputQueueTasksPerPeer: 1024,
    inputQueueBytesPerPeer: 2 * consensusFrameMaxBytes,
    relayFramesPerSecond: 64,
    relayBytesPerSecond: 2 * consensusFrameMaxBytes,
    txGossipBytesPerSecond: txReceiveBytesPerSecond / 2,
    receiveRates: {
      // A handful of messages per round per member, rounds of about a second; bursts of catch-up
      // and relays. Bytes: two proposals' worth per second, twice that in a burst, and the
      // relay budget (half of it) on top of a node's own traffic.
      consensus: { framesPerSecond: 200, burstFrames: 400, bytesPerSecond: 4 * consensusFrameMaxBytes, burstBytes: 8 * consensusFrameMaxBytes },
      tx: { framesPerSecond: 1000, burstFrames: 2000, bytesPerSecond: txReceiveBytesPerSecond, burstBytes: 2 * txReceiveBytesPerSecond },
      sync: { framesPerSecond: 20, burstFrames: 40, bytesPerSecond: 20 * SYNC_REQUEST_FRAME_MAX_BYTES, burstBytes: 40 * SYNC_REQUEST_FRAME_MAX_BYTES },
    },
  };
}

/**
 * The largest blockMaxBytes whose frames still fit TRANSPORT_FRAME_MAX_BYTES, for this many
 * transactions per block (each adds its length prefix to every frame that carries the block).
 */
export function maxLegalBlockMaxBytes(blockMaxTxs: number): number {
  const overhead = blockMaxTxs * TX_LENGTH_PREFIX_MAX_BYTES + HEADER_MAX_BYTES + 2 * CERTIFICATE_MAX_BYTES + ENVELOPE_MARGIN_BYTES;
  return TRANSPORT_FRAME_MAX_BYTES - overhead;
}

/** The largest txMaxBytes: one transaction filling the largest legal block of one transaction (its gossip frame fits too). */
export const MAX_LEGAL_TX_MAX_BYTES = maxLegalBlockMaxBytes(1);

/** Problems with block parameters whose derived frames the transport could not carry (genesis validation). */
export function findLimitProblems(params: BlockParams): string[] {
  const limits = deriveConsensusLimits(params);
  const problems: string[] = [];
  const blockFrameBytes = Math.max(limits.consensusFrameMaxBytes, limits.syncResponseFrameMaxBytes);
  if (blockFrameBytes > TRANSPORT_FRAME_MAX_BYTES) {
    problems.push(
      `consensus.blockMaxBytes: ${params.blockMaxBytes} bytes with blockMaxTxs ${params.blockMaxTxs} makes frames of up to ` +
        `${blockFrameBytes} bytes, more than the ${TRANSPORT_FRAME_MAX_BYTES} bytes a transport frame carries; ` +
        `at most ${maxLegalBlockMaxBytes(params.blockMaxTxs)} with this blockMaxTxs`,
    );
  }
  if (limits.txBatchFrameMaxBytes > TRANSPORT_FRAME_MAX_BYTES) {
    problems.push(`consensus.txMaxBytes: ${params.txMaxBytes} bytes makes gossip frames larger than a transport frame; at most ${MAX_LEGAL_TX_MAX_BYTES}`);
  }
  return problems;
}
