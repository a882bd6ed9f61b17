/** The evaluator's input: the series a collector keeps (the dashboard's store, or a test's). */

export interface Sample {
  readonly timeMs: number;
  readonly value: number;
}

/** One series: its labels (including `__name__`) and its samples, oldest first. */
export interface SeriesSamples {
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly Sample[];
}

/**
 * Reads the series of one metric name with their samples between `fromMs` and `toMs`
 * (inclusive). Returning more samples than asked is fine: the evaluator cuts its own windows.
 */
export interface SeriesReader {
  select(metric: string, fromMs: number, toMs: number): Iterable<SeriesSamples>;
}

/** A reader over a fixed list of series: tests and one-off evaluations. */
export function seriesReaderOf(series: readonly SeriesSamples[]): SeriesReader {
  return {
    *select(metric, fromMs, toMs) {
      for (const one of series) {
        if (one.labels['__name__'] !== metric) continue;
        yield { labels: one.labels, samples: one.samples.filter((s) => s.timeMs >= fromMs && s.timeMs <= toMs) };
      }
    },
  };
}
