import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { rewritePrometheusConfig, systemTool } from '../../src/devnet/prometheus-server.js';
import { endpointsOf } from '../../src/launcher/endpoints.js';
import { PROMETHEUS_TARGETS_FILE, prometheusTargetsOf, renderPrometheusTargets } from '../../src/launcher/prometheus-targets.js';
import { runningMembers } from '../support/running-members.js';

/**
 * `promtool check config` (Debian package prometheus) on the shipped
 * deploy/prometheus/prometheus.yml, unchanged, in a temporary folder that mirrors the
 * repository's layout: deploy/prometheus/ beside .devnet/prometheus/targets.json as `npm start`
 * writes it. promtool checks the rule files and the file_sd targets files the configuration
 * names, resolving relative paths against the configuration's folder as Prometheus does, so the
 * check also proves the relative path reaches the launcher's file.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const shippedConfig = join(repositoryRoot, 'deploy/prometheus/prometheus.yml');
const shippedRules = join(repositoryRoot, 'deploy/prometheus/alerts.yml');

let promtool = '';
let root = '';
let config = '';
let targetsFile = '';

function checkConfig(file = config): { status: number | null; output: string } {
  const result = spawnSync(promtool, ['check', 'config', file], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  promtool = systemTool('promtool', 'prometheus');
  root = await mkdtemp(join(tmpdir(), 'prometheus-config-'));
  await mkdir(join(root, 'deploy/prometheus'), { recursive: true });
  await mkdir(join(root, '.devnet/prometheus'), { recursive: true });
  config = join(root, 'deploy/prometheus/prometheus.yml');
  await copyFile(shippedConfig, config);
  // The generated rules once they are in this branch; until then a valid empty rule file stands in.
  if (existsSync(shippedRules)) await copyFile(shippedRules, join(root, 'deploy/prometheus/alerts.yml'));
  else await writeFile(join(root, 'deploy/prometheus/alerts.yml'), 'groups: []\n');
  targetsFile = join(root, '.devnet', PROMETHEUS_TARGETS_FILE);
});

afterAll(async () => rm(root, { recursive: true, force: true }));

describe('deploy/prometheus/prometheus.yml', () => {
  it('passes promtool check config with its rule file and the targets npm start writes', async () => {
    await writeFile(targetsFile, renderPrometheusTargets(prometheusTargetsOf(endpointsOf(join(root, '.devnet'), 'sp-consortium-devnet', 1, new Date(0), runningMembers(5)))));
    const { status, output } = checkConfig();
    expect(output).toContain('SUCCESS: 1 rule files found');
    expect(output).not.toContain('WARNING');
    expect(status, output).toBe(0);
  });

  it('passes with the empty list a stopped devnet leaves', async () => {
    await writeFile(targetsFile, renderPrometheusTargets([]));
    const { status, output } = checkConfig();
    expect(output).not.toContain('WARNING');
    expect(status, output).toBe(0);
  });

  it('reads the targets from .devnet/prometheus/targets.json beside deploy/ (the path is relative to the configuration), and refuses a broken one', async () => {
    await rm(targetsFile);
    expect(checkConfig().output).toContain(`WARNING: file "${targetsFile}" for file_sd in scrape job "consortium-node" does not exist`);
    await writeFile(targetsFile, '[{"targets": "127.0.0.1:26700"}]\n');
    const broken = checkConfig();
    expect(broken.output).toContain(`checking SD file "${targetsFile}"`);
    expect(broken.status).not.toBe(0);
    await writeFile(targetsFile, renderPrometheusTargets([]));
  });

  it('scrapes the nodes every 5 s at /metrics, loads alerts.yml and sends alerts to the Alertmanager on 127.0.0.1:9093', async () => {
    const parsed = parseYaml(await readFile(shippedConfig, 'utf8')) as {
      global: Record<string, string>;
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
      scrape_configs: { job_name: string; metrics_path: string; file_sd_configs: { files: string[] }[] }[];
    };
    expect(parsed.global).toMatchObject({ scrape_interval: '5s', evaluation_interval: '5s' });
    expect(parsed.rule_files).toEqual(['alerts.yml']);
    expect(parsed.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['127.0.0.1:9093']);
    expect(parsed.scrape_configs).toEqual([
      expect.objectContaining({ job_name: 'consortium-node', metrics_path: '/metrics', file_sd_configs: [{ files: ['../../.devnet/prometheus/targets.json'] }] }),
    ]);
  });

  it('rewritten for a test (targets file, Alertmanager, intervals) stays valid and keeps everything else', async () => {
    const rewritten = rewritePrometheusConfig(await readFile(shippedConfig, 'utf8'), { targetsFile, alertmanager: '127.0.0.1:19093', intervalSeconds: 1 });
    const file = join(root, 'deploy/prometheus/test.yml');
    await writeFile(file, rewritten);
    const { status, output } = checkConfig(file);
    expect(status, output).toBe(0);
    const before = parseYaml(await readFile(shippedConfig, 'utf8')) as Record<string, unknown>;
    const after = parseYaml(rewritten) as Record<string, unknown>;
    expect(after).toEqual({
      ...before,
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      alerting: { alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:19093'] }] }] },
      scrape_configs: [{ ...(before.scrape_configs as object[])[0], file_sd_configs: [{ files: [targetsFile] }] }],
    });
    expect(() => rewritePrometheusConfig('global: {}\n', { targetsFile, alertmanager: 'x:1', intervalSeconds: 1 })).toThrow(/no job consortium-node/);
  });
});
