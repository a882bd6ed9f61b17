import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { compareChains, formatChainFaults, type BlockSummary, type ChainFault, type ChainView, type Validator } from '../devnet/chain-check.js';
import { Consortium } from '../devnet/consortium.js';
import { waitForCommonHeight } from '../devnet/heights.js';
import type { NodeProcess } from '../devnet/processes.js';
import { freePort, PrometheusServer, rewritePrometheusConfig, type PrometheusAlert } from '../devnet/prometheus-server.js';
import { waitFor, WaitTimeoutError, WAIT_DEADLINES_MS } from '../devnet/wait.js';
import { endpointsOf, type NodeAddresses } from '../launcher/endpoints.js';
import { prometheusTargetsOf, writePrometheusTargets } from '../launcher/prometheus-targets.js';
import { checkAcknowledged, describeAcknowledged, type AcknowledgedCheck } from './invariants.js';
import { ProxyMesh } from './proxy-mesh.js';
import { raiseRateLimits } from '../devnet/rate-limits.js';

/**
 * A devnet of real node processes built for fault injection: every p2p path through a
 * FaultProxy (proxy-mesh.ts), API rate limits raised so the load and the checks are not
 * throttled, and, when asked, a real Prometheus with the shipped rules scraping every node once
 * a second, so a scenario sees the alerts an operator would.
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');

export interface ChaosDevnetOptions {
  readonly members: number;
  /** Seeds the links' loss draws and names this run. */
  readonly seed: string;
  /** Runs a Prometheus with deploy/prometheus's configuration and rules over the nodes. */
  readonly alerts?: boolean;
  /** `host:port` of the Alertmanager that Prometheus notifies (a test's stand-in); default: a free port nothing listens on. */
  readonly alertmanager?: string;
  /** The trusted setup's keys (settlement application); the key-value application without. */
  readonly keysDir?: string;
}

/** What the checks after a scenario found. */
export interface Verification {
  /** The height every node reached and was compared up to. */
  readonly height: number;
  readonly chainFaults: readonly ChainFault[];
  readonly acknowledged: AcknowledgedCheck;
  /** Equivocation evidence each node holds against members that were not made Byzantine (none in a sound run). */
  readonly evidence: Readonly<Record<string, number>>;
}

export class ChaosInvariantError extends Error {
  override readonly name = 'ChaosInvariantError';

  constructor(
    readonly verification: Verification,
    message: string,
  ) {
    super(message);
  }
}

/** Blocks already read stay read: a committed block never changes. */
class ChainCache {
  private readonly blocks = new Map<string, (BlockSummary | null)[]>();

  async view(node: NodeProcess, height: number): Promise<ChainView> {
    const blocks = this.blocks.get(node.memberId) ?? [];
    this.blocks.set(node.memberId, blocks);
    const toRead: number[] = [];
    for (let h = 1; h <= height; h++) if ((blocks[h - 1] ?? null) === null) toRead.push(h);
    for (let start = 0; start < toRead.length; start += 16) {
      await Promise.all(toRead.slice(start, start + 16).map(async (h) => (blocks[h - 1] = await node.block(h))));
    }
    return { memberId: node.memberId, blocks: blocks.slice(0, height) };
  }
}

export class ChaosDevnet {
  private readonly chains = new ChainCache();

  private constructor(
    readonly consortium: Consortium,
    readonly mesh: ProxyMesh,
    readonly prometheus: PrometheusServer | null,
    private readonly validatorList: readonly Validator[],
  ) {}

  static async start(options: ChaosDevnetOptions): Promise<ChaosDevnet> {
    let mesh: ProxyMesh | null = null;
    let consortium: Consortium | null = null;
    let prometheus: PrometheusServer | null = null;
    try {
      consortium = await Consortium.start(options.members, {
        ...(options.keysDir === undefined ? {} : { keysDir: options.keysDir }),
        beforeStart: async (dir, memberIds) => {
          await raiseRateLimits(dir, memberIds);
          mesh = await ProxyMesh.install(dir, memberIds, options.seed);
        },
      });
      await consortium.waitAllReady();
      await consortium.waitAllConnected();
      if (options.alerts === true) prometheus = await startPrometheus(consortium, options.alertmanager);
      return new ChaosDevnet(consortium, mesh!, prometheus, await consortium.validators());
    } catch (error) {
      consortium?.markFailed();
      await prometheus?.stop();
      await consortium?.stopAll();
      await (mesh as ProxyMesh | null)?.close();
      throw error;
    }
  }

  get nodes(): NodeProcess[] {
    return this.consortium.nodes;
  }

  node(memberId: string): NodeProcess {
    const node = this.nodes.find((candidate) => candidate.memberId === memberId);
    if (node === undefined) throw new Error(`${memberId} is not a member of this devnet`);
    return node;
  }

  /**
   * Waits until Prometheus shows `alertname` with `labels` (`member` of the node reporting it,
   * or `exported_member` of the member it is about) firing, or with `present: false`, neither
   * pending nor firing; returns the ms waited.
   */
  async waitAlert(alertname: string, labels: Readonly<Record<string, string>>, present: boolean, timeoutMs: number = WAIT_DEADLINES_MS.progress): Promise<number> {
    const prometheus = this.prometheus;
    if (prometheus === null) throw new Error('this chaos devnet runs no Prometheus (alerts: true)');
    const startedMs = Date.now();
    const describe = (alerts: readonly PrometheusAlert[]) => alerts.map((alert) => `${alert.labels.alertname} ${JSON.stringify(alert.labels)} ${alert.state}`).join(', ') || 'none';
    const matches = (alert: PrometheusAlert) => alert.labels.alertname === alertname && Object.entries(labels).every(([key, value]) => alert.labels[key] === value);
    await waitFor(`${alertname} ${JSON.stringify(labels)} ${present ? 'firing' : 'gone'}`, async () => {
      const alerts = await prometheus.alerts().catch(() => [] as PrometheusAlert[]);
      const mine = alerts.filter(matches);
      const done = present ? mine.some((alert) => alert.state === 'firing') : mine.length === 0;
      return { done, seen: describe(alerts) };
    }, timeoutMs, 250);
    return Date.now() - startedMs;
  }

