import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONSENSUS_PARAMS } from '@consortium/consensus';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_RATE_LIMITS, issueApiToken, type ApiClient, type RateLimitsConfig } from '@consortium/node-config';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import type { FastifyInstance } from 'fastify';
import { ApiClients } from '../../src/http/api-clients.js';
import { API_ROUTES, type ApiRoutes } from '../../src/http/routes/index.js';
import { createApiServer, type ApiContext } from '../../src/http/server.js';
import { NodeEvents } from '../../src/security/node-events.js';
import { SecurityLog } from '../../src/security/security-log.js';
import { SILENT_LOG } from './single-member.js';

/**
 * The real API server (fastify, hooks, schemas, rate limiter, security log, event stream) with
 * real telemetry, for `server.inject` tests of what happens BEFORE a handler runs: credentials,
 * roles, rate limits, schemas, body limits. The chain parts (consensus, p2p, store) are absent
 * on purpose: a request that reached a chain handler fails with 500, so these tests also prove
 * that a refused request never reaches one. The handlers themselves are tested against a real
 * node in test/e2e/single-node-api.test.ts.
 */
export interface ApiFixture {
  readonly server: FastifyInstance;
  readonly telemetry: Telemetry;
  readonly events: NodeEvents;
  readonly securityLogFile: string;
  /** The clients the server authenticates against (a reload replaces them). */
  readonly clients: ApiClients;
  /** A temporary folder, removed by close(). */
  readonly dir: string;
  /** Tokens by client id. */
  readonly tokens: Readonly<Record<string, string>>;
  securityLogLines(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const FIXTURE_CLIENTS: readonly ApiClient[] = [
  { client: 'sfr-operator', role: 'operator', member: 'SFR-FR' },
  { client: 'orange-operator', role: 'operator', member: 'Orange-FR' },
  { client: 'grafana', role: 'observer' },
  { client: 'root', role: 'admin' },
];

export async function startApiFixture(
  options: {
    readonly rateLimits?: Partial<RateLimitsConfig>;
    readonly bodyLimitBytes?: number;
    /** Slow clients: the node's defaults are 30 s and 10 s; a test of the timeouts sets seconds. */
    readonly requestTimeoutMs?: number;
    readonly headersTimeoutMs?: number;
    readonly maxConnectionsPerAddress?: number;
    /** Where the fixture's logger writes (default: nowhere). */
    readonly logDestination?: { write(line: string): void };
    /** The clock tokens expire by (default Date.now). */
    readonly nowMs?: () => number;
    /** More clients than FIXTURE_CLIENTS (their tokens are in `tokens` too). */
    readonly extraClients?: readonly ApiClient[];
    readonly tls?: ApiContext['tls'];
    readonly extraRoutes?: readonly ApiRoutes[];
    /** Telemetry as a node process sets it up: the global context manager and propagator, OTLP export from these variables. */
    readonly traced?: { readonly env: NodeJS.ProcessEnv };
    /** The settlement parts a test's routes read (default none: the chain's routes answer 503). */
    readonly settlement?: ApiContext['settlement'];
  } = {},
): Promise<ApiFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'api-unit-'));
  const telemetry = setupTelemetry({
    serviceName: 'api-test',
    memberId: 'Orange-FR',
    dataDir: dir,
    registerGlobal: options.traced !== undefined,
    collectors: false,
    logDestination: options.logDestination ?? SILENT_LOG,
    ...(options.traced === undefined ? {} : { env: options.traced.env }),
  });
  const securityLogFile = join(dir, 'security.jsonl');
  const log = await SecurityLog.open(securityLogFile);
  const events = new NodeEvents({ node: 'Orange-FR', log, metrics: telemetry.metrics.security, logger: telemetry.logger });
  const issued = [...FIXTURE_CLIENTS, ...(options.extraClients ?? [])].map((client) => ({ client: client.client, ...issueApiToken(client) }));
  const clients = new ApiClients(issued.map(({ record }) => record), options.nowMs);
  const genesis = { chainId: 'api-unit', members: [{ id: 'Orange-FR' }, { id: 'SFR-FR' }], consensus: DEFAULT_CONSENSUS_PARAMS } as unknown as ApiContext['genesis'];
  const absent = null as never;
  const server = await createApiServer({
    genesis,
    memberId: 'Orange-FR',
    consensus: absent,
    p2p: absent,
    store: absent,
    settlement: options.settlement ?? null,
    telemetry,
    events,
    clients,
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    limits: {
      bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      rateLimits: { windowMs: 60_000, perRole: DEFAULT_RATE_LIMITS, perRoute: {}, ...options.rateLimits },
    },
  }, [...API_ROUTES, ...(options.extraRoutes ?? [])]);
  return {
    server,
    telemetry,
    events,
    securityLogFile,
    clients,
    dir,
    tokens: Object.fromEntries(issued.map(({ client, token }) => [client, token])),
    async securityLogLines() {
      await log.flushed();
      const text = await readFile(securityLogFile, 'utf8');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async close() {
      // The tests are done: keep-alive sockets left by fetch and by streams the server ended would
      // hold server.close() until the client's keep-alive timeout (4 s).
      server.server.closeAllConnections();
      await server.close();
      await log.close();
      await telemetry.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
