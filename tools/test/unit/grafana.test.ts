import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { listCataloguedMetrics, type MetricDefinition } from '@consortium/telemetry';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GRAFANA_DATASOURCE_UID, grafanaDashboard, grafanaFiles, MEMBER_VARIABLE_QUERY } from '../../src/deploy-gen/grafana.js';
import { PROMETHEUS_JOB } from '../../src/deploy-gen/grafana-panels.js';

const repositoryRoot = resolve(import.meta.dirname, '../../..');

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/**
 * The Grafana dashboard queries catalogued metrics only. Each panel's PromQL is parsed with
 * Prometheus's own grammar (@prometheus-io/lezer-promql, the one its web UI uses); every metric
 * a selector names must be in the catalogue (a histogram's _bucket, _sum and _count series
 * belong to its family) or be `up`, which Prometheus makes for every target. Labels a selector
 * matches must exist on the metric, or be a target label of deploy/prometheus/prometheus.yml,
 * and an exact match on a closed label must use one of its values.
 */

const catalogue = new Map(listCataloguedMetrics().map(({ definition }) => [definition.name, definition]));
/** Labels Prometheus attaches to every series of job consortium-node (file_sd labels, instance, job). */
const TARGET_LABELS = new Set(['member', 'chain', 'operator', 'instance', 'job']);
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;

/** Grafana's variables, replaced by what Grafana sends to Prometheus for "All" and a 1 min interval. */
function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h').replaceAll('$member', '.+');
}

interface Resolved {
  readonly definition: MetricDefinition | null;
  readonly bucket: boolean;
}

/** The catalogue definition a series name belongs to; null definition for `up`; undefined when unknown. */
function resolveMetric(name: string): Resolved | undefined {
  if (name === 'up') return { definition: null, bucket: false };
  const direct = catalogue.get(name);
  if (direct !== undefined) return { definition: direct, bucket: false };
  const family = catalogue.get(name.replace(HISTOGRAM_SERIES, ''));
  if (family?.type === 'histogram') return { definition: family, bucket: name.endsWith('_bucket') };
  return undefined;
}

function text(expr: string, node: SyntaxNode): string {
  return expr.slice(node.from, node.to);
}

function labelProblems(expr: string, selector: SyntaxNode, name: string, resolved: Resolved): string[] {
  const problems: string[] = [];
  const ownLabels = resolved.definition?.labels ?? {};
  for (const matcher of selector.getChildren('LabelMatchers').flatMap((list) => list.getChildren('UnquotedLabelMatcher'))) {
    const label = text(expr, matcher.getChild('LabelName')!);
    const op = text(expr, matcher.getChild('MatchOp')!);
    const value = JSON.parse(text(expr, matcher.getChild('StringLiteral')!)) as string;
    const known =
      label in ownLabels ||
      TARGET_LABELS.has(label) ||
      (label === 'exported_member' && 'member' in ownLabels) ||
      (label === 'le' && resolved.bucket);
    if (!known) {
      problems.push(`${name}: no label ${label}`);
      continue;
    }
    const values = ownLabels[label];
    if ((op === '=' || op === '!=') && Array.isArray(values) && !values.includes(value)) problems.push(`${name}: ${label} is never "${value}"`);
  }
  for (const quoted of selector.getChildren('LabelMatchers').flatMap((list) => [...list.getChildren('QuotedLabelMatcher'), ...list.getChildren('QuotedLabelName')])) {
    problems.push(`${name}: a quoted label or metric name (${text(expr, quoted)}) hides what is queried`);
  }
  return problems;
}

/** What is wrong with one panel query: a parse error, a metric outside the catalogue, a label or value it does not have. */
function queryProblems(rawExpr: string): string[] {
  const expr = withGrafanaVariables(rawExpr);
  const problems: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) problems.push(`does not parse at ${cursor.from}: ${expr.slice(cursor.from, cursor.from + 20)}`);
    if (cursor.name !== 'VectorSelector') continue;
    const selector = cursor.node;
    const identifier = selector.getChild('Identifier');
    if (identifier === null) {
      problems.push(`a selector without a metric name: ${text(expr, selector)}`);
      continue;
    }
    const name = text(expr, identifier);
    const resolved = resolveMetric(name);
    if (resolved === undefined) problems.push(`${name} is not in the catalogue`);
    else problems.push(...labelProblems(expr, selector, name, resolved));
  } while (cursor.next());
  return problems;
}

/** The metric names a query selects (after the checks above pass). */
function metricsOf(rawExpr: string): string[] {
  const expr = withGrafanaVariables(rawExpr);
  const names: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.name === 'VectorSelector') names.push(text(expr, cursor.node.getChild('Identifier')!));
  } while (cursor.next());
  return names;
}

interface DashboardJson {
  readonly panels: readonly {
    readonly id: number;
    readonly type: string;
    readonly title: string;
    readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
    readonly datasource?: { readonly uid: string };
    readonly targets?: readonly { readonly expr: string; readonly refId: string }[];
  }[];
  readonly templating: { readonly list: readonly { readonly name: string; readonly definition?: string; readonly current?: { readonly value: unknown } }[] };
}

