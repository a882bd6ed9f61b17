/**
 * The labels a collector stores for a scraped series, by Prometheus's rule (honor_labels:
 * false): the target's labels (`member`, `instance`, ...) are added, and a scraped label that
 * has the same name as one of them is kept as `exported_<name>`. The alert rules rely on it:
 * `consortium_consensus_missed_blocks_total{member="X"}` scraped from Y's node is stored as
 * `{member="Y", exported_member="X"}`. The dashboard's scraper applies this function so the
 * rules see the same labels there as in Prometheus.
 */
export function attachTargetLabels(scraped: Readonly<Record<string, string>>, target: Readonly<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(scraped)) {
    if (name !== '__name__' && Object.hasOwn(target, name)) labels[`exported_${name}`] = value;
    else labels[name] = value;
  }
  for (const [name, value] of Object.entries(target)) labels[name] = value;
  return labels;
}
