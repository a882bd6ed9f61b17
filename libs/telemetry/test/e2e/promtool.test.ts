import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogRecorder, setupTelemetry, type Telemetry } from '../../src/index.js';
import { requireSystemTool } from '../support/system-tools.js';

/**
 * The real `promtool check metrics` (Debian package prometheus) reads our /metrics page. It
 * exits 0 only when the page parses and passes its lint: counters end in _total, nothing else
 * does, units are base units, no reserved labels. The project's own names pass because the
 * catalogue enforces the same rules (checkMetricDefinition), and we do not expose prom-client's
 * default metrics, whose gauge `nodejs_active_handles_total` fails the lint.
 */
function promtoolCheckMetrics(promtool: string, page: string) {
  const result = spawnSync(promtool, ['check', 'metrics'], { input: page, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

let telemetry: Telemetry;
let promtool: string;

beforeAll(() => {
  promtool = requireSystemTool('promtool', 'prometheus');
  telemetry = setupTelemetry({ serviceName: 'consortium-node', memberId: 'Telenor-NO', env: {}, logDestination: new LogRecorder() });
});
afterAll(async () => telemetry.shutdown());

describe('promtool check metrics', () => {
  it('accepts the full page: every area, with values, and OpenTelemetry instruments', async () => {
    const { metrics } = telemetry;
    metrics.api.requestsTotal.inc({ route: '/v1/statements/:id', method: 'GET', status_class: '4xx' });
    metrics.api.requestDurationSeconds.observe({ route: '/v1/statements/:id', method: 'GET' }, 0.004);
    metrics.api.requestsInFlight.set(0);
    metrics.security.authAttemptsTotal.inc({ outcome: 'success' });
    metrics.security.rateLimitedRequestsTotal.inc({ route: '/v1/statements/:id', scope: 'client' });
    metrics.security.refusedPeersTotal.inc({ reason: 'not_member' });
    metrics.security.invalidMessagesTotal.inc({ kind: 'oversized' });
    telemetry.meter('test').createHistogram('example_otel_work_seconds', { advice: { explicitBucketBoundaries: [0.01, 0.1] } }).record(0.05);
    const page = (await telemetry.renderMetrics()).body;
    expect(page).toContain('example_otel_work_seconds_bucket');
    expect(promtoolCheckMetrics(promtool, page)).toEqual({ status: 0, output: '' });
  });

  it('rejects what the catalogue forbids, so the check above can fail', () => {
    const page = '# HELP consortium_bad_handles_total Open handles.\n# TYPE consortium_bad_handles_total gauge\nconsortium_bad_handles_total 3\n';
    const result = promtoolCheckMetrics(promtool, page);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('non-counter metrics should not have "_total" suffix');
  });
});
