import type { AlertExample } from './types.js';
import type { SeriesSamples } from './evaluator/series.js';

/** An example series value that is not in the subset of promtool's notation the rules use. */
export class SeriesNotationError extends Error {
  override readonly name = 'SeriesNotationError';
}

const EXPANDING = /^(-?\d+(?:\.\d+)?)(?:([+-])(\d+(?:\.\d+)?))?x(\d+)$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const MISSING_RUN = /^_x(\d+)$/;
/** Bounds an example's length (and the generated test file). */
const MAX_VALUES_PER_SERIES = 1_000;

/**
 * promtool's series notation (the subset the examples use), one entry per interval step,
 * `null` for a missing sample: `a+bxn` and `a-bxn` expand to n+1 values (added up step by step,
 * as promtool does), `axn` to n+1 copies, `_` is missing, `_xn` is n missing samples.
 */
export function parseSeriesValues(notation: string): (number | null)[] {
  const values: (number | null)[] = [];
  for (const token of notation.trim().split(/\s+/)) {
    const expanding = EXPANDING.exec(token);
    const missingRun = MISSING_RUN.exec(token);
    if (token === '_') {
      values.push(null);
    } else if (missingRun !== null) {
      for (let i = 0; i < Number(missingRun[1]); i++) values.push(null);
    } else if (expanding !== null) {
      let value = Number(expanding[1]);
      const step = expanding[3] === undefined ? 0 : Number(expanding[3]) * (expanding[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(expanding[4]); i++) {
        values.push(value);
        value += step;
      }
    } else if (NUMBER.test(token)) {
      values.push(Number(token));
    } else {
      throw new SeriesNotationError(`${JSON.stringify(token)} is not a value, _, _xn, axn or a+bxn`);
    }
    if (values.length > MAX_VALUES_PER_SERIES) throw new SeriesNotationError(`more than ${MAX_VALUES_PER_SERIES} values`);
  }
  return values;
}

/** An example's series as samples: value i at i intervals after time 0. */
export function exampleSamples(example: AlertExample): SeriesSamples[] {
  return example.series.map(({ metric, labels, values }) => ({
    labels: { __name__: metric, ...labels },
    samples: parseSeriesValues(values).flatMap((value, i) => (value === null ? [] : [{ timeMs: i * example.intervalSeconds * 1000, value }])),
  }));
}
