import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { generateNodeKey, P2PNode, peerIdOf } from '@consortium/p2p';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { byzantine } from '../../src/chaos/byzantine.js';
import { ChaosDevnet, prometheusDirOf } from '../../src/chaos/chaos-devnet.js';
import { killRestart } from '../../src/chaos/kill-restart.js';
import { partitions } from '../../src/chaos/partitions.js';
import { freePort, type VectorSample } from '../../src/devnet/prometheus-server.js';
import { waitFor } from '../../src/devnet/wait.js';
import { grafanaDashboard } from '../../src/deploy-gen/grafana.js';
import { clearPrometheusTargets } from '../../src/launcher/prometheus-targets.js';
import { commitTxs } from './scenario.js';

/**
 * One devnet of four node processes for the whole file (a devnet start is CI's most expensive
 * step): real libp2p over loopback, real LevelDB, every p2p path through a fault-injecting proxy
 * (tools/src/chaos), and a real Prometheus (Debian `prometheus`) with the shipped
 * deploy/prometheus/prometheus.yml and rules, through the targets file the launcher writes. The
 * configuration differs from the shipped one in three things only (rewritePrometheusConfig):
 * the file_sd path, the Alertmanager (a stand-in here that records what Prometheus sends) and
 * the intervals (1 s instead of 5 s, so a killed node's alert fires within seconds).
 *
 * The tests run in order: the devnet comes up and commits; Prometheus sees it; a non-member is
 * refused; then the chaos scenarios (CI's bounded share; `npm run chaos` runs them long); last,
 * the launcher's stop. The waits have deadlines of minutes (a busy 2-core machine).
 */

const MEMBERS = 4;
const SEED = 'ci-1';
/** Generous for a busy 2-core machine: a scrape a second, a `for` of seconds; quiet it takes ~15 s. */
const ALERT_DEADLINE_MS = 120_000;

/** What Prometheus POSTs to an Alertmanager's /api/v2/alerts. */
interface PostedAlert {
  readonly labels: Readonly<Record<string, string>>;
}

