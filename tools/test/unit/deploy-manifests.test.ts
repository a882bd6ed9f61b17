import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { MEMBER_TOKEN_DIR, MEMBER_TOKENS_FILE, parseNodeConfig, type NodeConfig } from '@consortium/node-config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { systemTool } from '../../src/devnet/prometheus-server.js';

/**
 * deploy/compose and deploy/kubernetes cannot run where this repository is built (no compose, no
 * kubectl, no container runtime), so what can be checked without them is checked here, against
 * the sources that define each fact:
 *
 * - every file a container mounts is the repository's, or a file of the member's setup output
 *   (MEMBER_LAYOUT, whose names come from the commands that write them), or a path inside the
 *   image that deploy/container/build.sh checks the built image holds (its IMAGE_FILES);
 * - every path the node reads (node.example.json, loaded as the node loads it) is mounted;
 * - ports are the node's (the devnet's first member: p2p base, HTTP base + offset), the
 *   dashboard's default, the Containerfile's EXPOSE;
 * - the image is build.sh's name with package.json's version;
 * - probes call routes the node and the dashboard serve, on loopback, with the image's probe;
 * - Prometheus and Alertmanager configurations pass promtool and amtool with the files their
 *   containers mount placed where they mount them: three processes, run at once, most of this
 *   file's time (the rest takes about 250 ms, YAML and node-config's schema).
 */

const repositoryRoot = resolve(import.meta.dirname, '../../..');
const composeDir = join(repositoryRoot, 'deploy/compose');
const kubernetesDir = join(repositoryRoot, 'deploy/kubernetes');
const run = promisify(execFile);

const read = (path: string) => readFileSync(join(repositoryRoot, path), 'utf8');
const readJson = (path: string): unknown => JSON.parse(read(path));

/** `export const NAME = 'text'` or `= 26_600` in a source file: the value, or a failure that says to update this test. */
function constantIn(file: string, name: string): string {
  const match = new RegExp(`export const ${name}\\b[^=]*=\\s*(?:'([^']*)'|([\\d_]+))`).exec(read(file));
  if (match === null) throw new Error(`${file} no longer defines ${name} as a literal; update this test`);
  return match[1] ?? match[2]!.replaceAll('_', '');
}

/** A variable of deploy/container/build.sh (`NAME=value` or `NAME="..."`). */
function buildScriptVariable(name: string): string {
  const match = new RegExp(`^${name}=(?:"([^"]*)"|(\\S+))`, 'm').exec(read('deploy/container/build.sh'));
  if (match === null) throw new Error(`deploy/container/build.sh no longer sets ${name}; update this test`);
  return match[1] ?? match[2]!;
}

