import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  ConsensusNode,
  deriveConsensusLimits,
  toHex,
  KeyValueApplication,
  LevelChainStore,
  Mempool,
  parseGenesis,
  peerQuotaFor,
  type Genesis,
  type Transport,
} from '@consortium/consensus';
import { nodeKeyFromJson, P2PNode, peerIdOf } from '@consortium/p2p';
import { Groth16Verifier, KeyEpochs } from '@consortium/zkp';
import { MEMORY_RELEASE_DEFAULTS, setupTelemetry, type Telemetry } from '@consortium/telemetry';
import DataLoader from 'dataloader';
import type { DestinationStream } from 'pino';
import type { NodeConfig } from './config.js';
import { loadApiClients, reloadApiClientsOnSignal } from './api-tokens-file.js';
import { refuseOpenKeyFiles } from './file-modes.js';
import { ApiClients } from './http/api-clients.js';
import { createApiServer } from './http/server.js';
import { p2pLimitsFromConsensus } from './p2p-limits.js';
import { addReadinessChecks } from './readiness.js';
import { openValidatorKey } from './validator-key.js';
import { openProvingKeySealer, loadProofKeys } from './proof-keys.js';
import { isAddressInUse, NodeStartError, PortInUseError } from './start-error.js';
import { reportingEquivocations } from './security/consensus-events.js';
import { NodeEvents } from './security/node-events.js';
import type { SecurityEvent, SecurityEventInput } from './security/security-event.js';
import { SecurityLog } from './security/security-log.js';
import { followSettlement } from './settlement/follow.js';
import { startSettlement } from './settlement/start.js';

export { NodeStartError };

/**
 * The SP node: telemetry, the LevelDB store, the application, the mempool, the libp2p host
 * and consensus, behind one HTTP server. Until the settlement issue brings the roaming
 * application, the node runs the key-value application, so the chain can be run and measured.
 */

export interface RunningNode {
  readonly memberId: string;
  readonly genesis: Genesis;
  readonly consensus: ConsensusNode;
  readonly p2p: P2PNode;
  readonly telemetry: Telemetry;
  /** The keys genesis pins and a verifier over them; null when genesis pins none. */
  readonly zkp: { readonly epochs: KeyEpochs; readonly verifier: Groth16Verifier } | null;
  /** http(s)://host:port of the API. */
  readonly httpUrl: string;
  /** The node's events: security events (also in the security log) and committed blocks, as GET /v1/events streams them. */
  readonly events: NodeEvents;
  /**
   * Records a security event (refused peer, invalid message or proof, equivocation, ...): counted,
   * appended to the security log, logged and published on the event stream.
   */
  emitSecurityEvent(event: SecurityEventInput): SecurityEvent;
  stop(): Promise<void>;
}

/** Mempool bounds: a few seconds of the goal throughput, and well under the process's memory. */
const MEMPOOL_MAX_TXS = 50_000;
const MEMPOOL_MAX_BYTES = 64 * 1024 * 1024;
/** How often the LevelDB folder's size is measured for consortium_storage_db_size_bytes. */
const STORE_SIZE_INTERVAL_MS = 10_000;

/** Starts a listener; an address another process holds becomes a PortInUseError naming it. */
async function listenOrExplain(listener: 'p2p' | 'http', address: string, listen: () => Promise<unknown>): Promise<void> {
  try {
    await listen();
  } catch (error) {
    if (isAddressInUse(error)) throw new PortInUseError(listener, address, { cause: error });
    throw error;
  }
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new NodeStartError(`cannot read the ${what} ${file}: ${(error as Error).message}`);
  }
}

export interface StartNodeOptions {
  readonly logDestination?: DestinationStream;
  /**
   * false: the libraries get no metrics objects and no tracer, and the API records neither
   * (the process and host collectors still run). Only for measuring what instrumentation costs
   * (tools/bench telemetry-overhead, CONSORTIUM_BENCH_UNINSTRUMENTED=1): a node run like this
   * shows operators nothing of its chain.
   */
  readonly instrumented?: boolean;
  /**
   * Stands between consensus and libs/p2p: what consensus sends goes through the returned
   * transport. Only for a consortium tool that shows how the other members handle a
   * misbehaving one (tools/src/chaos runs a member that equivocates and floods through it);
   * an operator's node never sets it.
   */
  readonly wrapTransport?: (transport: Transport) => Transport;
  /**
   * Where SIGHUP (reload the API tokens file) is listened for while the node runs: the process
   * unless told otherwise; null listens nowhere (several nodes in one test process).
   */
  readonly signals?: Pick<NodeJS.Process, 'on' | 'off'> | null;
}

