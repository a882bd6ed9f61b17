import { LOOKBACK_MS } from './evaluator/condition.js';
import { alertRules } from './rules.js';
import type { AlertRule } from './types.js';

/**
 * What a collector must keep for the evaluator: the series names the rules read (a histogram's
 * `_bucket` series for a quantile; `up` for NodeDown) ...
 */
export function alertSeriesNames(rules: readonly AlertRule[] = alertRules): string[] {
  const names = rules.map(({ condition }) => (condition.value.kind === 'quantile' ? `${condition.metric}_bucket` : condition.metric));
  return [...new Set(names)].sort();
}

/** ... and for how long: the longest window a rule reads, at least the instant lookback. */
export function alertRetentionMs(rules: readonly AlertRule[] = alertRules): number {
  let longest = LOOKBACK_MS;
  for (const { condition } of rules) {
    if (condition.value.kind === 'range' || condition.value.kind === 'quantile') longest = Math.max(longest, condition.value.windowSeconds * 1000);
  }
  return longest;
}
