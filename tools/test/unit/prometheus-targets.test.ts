import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { endpointsOf } from '../../src/launcher/endpoints.js';
import {
  clearPrometheusTargets,
  PROMETHEUS_TARGETS_FILE,
  prometheusTargetsOf,
  renderPrometheusTargets,
  writePrometheusTargets,
} from '../../src/launcher/prometheus-targets.js';
import { DEVNET_MEMBERS as MEMBERS, runningMembers } from '../support/running-members.js';

function endpoints(count: number, host = '127.0.0.1') {
  return endpointsOf('/home/op/.devnet', 'sp-consortium-devnet', 99, new Date(0), runningMembers(count, host));
}

describe('the Prometheus targets of a devnet (file_sd)', () => {
  it.each([4, 5, 7])('has one group per each of %i members, in genesis order, with its API host:port and its member, chain and operator labels', (count) => {
    const groups = prometheusTargetsOf(endpoints(count));
    expect(groups).toHaveLength(count);
    expect(groups.map((group) => group.labels.member)).toEqual(MEMBERS.slice(0, count).map((member) => member.id));
    expect(groups[count - 1]).toEqual({
      targets: [`127.0.0.1:${26_700 + count - 1}`],
      labels: { member: MEMBERS[count - 1]!.id, chain: 'sp-consortium-devnet', operator: MEMBERS[count - 1]!.operator },
    });
  });

  it('takes the target from the API URL: a host name stays, a port left implicit is made explicit', () => {
    expect(prometheusTargetsOf(endpoints(4, 'node.example'))[1]!.targets).toEqual(['node.example:26701']);
    const [member] = endpoints(4).members;
    expect(prometheusTargetsOf({ chainId: 'c', members: [{ ...member!, apiUrl: 'http://node.example' }] })[0]!.targets).toEqual(['node.example:80']);
    expect(prometheusTargetsOf({ chainId: 'c', members: [{ ...member!, apiUrl: 'https://node.example/' }] })[0]!.targets).toEqual(['node.example:443']);
  });

  it('renders the JSON array Prometheus reads: target groups of targets and string labels, an empty array for none', () => {
    const parsed = JSON.parse(renderPrometheusTargets(prometheusTargetsOf(endpoints(5)))) as unknown[];
    expect(parsed).toHaveLength(5);
    for (const group of parsed as { targets: unknown[]; labels: Record<string, unknown> }[]) {
      expect(Object.keys(group).sort()).toEqual(['labels', 'targets']);
      expect(group.targets).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
      for (const value of Object.values(group.labels)) expect(typeof value).toBe('string');
    }
    expect(renderPrometheusTargets([])).toBe('[]\n');
  });
});

describe('the targets file', () => {
  let dir = '';
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('is written whole under <devnet>/prometheus/ (no temporary file left), and emptied on stop', async () => {
    dir = await mkdtemp(join(tmpdir(), 'targets-'));
    const file = await writePrometheusTargets(dir, prometheusTargetsOf(endpoints(7)));
    expect(file).toBe(join(dir, PROMETHEUS_TARGETS_FILE));
    expect(JSON.parse(await readFile(file, 'utf8'))).toHaveLength(7);
    expect(await readdir(join(dir, 'prometheus'))).toEqual(['targets.json']);

    expect(await clearPrometheusTargets(dir)).toBe(file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual([]);
    expect(await readdir(join(dir, 'prometheus'))).toEqual(['targets.json']);
  });

  it('is emptied on a stop before it was ever written (the folder is made)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'targets-'));
    expect(JSON.parse(await readFile(await clearPrometheusTargets(dir), 'utf8'))).toEqual([]);
  });
});
