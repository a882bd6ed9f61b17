import { describe, expect, it } from 'vitest';
import { MetricsPageError } from '../../src/server/errors.js';
import { parsePrometheusText } from '../../src/server/collect/prom-text.js';
import { nodeTelemetry, pageOf } from './server-fixtures.js';

describe('parsePrometheusText', () => {
  it('reads every sample of a node page rendered by the telemetry catalogue', async () => {
    const node = nodeTelemetry('M1', '1.2.3');
    node.metrics.consensus.height.set(42);
    node.metrics.p2p.peerConnected.set({ member: 'M2' }, 1);
    node.metrics.consensus.blockIntervalSeconds.observe(0.7);
    const samples = parsePrometheusText(await pageOf(node), 100_000);
    expect(samples.find((s) => s.name === 'consortium_consensus_height')?.value).toBe(42);
    expect(samples.find((s) => s.name === 'consortium_p2p_peer_connected' && s.labels['member'] === 'M2')?.value).toBe(1);
    expect(samples.find((s) => s.name === 'consortium_process_info')?.labels['version']).toBe('1.2.3');
    const inf = samples.find((s) => s.name === 'consortium_consensus_block_interval_seconds_bucket' && s.labels['le'] === '+Inf');
    expect(inf?.value).toBe(1);
    await node.shutdown();
  });

  it('unescapes label values, reads special values and ignores timestamps and comments', () => {
    const samples = parsePrometheusText('# HELP x a\n# TYPE x gauge\nx{a="q\\"uote",b="back\\\\slash",c="new\\nline"} +Inf 1700000000000\ny NaN\nz -Inf\nw{} 1.5e3\n', 10);
    expect(samples).toHaveLength(4);
    expect(samples[0]).toEqual({ name: 'x', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: Number.POSITIVE_INFINITY });
    expect(samples[1]!.value).toBeNaN();
    expect(samples[2]!.value).toBe(Number.NEGATIVE_INFINITY);
    expect(samples[3]).toEqual({ name: 'w', labels: {}, value: 1500 });
  });

  it('refuses a malformed line with MetricsPageError naming it', () => {
    const error = (() => {
      try {
        parsePrometheusText('ok 1\nbad{a=1} 2\n', 10);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(MetricsPageError);
    expect((error as MetricsPageError).line).toBe(2);
    expect(() => parsePrometheusText('x{a="open} 1', 10)).toThrow(MetricsPageError);
    expect(() => parsePrometheusText('x notanumber', 10)).toThrow(MetricsPageError);
    expect(() => parsePrometheusText('9x 1', 10)).toThrow(MetricsPageError);
  });

  it('reads a page of exactly samplesMax samples and refuses one more', () => {
    const page = Array.from({ length: 100 }, (_, i) => `s{i="${i}"} ${i}`).join('\n');
    expect(parsePrometheusText(page, 100)).toHaveLength(100);
    expect(() => parsePrometheusText(`${page}\nextra 1`, 100)).toThrow(MetricsPageError);
  });
});