  /**
   * The checks after the faults, with every node running and the network healed: waits until
   * the nodes reach a common height and every acknowledged transaction is in the chain (it may
   * still wait in a mempool for a proposer), then compares every node's whole chain and counts
   * each transaction's blocks and each node's evidence. Throws ChaosInvariantError on a fork,
   * a lost or doubled transaction, or evidence against anyone but `equivocators` (the members a
   * scenario made Byzantine).
   */
  async verify(acknowledged: ReadonlyMap<string, string>, timeoutMs: number = WAIT_DEADLINES_MS.progress, equivocators: readonly string[] = []): Promise<Verification> {
    const nodes = this.consortium.running;
    let verification: Verification | null = null;
    await waitFor(`every node at a common height holding the ${acknowledged.size} acknowledged transactions`, async () => {
      const height = await waitForCommonHeight(nodes, timeoutMs);
      const views = await Promise.all(nodes.map(async (node) => this.chains.view(node, height)));
      const chainFaults = compareChains(views, this.validatorList);
      const check = checkAcknowledged(views[0]!, acknowledged.keys());
      verification = { height, chainFaults, acknowledged: check, evidence: {} };
      // A fork or a doubled transaction does not go away by waiting.
      const done = check.missing.length === 0 || chainFaults.length > 0 || check.duplicated.length > 0;
      return { done, seen: `height ${height}: ${describeAcknowledged(check)}` };
    }, timeoutMs, 1_000).catch((error: unknown) => {
      // Out of time with transactions still missing: reported below with what was found.
      if (!(error instanceof WaitTimeoutError) || verification === null) throw error;
    });
    const evidence = Object.fromEntries(await Promise.all(nodes.map(async (node) => [node.memberId, await evidenceCount(node, equivocators)] as const)));
    const result: Verification = { ...verification!, evidence };
    const problems: string[] = [];
    if (result.chainFaults.length > 0) problems.push(formatChainFaults(result.chainFaults));
    if (result.acknowledged.missing.length > 0 || result.acknowledged.duplicated.length > 0) problems.push(describeAcknowledged(result.acknowledged));
    const accused = Object.entries(evidence).filter(([, count]) => count > 0);
    if (accused.length > 0) problems.push(`equivocation evidence against honest members on ${accused.map(([member, count]) => `${member} (${count})`).join(', ')}`);
    if (problems.length > 0) {
      this.consortium.markFailed();
      throw new ChaosInvariantError(result, `after the faults, up to height ${result.height}:\n${problems.join('\n')}`);
    }
    return result;
  }

  async stop(): Promise<void> {
    await this.prometheus?.stop();
    await this.consortium.stopAll();
    await this.mesh.close();
  }
}

/** Evidence a node holds against members other than `equivocators`. */
async function evidenceCount(node: NodeProcess, equivocators: readonly string[]): Promise<number> {
  const response = await fetch(`${node.httpUrl}/v1/evidence`, { headers: await node.authorization('observer'), signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`${node.memberId} did not serve its evidence: HTTP ${response.status}`);
  return ((await response.json()) as { validator: string }[]).filter((entry) => !equivocators.includes(entry.validator)).length;
}

/** The folder of the devnet's Prometheus: its configuration, rules, log and TSDB. */
export function prometheusDirOf(devnetDir: string): string {
  return join(devnetDir, 'prometheus');
}

/** Prometheus with the shipped configuration and rules over the devnet, scraping once a second. */
async function startPrometheus(consortium: Consortium, alertmanager: string | undefined): Promise<PrometheusServer> {
  const genesis = JSON.parse(await readFile(join(consortium.dir, 'genesis.json'), 'utf8')) as { chainId: string; members: { id: string; tadig: string; operator: string }[] };
  const running = await Promise.all(
    genesis.members.map(async (member, i) => ({
      member,
      config: JSON.parse(await readFile(join(consortium.dir, member.id, 'node.json'), 'utf8')) as NodeAddresses,
      pid: consortium.nodes[i]!.pid ?? -1,
    })),
  );
  const targetsFile = await writePrometheusTargets(consortium.dir, prometheusTargetsOf(endpointsOf(consortium.dir, genesis.chainId, process.pid, new Date(), running)));
  const workDir = prometheusDirOf(consortium.dir);
  await mkdir(workDir, { recursive: true });
  const configFile = join(workDir, 'prometheus.yml');
  // Without an Alertmanager nothing listens at its address: the scenarios read the alerts from Prometheus itself.
  const shipped = await readFile(join(repositoryRoot, 'deploy/prometheus/prometheus.yml'), 'utf8');
  await writeFile(configFile, rewritePrometheusConfig(shipped, { targetsFile, alertmanager: alertmanager ?? `127.0.0.1:${await freePort()}`, intervalSeconds: 1 }));
  await writeFile(join(workDir, 'alerts.yml'), await readFile(join(repositoryRoot, 'deploy/prometheus/alerts.yml'), 'utf8'));
  return PrometheusServer.start({ configFile, dataDir: join(workDir, 'data'), logFile: join(workDir, 'prometheus.log') });
}
