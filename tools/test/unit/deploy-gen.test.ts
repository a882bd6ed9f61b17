import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { alertRules, conditionToPromQL, type AlertRule } from '@consortium/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertRuleFiles, InvalidAlertRulesError } from '../../src/deploy-gen/alerts.js';
import { findDuplicatePaths, staleFiles } from '../../src/deploy-gen/check.js';
import { deployGenerators } from '../../src/deploy-gen/generators.js';

const rootDir = resolve(import.meta.dirname, '../../..');
const nodeDown = alertRules.find((rule) => rule.name === 'NodeDown') as AlertRule;

describe('deploy-gen: the alert rule files', () => {
  const [rulesFile, testsFile] = alertRuleFiles();

  it('are committed as generated (run `npm run deploy:generate` when this fails)', async () => {
    expect(await staleFiles(rootDir, deployGenerators.flatMap((generate) => generate()))).toEqual([]);
  });

  it('hold every rule once, grouped by area, with its PromQL, for, severity and annotations', () => {
    const parsed = parse(rulesFile?.content ?? '') as { groups: { name: string; rules: { alert: string; expr: string; for: string; labels: { severity: string }; annotations: Record<string, string> }[] }[] };
    const rules = parsed.groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert).sort()).toEqual(alertRules.map((rule) => rule.name).sort());
    expect(parsed.groups.map((group) => group.name)).toContain('consortium-security');
    const down = rules.find((rule) => rule.alert === 'NodeDown');
    expect(down).toEqual({
      alert: 'NodeDown',
      expr: 'max by (member) (up) == 0',
      for: '10s',
      labels: { severity: 'critical' },
      annotations: { summary: nodeDown.summary, description: nodeDown.description, runbook_url: 'docs/operations.md#node-down' },
    });
    for (const rule of alertRules) expect(rules.find((r) => r.alert === rule.name)?.expr).toBe(conditionToPromQL(rule.condition));
  });

  it('test each rule with a firing and a quiet case, expectations expanded', () => {
    const parsed = parse(testsFile?.content ?? '') as { rule_files: string[]; tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[] }[] }[] };
    expect(parsed.rule_files).toEqual(['alerts.yml']);
    expect(parsed.tests).toHaveLength(alertRules.length * 2);
    const fires = parsed.tests.find((test) => test.name === 'NodeDown fires');
    expect(fires?.alert_rule_test[0]?.exp_alerts).toEqual([
      {
        exp_labels: { member: 'Orange-FR', severity: 'critical' },
        exp_annotations: {
          summary: 'Orange-FR is down',
          description: nodeDown.description.replace('{{ $labels.member }}', 'Orange-FR'),
          runbook_url: 'docs/operations.md#node-down',
        },
      },
    ]);
    expect(parsed.tests.find((test) => test.name === 'NodeDown quiet')?.alert_rule_test[0]?.exp_alerts).toEqual([]);
  });

  it('are refused for rules that fail their checks, with the problems listed', () => {
    const broken: AlertRule = { ...nodeDown, condition: { ...nodeDown.condition, metric: 'consortium_nothing_total' } };
    expect(() => alertRuleFiles([broken])).toThrow(InvalidAlertRulesError);
    expect(() => alertRuleFiles([broken])).toThrow('NodeDown: metric consortium_nothing_total is not in the catalogue');
  });
});

describe('deploy-gen: staleness', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-gen-'));
    await mkdir(join(dir, 'deploy'), { recursive: true });
    await writeFile(join(dir, 'deploy/a.yml'), 'a: 1\n');
    await writeFile(join(dir, 'deploy/b.yml'), 'b: 1\n');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('names a file that differs or is missing, not one that is current', async () => {
    const files = [
      { path: 'deploy/a.yml', content: 'a: 1\n' },
      { path: 'deploy/b.yml', content: 'b: 2\n' },
      { path: 'deploy/c.yml', content: 'c: 1\n' },
    ];
    expect(await staleFiles(dir, files)).toEqual(['deploy/b.yml', 'deploy/c.yml']);
  });

  it('refuses two generators writing one path', () => {
    expect(findDuplicatePaths([{ path: 'x', content: '' }, { path: 'y', content: '' }, { path: 'x', content: '' }])).toEqual(['x']);
  });
});
