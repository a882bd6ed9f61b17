/**
 * One /metrics page from two sources: prom-client's registry (the catalogue's metrics) and
 * the OpenTelemetry MeterProvider's Prometheus serialisation (instruments created through the
 * OpenTelemetry API, e.g. by third-party instrumentation). A family name may appear once:
 * when both define it, prom-client's wins and the OpenTelemetry one is dropped and reported.
 */

export interface MetricFamilyText {
  readonly name: string;
  readonly text: string;
}

const METADATA_LINE = /^# (?:HELP|TYPE|UNIT) ([a-zA-Z_:][a-zA-Z0-9_:]*)/;

/** Splits exposition text into metric families, keyed by the name in their HELP/TYPE lines. */
export function splitMetricFamilies(text: string): MetricFamilyText[] {
  const families: { name: string; lines: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const name = METADATA_LINE.exec(line)?.[1];
    const current = families.at(-1);
    if (name !== undefined && current?.name !== name) {
      families.push({ name, lines: [line] });
    } else if (current !== undefined) {
      current.lines.push(line);
    }
  }
  return families.map(({ name, lines }) => ({ name, text: lines.join('\n') }));
}

export interface MergedExposition {
  readonly text: string;
  /** OpenTelemetry families dropped because prom-client already exposes the name. */
  readonly droppedDuplicates: string[];
}

export function mergeExpositions(promClientText: string, otelText: string): MergedExposition {
  const promFamilies = splitMetricFamilies(promClientText);
  const taken = new Set(promFamilies.map((family) => family.name));
  const droppedDuplicates: string[] = [];
  const kept: MetricFamilyText[] = [...promFamilies];
  for (const family of splitMetricFamilies(otelText)) {
    if (taken.has(family.name)) {
      droppedDuplicates.push(family.name);
      continue;
    }
    taken.add(family.name);
    kept.push(family);
  }
  const text = kept.map((family) => family.text).join('\n') + (kept.length > 0 ? '\n' : '');
  return { text, droppedDuplicates };
}

/** Names of the metric families on a page (from HELP/TYPE lines). */
export function metricFamilyNames(text: string): string[] {
  return splitMetricFamilies(text).map((family) => family.name);
}
