import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenesisMember } from '@consortium/consensus';
import { apiTokenFile } from '../devnet/api-tokens.js';

/**
 * `.devnet/endpoints.json`: what runs where, for scripts and monitoring, written once every node
 * is ready and removed when the consortium stops (its presence means one runs). Building it and
 * the table printed beside it is pure.
 */

export const ENDPOINTS_FILE = 'endpoints.json';
export const ENDPOINTS_FORMAT = 'consortium-devnet-endpoints/1';

/** What the launcher reads of a member's node.json (written by consortium-setup devnet). */
export interface NodeAddresses {
  readonly http: { readonly host: string; readonly port: number };
  readonly p2p: { readonly listen: readonly string[] };
  readonly dataDir: string;
}

export interface MemberEndpoints {
  readonly id: string;
  readonly tadig: string;
  readonly operator: string;
  readonly apiUrl: string;
  readonly metricsUrl: string;
  readonly p2p: readonly string[];
  readonly pid: number;
  /** Absolute paths. */
  readonly dataDir: string;
  readonly logFile: string;
  readonly nodeConfig: string;
  /** Absolute paths of the member's API bearer tokens (send as `Authorization: Bearer <token>`), by role. */
  readonly tokens: { readonly operator: string; readonly observer: string; readonly admin: string };
}

export interface DevnetEndpoints {
  readonly format: typeof ENDPOINTS_FORMAT;
  readonly chainId: string;
  readonly launcherPid: number;
  readonly startedAt: string;
  readonly members: readonly MemberEndpoints[];
  /** Absolute path of the demo keys' manifest (`<keys>/keys-manifest.json`): the dashboard's ceremony summary. */
  readonly keysManifest?: string;
  /** The traffic generator, once it runs (absent with --no-traffic). */
  readonly traffic?: TrafficEndpoint;
  /** The dashboard, once it serves (absent with --no-dashboard). */
  readonly dashboard?: DashboardEndpoint;
}

/** The dashboard `npm start` runs beside the nodes (apps/dashboard). */
export interface DashboardEndpoint {
  /** e.g. http://127.0.0.1:4800 (open it with `#token=<the token file's token>`). */
  readonly url: string;
  /** Absolute path of the observer token the dashboard accepts. */
  readonly tokenFile: string;
  readonly pid: number;
}

/** The same endpoints, naming the dashboard too. */
export function withDashboard(endpoints: DevnetEndpoints, dashboard: DashboardEndpoint): DevnetEndpoints {
  return { ...endpoints, dashboard };
}

/** The traffic generator `npm start` runs beside the nodes (tools/src/traffic). */
export interface TrafficEndpoint {
  readonly pid: number;
  /** Absolute path of its JSON log. */
  readonly logFile: string;
  readonly periods: number;
  readonly recordsPerDirection: number;
}

/** The same endpoints, naming the traffic generator too. */
export function withTraffic(endpoints: DevnetEndpoints, traffic: TrafficEndpoint): DevnetEndpoints {
  return { ...endpoints, traffic };
}

export interface RunningMember {
  readonly member: Pick<GenesisMember, 'id' | 'tadig' | 'operator'>;
  readonly config: NodeAddresses;
  readonly pid: number;
}

export function endpointsOf(dir: string, chainId: string, launcherPid: number, startedAt: Date, running: readonly RunningMember[]): DevnetEndpoints {
  return {
    format: ENDPOINTS_FORMAT,
    chainId,
    launcherPid,
    startedAt: startedAt.toISOString(),
    members: running.map(({ member, config, pid }) => {
      const apiUrl = `http://${config.http.host}:${config.http.port}`;
      const memberDir = join(dir, member.id);
      return {
        id: member.id,
        tadig: member.tadig,
        operator: member.operator,
        apiUrl,
        metricsUrl: `${apiUrl}/metrics`,
        p2p: config.p2p.listen,
        pid,
        dataDir: join(memberDir, config.dataDir),
        logFile: join(memberDir, 'node.log'),
        nodeConfig: join(memberDir, 'node.json'),
        tokens: {
          operator: apiTokenFile(dir, member.id, 'operator'),
          observer: apiTokenFile(dir, member.id, 'observer'),
          admin: apiTokenFile(dir, member.id, 'admin'),
        },
      };
    }),
  };
}

/** The table `npm start` prints: one row per member, columns aligned. */
export function endpointsTable(endpoints: DevnetEndpoints): string {
  const header = ['member', 'TADIG', 'API', 'metrics', 'p2p', 'pid', 'data'];
  const rows = endpoints.members.map((m) => [m.id, m.tadig, m.apiUrl, m.metricsUrl, m.p2p.join(' '), String(m.pid), m.dataDir]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  const table = [line(header), ...rows.map(line)].map((text) => `  ${text}`).join('\n');
  const { traffic } = endpoints;
  if (traffic === undefined) return table;
  const periods = `${traffic.periods} period${traffic.periods === 1 ? '' : 's'}`;
  return `${table}\n\n  traffic generator (pid ${traffic.pid}): ${periods}, ${traffic.recordsPerDirection} records per direction and period; log in ${traffic.logFile}`;
}

/** Writes endpoints.json whole or not at all (a reader never sees half a file). */
export async function writeEndpoints(dir: string, endpoints: DevnetEndpoints): Promise<string> {
  const file = join(dir, ENDPOINTS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(endpoints, null, 2)}\n`);
  await rename(temporary, file);
  return file;
}

export async function removeEndpoints(dir: string): Promise<void> {
  await rm(join(dir, ENDPOINTS_FILE), { force: true });
}