async function shipped(path: string): Promise<string> {
  return readFile(join(repositoryRoot, path), 'utf8');
}

async function shippedDashboard(): Promise<DashboardJson> {
  return JSON.parse(await shipped('deploy/grafana/consortium.json')) as DashboardJson;
}

describe('deploy/grafana', () => {
  it.each(grafanaFiles().map((file) => [file.path, file.content]))('%s is what the generator writes (regenerate: npm run deploy:generate)', async (path, content) => {
    expect(await shipped(path)).toBe(content);
  });

  it('queries catalogued metrics only, with labels and values they have, in PromQL Prometheus parses', async () => {
    const dashboard = await shippedDashboard();
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    expect(queries.length).toBeGreaterThan(40);
    const problems = queries.flatMap(({ panel, expr }) => queryProblems(expr).map((problem) => `${panel}: ${problem}`));
    expect(problems).toEqual([]);
    // The member variable lists the scraped members: its selector passes the same check.
    const variable = dashboard.templating.list.find((entry) => entry.name === 'member')!;
    expect(variable.definition).toBe(MEMBER_VARIABLE_QUERY);
    expect(queryProblems(/^label_values\((.+), member\)$/.exec(MEMBER_VARIABLE_QUERY)![1]!)).toEqual([]);
  });

  it('covers every area of the catalogue the dashboard has a view for', async () => {
    const dashboard = await shippedDashboard();
    const queried = new Set(dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricsOf(target.expr))));
    const areas = new Set(listCataloguedMetrics().filter(({ definition }) => [...queried].some((name) => resolveMetric(name)?.definition === definition)).map(({ area }) => area));
    expect([...areas].sort()).toEqual(['consensus', 'host', 'p2p', 'process', 'security', 'settlement', 'storage', 'zkp']);
    expect(queried).toContain('up');
  });

  it('finds what it must refuse, so the check above can fail', () => {
    expect(queryProblems('rate(consortium_made_up_total[1m])')).toEqual(['consortium_made_up_total is not in the catalogue']);
    expect(queryProblems('consortium_consensus_height_bucket')).toEqual(['consortium_consensus_height_bucket is not in the catalogue']);
    expect(queryProblems('histogram_quantile(0.5, sum by (le) (rate(consortium_zkp_prove_duration_seconds_bucket{le="1"}[1m])))')).toEqual([]);
    expect(queryProblems('consortium_consensus_height{le="1"}')).toEqual(['consortium_consensus_height: no label le']);
    expect(queryProblems('consortium_security_auth_attempts_total{outcome="sucess"}')).toEqual(['consortium_security_auth_attempts_total: outcome is never "sucess"']);
    expect(queryProblems('consortium_consensus_height{exported_member="x"}')).toEqual(['consortium_consensus_height: no label exported_member']);
    expect(queryProblems('consortium_p2p_peer_rtt_seconds{exported_member="Orange-FR", member=~"$member"}')).toEqual([]);
    expect(queryProblems('{__name__="consortium_consensus_height"}')).toEqual(['a selector without a metric name: {__name__="consortium_consensus_height"}']);
    expect(queryProblems('sum(rate(up[1m])')).toHaveLength(1);
  });

  it('has a row per view of the dashboard, panels on the 24-column grid without overlap, unique ids', async () => {
    const { panels } = await shippedDashboard();
    expect(panels.filter((panel) => panel.type === 'row').map((panel) => panel.title)).toEqual([
      'Consortium health',
      'Consensus',
      'P2P',
      'Settlements',
      'ZKP',
      'Security events',
      'Resources',
    ]);
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const { gridPos, title } of panels) {
      expect(gridPos.x + gridPos.w, title).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    for (const panel of panels.filter((entry) => entry.type !== 'row')) {
      expect(panel.datasource?.uid).toBe('${datasource}');
      expect(panel.targets!.map((target) => target.refId)).toEqual(panel.targets!.map((_, i) => String.fromCharCode(65 + i)));
    }
  });

  it('is provisioned with a Prometheus data source the dashboard picks by default, and filters the job of the shipped prometheus.yml', async () => {
    const datasource = parseYaml(await shipped('deploy/grafana/provisioning/datasource.yml')) as { datasources: { uid: string; type: string; url: string }[] };
    expect(datasource.datasources).toEqual([expect.objectContaining({ uid: GRAFANA_DATASOURCE_UID, type: 'prometheus' })]);
    const variable = (grafanaDashboard() as unknown as DashboardJson).templating.list.find((entry) => entry.name === 'datasource')!;
    expect(variable.current?.value).toBe(GRAFANA_DATASOURCE_UID);

    const providers = parseYaml(await shipped('deploy/grafana/provisioning/dashboards.yml')) as { providers: { type: string; options: { path: string } }[] };
    expect(providers.providers).toEqual([expect.objectContaining({ type: 'file', options: expect.objectContaining({ path: expect.stringMatching(/^\//) }) })]);

    const prometheus = parseYaml(await shipped('deploy/prometheus/prometheus.yml')) as { scrape_configs: { job_name: string }[] };
    expect(prometheus.scrape_configs.map((job) => job.job_name)).toContain(PROMETHEUS_JOB);
  });
});
