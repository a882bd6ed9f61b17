import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KEYS_MANIFEST_FILE } from '@consortium/zkp';
import { waitForHeight } from '../devnet/heights.js';
import { NodeProcess, setupCliExited, tailOf } from '../devnet/processes.js';
import { waitReady } from '../devnet/readiness.js';
import { TrafficProcess } from '../traffic/process.js';
import { startDevnetDashboard, type DevnetDashboard } from './dashboard.js';
import { ensureDevnet } from './devnet-folder.js';
import { endpointsOf, endpointsTable, removeEndpoints, withDashboard, withTraffic, writeEndpoints, type DevnetEndpoints, type NodeAddresses } from './endpoints.js';
import { ComponentExitedError, StopRequestedError } from './errors.js';
import { ensureCeremonyKeys } from './ceremony.js';
import { ensureDemoKeys } from './keys.js';
import { acquireDevnetLock } from './lock.js';
import { clearPrometheusTargets, prometheusTargetsOf, writePrometheusTargets } from './prometheus-targets.js';
import { formatElapsed, type LaunchProgress } from './progress.js';
import { Supervisor, type Component } from './supervisor.js';

/**
 * `npm start`: the local consortium, step by step. Demo ZKP keys (made once, then reused), member
 * keys and genesis (consortium-setup), one node process per member on loopback, then waits until
 * every node is ready and commits blocks, writes endpoints.json and the Prometheus targets
 * (prometheus-targets.ts), starts the traffic generator
 * (unless options.traffic is null) and prints what runs where. It runs until `stop` (Ctrl-C,
 * SIGTERM) or until a node dies; either way the Prometheus targets are emptied, the generator
 * and every node stopped, endpoints.json removed and the folder's lock released.
 */

export interface LaunchOptions {
  readonly members: number;
  /** The devnet folder (absolute). */
  readonly dir: string;
  /** The demo keys folder (absolute); with `ceremony`, the ceremony's keys go to <dir>/ceremony/keys instead. */
  readonly keysDir: string;
  /** Keys from a real ceremony among the member processes (over libp2p) instead of the demo's. */
  readonly ceremony?: boolean;
  readonly circuits: readonly string[];
  /** Make new member keys and genesis, and start a new chain. */
  readonly fresh: boolean;
  /** First p2p port (HTTP on + 100); a free one is chosen when not given. */
  readonly basePort?: number;
  /** The traffic generator, started once every node is ready; null or absent: none (--no-traffic). */
  readonly traffic?: { readonly periods: number; readonly recordsPerDirection: number } | null;
  /** The dashboard, started once every node is ready; false: none (--no-dashboard). Absent: started. */
  readonly dashboard?: boolean;
}

export interface LaunchIo {
  readonly progress: LaunchProgress;
  /** The table and endpoints (stdout). */
  readonly out: (text: string) => void;
}

/** Exit codes: 0 stopped on request, 1 a node died or the consortium could not start. */
export const LAUNCH_EXIT = { stopped: 0, failed: 1 } as const;

/** `work`, or StopRequestedError as soon as `stop` fires. */
async function untilStopped<T>(work: Promise<T>, stop: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new StopRequestedError(String(stop.reason)));
    if (stop.aborted) onAbort();
    else stop.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, stopped]);
  } finally {
    stop.removeEventListener('abort', onAbort!);
  }
}

function nodeComponent(node: NodeProcess): Component {
  return {
    name: node.memberId,
    logFile: node.logFile,
    start: () => node.start(),
    stop: () => node.kill('SIGTERM'),
    kill: () => node.kill('SIGKILL'),
    onExit: (listener) => node.onExit(listener),
    logTail: () => tailOf(node.logFile, 20),
  };
}

async function readNodeAddresses(dir: string, memberId: string): Promise<NodeAddresses> {
  return JSON.parse(await readFile(join(dir, memberId, 'node.json'), 'utf8')) as NodeAddresses;
}

/**
 * The traffic generator as a supervised component. Its exit never ends the run: having settled
 * its periods it exits 0, and a failure is reported with its log while the nodes keep running
 * (the consortium is still up and usable; the generator is a demo of it).
 */
function trafficComponent(traffic: TrafficProcess): Component {
  return {
    name: 'traffic generator',
    logFile: traffic.logFile,
    start: () => traffic.start(),
    stop: () => traffic.stop('SIGTERM'),
    kill: () => traffic.stop('SIGKILL'),
    onExit: (listener) => traffic.onExit(listener),
    logTail: () => traffic.logTail(10),
  };
}

