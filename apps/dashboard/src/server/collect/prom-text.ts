import { MetricsPageError } from '../errors.js';

/**
 * A parser for the Prometheus text exposition format (version 0.0.4), sample lines only: HELP
 * and TYPE lines are skipped, since the dashboard knows its metrics from the catalogue. Written
 * here rather than taken from npm: the one maintained-looking package (parse-prometheus-text-
 * format) groups histograms into objects that would have to be flattened again, and the format's
 * sample line is small (docs/decisions.md).
 */

export type Labels = Readonly<Record<string, string>>;

export interface ParsedSample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string, line: number): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
  }
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new MetricsPageError(`line ${line}: "${text.slice(0, 40)}" is not a sample value`, line);
  return value;
}

/** Reads `{a="x",b="y"}` from `text` at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, start: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i += 1;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (name === undefined) throw new MetricsPageError(`line ${line}: a label name was expected at column ${i + 1}`, line);
    i += name.length;
    while (text[i] === ' ') i += 1;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new MetricsPageError(`line ${line}: label ${name} has no quoted value`, line);
    i += 2;
    let value = '';
    for (;;) {
      const char = text[i];
      if (char === undefined) throw new MetricsPageError(`line ${line}: label ${name} has an unterminated value`, line);
      i += 1;
      if (char === '"') break;
      if (char === '\\') {
        const escaped = text[i];
        i += 1;
        value += escaped === 'n' ? '\n' : (escaped ?? '');
      } else value += char;
    }
    labels[name] = value;
  }
}

/**
 * Every sample of a page. Throws MetricsPageError on a malformed line or a page over
 * `samplesMax`: a node that serves a broken page is reported as failing its scrape.
 */
export function parsePrometheusText(text: string, samplesMax: number): ParsedSample[] {
  const samples: ParsedSample[] = [];
  let lineNumber = 0;
  for (const raw of text.split('\n')) {
    lineNumber += 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new MetricsPageError(`line ${lineNumber}: a metric name was expected`, lineNumber);
    let rest = name.length;
    let labels: Labels = {};
    if (line[rest] === '{') {
      const parsed = parseLabels(line, rest, lineNumber);
      labels = parsed.labels;
      rest = parsed.end;
    }
    // The value, then an optional timestamp (ignored: the scrape time is what the dashboard records).
    const [valueText = ''] = line.slice(rest).trim().split(/\s+/);
    if (samples.length >= samplesMax) throw new MetricsPageError(`the page has more than ${samplesMax} samples`, 0);
    samples.push({ name, labels, value: parseValue(valueText, lineNumber) });
  }
  return samples;
}
