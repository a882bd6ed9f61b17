import { context, trace } from '@opentelemetry/api';
import { OtlpReceiver, setupTelemetry, type ReceivedSpan } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { toHex } from '../../../src/crypto/hash.js';
import { txHash } from '../../../src/block.js';
import { bootNode, commitHeights, deliverRound, kvTx, ReferenceChain, testConsortium } from './harness.js';

/**
 * A client's transaction traced through the node: its admission under the request that
 * submitted it, then at commit a consensus.tx span with the proposal and the commit as
 * children, linked to the height's span. The spans travel over real OTLP/HTTP (JSON) to a
 * receiver on loopback.
 */
let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await OtlpReceiver.start();
});
afterAll(async () => receiver.stop());

describe('the trace of a client transaction', () => {
  it('runs from the request through check_tx to consensus.tx, its proposal and its commit; a peer-gossiped tx is a root', async () => {
    const telemetry = setupTelemetry({ serviceName: 'consensus-test', memberId: 'm0', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, collectors: false, logLevel: 'silent' });
    const tracer = telemetry.tracer('test-client');
    const consortium = testConsortium(4);
    const chain = new ReferenceChain(consortium);
    const t = await bootNode(consortium, { options: { tracer: telemetry.tracer('@consortium/consensus') } });
    // The suites share a module graph: the global telemetry this test registered must go whatever happens.
    onTestFinished(() => telemetry.shutdown());
    await commitHeights(t, chain, 1);

    // Height 2: the client's tx comes through an active request span.
    const tx = kvTx('traced');
    const request = tracer.startSpan('api.request');
    const outcome = await context.with(trace.setSpan(context.active(), request), () => t.node.submitTx(tx));
    request.end();
    expect(outcome.accepted).toBe(true);
    // Another client's tx without a trace of its own.
    const untraced = kvTx('untraced');
    expect((await t.node.submitTx(untraced)).accepted).toBe(true);
    const block = chain.block([tx, untraced]);
    deliverRound(t, chain, block);
    await t.settle();
    expect(t.node.status().committedHeight).toBe(2);
    await t.node.stop();
    await telemetry.shutdown();

    const spans = await waitForSpans((all) => all.some((span) => span.name === 'consensus.tx.commit'));
    const one = (name: string) => {
      const found = spans.filter((span) => span.name === name && span.traceId === request.spanContext().traceId);
      expect(found, name).toHaveLength(1);
      return found[0]!;
    };
    const root = one('api.request');
    const checkTx = one('consensus.check_tx');
    const txSpan = one('consensus.tx');
    const proposal = one('consensus.tx.proposal');
    const commit = one('consensus.tx.commit');
    expect(checkTx.parentSpanId).toBe(root.spanId);
    expect(checkTx.attributes['mempool.outcome']).toBe('accepted');
    expect(txSpan.parentSpanId).toBe(root.spanId);
    expect(txSpan.attributes['tx.hash']).toBe(toHex(txHash(tx)));
    expect([proposal.parentSpanId, commit.parentSpanId]).toEqual([txSpan.spanId, txSpan.spanId]);
    expect(proposal.attributes['consensus.proposer']).toBe(chain.proposer(2, 0));
    // Linked to the height's span, a trace of its own.
    const height = spans.find((span) => span.name === 'consensus.height' && span.attributes['consensus.height'] === '2')!;
    expect(height.traceId).not.toBe(root.traceId);
    expect(txSpan.links).toEqual([{ traceId: height.traceId, spanId: height.spanId }]);
    // The untraced tx has its consensus.tx as a root, linked to the height, without stages.
    const rootTx = spans.find((span) => span.name === 'consensus.tx' && span.attributes['tx.hash'] === toHex(txHash(untraced)))!;
    expect(rootTx.parentSpanId).toBeNull();
    expect(rootTx.links).toEqual([{ traceId: height.traceId, spanId: height.spanId }]);
    expect(spans.filter((span) => span.traceId === rootTx.traceId).map((span) => span.name)).toEqual(['consensus.tx']);
  });
});

async function waitForSpans(done: (spans: ReceivedSpan[]) => boolean): Promise<ReceivedSpan[]> {
  await receiver.waitFor('/v1/traces');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const spans = receiver.jsonSpans();
    if (done(spans) || Date.now() > deadline) return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