export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  // Before any key is read: a key file others on the host may read is refused, with the chmod to run.
  await refuseOpenKeyFiles(config);
  const genesis = parseGenesis(await readJson(config.genesisFile, 'genesis file'));
  const self = genesis.members.find((member) => member.id === config.memberId);
  if (self === undefined) throw new NodeStartError(`member ${config.memberId} is not in genesis (${genesis.members.map((m) => m.id).join(', ')})`);
  const nodeKey = nodeKeyFromJson(await readJson(config.nodeKeyFile, 'node key file'));
  if (peerIdOf(nodeKey) !== self.peerId) throw new NodeStartError(`${config.nodeKeyFile} has peer id ${peerIdOf(nodeKey)}, genesis lists ${self.peerId} for ${config.memberId}`);

  await mkdir(config.dataDir, { recursive: true });
  // Keys are checked before anything starts: a node with keys other than genesis pins must not run,
  // nor one without keys unless genesis says the chain has no proofs.
  const sealer = openProvingKeySealer(config);
  let loadedKeys: Awaited<ReturnType<typeof loadProofKeys>>;
  let clients: ApiClients;
  let tls: Awaited<ReturnType<typeof loadTls>>;
  try {
    loadedKeys = await loadProofKeys(config, genesis, sealer);
    clients = new ApiClients(await loadApiClients(config));
    tls = await loadTls(config);
  } catch (error) {
    sealer?.close();
    throw error;
  }
  const telemetry = setupTelemetry({
    serviceName: 'consortium-node',
    memberId: config.memberId,
    dataDir: config.dataDir,
    // A node runs for months under a load that may never pause: V8 would keep its heap's
    // high-water mark resident (docs/decisions.md, "A node's memory").
    memoryRelease: MEMORY_RELEASE_DEFAULTS,
    ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
  });
  const { metrics, logger } = telemetry;
  const instrumented = options.instrumented !== false;
  const libMetrics = instrumented ? metrics : null;
  const tracerFor = (name: string) => (instrumented ? telemetry.tracer(name) : null);
  let zkp: RunningNode['zkp'] = null;
  if (loadedKeys !== null) {
    const epochs = new KeyEpochs(libMetrics?.zkp ?? null);
    epochs.add(loadedKeys);
    const verifier = new Groth16Verifier(epochs.verificationKeys, { metrics: libMetrics?.zkp ?? null, security: libMetrics?.security ?? null, tracer: tracerFor('@consortium/zkp') });
    zkp = { epochs, verifier };
    const circuits = [...loadedKeys.circuits.keys()].join(', ');
    if (loadedKeys.insecure) logger.warn({ epoch: loadedKeys.epoch, circuits }, 'the proving keys come from the INSECURE single-party demo setup: for a local devnet only');
    else logger.info({ epoch: loadedKeys.epoch, circuits }, 'proving keys loaded and checked against genesis');
  }
  // From here on every resource is released again if the start fails (a LevelDB lock, a port).
  const started: { readonly name: string; readonly stop: () => Promise<unknown> }[] = [];
  try {
    if (sealer !== null) started.push({ name: 'proving key sealer', stop: () => Promise.resolve(sealer.close()) });
    // Genesis's key for this member, from a file or an HSM (whose session stays open while the node runs).
    const validatorKey = await openValidatorKey(config, self);
    started.push({ name: 'validator key', stop: () => Promise.resolve(validatorKey.close()) });
    logger.info({ validatorKey: validatorKey.where }, 'validator key opened');
    const securityLog = await SecurityLog.open(config.securityLogFile, {
      onDrop: (reason, error) => {
        metrics.security.logDroppedEventsTotal.inc({ reason });
        if (error !== undefined) logger.error({ err: error, file: config.securityLogFile }, 'could not write the security log');
      },
    });
    started.push({ name: 'security log', stop: () => securityLog.close() });
    const events = new NodeEvents({ node: config.memberId, log: securityLog, metrics: metrics.security, logger: logger.child({ component: 'security' }) });
    const store = await LevelChainStore.open(join(config.dataDir, 'chain'), { limits: genesis.consensus, metrics: libMetrics?.storage ?? null });
    started.push({ name: 'store', stop: () => store.close() });
    // The LevelDB folder's size (a readdir and a stat per table file, each a trip through the
    // thread pool) is measured now and every 10 s in the background, not in a scrape's path: it
    // moves slowly, and a /metrics request should be one turn of the event loop.
    await store.sizeOnDiskBytes();
    const storeSizeTimer = setInterval(() => {
      store.sizeOnDiskBytes().catch((error: unknown) => logger.warn({ err: error }, 'measuring the store size failed; the gauge keeps its last value'));
    }, STORE_SIZE_INTERVAL_MS);
    storeSizeTimer.unref();
    started.push({ name: 'store size', stop: () => Promise.resolve(clearInterval(storeSizeTimer)) });
    // Frame limits and rates for every protocol consensus uses, from genesis (one table).
    const p2pLimits = p2pLimitsFromConsensus(deriveConsensusLimits(genesis.consensus));
    const p2p = await P2PNode.create({
      memberId: config.memberId,
      privateKey: nodeKey,
      listenAddresses: config.p2p.listen,
      members: genesis.members.map((member) => ({ id: member.id, peerId: member.peerId, addresses: config.p2p.peers[member.id] ?? [], votingPower: member.votingPower })),
      metrics: libMetrics === null ? null : { p2p: libMetrics.p2p, security: libMetrics.security },
      logger: logger.child({ component: 'p2p' }),
      limits: { messageRates: p2pLimits.rates },
      frameLimits: p2pLimits.frameLimits,
      onSecurityEvent: (event) =>
        events.emitSecurityEvent({
          kind: event.kind,
          who: { ...(event.member === null ? {} : { member: event.member }), ...(event.peerId === null ? {} : { peer: event.peerId }) },
          where: event.protocol === null ? { protocol: 'libp2p' } : { protocol: event.protocol },
          what: event.suppressedSinceLast > 0 ? `${event.what} (and ${event.suppressedSinceLast} more since the last report)` : event.what,
          // A refused or misbehaving peer is a chain-level fact every member may see; its details are in the node's log.
          audience: { scope: 'public' },
        }),
    });
    started.push({ name: 'p2p', stop: () => p2p.stop() });
    const signer = validatorKey.signer;
    // The desk submits through consensus, which needs the application first: it reaches it once built.
    let consensusRef: ConsensusNode | null = null;
    // A chain with proving keys runs the settlement application; a kv-test chain the key-value one.
    const settlement =
      zkp === null
        ? null
        : await startSettlement({
            genesis,
            memberId: config.memberId,
            dataDir: config.dataDir,
            signer,
            zkp,
            p2p,
            telemetry,
            proverWorkers: config.proverWorkers,
            epochKeysDirs: config.epochKeysDirs ?? {},
            sealer,
            submitTx: (tx) => consensusRef!.submitTx(tx),
            emitSecurityEvent: (event) => events.emitSecurityEvent(event),
          });
    if (settlement !== null) started.push({ name: 'settlement', stop: () => settlement.close() });
    const app = settlement?.app ?? new KeyValueApplication();
    // Every incoming tx asks the tx index whether it was committed long ago: batch the reads of
    // one tick into a single LevelDB getMany instead of one thread-pool round trip per tx.
    const committedTxs = new DataLoader<Uint8Array, boolean>(async (hashes) => (await store.findTxs(hashes)).map((location) => location !== null), {
      cache: false,
      maxBatchSize: 1024,
    });
    const members = genesis.members.length;
    const mempool = new Mempool(
      {
        maxTxs: MEMPOOL_MAX_TXS,
        maxBytes: MEMPOOL_MAX_BYTES,
        txMaxBytes: genesis.consensus.txMaxBytes,
        // Settlement's checkTx depends on the state (a batch after the previous one, an
        // acceptance after its statement): recheck what is left after each block. The key-value
        // application's does not.
        recheck: settlement !== null,
        // What one peer's gossip may hold: twice its fair share, so no f members can fill it.
        ...peerQuotaFor({ maxTxs: MEMPOOL_MAX_TXS, maxBytes: MEMPOOL_MAX_BYTES, txMaxBytes: genesis.consensus.txMaxBytes }, members),
      },
      { app, isCommitted: (hash) => committedTxs.load(hash), metrics: libMetrics?.consensus ?? null, nowMs: () => Date.now() },
    );
    // Consensus registers its handlers when it is built: nothing peers send once p2p listens is lost.
    const consensus = new ConsensusNode({
      genesis,
      self: config.memberId,
      signer,
      app,
      store,
      mempool,
      transport: options.wrapTransport?.(p2p) ?? p2p,
      logger: logger.child({ component: 'consensus' }),
      metrics: libMetrics === null ? null : { consensus: libMetrics.consensus, security: reportingEquivocations(libMetrics.security, events) },
      tracer: tracerFor('@consortium/consensus'),
      snapshotIntervalBlocks: config.snapshotIntervalBlocks,
    });
    started.push({ name: 'consensus', stop: () => consensus.stop() });
    consensusRef = consensus;
    // Committed blocks on the event stream: public chain data, so observers see the chain move.
    consensus.onCommit(({ block, certificate }) =>
      events.publish({ type: 'block', audience: { scope: 'public' }, data: { height: block.header.height, hash: toHex(certificate.blockHash), timeMs: block.header.timeMs, txs: block.txs.length } }),
    );
    if (settlement !== null) followSettlement(settlement, consensus, events, logger);

    await listenOrExplain('p2p', config.p2p.listen.join(', '), () => p2p.start());
    await consensus.start();
    // The member's queued work from before a stop: batches to submit again, records to deliver.
    await settlement?.desk.resume();
    addReadinessChecks(telemetry.health, genesis, config.memberId, consensus, p2p);
    const server = await createApiServer({ genesis, memberId: config.memberId, consensus, p2p, telemetry, instrumented, store, events, settlement, clients, limits: config.http, ...(tls === undefined ? {} : { tls }) });
    started.push({ name: 'http', stop: () => server.close() });
    await listenOrExplain('http', `${config.http.host}:${config.http.port}`, () => server.listen({ host: config.http.host, port: config.http.port }));
    const address = server.server.address() as AddressInfo;
    const httpUrl = `${tls === undefined ? 'http' : 'https'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    // Revoking or adding a token needs no restart: edit the tokens file, then SIGHUP (api-tokens-file.ts).
    // Listening before 'node started' is logged: whoever waits for that line may send it at once.
    const signals = options.signals === undefined ? process : options.signals;
    const tokensReload = signals === null ? null : reloadApiClientsOnSignal(signals, { config, clients, logger: logger.child({ component: 'api' }), metrics: metrics.api });
    if (tokensReload !== null) started.push({ name: 'tokens reload', stop: () => Promise.resolve(tokensReload.close()) });
    logger.info({ httpUrl, p2p: p2p.listenAddresses(), height: consensus.status().committedHeight }, 'node started');
    if (clients.records.length === 0) logger.warn({ httpUrl }, 'no API clients (node.json http.tokensFile): only /health, /ready, /metrics and /openapi.json answer, and only from loopback');
    if (clients.expiredClients().length > 0) logger.warn({ expiredClients: clients.expiredClients() }, 'API tokens past their expiresAt: they get 401 token_expired; remove them from the tokens file');

    let stopping: Promise<void> | null = null;
    // Graceful: intake stops first (the API answers 503 to new requests while in-flight ones
    // finish; consensus takes no more peer input and gossips nothing), the routine finishes the
    // task it runs (a commit is one task: never cut in half) and runs no other, then p2p, the
    // verifier, the store (LevelDB flushes and releases its lock) and telemetry close.
    const stop = () =>
      (stopping ??= (async () => {
        logger.info({ height: consensus.status().committedHeight }, 'node stopping: intake closed');
        tokensReload?.close();
        const httpClosed = server.close();
        await consensus.stop();
        await httpClosed;
        await settlement?.close();
        await p2p.stop();
        await zkp?.verifier.close();
        clearInterval(storeSizeTimer);
        await store.close();
        events.close();
        await securityLog.close();
        logger.info({ height: consensus.status().committedHeight }, 'node stopped: store closed');
        await telemetry.shutdown();
      })());

    return { memberId: config.memberId, genesis, consensus, p2p, telemetry, zkp, httpUrl, events, emitSecurityEvent: (event) => events.emitSecurityEvent(event), stop };
  } catch (error) {
    logger.error({ err: error }, 'node start failed: releasing what was opened');
    for (const { name, stop } of started.reverse()) {
      await stop().catch((stopError: unknown) => logger.warn({ err: stopError, resource: name }, 'could not release after a failed start'));
    }
    await zkp?.verifier.close().catch(() => undefined);
    await telemetry.shutdown();
    throw error;
  }
}

async function loadTls(config: NodeConfig): Promise<{ cert: Buffer; key: Buffer; ca?: Buffer; requireClientCert: boolean } | undefined> {
  const tls = config.http.tls;
  if (tls === undefined) return undefined;
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file);
    } catch (error) {
      throw new NodeStartError(`cannot read the API's ${what} ${file}: ${(error as Error).message}`);
    }
  };
  // parseNodeConfig refused requireClientCert without caFile.
  const requireClientCert = tls.requireClientCert ?? false;
  return {
    cert: await read(tls.certFile, 'TLS certificate'),
    key: await read(tls.keyFile, 'TLS private key'),
    ...(tls.caFile === undefined ? {} : { ca: await read(tls.caFile, 'client CA certificates') }),
    requireClientCert,
  };
}