/** Runs the consortium until `stop` aborts or a node dies; returns the exit code. `force` (a second Ctrl-C) kills the nodes at once. */
export async function launch(options: LaunchOptions, io: LaunchIo, stop: AbortSignal, force: AbortSignal): Promise<number> {
  const startedAt = new Date();
  const { progress } = io;
  const lock = await acquireDevnetLock(options.dir);
  const releaseOnExit = () => lock.releaseSync();
  process.once('exit', releaseOnExit);
  let supervisor: Supervisor | null = null;
  let trafficSupervisor: Supervisor | null = null;
  let dashboard: DevnetDashboard | null = null;
  const killNow = () => {
    void trafficSupervisor?.killAll();
    void dashboard?.supervisor.killAll();
    void supervisor?.killAll();
  };
  force.addEventListener('abort', killNow, { once: true });
  try {
    const { keysDir, manifest: keys, madeNow } =
      options.ceremony === true
        ? await untilStopped(ensureCeremonyKeys(options.dir, options, progress, stop), stop)
        : { keysDir: options.keysDir, manifest: await untilStopped(ensureDemoKeys(options.keysDir, options.circuits, progress, stop), stop), madeNow: false };
    const devnet = await untilStopped(ensureDevnet(options.dir, options.members, keysDir, keys, { ...options, writtenNow: madeNow }, progress, stop), stop);
    const nodes = devnet.genesis.members.map((member) => new NodeProcess(options.dir, member.id, { ownProcessGroup: true }));
    const running = new Supervisor(nodes.map(nodeComponent));
    supervisor = running;
    // A node that dies at any point from here ends the run.
    const died = running.died.then((error) => Promise.reject(error));
    died.catch(() => {});

    await progress.step(`start ${nodes.length} nodes`, async (outcome) => {
      await untilStopped(Promise.race([running.startAll((component) => progress.detail(`${component.name} answers /health`)), died]), stop);
      outcome(`logs in ${join(options.dir, '<member>', 'node.log')}`);
    });
    await progress.step('every node ready and committing blocks', async (outcome) => {
      await untilStopped(Promise.race([waitReady(nodes), died]), stop);
      // New blocks, not the heights an earlier run left: the chain is alive now.
      const from = Math.max(0, ...(await Promise.all(nodes.map(async (node) => (await node.committedHeight()) ?? 0))));
      await untilStopped(Promise.race([waitForHeight(nodes, from + 1), died]), stop);
      outcome(`height ${from + 1} committed on every node${devnet.reused ? ' (the chain went on from the last run)' : ''}`);
    });

    const members = await Promise.all(
      devnet.genesis.members.map(async (member, i) => ({ member, config: await readNodeAddresses(options.dir, member.id), pid: nodes[i]!.pid ?? -1 })),
    );
    let endpoints: DevnetEndpoints = { ...endpointsOf(options.dir, devnet.genesis.chainId, process.pid, startedAt, members), keysManifest: join(resolve(keysDir), KEYS_MANIFEST_FILE) };
    const file = await writeEndpoints(options.dir, endpoints);
    await writePrometheusTargets(options.dir, prometheusTargetsOf(endpoints));
    if (options.traffic !== undefined && options.traffic !== null) {
      // It reads endpoints.json, so it starts once the file is there; the file then names it too.
      const traffic = new TrafficProcess(options.dir, { endpointsFile: file, ...options.traffic });
      const generator = new Supervisor([trafficComponent(traffic)]);
      trafficSupervisor = generator;
      await untilStopped(generator.startAll(() => {}), stop);
      void generator.died.then((exit) => {
        if (exit.exit === 'code 0') progress.note(`✔ traffic generator done: its periods are settled and closed (${traffic.logFile})`);
        else progress.note(`✖ the traffic generator exited (${exit.exit}); the nodes keep running. The end of ${traffic.logFile}:\n${exit.logTail}`);
      });
      endpoints = withTraffic(endpoints, { pid: traffic.pid ?? -1, logFile: traffic.logFile, ...options.traffic });
      await writeEndpoints(options.dir, endpoints);
    }
    if (options.dashboard !== false) {
      // It reads endpoints.json too; its failure is reported and the nodes run on (dashboard.ts).
      dashboard = startDevnetDashboard(options.dir, (text) => progress.note(text));
      const served = dashboard.dashboard;
      if ((await untilStopped(dashboard.ready, stop)) && served.url !== null) {
        endpoints = withDashboard(endpoints, { url: served.url, tokenFile: served.tokenFile, pid: served.pid ?? -1 });
        await writeEndpoints(options.dir, endpoints);
      }
    }
    const dashboardLine = dashboard?.dashboard.link == null ? '' : `\n\n  dashboard: ${dashboard.dashboard.link}`;
    io.out(`\nLocal consortium ${devnet.genesis.chainId}: ${nodes.length} members on 127.0.0.1\n\n${endpointsTable(endpoints)}${dashboardLine}\n\n`);
    progress.note(`✔ ${nodes.length} members committing blocks ${formatElapsed(Date.now() - startedAt.getTime())} after the start; endpoints in ${file}`);
    progress.note(trafficSupervisor === null ? 'Ctrl-C stops every node.' : 'Ctrl-C stops the traffic generator and every node.');

    const reason = await Promise.race([died.catch((error: unknown) => error), untilStopped(new Promise<never>(() => {}), stop).catch((error: unknown) => error)]);
    if (reason instanceof ComponentExitedError) {
      progress.note(`✖ ${reason.message}`);
      progress.note('Stopping the other nodes.');
      return LAUNCH_EXIT.failed;
    }
    progress.note(`Stopping (${(reason as StopRequestedError).signal}).`);
    return LAUNCH_EXIT.stopped;
  } catch (error) {
    if (error instanceof StopRequestedError) {
      progress.note(`Stopped by ${error.signal} while starting.`);
      return LAUNCH_EXIT.stopped;
    }
    throw error;
  } finally {
    // First, so a Prometheus stops scraping before the nodes go down (no "node down" for a stop);
    // a failure to write it must not keep the nodes running.
    await clearPrometheusTargets(options.dir).catch((error: unknown) => progress.note(`✖ could not empty the Prometheus targets: ${(error as Error).message}`));
    if (dashboard !== null) {
      const stopping = dashboard.supervisor;
      await progress.step('stop the dashboard', () => stopping.stopAll());
    }
    if (trafficSupervisor !== null) {
      const stopping = trafficSupervisor;
      await progress.step('stop the traffic generator', () => stopping.stopAll());
    }
    if (supervisor !== null) {
      const stopping = supervisor;
      await progress.step('stop every node (SIGTERM, then SIGKILL after the deadline)', () => stopping.stopAll());
    }
    // A stop during the keys or devnet step aborted consortium-setup (SIGTERM): let it clean up and exit.
    await setupCliExited();
    await removeEndpoints(options.dir);
    await lock.release();
    process.removeListener('exit', releaseOnExit);
    force.removeEventListener('abort', killNow);
  }
}
