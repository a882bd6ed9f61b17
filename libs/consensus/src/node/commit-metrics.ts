import type { Span, Tracer } from '@opentelemetry/api';
import type { ConsensusMetrics } from '@consortium/telemetry';
import { toHex } from '../crypto/hash.js';
import type { CommittedBlock } from '../types.js';
import type { ValidatorSet } from '../validators.js';
import { encodedBlockBytes } from './execution.js';
import type { TxAdmission } from './tx-traces.js';

/**
 * What a commit tells the operator: height, block size and transactions, the proposer, the
 * interval since the previous commit, the validators missing from the certificate, each
 * transaction's finality (from its admission to this node's mempool) and a consensus.tx span
 * per transaction linked to the height's span.
 */
export function recordCommitMetrics(
  committed: CommittedBlock,
  timing: {
    readonly nowMs: number;
    readonly lastCommitMs: number | null;
    readonly heightSpan: Span | null;
    /** Each tx's admission to this mempool, read before the commit removed them (tx-traces.ts). */
    readonly admissions: readonly TxAdmission[];
    readonly traced?: ReadonlySet<number>;
  },
  deps: {
    readonly metrics: { readonly consensus: ConsensusMetrics } | null;
    readonly validators: ValidatorSet;
    readonly tracer: Tracer | null;
  },
): void {
  const { block, certificate } = committed;
  const { nowMs, lastCommitMs, heightSpan } = timing;
  const m = deps.metrics?.consensus;
  if (m !== undefined) {
    m.height.set(block.header.height);
    m.lastBlockTimeSeconds.set(block.header.timeMs / 1000);
    m.committedTxsTotal.inc(block.txs.length);
    m.blockTxs.observe(block.txs.length);
    m.blockSizeBytes.observe(encodedBlockBytes(block));
    m.blocksProposedTotal.inc({ member: block.header.proposer });
    if (lastCommitMs !== null) m.blockIntervalSeconds.observe((nowMs - lastCommitMs) / 1000);
    const signers = new Set(certificate.signatures.map((s) => s.validator));
    const missing = deps.validators.members.filter((member) => !signers.has(member.id));
    m.missingValidators.set(missing.length);
    for (const member of missing) m.missedBlocksTotal.inc({ member: member.id });
  }
  const heightContext = heightSpan?.spanContext();
  for (const [index, { hash, admittedMs }] of timing.admissions.entries()) {
    if (admittedMs === undefined) continue;
    m?.finalitySeconds.observe((nowMs - admittedMs) / 1000);
    // A client's tx traced through its stages already has its span (tx-traces.ts).
    if (deps.tracer !== null && timing.traced?.has(index) !== true) {
      // A root: the height's span is active here, and the tx is linked to it, not its child.
      const span = deps.tracer.startSpan('consensus.tx', {
        root: true,
        startTime: admittedMs,
        attributes: { 'tx.hash': toHex(hash), 'consensus.height': block.header.height },
        links: heightContext === undefined ? [] : [{ context: heightContext }],
      });
      span.end(nowMs);
    }
  }
}
