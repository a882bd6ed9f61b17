import { stringify } from 'yaml';
import type { GeneratedFile } from './generated-file.js';
import { GRAFANA_ROWS, PROMETHEUS_JOB, type PanelSpec, type RowSpec } from './grafana-panels.js';

/**
 * `deploy/grafana/`, generated: the dashboard JSON for operators who run Grafana (rows mirroring
 * the views of apps/dashboard, a `member` variable, panels over catalogued metrics only; see
 * grafana-panels.ts) and the provisioning files that load it with a Prometheus data source.
 * Pure and deterministic: the same catalogue always gives the same bytes, so a check can compare
 * them with the committed files.
 */


export const GRAFANA_DASHBOARD_UID = 'sp-consortium';
/** The data source the provisioning file makes; the dashboard's `datasource` variable defaults to it. */
export const GRAFANA_DATASOURCE_UID = 'consortium-prometheus';
/** Where the provisioning file tells Grafana to find the dashboard JSON (copy consortium.json there). */
export const GRAFANA_DASHBOARDS_PATH = '/var/lib/grafana/dashboards/consortium';

/** Grafana 10 and later read this schema (and migrate it forward). */
const SCHEMA_VERSION = 39;
const GRID_COLUMNS = 24;
const PANEL_HEIGHT = 8;
const STAT_HEIGHT = 5;
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

const GENERATED_NOTE = 'Generated from the metric catalogue of @consortium/telemetry by tools/src/deploy-gen/grafana.ts: do not edit by hand.';

function targetsOf(spec: PanelSpec) {
  const instant = spec.kind !== 'timeseries';
  return spec.queries.map((query, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: query.expr,
    legendFormat: query.legend,
    range: !instant,
    instant,
  }));
}

function upDownMappings() {
  return [
    {
      type: 'value',
      options: {
        '0': { text: 'down', color: 'red', index: 0 },
        '1': { text: 'up', color: 'green', index: 1 },
      },
    },
  ];
}

function fieldConfigOf(spec: PanelSpec) {
  const thresholds = spec.upDown
    ? { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] }
    : { mode: 'absolute', steps: [{ color: 'green', value: null }] };
  const defaults = {
    unit: spec.unit,
    ...(spec.kind === 'timeseries' ? { custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never', spanNulls: false } } : {}),
    color: { mode: spec.kind === 'timeseries' ? 'palette-classic' : 'thresholds' },
    thresholds,
    mappings: spec.upDown ? upDownMappings() : [],
  };
  return { defaults, overrides: [] };
}

function optionsOf(spec: PanelSpec) {
  const reduceOptions = { calcs: ['lastNotNull'], fields: '', values: false };
  if (spec.kind === 'timeseries') {
    return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } };
  }
  if (spec.kind === 'stat') {
    return { reduceOptions, colorMode: spec.upDown ? 'background' : 'value', graphMode: 'none', textMode: 'value_and_name', orientation: 'auto', justifyMode: 'auto' };
  }
  return { reduceOptions, displayMode: 'basic', orientation: 'horizontal', showUnfilled: true };
}

/** Lays the rows out on Grafana's 24-column grid: a row header, then its panels left to right. */
function layOut(rows: readonly RowSpec[]) {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const spec of row.panels) {
      const w = spec.width ?? GRID_COLUMNS / 2;
      const h = spec.kind === 'timeseries' ? PANEL_HEIGHT : STAT_HEIGHT;
      if (x + w > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      panels.push({
        id: id++,
        type: spec.kind,
        title: spec.title,
        description: spec.description,
        datasource: DATASOURCE,
        gridPos: { h, w, x, y },
        fieldConfig: fieldConfigOf(spec),
        options: optionsOf(spec),
        targets: targetsOf(spec),
      });
      x += w;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return panels;
}

/** The `member` variable's query: the genesis members Prometheus scrapes (the target label). */
export const MEMBER_VARIABLE_QUERY = `label_values(up{job="${PROMETHEUS_JOB}"}, member)`;

/** Grafana's dashboard JSON model. */
export function grafanaDashboard(rows: readonly RowSpec[] = GRAFANA_ROWS): Record<string, unknown> {
  return {
    uid: GRAFANA_DASHBOARD_UID,
    title: 'SP Consortium Chain',
    description: `Every member's node: health, consensus, P2P, settlements, ZKP, security and resources. ${GENERATED_NOTE}`,
    tags: ['consortium', 'blockchain'],
    timezone: 'utc',
    editable: true,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '5s',
    time: { from: 'now-30m', to: 'now' },
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: { text: 'Consortium Prometheus', value: GRAFANA_DATASOURCE_UID },
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        {
          name: 'member',
          label: 'Member',
          type: 'query',
          datasource: DATASOURCE,
          definition: MEMBER_VARIABLE_QUERY,
          query: { query: MEMBER_VARIABLE_QUERY, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
          // Refreshed when the time range changes, so a member that joins appears.
          refresh: 2,
          multi: true,
          includeAll: true,
          allValue: '.+',
          current: { text: ['All'], value: ['$__all'] },
          sort: 1,
          hide: 0,
          regex: '',
          options: [],
        },
      ],
    },
    panels: layOut(rows),
  };
}

const yamlHeader = (what: string) => `# ${what}\n# ${GENERATED_NOTE}\n`;

/** Grafana provisioning: the Prometheus data source of deploy/prometheus/prometheus.yml. */
export function grafanaDatasourceProvisioning(): string {
  const datasources = {
    apiVersion: 1,
    datasources: [
      {
        name: 'Consortium Prometheus',
        uid: GRAFANA_DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        url: 'http://127.0.0.1:9090',
        isDefault: false,
        editable: true,
        // Matches the scrape interval of deploy/prometheus/prometheus.yml, so $__rate_interval spans enough samples.
        jsonData: { timeInterval: '5s', httpMethod: 'POST' },
      },
    ],
  };
  return `${yamlHeader('Grafana data source: the Prometheus that scrapes the consortium (change url to yours).')}${stringify(datasources)}`;
}

/** Grafana provisioning: load the dashboard JSON from GRAFANA_DASHBOARDS_PATH. */
export function grafanaDashboardProvisioning(): string {
  const providers = {
    apiVersion: 1,
    providers: [
      {
        name: 'sp-consortium',
        orgId: 1,
        folder: 'SP Consortium Chain',
        type: 'file',
        disableDeletion: false,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path: GRAFANA_DASHBOARDS_PATH, foldersFromFilesStructure: false },
      },
    ],
  };
  return `${yamlHeader(`Grafana dashboards: loads consortium.json from ${GRAFANA_DASHBOARDS_PATH} (copy deploy/grafana/consortium.json there).`)}${stringify(providers)}`;
}

/** Every file of deploy/grafana/, for the deploy-gen CLI to write or check. */
export function grafanaFiles(): GeneratedFile[] {
  return [
    { path: 'deploy/grafana/consortium.json', content: `${JSON.stringify(grafanaDashboard(), null, 2)}\n` },
    { path: 'deploy/grafana/provisioning/datasource.yml', content: grafanaDatasourceProvisioning() },
    { path: 'deploy/grafana/provisioning/dashboards.yml', content: grafanaDashboardProvisioning() },
  ];
}