/** The paths a server registers with `server.get('/path'`. */
function getRoutesIn(file: string): Set<string> {
  return new Set([...read(file).matchAll(/server\.get\('([^']+)'/g)].map((match) => match[1]!));
}

const IMAGE = `${buildScriptVariable('IMAGE_NAME')}:${(readJson('package.json') as { version: string }).version}`;
const APP_UID = Number(buildScriptVariable('APP_UID'));
/** Absolute paths inside the image that build.sh checks the built image holds. */
const IMAGE_FILES = new Set(buildScriptVariable('IMAGE_FILES').split(/\s+/).filter(Boolean).map((path) => `/${path}`));
const PROBE_SCRIPT = '/app/deploy/container/healthcheck.mjs';

const P2P_PORT = Number(constantIn('apps/setup-cli/src/devnet-layout.ts', 'DEFAULT_BASE_PORT'));
const HTTP_PORT = P2P_PORT + Number(constantIn('apps/setup-cli/src/devnet-layout.ts', 'HTTP_PORT_OFFSET'));
const DASHBOARD_PORT = Number(/DEFAULT_LISTEN\b[^=]*=\s*\{[^}]*port:\s*(\d+)/.exec(read('apps/dashboard/src/server/options.ts'))?.[1]);
const NODE_ROUTES = getRoutesIn('apps/node/src/http/routes/operational.ts');
const DASHBOARD_ROUTES = getRoutesIn('apps/dashboard/src/server/http/server.ts');

/**
 * A member's setup output, relative to its folder (compose's CONSORTIUM_MEMBER_DIR, the
 * kustomization's member/), with what writes each entry. deploy/README.md lists the same.
 */
const MEMBER_LAYOUT: ReadonlyMap<string, { readonly kind: 'file' | 'dir'; readonly writtenBy: string }> = new Map([
  ['node.json', { kind: 'file', writtenBy: 'the operator, from deploy/compose/node.example.json' }],
  ['genesis.json', { kind: 'file', writtenBy: 'consortium-setup genesis (one member; every member compares its hash)' }],
  [constantIn('apps/setup-cli/src/commands/keys.ts', 'VALIDATOR_KEY_FILE'), { kind: 'file', writtenBy: 'consortium-setup keys' }],
  [constantIn('apps/setup-cli/src/commands/keys.ts', 'NODE_KEY_FILE'), { kind: 'file', writtenBy: 'consortium-setup keys' }],
  [MEMBER_TOKENS_FILE, { kind: 'file', writtenBy: 'writeMemberApiTokens of @consortium/node-config' }],
  [`${MEMBER_TOKEN_DIR}/observer.token`, { kind: 'file', writtenBy: 'writeMemberApiTokens of @consortium/node-config' }],
  ['keys', { kind: 'dir', writtenBy: 'the ceremony (its keys folder)' }],
  ['prometheus/targets.json', { kind: 'file', writtenBy: 'the operator, from deploy/compose/prometheus-targets.example.json' }],
  ['dashboard', { kind: 'dir', writtenBy: 'the operator: members.json (deploy/compose/members.example.json), alertmanager.token' }],
]);
const KEYS_MANIFEST_FILE = constantIn('libs/zkp/src/artifacts/manifest.ts', 'KEYS_MANIFEST_FILE');
/** The layout's entry for a path of the member folder: the file itself, or the folder that holds it. */
const memberEntryOf = (path: string) =>
  MEMBER_LAYOUT.get(path) ?? [...MEMBER_LAYOUT].find(([dir, entry]) => entry.kind === 'dir' && path.startsWith(`${dir}/`))?.[1];

/** node.json as the containers see it; the same file serves compose and Kubernetes. */
const NODE_JSON_IN_CONTAINER = '/etc/consortium/node.json';
const nodeConfig: NodeConfig = parseNodeConfig(readJson('deploy/compose/node.example.json'), NODE_JSON_IN_CONTAINER);
/** The files and folders the node reads, by node.json field. */
const nodeReads: Record<string, string> = {
  genesisFile: nodeConfig.genesisFile,
  validatorKeyFile: nodeConfig.validatorKeyFile!,
  nodeKeyFile: nodeConfig.nodeKeyFile,
  keysDir: nodeConfig.keysDir!,
  'http.tokensFile': nodeConfig.http.tokensFile!,
};

/** `${VAR:-default}` as compose reads it without the variable set. */
const withDefaults = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
const portOf = (multiaddr: string) => Number(/\/tcp\/(\d+)/.exec(multiaddr)?.[1]);
const isWithin = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** A probe command: the image's node running the image's probe script on one URL. */
function probeUrl(command: readonly string[]): URL {
  const args = command[0] === 'CMD' ? command.slice(1) : command;
  expect(args.slice(0, 2)).toEqual(['node', PROBE_SCRIPT]);
  expect(args).toHaveLength(3);
  return new URL(args[2]!);
}

// ---------------------------------------------------------------------------------------------
// Compose

interface ComposeMount {
  readonly type: 'bind' | 'volume';
  readonly source: string;
  readonly target: string;
  readonly read_only?: boolean;
}
interface ComposeService {
  readonly image: string;
  readonly command?: readonly string[];
  readonly ports?: readonly string[];
  readonly volumes?: readonly ComposeMount[];
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly read_only?: boolean;
  readonly tmpfs?: readonly string[];
  readonly group_add?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly mem_limit?: string;
}
const compose = parseYaml(read('deploy/compose/compose.yaml')) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
const service = (name: string) => {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`compose.yaml has no service ${name}`);
  return found;
};

/** Where a bind mount's source is: a file of the member's folder, or of the repository. */
function bindSource(mount: ComposeMount): { readonly member: string } | { readonly repository: string } {
  const source = withDefaults(mount.source);
  if (source.startsWith('./member/')) return { member: source.slice('./member/'.length) };
  return { repository: relative(repositoryRoot, resolve(composeDir, source)) };
}

/** The container path a mount target gives, for a path the container reads: the mount that holds it. */
function mountHolding(mounts: readonly ComposeMount[], path: string): ComposeMount | undefined {
  return mounts.find((mount) => isWithin(path, mount.target));
}

/** Container ports a service publishes (`[host:]hostPort:containerPort`). */
const publishedPorts = (entry: ComposeService) => (entry.ports ?? []).map((port) => Number(port.split(':').at(-1)));

describe('deploy/compose/compose.yaml', () => {
  it('runs the node and the dashboard from the image build.sh tags, Prometheus and Alertmanager beside them', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'dashboard', 'node', 'prometheus']);
    expect(withDefaults(service('node').image)).toBe(IMAGE);
    expect(withDefaults(service('dashboard').image)).toBe(IMAGE);
  });

  it('mounts only files of the member folder layout or of the repository, read-only, and the data on volumes', () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      for (const mount of entry.volumes ?? []) {
        if (mount.type === 'volume') {
          expect(Object.keys(compose.volumes), `${name}: volume ${mount.source}`).toContain(mount.source);
          continue;
        }
        expect(mount.read_only, `${name}: ${mount.source} must be read-only`).toBe(true);
        const source = bindSource(mount);
        if ('member' in source) {
          expect(memberEntryOf(source.member), `${name}: ${mount.source} is not in the member folder layout`).toBeDefined();
        } else {
          expect(existsSync(join(repositoryRoot, source.repository)), `${name}: ${source.repository}`).toBe(true);
        }
      }
    }
  });

  it('lets the containers of other images read the member\'s token files through the group of the image\'s user', () => {
    for (const [name, entry] of Object.entries(compose.services)) {
      if (withDefaults(entry.image) === IMAGE) continue;
      const readsMemberFiles = (entry.volumes ?? []).some((mount) => mount.type === 'bind' && 'member' in bindSource(mount));
      if (readsMemberFiles) expect(entry.group_add, name).toEqual([String(APP_UID)]);
    }
  });

  it('mounts every file and folder node.json names where the node reads it, and the data directory on a volume', () => {
    const mounts = service('node').volumes!;
    expect(mounts.find((mount) => mount.target === NODE_JSON_IN_CONTAINER)?.source).toMatch(/\/node\.json$/);
    for (const [field, path] of Object.entries(nodeReads)) {
      const mount = mountHolding(mounts, path);
      expect(mount, `node.json ${field} (${path}) is not mounted`).toBeDefined();
      expect(mount!.type, field).toBe('bind');
      // The member file behind it has the name node.json gives it.
      expect(bindSource(mount!), field).toEqual({ member: posix.join(relative('/etc/consortium', mount!.target), relative(mount!.target, path)).replace(/\/$/, '') });
    }
    expect(mountHolding(mounts, nodeConfig.dataDir)?.type).toBe('volume');
  });

  it('publishes the node\'s p2p and HTTP ports, the API and the tools on loopback only', () => {
    expect(nodeConfig.p2p.listen.map(portOf)).toEqual([P2P_PORT]);
    expect(nodeConfig.http.port).toBe(HTTP_PORT);
    // Other containers (Prometheus, the dashboard) reach the API over the compose network.
    expect(nodeConfig.http.host).toBe('0.0.0.0');
    expect(service('node').ports).toEqual([`${P2P_PORT}:${P2P_PORT}`, `127.0.0.1:${HTTP_PORT}:${HTTP_PORT}`]);
    expect(publishedPorts(service('dashboard'))).toEqual([DASHBOARD_PORT]);
    for (const name of ['dashboard', 'prometheus', 'alertmanager']) {
      for (const port of service(name).ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('probes the node\'s /ready and the dashboard\'s /health on loopback with the image\'s probe script', () => {
    expect(IMAGE_FILES).toContain(PROBE_SCRIPT);
    const node = probeUrl(service('node').healthcheck!.test);
    expect([node.hostname, Number(node.port), node.pathname]).toEqual(['127.0.0.1', HTTP_PORT, '/ready']);
    expect(NODE_ROUTES).toContain(node.pathname);
    const dashboard = probeUrl(service('dashboard').healthcheck!.test);
    expect([dashboard.hostname, Number(dashboard.port), dashboard.pathname]).toEqual(['127.0.0.1', DASHBOARD_PORT, '/health']);
    expect(DASHBOARD_ROUTES).toContain(dashboard.pathname);
  });

  it('gives the containers of the image a writable /tmp on a read-only root (tsx caches there)', () => {
    for (const name of ['node', 'dashboard']) {
      expect(service(name).read_only, name).toBe(true);
      expect(service(name).tmpfs?.some((entry) => entry.startsWith('/tmp:')), name).toBe(true);
    }
  });

  it('starts the dashboard on files its container mounts, listening on its published port, reading Prometheus', () => {
    const command = service('dashboard').command!;
    const option = (name: string) => command[command.indexOf(name) + 1]!;
    const mounts = service('dashboard').volumes!;
    for (const name of ['--targets', '--token-file', '--alertmanager-token-file']) expect(mountHolding(mounts, option(name)), name).toBeDefined();
    expect(option('--listen')).toBe(`0.0.0.0:${DASHBOARD_PORT}`);
    expect(new URL(option('--prometheus')).host).toBe('prometheus:9090');
    // The members.json example: this member's node over the compose network, token files inside the mounts.
    const targetsDir = dirname(option('--targets'));
    const targets = readJson('deploy/compose/members.example.json') as { keysManifest: string; members: { apiUrl: string; tokens: { observer: string } }[] };
    expect(targets.members[0]!.apiUrl).toBe(`http://node:${HTTP_PORT}`);
    for (const member of targets.members) expect(mountHolding(mounts, posix.resolve(targetsDir, member.tokens.observer)), member.tokens.observer).toBeDefined();
    const manifest = posix.resolve(targetsDir, targets.keysManifest);
    expect(posix.basename(manifest)).toBe(KEYS_MANIFEST_FILE);
    expect(mountHolding(mounts, manifest)).toBeDefined();
  });

  it('sends alerts with the shipped routes and inhibit rules to the dashboard container', () => {
    const shipped = parseYaml(read('deploy/alertmanager/alertmanager.yml')) as Record<string, unknown>;
    const ours = parseYaml(read('deploy/compose/alertmanager.yml')) as { route: unknown; inhibit_rules: unknown; receivers: { webhook_configs: { url: string; http_config: { authorization: { credentials_file: string } } }[] }[] };
    expect(ours.route).toEqual(shipped['route']);
    expect(ours.inhibit_rules).toEqual(shipped['inhibit_rules']);
    const webhook = ours.receivers[0]!.webhook_configs[0]!;
    expect(new URL(webhook.url).host).toBe(`dashboard:${DASHBOARD_PORT}`);
    expect(new URL(webhook.url).pathname).toBe('/api/alertmanager');
    expect(mountHolding(service('alertmanager').volumes!, webhook.http_config.authorization.credentials_file)).toBeDefined();
  });

  it('has Prometheus scrape the node over the compose network (prometheus-targets.example.json)', () => {
    const groups = readJson('deploy/compose/prometheus-targets.example.json') as { targets: string[]; labels: Record<string, string> }[];
    expect(groups.map((group) => group.targets)).toEqual([[`node:${HTTP_PORT}`]]);
    expect(Object.keys(groups[0]!.labels).sort()).toEqual(['chain', 'member', 'operator']);
    expect(groups[0]!.labels['member']).toBe(nodeConfig.memberId);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes

interface KubernetesObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly data?: Record<string, string>;
}
interface Probe {
  readonly exec: { readonly command: readonly string[] };
}
interface Container {
  readonly image: string;
  readonly command: readonly string[];
  readonly ports: readonly { readonly name: string; readonly containerPort: number }[];
  readonly startupProbe: Probe;
  readonly livenessProbe: Probe;
  readonly readinessProbe: Probe;
  readonly securityContext: { readonly readOnlyRootFilesystem: boolean };
  readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string; readonly subPath?: string }[];
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  readonly resources: { readonly limits: { readonly memory: string } };
}
interface PodSpec {
  readonly terminationGracePeriodSeconds: number;
  readonly securityContext: { readonly runAsUser: number; readonly fsGroup: number };
  readonly initContainers: readonly { readonly name: string; readonly image: string; readonly command: readonly string[]; readonly volumeMounts: Container['volumeMounts'] }[];
  readonly containers: readonly Container[];
  readonly volumes: readonly { readonly name: string; readonly configMap?: { name: string }; readonly secret?: { secretName: string }; readonly persistentVolumeClaim?: { claimName: string }; readonly emptyDir?: object }[];
}
interface Kustomization {
  readonly resources: readonly string[];
  readonly configMapGenerator: readonly { readonly name: string; readonly files: readonly string[] }[];
  readonly secretGenerator: readonly { readonly name: string; readonly files: readonly string[] }[];
  readonly images: readonly { readonly name: string; readonly newTag: string }[];
}

const kustomization = parseYaml(read('deploy/kubernetes/kustomization.yaml')) as Kustomization;
const objects: KubernetesObject[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(join(kubernetesDir, file), 'utf8')).map((document) => document.toJS() as KubernetesObject),
);
const objectOf = (kind: string, name: string) => {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`deploy/kubernetes has no ${kind} ${name}`);
  return found;
};
const statefulSet = objectOf('StatefulSet', 'sp-consortium');
const podSpec = (statefulSet.spec!['template'] as { spec: PodSpec; metadata: { labels: Record<string, string> } }).spec;
const podLabels = (statefulSet.spec!['template'] as { metadata: { labels: Record<string, string> } }).metadata.labels;
const [container] = podSpec.containers;
/** Generated ConfigMaps and Secrets: name -> keys (file basenames, as kustomize names them). */
const generated = new Map([...kustomization.configMapGenerator, ...kustomization.secretGenerator].map((generator) => [generator.name, generator.files.map((file) => posix.basename(file))]));

describe('deploy/kubernetes', () => {
  it('generates the ConfigMap and Secrets from files of the member folder layout, and names build.sh\'s image', () => {
    for (const file of [...kustomization.configMapGenerator, ...kustomization.secretGenerator].flatMap((generator) => generator.files)) {
      expect(file.startsWith('member/'), file).toBe(true);
      expect(MEMBER_LAYOUT.get(file.slice('member/'.length))?.kind, file).toBe('file');
    }
    // The validator key and node key are secret, never in a ConfigMap.
    const configMapFiles = kustomization.configMapGenerator.flatMap((generator) => generator.files.map((file) => posix.basename(file)));
    expect(configMapFiles).not.toContain('validator-key.json');
    expect(configMapFiles).not.toContain('node-key.json');
    expect(kustomization.images).toEqual([{ name: IMAGE.split(':')[0], newTag: IMAGE.split(':')[1] }]);
    expect(container!.image).toBe(IMAGE);
  });

  it('runs one replica of the node, as the image\'s user, stopping within the grace period', () => {
    expect(statefulSet.spec!['replicas']).toBe(1);
    expect(podSpec.containers).toHaveLength(1);
    expect(container!.command).toEqual(['consortium-node', '--config', NODE_JSON_IN_CONTAINER]);
    expect(podSpec.securityContext.runAsUser).toBe(APP_UID);
    expect(podSpec.securityContext.fsGroup).toBe(APP_UID);
    // The node's own deadline for a graceful stop is 30 s (exit 6 past it).
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(30);
    expect(read('deploy/kubernetes/statefulset.yaml')).toMatch(/ONE REPLICA, ALWAYS/);
  });

  it('mounts every file and folder node.json names, from the generated objects and claims, the data directory on its claim', () => {
    const volumes = new Map(podSpec.volumes.map((volume) => [volume.name, volume]));
    const mountAt = (path: string) => container!.volumeMounts.find((mount) => isWithin(path, mount.mountPath));
    for (const [field, path] of Object.entries({ node: NODE_JSON_IN_CONTAINER, ...nodeReads })) {
      const mount = mountAt(path);
      expect(mount, `${field} (${path}) is not mounted`).toBeDefined();
      const volume = volumes.get(mount!.name)!;
      const source = volume.configMap?.name ?? volume.secret?.secretName;
      if (source !== undefined) expect(generated.get(source), `${field}: ${source}`).toContain(mount!.subPath);
      // The private keys: the init container's copies (next test).
      else if (volume.emptyDir !== undefined) expect(mount!.name, field).toBe('private-keys');
      else expect(volume.persistentVolumeClaim?.claimName, field).toBe('sp-consortium-setup-keys');
    }
    expect(objectOf('PersistentVolumeClaim', 'sp-consortium-setup-keys')).toBeDefined();
    const templates = statefulSet.spec!['volumeClaimTemplates'] as { metadata: { name: string } }[];
    expect(templates.map((template) => template.metadata.name)).toContain(mountAt(nodeConfig.dataDir)?.name);
    expect(container!.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(volumes.get(mountAt('/tmp/tsx-10001')!.name)?.emptyDir).toBeDefined();
  });

  it('copies the private keys from the Secret to 0600 files the node accepts, with the image\'s node (run here on stand-ins)', async () => {
    const init = podSpec.initContainers.find((entry) => entry.name === 'private-keys')!;
    expect(init.image).toBe(IMAGE);
    const mountOf = (volume: string) => init.volumeMounts.find((mount) => mount.name === volume)!.mountPath;
    const [secretDir, privateDir] = [mountOf('keys'), mountOf('private-keys')];
    // The node mounts exactly those copies, and the Secret holds every one of them.
    const copied = container!.volumeMounts.filter((mount) => mount.name === 'private-keys').map((mount) => mount.subPath!);
    expect(copied.sort()).toEqual(['node-key.json', 'validator-key.json']);
    for (const file of copied) expect(generated.get('sp-consortium-keys')).toContain(file);

    const root = await mkdtemp(join(tmpdir(), 'private-keys-'));
    try {
      const [node, flag, script] = init.command;
      expect([node, flag, init.command.length]).toEqual(['node', '-e', 3]);
      await mkdir(join(root, 'secret'));
      await mkdir(join(root, 'private'));
      for (const file of copied) await writeFile(join(root, 'secret', file), `{"${file}":1}`, { mode: 0o440 });
      // `node -e` runs it as CommonJS; run in this process (no process start), paths moved to the stand-ins.
      runInNewContext(script!.replaceAll(secretDir, join(root, 'secret')).replaceAll(privateDir, join(root, 'private')), { require: createRequire(import.meta.url) });
      for (const file of copied) {
        expect(readFileSync(join(root, 'private', file), 'utf8')).toBe(`{"${file}":1}`);
        expect(statSync(join(root, 'private', file)).mode & 0o777, file).toBe(0o600);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('probes liveness on /health and readiness on /ready over the pod\'s loopback', () => {
    const probe = (which: Probe) => probeUrl(which.exec.command);
    for (const [which, path] of [[container!.startupProbe, '/health'], [container!.livenessProbe, '/health'], [container!.readinessProbe, '/ready']] as const) {
      const url = probe(which);
      expect([url.hostname, Number(url.port), url.pathname]).toEqual(['127.0.0.1', HTTP_PORT, path]);
      expect(NODE_ROUTES).toContain(url.pathname);
    }
  });

  it('serves p2p and the API on the node\'s ports; p2p and the headless service publish a node that is not ready', () => {
    expect(Object.fromEntries(container!.ports.map((port) => [port.name, port.containerPort]))).toEqual({ p2p: P2P_PORT, api: HTTP_PORT });
    const services = objects.filter((object) => object.kind === 'Service');
    for (const entry of services) {
      expect(entry.spec!['selector'], entry.metadata.name).toEqual(podLabels);
      for (const port of entry.spec!['ports'] as { name: string; port: number; targetPort: string }[]) {
        expect(port.targetPort).toBe(port.name);
        expect(port.port).toBe(port.name === 'p2p' ? P2P_PORT : HTTP_PORT);
      }
    }
    expect(statefulSet.spec!['serviceName']).toBe('sp-consortium');
    expect(objectOf('Service', 'sp-consortium').spec!['clusterIP']).toBe('None');
    expect(objectOf('Service', 'sp-consortium').spec!['publishNotReadyAddresses']).toBe(true);
    expect(objectOf('Service', 'sp-consortium-p2p').spec!['publishNotReadyAddresses']).toBe(true);
    expect(objectOf('Service', 'sp-consortium-api').spec!['publishNotReadyAddresses']).toBeUndefined();
  });

  it('has Prometheus scrape the pod through the headless service with the observer token', () => {
    const config = parseYaml(objectOf('ConfigMap', 'sp-consortium-prometheus').data!['prometheus.yml']!) as {
      scrape_configs: { static_configs: { targets: string[]; labels: Record<string, string> }[]; authorization: { credentials_file: string } }[];
    };
    const [job] = config.scrape_configs;
    expect(job!.static_configs[0]!.targets).toEqual([`sp-consortium-0.sp-consortium:${HTTP_PORT}`]);
    expect(Object.keys(job!.static_configs[0]!.labels).sort()).toEqual(['chain', 'member', 'operator']);
    expect(generated.get('sp-consortium-observer-token')).toEqual([posix.basename(job!.authorization.credentials_file)]);
  });
});

// ---------------------------------------------------------------------------------------------
// The member folder is documented; the Containerfile agrees on ports, user, probe and command

describe('the member folder and the image', () => {
  it('documents every entry of the member folder layout in deploy/README.md', () => {
    const readme = read('deploy/README.md');
    for (const path of MEMBER_LAYOUT.keys()) expect(readme, path).toContain(`member/${path}`);
  });

  it('exposes the node\'s and the dashboard\'s ports in the Containerfile, and probes the node\'s /health', () => {
    const containerfile = read('deploy/container/Containerfile');
    const exposed = /^EXPOSE (.+)$/m.exec(containerfile)![1]!.split(/\s+/).map((port) => Number(port.split('/')[0]));
    expect(exposed).toEqual([P2P_PORT, HTTP_PORT, DASHBOARD_PORT]);
    expect(containerfile).toMatch(new RegExp(`^USER ${APP_UID}:${APP_UID}$`, 'm'));
    expect(containerfile).toContain(`"node", "${PROBE_SCRIPT}", "http://127.0.0.1:${HTTP_PORT}/health"`);
    expect(containerfile).toContain(`CMD ["consortium-node", "--config", "${NODE_JSON_IN_CONTAINER}"]`);
  });
});

// ---------------------------------------------------------------------------------------------
// The node's memory: a heap limit beside each memory limit

/** `--max-old-space-size=<MiB>` of a NODE_OPTIONS value, in bytes. */
function heapLimitBytes(nodeOptions: string | undefined): number {
  const match = /(?:^|\s)--max-old-space-size=(\d+)(?:\s|$)/.exec(nodeOptions ?? '');
  if (match === null) throw new Error(`NODE_OPTIONS sets no --max-old-space-size: ${nodeOptions}`);
  return Number(match[1]) * 2 ** 20;
}
/** A memory quantity as compose (`3g`) or Kubernetes (`3Gi`) writes it, in bytes. */
function memoryBytes(quantity: string): number {
  const match = /^(\d+)(g|m|Gi|Mi)$/.exec(quantity);
  if (match === null) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * 2 ** ({ g: 30, Gi: 30, m: 20, Mi: 20 } as const)[match[2] as 'g' | 'Gi' | 'm' | 'Mi'];
}

describe('the node\'s memory', () => {
  const kubernetesEnv = (name: string) => container!.env?.find((entry) => entry.name === name)?.value;
  // V8 keeps heap pages up to its limit under a load that never pauses; the limit, not the pod's
  // memory, bounds them. The rest of the memory is the prover workers', LevelDB's and the
  // allocator's (docs/decisions.md, "A node's memory: a heap limit").
  it.each([
    ['compose', () => ({ nodeOptions: service('node').environment?.['NODE_OPTIONS'], memory: service('node').mem_limit! })],
    ['Kubernetes', () => ({ nodeOptions: kubernetesEnv('NODE_OPTIONS'), memory: container!.resources.limits.memory })],
  ])('%s gives the node a heap limit of at most a third of its memory limit, and at least 512 MiB', (_, settings) => {
    const { nodeOptions, memory } = settings();
    const heapLimit = heapLimitBytes(nodeOptions);
    expect(heapLimit * 3).toBeLessThanOrEqual(memoryBytes(memory));
    expect(heapLimit).toBeGreaterThanOrEqual(512 * 2 ** 20);
  });

  // One arena a thread and a mmap threshold that rises with each large free let glibc's arenas
  // grow 6 MiB a minute under settlement load; two arenas and a fixed threshold kept them flat.
  it.each(['MALLOC_ARENA_MAX', 'MALLOC_MMAP_THRESHOLD_'])('compose and Kubernetes set glibc\'s %s for the node, the same', (name) => {
    const kubernetes = kubernetesEnv(name);
    expect(kubernetes).toMatch(/^\d+$/);
    expect(service('node').environment?.[name]).toBe(kubernetes);
  });

  it('compose and Kubernetes give the node the same heap limit and memory', () => {
    expect(service('node').environment?.['NODE_OPTIONS']).toBe(kubernetesEnv('NODE_OPTIONS'));
    expect(memoryBytes(service('node').mem_limit!)).toBe(memoryBytes(container!.resources.limits.memory));
  });
});

// ---------------------------------------------------------------------------------------------
// promtool and amtool, with every file placed where the containers mount it

describe('the Prometheus and Alertmanager configurations, by promtool and amtool', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deploy-manifests-'));
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  /** Places each file at `root + container path`, rewrites the configuration's container paths to match, returns its path there. */
  async function placed(name: string, config: string, files: Record<string, string>): Promise<string> {
    const at = join(root, name);
    let text = config;
    for (const [target, content] of Object.entries(files)) {
      await mkdir(dirname(join(at, target)), { recursive: true });
      if (isAbsolute(content)) await copyFile(content, join(at, target));
      else await writeFile(join(at, target), content);
      text = text.replaceAll(target, join(at, target));
    }
    const file = join(at, 'config.yml');
    await writeFile(file, text);
    return file;
  }

  /** The files the compose service mounts: the repository's, or member-folder stand-ins. */
  function composeFiles(name: string, standIns: Record<string, string>): Record<string, string> {
    const files: Record<string, string> = {};
    for (const mount of service(name).volumes ?? []) {
      if (mount.type !== 'bind') continue;
      const source = bindSource(mount);
      files[mount.target] = 'member' in source ? standIns[source.member]! : join(repositoryRoot, source.repository);
    }
    return files;
  }

  const check = async (tool: string, args: readonly string[]) => {
    const result = await run(tool, args, { encoding: 'utf8' }).catch((error: { stdout: string; stderr: string }) => ({ ...error, failed: true }));
    return { failed: 'failed' in result, output: `${result.stdout}${result.stderr}` };
  };

  it('compose: prometheus.yml and alertmanager.yml pass, and Kubernetes\' prometheus.yml with the mounts its comment names', async () => {
    const promtool = systemTool('promtool', 'prometheus');
    const amtool = systemTool('amtool', 'prometheus-alertmanager');
    const token = 'cst_stand-in\n';
    const prometheusFiles = composeFiles('prometheus', { 'prometheus/targets.json': join(composeDir, 'prometheus-targets.example.json'), 'tokens/observer.token': token });
    const composePrometheus = await placed('compose-prometheus', read('deploy/compose/prometheus.yml'), prometheusFiles);
    const composeAlertmanager = await placed('compose-alertmanager', read('deploy/compose/alertmanager.yml'), composeFiles('alertmanager', { 'dashboard/alertmanager.token': token }));
    const kubernetesPrometheus = await placed('kubernetes-prometheus', objectOf('ConfigMap', 'sp-consortium-prometheus').data!['prometheus.yml']!, {
      '/etc/prometheus/rules/alerts.yml': join(repositoryRoot, 'deploy/prometheus/alerts.yml'),
      '/etc/prometheus/consortium/observer.token': token,
    });
    // Compose's prometheus.yml is the file compose mounts as the --config.file.
    const configFile = service('prometheus').command!.find((arg) => arg.startsWith('--config.file='))!.split('=')[1]!;
    expect(prometheusFiles[configFile]).toBe(join(composeDir, 'prometheus.yml'));

    const results = await Promise.all([
      check(promtool, ['check', 'config', composePrometheus]),
      check(amtool, ['check-config', composeAlertmanager]),
      check(promtool, ['check', 'config', kubernetesPrometheus]),
    ]);
    for (const { failed, output } of results) {
      expect(output).not.toContain('WARNING');
      expect(failed, output).toBe(false);
    }
    expect(results[0].output).toContain('SUCCESS: 1 rule files found');
    expect(results[2].output).toContain('SUCCESS: 1 rule files found');
  });
});
