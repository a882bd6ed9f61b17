import { trace, TraceFlags, type Context, type Link, type Span, type Tracer } from '@opentelemetry/api';
import { txHash } from '../block.js';
import { toHex } from '../crypto/hash.js';
import type { Block } from '../types.js';
import type { MempoolPort } from './ports.js';

/** When and by whom the decided block was proposed, as this node saw it (absent for a synced block). */
export interface ProposalSeen {
  readonly atMs: number;
  readonly round: number;
  readonly proposer: string;
}

/**
 * Whether `context`'s span is sampled (recorded and exported; the request span may have ended
 * since): an unsampled request's transaction gets no stage spans, nobody would receive them.
 */
export function sampled(context: Context): boolean {
  const spanContext = trace.getSpanContext(context);
  return spanContext !== undefined && (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
}

/**
 * What this node's mempool knew of each transaction of a block: read before the commit, which
 * removes them from the mempool (the finality metric and the tx spans need them after).
 */
export interface TxAdmission {
  readonly hash: Uint8Array;
  readonly admittedMs: number | undefined;
  readonly trace: Context | undefined;
}

export function admissionsOf(block: Block, mempool: Pick<MempoolPort, 'admittedAtMs' | 'traceOf'>): TxAdmission[] {
  return block.txs.map((tx) => {
    const hash = txHash(tx);
    return { hash, admittedMs: mempool.admittedAtMs(hash), trace: mempool.traceOf(hash) };
  });
}

/**
 * The journey of the block's transactions that came through this node's API (their mempool
 * entry keeps the request's trace context): per transaction a consensus.tx span, child of the
 * request, from admission to commit, with the block's stages as its children:
 * consensus.tx.proposal (the decided proposal, seen to decided) and consensus.tx.commit (the
 * block executed and stored), under which the application parents its own work on the tx.
 * Block-wide spans (consensus.height) cover many transactions: they are links, not parents.
 * Transactions gossiped by peers have no parent here; recordCommitMetrics gives them a root
 * consensus.tx span after the commit, as before.
 */
export class TxCommitSpans {
  private constructor(
    private readonly spans: readonly { readonly index: number; readonly tx: Span; readonly commit: Span; readonly commitContext: Context }[],
    private readonly txCount: number,
  ) {}

  static start(
    block: Block,
    admissions: readonly TxAdmission[],
    tracer: Tracer | null,
    at: { readonly nowMs: number; readonly heightSpan: Span | null; readonly proposal: ProposalSeen | null },
  ): TxCommitSpans {
    if (tracer === null) return new TxCommitSpans([], block.txs.length);
    const height = block.header.height;
    const heightContext = at.heightSpan?.spanContext();
    const links: Link[] = heightContext === undefined ? [] : [{ context: heightContext }];
    const spans: { index: number; tx: Span; commit: Span; commitContext: Context }[] = [];
    admissions.forEach(({ hash, admittedMs, trace: parent }, index) => {
      if (parent === undefined || admittedMs === undefined || !sampled(parent)) return;
      const txSpan = tracer.startSpan('consensus.tx', { startTime: admittedMs, attributes: { 'tx.hash': toHex(hash), 'consensus.height': height }, links }, parent);
      const txContext = trace.setSpan(parent, txSpan);
      if (at.proposal !== null) {
        const { atMs, round, proposer } = at.proposal;
        tracer.startSpan('consensus.tx.proposal', { startTime: Math.max(admittedMs, atMs), attributes: { 'consensus.height': height, 'consensus.round': round, 'consensus.proposer': proposer }, links }, txContext).end(at.nowMs);
      }
      const commit = tracer.startSpan('consensus.tx.commit', { startTime: at.nowMs, attributes: { 'consensus.height': height }, links }, txContext);
      spans.push({ index, tx: txSpan, commit, commitContext: trace.setSpan(txContext, commit) });
    });
    return new TxCommitSpans(spans, block.txs.length);
  }

  /** Indexes of the transactions traced here (recordCommitMetrics leaves them alone). */
  get tracedIndexes(): ReadonlySet<number> {
    return new Set(this.spans.map((span) => span.index));
  }

  /** For the application's finalizeBlock: the consensus.tx.commit context of each traced tx, by index; undefined when none is. */
  contexts(): (Context | undefined)[] | undefined {
    if (this.spans.length === 0) return undefined;
    const contexts = new Array<Context | undefined>(this.txCount).fill(undefined);
    for (const { index, commitContext } of this.spans) contexts[index] = commitContext;
    return contexts;
  }

  end(nowMs: number): void {
    for (const { commit, tx } of this.spans) {
      commit.end(nowMs);
      tx.end(nowMs);
    }
  }
}
