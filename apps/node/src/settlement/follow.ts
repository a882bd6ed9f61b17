import { toHex, txHash, type ConsensusNode } from '@consortium/consensus';
import { settlementToJson } from '@consortium/settlement';
import type { Logger } from 'pino';
import type { NodeEvents } from '../security/node-events.js';
import type { SettlementParts } from './start.js';

/**
 * What the node does after each committed block for settlement: keeps each transaction's
 * outcome (GET /v1/txs/:hash answers with it), lets the member's desk move its work on and
 * observe its pairs' new batches for anomalies, and publishes the block's settlement events on
 * the event stream (public chain facts: the chain holds no records, no volumes and no rates).
 * An anomaly the desk raises goes to the pair's two operators only: its volume and baseline are
 * the parties' data (T33).
 */
export function followSettlement(settlement: SettlementParts, consensus: ConsensusNode, events: NodeEvents, logger: Logger): void {
  settlement.app.onCommitted((block) => {
    for (const event of block.events) events.publish({ type: 'settlement', audience: { scope: 'public' }, data: { height: block.height, timeMs: block.timeMs, ...(settlementToJson(event) as { type: string }) } });
    // Its batches of the member's pairs, queued for anomaly detection (a failure is logged; the next block retries).
    void settlement.detection.blockCommitted(block);
  });
  settlement.detection.onAnomaly((anomaly) => {
    events.publish({ type: 'settlement', audience: { scope: 'parties', members: [anomaly.creditor, anomaly.debtor] }, data: { height: anomaly.height, timeMs: anomaly.timeMs, type: 'anomaly', anomaly: settlementToJson(anomaly) } });
  });
  consensus.onCommit(({ block }, result) => {
    const outcomes = block.txs.map((tx, index) => {
      const r = result.txResults[index];
      return { hash: toHex(txHash(tx)), index, ok: r?.ok === true, code: r?.ok === true ? 'ok' : (r?.code ?? 'refused'), log: r?.log ?? '' };
    });
    void (async () => {
      await settlement.store.putAll(outcomes.map((o) => ({ kind: 'txresult' as const, id: o.hash, value: { height: block.header.height, index: o.index, ok: o.ok, code: o.code, log: o.log } })));
      await settlement.desk.afterCommit(outcomes);
    })().catch((error: unknown) => logger.error({ err: error, height: block.header.height }, 'settlement follow-up of a committed block failed'));
  });
}
