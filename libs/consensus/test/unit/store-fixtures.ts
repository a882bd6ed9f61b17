import { blockHash, certificateHash, headerHash, txsHash } from '../../src/block.js';
import { sha256 } from '../../src/crypto/hash.js';
import { encodeCanonical } from '../../src/encoding/canonical.js';
import { blockToCbor, certificateToCbor } from '../../src/encoding/codec.js';
import type { StoreBlockLimits } from '../../src/store/index.js';
import type { Block, CommitCertificate, CommittedBlock, Hash } from '../../src/types.js';

/** Small limits, so tests can reach them. */
export const TEST_LIMITS: StoreBlockLimits = { blockMaxBytes: 256 * 1024, blockMaxTxs: 64, txMaxBytes: 4 * 1024 };

export const TEST_CHAIN_ID = 'store-test-chain';
const MEMBERS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR'];

/** A transaction with recognisable bytes: `tag` then padding up to `sizeBytes`. */
export function testTx(tag: string, sizeBytes = 16): Uint8Array {
  const tx = new Uint8Array(Math.max(sizeBytes, tag.length));
  tx.set(new TextEncoder().encode(tag));
  return tx;
}

/**
 * Builds a chain of committed blocks with real hashes: each header links to the previous
 * header's hash, carries the previous certificate's hash and the txs' hash, and each
 * certificate names its block's hash. Signatures are dummy 64-byte values: the store does not
 * verify them.
 */
export class TestChain {
  private previous: CommittedBlock | null = null;
  private readonly genesisHash: Hash;

  /** Chains of one genesis are identical, block for block; another genesis forks from height 1. */
  constructor(genesis = 'store-test-genesis') {
    this.genesisHash = sha256(new TextEncoder().encode(genesis));
  }

  get height(): number {
    return this.previous?.block.header.height ?? 0;
  }

  next(txs: readonly Uint8Array[] = []): CommittedBlock {
    const height = this.height + 1;
    const lastCommit = this.previous?.certificate ?? null;
    const block: Block = {
      header: {
        chainId: TEST_CHAIN_ID,
        height,
        timeMs: 1_700_000_000_000 + height * 1_000,
        proposer: MEMBERS[height % MEMBERS.length]!,
        previousBlockHash: this.previous === null ? this.genesisHash : headerHash(this.previous.block.header),
        lastCommitHash: certificateHash(lastCommit),
        txsHash: txsHash(txs),
        appHash: sha256(Uint8Array.of(height & 0xff)),
      },
      txs,
      lastCommit,
    };
    const committed = { block, certificate: certificateFor(block) };
    this.previous = committed;
    return committed;
  }

  /** `count` blocks with `txsPerBlock` distinct txs each. */
  many(count: number, txsPerBlock = 2): CommittedBlock[] {
    const blocks: CommittedBlock[] = [];
    for (let i = 0; i < count; i++) {
      const height = this.height + 1;
      blocks.push(this.next(Array.from({ length: txsPerBlock }, (_, index) => testTx(`tx-${height}-${index}`))));
    }
    return blocks;
  }
}

export function certificateFor(block: Block, round = 0): CommitCertificate {
  return {
    height: block.header.height,
    round,
    blockHash: blockHash(block),
    signatures: MEMBERS.slice(0, 4).map((validator, i) => ({ validator, signature: new Uint8Array(64).fill(i + 1) })),
  };
}

/** Canonical bytes of a committed block, for comparing what was stored with what was read. */
export function committedBytes(committed: CommittedBlock | null): Uint8Array | null {
  return committed === null ? null : encodeCanonical({ b: blockToCbor(committed.block), c: certificateToCbor(committed.certificate) });
}

/** The store key of a height in a bucket: prefix byte, then the height as 8 bytes big-endian. */
export function heightKey(prefix: number, height: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = prefix;
  new DataView(key.buffer).setBigUint64(1, BigInt(height), false);
  return key;
}

/** The store key of a WAL entry: prefix, height (8 bytes), sequence (4 bytes), big-endian. */
export function walKey(prefix: number, height: number, sequence: number): Uint8Array {
  const key = new Uint8Array(13);
  key[0] = prefix;
  const view = new DataView(key.buffer);
  view.setBigUint64(1, BigInt(height), false);
  view.setUint32(9, sequence, false);
  return key;
}

export const utf8 = (text: string) => new TextEncoder().encode(text);
export const fromUtf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
