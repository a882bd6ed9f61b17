import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertRules, checkAlertRules, type AlertRule } from '../../src/index.js';

const operationsDoc = readFileSync(resolve(import.meta.dirname, '../../../../docs/operations.md'), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    slugs.add((match[1] as string).trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-'));
  }
  return slugs;
}

const nodeDown = alertRules.find((rule) => rule.name === 'NodeDown') as AlertRule;

describe('alert rules', () => {
  it('pass every check against the catalogue', () => {
    expect(checkAlertRules(alertRules)).toEqual([]);
  });

  it('cover every condition the issue names', () => {
    const metrics = new Set(alertRules.map((rule) => rule.condition.metric));
    for (const metric of [
      'up',
      'consortium_consensus_height',
      'consortium_consensus_round_changes_total',
      'consortium_consensus_missed_blocks_total',
      'consortium_p2p_quorum_reachable',
      'consortium_consensus_block_interval_seconds',
      'consortium_security_equivocations_total',
      'consortium_zkp_prove_duration_seconds',
      'consortium_zkp_proofs_total',
      'consortium_zkp_prover_queue_depth',
      'consortium_security_auth_attempts_total',
      'consortium_security_events_total',
      'consortium_security_refused_peers_total',
      'consortium_settlement_anomalies_total',
      'consortium_settlement_disputes_total',
      'consortium_settlement_oldest_unanswered_statement_age_seconds',
      'consortium_process_cpu_seconds_total',
      'consortium_process_resident_memory_bytes',
      'consortium_host_memory_bytes',
      'consortium_host_data_disk_bytes',
      'consortium_process_event_loop_delay_seconds',
    ]) {
      expect(metrics.has(metric), metric).toBe(true);
    }
  });

  it('link a heading of docs/operations.md each', () => {
    const slugs = headingSlugs(operationsDoc);
    for (const rule of alertRules) expect(slugs.has(rule.runbook), `${rule.name} -> #${rule.runbook}`).toBe(true);
    expect(new Set(alertRules.map((rule) => rule.runbook)).size).toBe(alertRules.length);
  });

  it('use every severity', () => {
    expect(new Set(alertRules.map((rule) => rule.severity))).toEqual(new Set(['critical', 'warning', 'info']));
  });
});

describe('checkAlertRules refuses', () => {
  const variant = (change: (rule: AlertRule) => AlertRule) => checkAlertRules([change(nodeDown)]);

  it('a metric outside the catalogue', () => {
    expect(variant((r) => ({ ...r, condition: { ...r.condition, metric: 'consortium_made_up_total' } }))).toEqual([
      'NodeDown: metric consortium_made_up_total is not in the catalogue',
    ]);
  });

  it('a label the metric does not have, and a value outside its closed list', () => {
    const condition = { ...nodeDown.condition, metric: 'consortium_security_auth_attempts_total', value: { kind: 'range', fn: 'increase', windowSeconds: 60 } } as const;
    expect(variant((r) => ({ ...r, condition: { ...condition, matchers: [{ label: 'kind', op: '=', value: 'x' }] } }))).toContain(
      'NodeDown: consortium_security_auth_attempts_total has no label kind',
    );
    expect(variant((r) => ({ ...r, condition: { ...condition, matchers: [{ label: 'outcome', op: '=~', values: ['success', 'stolen'] }] } }))).toContain(
      'NodeDown: outcome="stolen" is not a value of consortium_security_auth_attempts_total',
    );
  });

  it('rate over a gauge, a histogram read without a quantile, a quantile over a gauge', () => {
    expect(variant((r) => ({ ...r, condition: { ...r.condition, value: { kind: 'range', fn: 'rate', windowSeconds: 60 } } }))).toContain('NodeDown: rate needs a counter');
    expect(variant((r) => ({ ...r, condition: { ...r.condition, metric: 'consortium_consensus_block_interval_seconds' } }))).toContain(
      'NodeDown: a histogram is read through a quantile',
    );
    expect(variant((r) => ({ ...r, condition: { ...r.condition, aggregate: 'sum', value: { kind: 'quantile', quantile: 0.9, windowSeconds: 60 } } }))).toContain(
      'NodeDown: a quantile needs a histogram',
    );
  });

  it('grouping by a label the series do not carry, and a text naming one the alert lacks', () => {
    expect(variant((r) => ({ ...r, condition: { ...r.condition, by: ['member', 'route'] } }))).toContain(
      'NodeDown: cannot aggregate by route: not a label of up (a metric\'s own member label is exported_member)',
    );
    expect(variant((r) => ({ ...r, summary: '{{ $labels.instance }} is down' }))).toContain('NodeDown: a text uses $labels.instance, which the alert does not carry (not in by)');
    expect(variant((r) => ({ ...r, summary: '{{ $value }} is down' }))).toContain('NodeDown: texts use no template code but {{ $labels.<name> }} label references');
  });

  it('examples with label values outside the catalogue, or alerts labelled otherwise than the aggregation', () => {
    const quiet = nodeDown.examples.quiet;
    const fires = nodeDown.examples.fires;
    expect(variant((r) => ({ ...r, condition: { ...r.condition, metric: 'consortium_host_data_disk_bytes' }, examples: { fires: r.examples.fires, quiet: { ...quiet, series: [{ metric: 'consortium_host_data_disk_bytes', labels: { member: 'A', instance: 'a', state: 'spare' }, values: '1' }] } } }))).toContain(
      'NodeDown: example series has state="spare", not a value of consortium_host_data_disk_bytes',
    );
    expect(variant((r) => ({ ...r, examples: { quiet, fires: { ...fires, firing: [{ member: 'Orange-FR', instance: '127.0.0.1:4101' }] } } }))).toEqual([
      "NodeDown: an example's alert labels are not exactly member",
    ]);
  });

  it('duplicate names, names not in PascalCase, anchors that are not slugs, examples that contradict their kind', () => {
    expect(checkAlertRules([nodeDown, nodeDown])).toEqual(['NodeDown: defined twice']);
    expect(variant((r) => ({ ...r, name: 'node_down' }))).toContain('node_down: a rule name is PascalCase');
    expect(variant((r) => ({ ...r, runbook: 'Node Down' }))).toContain('NodeDown: runbook anchor Node Down is not a heading slug');
    expect(variant((r) => ({ ...r, examples: { fires: r.examples.quiet, quiet: r.examples.fires } }))).toEqual([
      'NodeDown: the firing example fires nothing',
      'NodeDown: the quiet example fires',
    ]);
  });
});
