import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DevnetEndpoints } from './endpoints.js';

/**
 * `<devnet>/prometheus/targets.json`: the devnet's nodes in Prometheus's file-based service
 * discovery format, for `deploy/prometheus/prometheus.yml` (job `consortium-node`). The launcher
 * writes it once every node is ready and rewrites it to an empty list when the consortium stops,
 * before it stops the nodes: a Prometheus left running then drops the targets (their series go
 * stale) instead of firing "node down" for a devnet someone stopped on purpose. A node that dies
 * while the devnet runs stays a target until the launcher stops, so that alert still fires. The
 * file stays, empty, rather than being removed (Prometheus drops the targets either way): it says
 * plainly that nothing is expected and keeps `promtool check config` free of a missing-file
 * warning. Building the groups is pure; the write is whole or not at all.
 */

export const PROMETHEUS_TARGETS_FILE = join('prometheus', 'targets.json');

/** One target group of Prometheus's file_sd format: one member's node. */
export interface PrometheusTargetGroup {
  /** `host:port` of the node's HTTP API, which serves /metrics. */
  readonly targets: readonly [string];
  /** Attached to every series scraped from the target (Prometheus renames a scraped label of the same name to `exported_<name>`). */
  readonly labels: { readonly member: string; readonly chain: string; readonly operator: string };
}

/** `host:port` of an http(s) URL, the port made explicit. */
function hostPort(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? '443' : '80') : parsed.port;
  return `${parsed.hostname}:${port}`;
}

/** One target group per member, in genesis order. */
export function prometheusTargetsOf(endpoints: Pick<DevnetEndpoints, 'chainId' | 'members'>): PrometheusTargetGroup[] {
  return endpoints.members.map((member) => ({
    targets: [hostPort(member.apiUrl)],
    labels: { member: member.id, chain: endpoints.chainId, operator: member.operator },
  }));
}

/** The file's text: a JSON array of target groups (an empty list names no target). */
export function renderPrometheusTargets(groups: readonly PrometheusTargetGroup[]): string {
  return `${JSON.stringify(groups, null, 2)}\n`;
}

/**
 * Writes the targets file whole or not at all: Prometheus watches the folder and reads the file
 * on every change, so it must never see half of one (a temporary file in the same folder, then
 * a rename). Returns the file's path.
 */
export async function writePrometheusTargets(dir: string, groups: readonly PrometheusTargetGroup[]): Promise<string> {
  const file = join(dir, PROMETHEUS_TARGETS_FILE);
  await mkdir(join(dir, 'prometheus'), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, renderPrometheusTargets(groups));
  await rename(temporary, file);
  return file;
}

/** On stop: no targets (see the module comment for why the file stays, empty). */
export async function clearPrometheusTargets(dir: string): Promise<string> {
  return writePrometheusTargets(dir, []);
}
