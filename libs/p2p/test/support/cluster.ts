/**
 * Real nodes on loopback for the e2e tests: member keys, P2PNodes with their own telemetry
 * (registry, metrics, a logger writing into a LogRecorder), and bare libp2p hosts that play
 * outsiders and misbehaving members. Every node a test creates is stopped by `stopAll`.
 */
import { createServer, type AddressInfo } from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import { identify } from '@libp2p/identify';
import type { Ed25519PrivateKey, Libp2p } from '@libp2p/interface';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import type { Tracer } from '@opentelemetry/api';
import { createLibp2p } from 'libp2p';
import { generateNodeKey, P2PNode, peerIdOf, type FrameLimitsOverrides, type MemberEntry, type P2PLimitsOverrides } from '../../src/index.js';
import { LogRecorder } from '@consortium/telemetry';
import { waitFor } from './wait.js';

export const LOOPBACK = '/ip4/127.0.0.1/tcp/0';

/**
 * Fast intervals so the tests finish in seconds. Timeouts stay at the production defaults: on a
 * busy machine a ping or a dial can take seconds, and a test that needs a timeout to fire sets
 * its own.
 */
export const TEST_LIMITS: P2PLimitsOverrides = {
  pingIntervalMs: 100,
  pingTimeoutMs: 5_000,
  redialBaseMs: 50,
  redialMaxMs: 500,
  dialTimeoutMs: 5_000,
  backoffBaseMs: 1_000,
};

export interface TestIdentity {
  readonly id: string;
  readonly key: Ed25519PrivateKey;
  readonly peerId: string;
}

export async function makeIdentities(ids: readonly string[]): Promise<TestIdentity[]> {
  return Promise.all(
    ids.map(async (id) => {
      const key = await generateNodeKey();
      return { id, key, peerId: peerIdOf(key) };
    }),
  );
}

export interface TestNode {
  readonly identity: TestIdentity;
  readonly node: P2PNode;
  readonly telemetry: Telemetry;
  readonly logs: LogRecorder;
}

export interface StartNodeOptions {
  /** Addresses to dial, by member id. */
  readonly addresses?: ReadonlyMap<string, readonly string[]>;
  readonly limits?: P2PLimitsOverrides;
  readonly frameLimits?: FrameLimitsOverrides;
  readonly listen?: string;
  /** Spans of the node (the private exchange's); see SpanRecorder. */
  readonly tracer?: Tracer;
}

/** A finished span as the recorder keeps it. */
export interface RecordedSpan {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/**
 * The few Tracer calls the node makes, recorded: OpenTelemetry is outside the project, and what a
 * test checks is which spans the node ended with which attributes.
 */
export class SpanRecorder {
  readonly ended: RecordedSpan[] = [];

  readonly tracer = {
    startSpan: (name: string, options?: { attributes?: Record<string, unknown> }) => {
      const attributes: Record<string, unknown> = { ...options?.attributes };
      const span = {
        setAttribute: (key: string, value: unknown) => {
          attributes[key] = value;
          return span;
        },
        setAttributes: (values: Record<string, unknown>) => {
          Object.assign(attributes, values);
          return span;
        },
        end: () => {
          this.ended.push({ name, attributes });
        },
      };
      return span;
    },
  } as unknown as Tracer;
}

/** A TCP port free on loopback right now (for a node that must come back on the same address). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class TestNetwork {
  private readonly nodes: TestNode[] = [];
  private readonly hosts: Libp2p[] = [];

  /**
   * Starts a P2PNode for `identity`. Members listed in `addresses` are dialled at start; the
   * others are expected to dial this node.
   */
  async startNode(identity: TestIdentity, members: readonly TestIdentity[], options: StartNodeOptions = {}): Promise<TestNode> {
    const { addresses = new Map<string, readonly string[]>(), limits = {}, listen = LOOPBACK } = options;
    const logs = new LogRecorder();
    const telemetry = setupTelemetry({
      serviceName: 'p2p-test',
      memberId: identity.id,
      env: {},
      registerGlobal: false,
      collectors: false,
      logLevel: 'debug',
      logDestination: logs,
    });
    const entries: MemberEntry[] = members.map((member) => ({
      id: member.id,
      peerId: member.peerId,
      ...(addresses.has(member.id) ? { addresses: addresses.get(member.id) } : {}),
    }));
    const node = await P2PNode.create({
      memberId: identity.id,
      privateKey: identity.key,
      listenAddresses: [listen],
      members: entries,
      metrics: { p2p: telemetry.metrics.p2p, security: telemetry.metrics.security },
      logger: telemetry.logger,
      limits: { ...TEST_LIMITS, ...limits },
      ...(options.frameLimits === undefined ? {} : { frameLimits: options.frameLimits }),
      ...(options.tracer === undefined ? {} : { tracer: options.tracer }),
    });
    const testNode = { identity, node, telemetry, logs };
    this.nodes.push(testNode);
    await node.start();
    return testNode;
  }

  /**
   * Starts one node per identity; each later node knows the addresses of the earlier ones, so
   * every pair gets connected. Resolves when everyone sees everyone.
   */
  async startCluster(identities: readonly TestIdentity[], limits: P2PLimitsOverrides = {}, frameLimits?: FrameLimitsOverrides): Promise<TestNode[]> {
    const started: TestNode[] = [];
    for (const identity of identities) {
      const addresses = new Map(started.map((peer) => [peer.identity.id, peer.node.listenAddresses()]));
      started.push(await this.startNode(identity, identities, { addresses, limits, ...(frameLimits === undefined ? {} : { frameLimits }) }));
    }
    await waitFor('every member connected to every other', () =>
      started.every((peer) => peer.node.connectedMembers().length === identities.length - 1),
    );
    return started;
  }

  /** A bare libp2p host (no gater, no consortium protocols): an outsider or a rogue member. */
  async startBareHost(key: Ed25519PrivateKey): Promise<Libp2p> {
    const host = await createLibp2p({
      privateKey: key,
      addresses: { listen: [LOOPBACK] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionMonitor: { enabled: false },
      services: { identify: identify(), ping: ping() },
    });
    this.hosts.push(host);
    return host;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.hosts.map(async (host) => host.stop()));
    await Promise.all(this.nodes.map(async ({ node }) => node.stop()));
    await Promise.all(this.nodes.map(async ({ telemetry }) => telemetry.shutdown()));
    this.nodes.length = 0;
    this.hosts.length = 0;
  }
}

/** Histogram series carry their sample name (`_bucket`, `_count`...); plain series do not. */
const metricNameOf = (value: object): string | undefined => (value as { metricName?: string }).metricName;

/** The first listen address of a started node. */
export function addressOf(node: TestNode): string {
  const [address] = node.node.listenAddresses();
  if (address === undefined) throw new Error(`${node.identity.id} is not listening`);
  return address;
}

/** The value of one series (counter or gauge) in a node's registry; 0 when the series does not exist. */
export async function metricValue(telemetry: Telemetry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((value) => metricNameOf(value) === undefined || metricNameOf(value) === name)
    .filter((value) => Object.entries(labels).every(([label, expected]) => value.labels[label] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}

/** The count of observations of a histogram series. */
export async function histogramCount(telemetry: Telemetry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  return values
    .filter((value) => metricNameOf(value) === `${name}_count`)
    .filter((value) => Object.entries(labels).every(([label, expected]) => value.labels[label] === expected))
    .reduce((sum, value) => sum + value.value, 0);
}
