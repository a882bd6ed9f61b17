import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertRules, conditionToPromQL, evaluateCondition, promtoolTestFile, formatDuration, seriesReaderOf, type AlertCondition, type SeriesSamples } from '../../src/index.js';
import { requireSystemTool } from '../support/system-tools.js';

/**
 * The shipped alerting files against the real tools (Debian prometheus and
 * prometheus-alertmanager): `promtool check rules` and `promtool test rules` on the generated
 * deploy/prometheus files (the test file holds each rule's firing and quiet example; the unit
 * suite alerts-equivalence runs the TypeScript evaluator on the same examples), and
 * `amtool check-config` on deploy/alertmanager/alertmanager.yml. Then a cross-check beyond the
 * examples: random series, each condition's PromQL evaluated by promtool and by the TypeScript
 * evaluator, the values compared exactly.
 */
const deployDir = resolve(import.meta.dirname, '../../../../deploy');
let promtool: string;
let amtool: string;
let scratch: string;

beforeAll(() => {
  promtool = requireSystemTool('promtool', 'prometheus');
  amtool = requireSystemTool('amtool', 'prometheus-alertmanager');
  scratch = mkdtempSync(join(tmpdir(), 'alerts-promtool-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(command: string, args: string[], cwd?: string) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const result = run(promtool, ['check', 'rules', join(deployDir, 'prometheus/alerts.yml')]);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.status).toBe(0);
  });

  it('passes promtool test rules: every rule fires on its firing example and not on its quiet one', () => {
    const result = run(promtool, ['test', 'rules', join(deployDir, 'prometheus/alerts.test.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('fails promtool test rules when a rule no longer does what its examples say', () => {
    const dir = join(scratch, 'broken');
    rmSync(dir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', dir]);
    // Only NodeDown's cases (JSON is YAML), so promtool runs two cases rather than all of them.
    const nodeDown = alertRules.filter((rule) => rule.name === 'NodeDown');
    writeFileSync(join(dir, 'alerts.test.yml'), JSON.stringify(promtoolTestFile(nodeDown, 'alerts.yml')));
    const rules = readFileSync(join(deployDir, 'prometheus/alerts.yml'), 'utf8');
    writeFileSync(join(dir, 'alerts.yml'), rules.replace('for: 10s', 'for: 1m'));
    const result = run(promtool, ['test', 'rules', join(dir, 'alerts.test.yml')]);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('name: NodeDown fires');
  });
});

describe('deploy/alertmanager/alertmanager.yml', () => {
  it('passes amtool check-config', () => {
    const result = run(amtool, ['check-config', join(deployDir, 'alertmanager/alertmanager.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it('is refused by amtool when the routes name an unknown receiver, so the check above can fail', () => {
    const config = readFileSync(join(deployDir, 'alertmanager/alertmanager.yml'), 'utf8');
    const broken = join(scratch, 'alertmanager.yml');
    writeFileSync(broken, config.replace('  - name: dashboard', '  - name: pager'));
    const result = run(amtool, ['check-config', broken]);
    expect(result.output).toContain('undefined receiver "dashboard"');
    expect(result.status).not.toBe(0);
  });
});

/** A seeded generator, so a failing case replays (the seed is in the test name). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 20261129;
const INTERVAL_SECONDS = 15;
const LE = ['0.5', '1', '5', '+Inf'];

interface RandomCase {
  readonly series: { readonly metric: string; readonly labels: Record<string, string>; readonly values: (number | null)[] }[];
  readonly condition: AlertCondition;
  readonly evalSeconds: number;
}

/**
 * Counters with resets and gaps, gauges, and histograms (cumulative buckets), for two members,
 * under each function of the language with a random window and evaluation time (also past the
 * last sample, into the lookback).
 */
function randomCases(count: number): RandomCase[] {
  const random = mulberry32(SEED);
  const int = (max: number) => Math.floor(random() * max);
  const kinds = ['rate', 'increase', 'changes', 'max_over_time', 'min_over_time', 'instant', 'quantile'] as const;
  const cases: RandomCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length] as (typeof kinds)[number];
    const length = 10 + int(30);
    const windowSeconds = [30, 60, 120, 300][int(4)] as number;
    const evalSeconds = 5 * int((length * INTERVAL_SECONDS + 120) / 5);
    const series: RandomCase['series'] = [];
    for (const member of ['A', 'B']) {
      const gap = () => random() < 0.1;
      if (kind === 'quantile') {
        const cumulative = LE.map(() => 0);
        const columns: (number | null)[][] = LE.map(() => []);
        for (let step = 0; step < length; step++) {
          const observations = int(6);
          for (let o = 0; o < observations; o++) {
            const bucket = int(LE.length);
            for (let b = bucket; b < LE.length; b++) cumulative[b] = (cumulative[b] as number) + 1;
          }
          LE.forEach((_, b) => columns[b]?.push(cumulative[b] as number));
        }
        LE.forEach((le, b) => series.push({ metric: 'work_seconds_bucket', labels: { member, le }, values: columns[b] as number[] }));
      } else {
        const values: (number | null)[] = [];
        let value = kind === 'rate' || kind === 'increase' ? int(100) : int(20) - 5;
        for (let step = 0; step < length; step++) {
          if (kind === 'rate' || kind === 'increase') value = random() < 0.05 ? int(5) : value + int(8) * 0.25;
          else if (random() < 0.4) value = int(20) - 5;
          values.push(gap() ? null : value);
        }
        series.push({ metric: 'work_total', labels: { member, mode: String(int(2)) }, values });
      }
    }
    const value =
      kind === 'instant' ? ({ kind: 'instant' } as const) : kind === 'quantile' ? ({ kind: 'quantile', quantile: [0.5, 0.9, 0.95][int(3)] as number, windowSeconds } as const) : ({ kind: 'range', fn: kind, windowSeconds } as const);
    const aggregate = kind === 'quantile' ? 'sum' : (['sum', 'max', 'min', 'avg'] as const)[int(4)] as 'sum';
    cases.push({ series, evalSeconds, condition: { metric: kind === 'quantile' ? 'work_seconds' : 'work_total', value, aggregate, by: ['member'], compare: '>', threshold: -1e9 } });
  }
  return cases;
}

function samplesOf(one: RandomCase['series'][number]): SeriesSamples {
  return {
    labels: { __name__: one.metric, ...one.labels },
    samples: one.values.flatMap((value, i) => (value === null ? [] : [{ timeMs: i * INTERVAL_SECONDS * 1000, value }])),
  };
}

describe('the TypeScript evaluator computes what Prometheus computes, beyond the examples', () => {
  it(`agrees exactly with promtool on random counters, gauges and histograms (seed ${SEED})`, () => {
    const cases = randomCases(70);
    const tests = [];
    let compared = 0;
    for (const one of cases) {
      const results = evaluateCondition(one.condition, seriesReaderOf(one.series.map(samplesOf)), one.evalSeconds * 1000);
      if (results.some((result) => !Number.isFinite(result.value))) continue; // NaN never equals NaN in promtool
      compared += results.length;
      tests.push({
        interval: formatDuration(INTERVAL_SECONDS),
        input_series: one.series.map((s) => ({
          series: `${s.metric}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`,
          values: s.values.map((v) => (v === null ? '_' : String(v))).join(' '),
        })),
        promql_expr_test: [
          {
            expr: conditionToPromQL(one.condition),
            eval_time: formatDuration(one.evalSeconds),
            exp_samples: results.map((result) => ({ labels: `{member="${result.labels['member']}"}`, value: result.value })),
          },
        ],
      });
    }
    expect(tests.length).toBeGreaterThan(50);
    expect(compared).toBeGreaterThan(80);
    // JSON is YAML; numbers are written as their shortest round-trip form, so Go reads the same
    // doubles. promtool appends the input samples only up to its last rule evaluation step, so
    // the step divides every eval time (multiples of 5 s).
    const file = join(scratch, 'cross-check.test.yml');
    writeFileSync(file, JSON.stringify({ evaluation_interval: '5s', tests }, null, 1));
    const result = run(promtool, ['test', 'rules', file]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