/** Stands in for Alertmanager (outside the project): records every alert Prometheus sends. */
async function startAlertReceiver(port: number): Promise<{ server: Server; received: PostedAlert[] }> {
  const received: PostedAlert[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/api/v2/alerts') received.push(...(JSON.parse(body) as PostedAlert[]));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { server, received };
}

interface GenesisFile {
  readonly chainId: string;
  readonly members: readonly { readonly id: string; readonly peerId: string; readonly operator: string }[];
}

let devnet: ChaosDevnet;
let genesis: GenesisFile;
let receiver: { server: Server; received: PostedAlert[] } | undefined;

beforeAll(async () => {
  const alertmanagerPort = await freePort();
  receiver = await startAlertReceiver(alertmanagerPort);
  devnet = await ChaosDevnet.start({ members: MEMBERS, seed: SEED, alerts: true, alertmanager: `127.0.0.1:${alertmanagerPort}` });
  genesis = JSON.parse(await readFile(join(devnet.consortium.dir, 'genesis.json'), 'utf8')) as GenesisFile;
});

afterAll(async () => {
  await devnet?.stop();
  if (receiver !== undefined) await new Promise((done) => receiver!.server.close(done));
});

/** A failed test keeps the devnet folder: every node's log and data, and Prometheus's folder. */
function keepOnFailure(): void {
  onTestFailed(() => {
    devnet.consortium.markFailed();
    console.error(`prometheus folder kept: ${prometheusDirOf(devnet.consortium.dir)} (prometheus.log, prometheus.yml, alerts.yml, data)`);
  });
}

function describeSamples(samples: readonly VectorSample[]): string {
  return samples.map((sample) => `${sample.metric.member ?? '?'}=${sample.value}`).join(', ') || 'no series';
}

describe('a devnet of four node processes', () => {
  it('becomes ready, connected to every member, and commits blocks with transactions', async () => {
    keepOnFailure();
    const { consortium } = devnet;
    await commitTxs(consortium, 100, 'first');
    // Counted when the block is applied, which may trail the tx index a moment: wait, don't snapshot.
    await consortium.waitMetric(consortium.nodes[0]!, 'consortium_consensus_committed_txs_total', {}, 'at least 100', (txs) => txs >= 100);
    await consortium.expectSameChains();
  });

  it("is scraped by Prometheus through the launcher's targets: up == 1 with its member, chain and operator labels", async () => {
    keepOnFailure();
    let samples: VectorSample[] = [];
    await waitFor('up{job="consortium-node"} == 1 for every member', async () => {
      samples = await devnet.prometheus!.query('up{job="consortium-node"}');
      return { done: samples.length === MEMBERS && samples.every((sample) => sample.value === 1), seen: describeSamples(samples) };
    }, ALERT_DEADLINE_MS, 500);
    const labels = samples.map(({ metric }) => ({ job: metric.job, member: metric.member, chain: metric.chain, operator: metric.operator }));
    const expected = genesis.members.map((member) => ({ job: 'consortium-node', member: member.id, chain: genesis.chainId, operator: member.operator }));
    const byMember = (a: { member?: string }, b: { member?: string }) => (a.member ?? '').localeCompare(b.member ?? '');
    expect(labels.sort(byMember)).toEqual(expected.sort(byMember));
  });

  it("keeps a per-peer metric's own member label as exported_member beside the target's member", async () => {
    keepOnFailure();
    let samples: VectorSample[] = [];
    await waitFor('every node connected to the three others in consortium_p2p_peer_connected', async () => {
      samples = await devnet.prometheus!.query('consortium_p2p_peer_connected == 1');
      return { done: samples.length === MEMBERS * (MEMBERS - 1), seen: samples.map((s) => `${s.metric.member}->${s.metric.exported_member}`).join(', ') };
    }, ALERT_DEADLINE_MS, 500);
    for (const { metric } of samples) {
      expect(genesis.members.map((member) => member.id)).toContain(metric.exported_member);
      expect(metric.exported_member).not.toBe(metric.member);
    }
  });

  it("loads every rule of the shipped rule file and evaluates each one on the nodes' series without error", async () => {
    keepOnFailure();
    const rulesFile = parseYaml(await readFile(join(prometheusDirOf(devnet.consortium.dir), 'alerts.yml'), 'utf8')) as { groups: { rules: { alert?: string; record?: string }[] }[] };
    const ruleNames = rulesFile.groups.flatMap((group) => group.rules.map((rule) => rule.alert ?? rule.record!));
    expect(ruleNames).toContain('NodeDown');
    await waitFor('every rule evaluated', async () => {
      const rules = await devnet.prometheus!.rules();
      const unevaluated = rules.filter((rule) => rule.lastEvaluation.startsWith('0001-'));
      return { done: rules.length === ruleNames.length && unevaluated.length === 0, seen: `${rules.length} rules, not evaluated yet: ${unevaluated.map((rule) => rule.name).join(', ')}` };
    }, ALERT_DEADLINE_MS, 500);
    const rules = await devnet.prometheus!.rules();
    expect(rules.map((rule) => rule.name).sort()).toEqual([...ruleNames].sort());
    expect(rules.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.health} ${rule.lastError ?? ''}`)).toEqual([]);
  });

  it('answers every query of the Grafana dashboard', async () => {
    keepOnFailure();
    const dashboard = grafanaDashboard() as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
    const failures: string[] = [];
    for (const { panel, expr } of queries) {
      const grafanaSends = expr.replaceAll('$__rate_interval', '1m').replaceAll('$member', '.+');
      await devnet.prometheus!.query(grafanaSends).catch((error: unknown) => failures.push(`${panel}: ${(error as Error).message}`));
    }
    expect(failures).toEqual([]);
    // The health row has data for every member.
    expect(await devnet.prometheus!.query('consortium_consensus_height{member=~".+"}')).toHaveLength(MEMBERS);
  });

  it('refuses a libp2p node that is not a member, counts it, and keeps committing', async () => {
    keepOnFailure();
    const { consortium } = devnet;
    const target = consortium.nodes[0]!;
    const before = await target.metric('consortium_security_refused_peers_total', { reason: 'not_member' });
    const heightBefore = await target.height();
    const config = JSON.parse(await readFile(target.configFile, 'utf8')) as { p2p: { listen: string[] } };
    const targetPeerId = genesis.members.find((member) => member.id === target.memberId)!.peerId;
    // The stranger believes in a consortium of itself and the target; the target's genesis knows better.
    const strangerKey = await generateNodeKey();
    const stranger = await P2PNode.create({
      memberId: 'Stranger-XX',
      privateKey: strangerKey,
      listenAddresses: ['/ip4/127.0.0.1/tcp/0'],
      members: [
        { id: 'Stranger-XX', peerId: peerIdOf(strangerKey) },
        { id: target.memberId, peerId: targetPeerId, addresses: config.p2p.listen },
      ],
      metrics: null,
      logger: null,
    });
    await stranger.start();
    try {
      // A dial that times out on a busy machine before the target saw the handshake proves
      // nothing: dial again until the target has counted a refusal.
      await waitFor(`${target.memberId} counts a refused non-member`, async () => {
        await stranger.dial(`${config.p2p.listen[0]}/p2p/${targetPeerId}`, 30_000).catch(() => undefined);
        const refused = await target.metric('consortium_security_refused_peers_total', { reason: 'not_member' }).catch(() => Number.NaN);
        return { done: refused > before, seen: `refused_peers_total{reason="not_member"} ${refused} (${before} before)` };
      });
      await waitFor('the stranger holds no connection', () => ({ done: stranger.connectedMembers().length === 0, seen: `connected to [${stranger.connectedMembers().join(', ')}]` }));
      // The refusal is in the target's append-only security log: who (the stranger's peer id), what, when.
      const strangerPeerId = peerIdOf(strangerKey);
      await waitFor(`${target.memberId}'s security log names the refused stranger`, async () => {
        const lines = (await readFile(join(consortium.dir, target.memberId, 'data', 'security.jsonl'), 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');
        const events = lines.map((line) => JSON.parse(line) as { kind: string; who: { peer?: string }; time: string });
        return { done: events.some((e) => e.kind === 'refused_peer' && e.who.peer === strangerPeerId && e.time !== undefined), seen: `${events.length} events: ${[...new Set(events.map((e) => e.kind))].join(', ')}` };
      });
    } finally {
      await stranger.stop();
    }
    await consortium.waitAllConnected();
    await consortium.waitHeight(heightBefore + 2);
  });

  it('kill -9 under load: the others commit, the node catches up, NodeDown fires (and reaches the Alertmanager) and resolves, nothing acknowledged is lost or doubled', async () => {
    keepOnFailure();
    const report = await killRestart(devnet, { cycles: 1, txPerSecond: 20, seed: SEED }, (line) => console.log(line));
    expect(report.verification.acknowledged.committed).toBeGreaterThan(0);
    expect(report.verification.acknowledged.missing).toEqual([]);
    expect(report.verification.acknowledged.duplicated).toEqual([]);
    expect(report.verification.chainFaults).toEqual([]);
    // Prometheus told the Alertmanager about each killed node.
    const victims = [...new Set(report.cycles.map((cycle) => cycle.victim))].sort();
    await waitFor(`the Alertmanager stand-in notified of NodeDown for ${victims.join(', ')}`, () => {
      const notified = new Set(receiver!.received.filter((alert) => alert.labels.alertname === 'NodeDown').map((alert) => alert.labels.member));
      return { done: victims.every((member) => notified.has(member)), seen: [...notified].join(', ') || 'none' };
    }, ALERT_DEADLINE_MS, 500);
  });

  it('partitions under load (a minority cut off, no quorum anywhere, flapping links, latency and loss): the chain commits again within two round timeouts of each heal, no fork, nothing lost', async () => {
    keepOnFailure();
    const report = await partitions(devnet, { seed: SEED, txPerSecond: 20, holdMs: 3_000 }, (line) => console.log(line));
    expect(report.verification.acknowledged.missing).toEqual([]);
    expect(report.verification.acknowledged.duplicated).toEqual([]);
    expect(report.verification.chainFaults).toEqual([]);
  });

  it('a Byzantine member (equivocating, malformed frames, spam): evidence recorded, EquivocationDetected fires, it is backed off, the honest members keep committing', async () => {
    keepOnFailure();
    const report = await byzantine(devnet, { seed: SEED, txPerSecond: 20, holdMs: 3_000 }, (line) => console.log(line));
    expect(report.figures['blocks committed while Byzantine']).toBeGreaterThanOrEqual(3);
    expect(report.verification.acknowledged.missing).toEqual([]);
    expect(report.verification.chainFaults).toEqual([]);
  });

  it('stops expecting the nodes when the launcher empties the targets on stop: no target, no up series, no NodeDown as they stop', async () => {
    keepOnFailure();
    const prometheus = devnet.prometheus!;
    // What the launcher does on Ctrl-C: empty the targets, then stop the nodes.
    await clearPrometheusTargets(devnet.consortium.dir);
    await waitFor('Prometheus without targets', async () => {
      const targets = await prometheus.activeTargets();
      return { done: targets.length === 0, seen: targets.map((target) => target.labels.member).join(', ') };
    }, ALERT_DEADLINE_MS, 500);
    await Promise.all(devnet.nodes.map(async (node) => node.kill('SIGTERM')));
    // A dropped target's series are marked stale once its next scrape would have been due.
    await waitFor('every up series stale', async () => {
      const samples = await prometheus.query('up{job="consortium-node"}');
      return { done: samples.length === 0, seen: describeSamples(samples) };
    }, ALERT_DEADLINE_MS, 500);
    const staleAtMs = Date.now();
    // Once every rule has been evaluated after that, a NodeDown would at least be pending.
    await waitFor('every rule evaluated after the up series went stale', async () => {
      const rules = await prometheus.rules();
      return { done: rules.every((rule) => Date.parse(rule.lastEvaluation) > staleAtMs), seen: rules.map((rule) => `${rule.name} ${rule.lastEvaluation}`).join(', ') };
    }, ALERT_DEADLINE_MS, 500);
    expect((await prometheus.alerts()).filter((alert) => alert.labels.alertname === 'NodeDown')).toEqual([]);
  });
});
