import type { Application } from '../application.js';
import { blockHash, certificateHash, txHash, txsHash } from '../block.js';
import { verifyCommitCertificate } from '../certificate.js';
import type { Ed25519Verifier } from '../crypto/ed25519.js';
import { toHex } from '../crypto/hash.js';
import { bytesEqual } from '../encoding/canonical.js';
import type { ConsensusParams } from '../genesis/types.js';
import type { Block, Hash } from '../types.js';
import type { ValidatorSet } from '../validators.js';
import type { ChainHead } from './chain-head.js';
import type { ChainStorePort } from './ports.js';

/**
 * Is `block` a correct next block after `head`? Checked before a validator prevotes for it
 * (valid(v) of the algorithm) and before a synced block is applied. Returns the first problem
 * found, or null. The application's verdict comes last, only for blocks consensus accepts.
 */

export interface BlockCheckContext {
  readonly chainId: string;
  readonly params: ConsensusParams;
  readonly validators: ValidatorSet;
  readonly verifier: Ed25519Verifier;
  readonly store: Pick<ChainStorePort, 'findTxs'>;
  /**
   * Latest block time accepted (the local clock plus the allowed drift), for proposals; block
   * sync leaves it out: a certified block was judged timely by a quorum when it was decided.
   */
  readonly maxTimeMs?: number;
}

/**
 * Does the block carry exactly what its hash commits to? The block hash is the header's; the
 * header commits to the transactions (txsHash) and to the last commit (lastCommitHash). A
 * relay that changed any of them is caught here, before the proposal is deduplicated by hash.
 */
export function blockHashProblem(block: Block, expectedHash: Hash): string | null {
  if (!bytesEqual(blockHash(block), expectedHash)) return 'the header does not hash to the proposed block hash';
  if (!bytesEqual(block.header.txsHash, txsHash(block.txs))) return 'the transactions do not hash to the header';
  if (!bytesEqual(block.header.lastCommitHash, certificateHash(block.lastCommit))) return 'the last commit does not hash to the header';
  return null;
}

export async function findBlockProblem(block: Block, expectedHash: Hash, head: ChainHead, context: BlockCheckContext): Promise<string | null> {
  const { header, txs } = block;
  const height = head.height + 1;
  if (header.chainId !== context.chainId) return `chain id ${header.chainId} is not ${context.chainId}`;
  if (header.height !== height) return `height ${header.height} does not follow ${head.height}`;
  const hashProblem = blockHashProblem(block, expectedHash);
  if (hashProblem !== null) return hashProblem;
  if (!context.validators.has(header.proposer)) return `proposer ${header.proposer} is not a validator`;
  if (!bytesEqual(header.previousBlockHash, head.blockHash)) return 'previous block hash does not match the chain';
  if (header.timeMs <= head.timeMs) return `time ${header.timeMs} is not after the previous block's ${head.timeMs}`;
  if (context.maxTimeMs !== undefined && header.timeMs > context.maxTimeMs) {
    return `time ${header.timeMs} is ahead of this node's clock by more than the allowed drift (latest accepted ${context.maxTimeMs})`;
  }
  if (!bytesEqual(header.appHash, head.appHash)) return `app hash ${toHex(header.appHash)} differs from ours ${toHex(head.appHash)}`;

  if (head.height === 0) {
    if (block.lastCommit !== null) return 'the first block has no last commit';
  } else {
    if (block.lastCommit === null) return 'last commit is missing';
    try {
      verifyCommitCertificate(block.lastCommit, { chainId: context.chainId, height: head.height, blockHash: head.blockHash }, context.validators, context.verifier);
    } catch (error) {
      return `last commit: ${(error as Error).message}`;
    }
  }

  if (txs.length > context.params.blockMaxTxs) return `${txs.length} transactions exceed the limit of ${context.params.blockMaxTxs}`;
  let totalBytes = 0;
  for (const tx of txs) totalBytes += tx.byteLength;
  if (totalBytes > context.params.blockMaxBytes) return `${totalBytes} bytes of transactions exceed the limit of ${context.params.blockMaxBytes}`;
  const seen = new Set<string>();
  const hashes = txs.map((tx) => txHash(tx));
  for (const hash of hashes) {
    const key = toHex(hash);
    if (seen.has(key)) return `transaction ${key.slice(0, 12)} appears twice`;
    seen.add(key);
  }
  // Replay protection: a transaction is executed at most once in the chain's life.
  const committed = (await context.store.findTxs(hashes)).findIndex((location) => location !== null);
  if (committed >= 0) return `transaction ${toHex(hashes[committed]!).slice(0, 12)} was already committed`;
  return null;
}

/** The consensus checks, then the application's own (processProposal). */
export async function isValidProposal(
  block: Block,
  expectedHash: Hash,
  head: ChainHead,
  context: BlockCheckContext,
  app: Pick<Application, 'processProposal'>,
): Promise<{ valid: boolean; problem: string | null }> {
  const problem = await findBlockProblem(block, expectedHash, head, context);
  if (problem !== null) return { valid: false, problem };
  const accepted = await app.processProposal({ header: block.header, txs: block.txs });
  return accepted ? { valid: true, problem: null } : { valid: false, problem: 'the application rejected the block' };
}
