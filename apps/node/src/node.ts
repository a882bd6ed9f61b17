import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  ConsensusNode,
  deriveConsensusLimits,
  Ed25519Signer,
  KeyValueApplication,
  LevelChainStore,
  Mempool,
  parseGenesis,
  peerQuotaFor,
  validatorKeyFromJson,
  type Genesis,
} from '@consortium/consensus';
import { nodeKeyFromJson, P2PNode, peerIdOf } from '@consortium/p2p';
import { Groth16Verifier, KeyEpochs } from '@consortium/zkp';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import DataLoader from 'dataloader';
import type { DestinationStream } from 'pino';
import type { NodeConfig } from './config.js';
import { createApiServer } from './http/server.js';
import { p2pLimitsFromConsensus } from './p2p-limits.js';
import { addReadinessChecks } from './readiness.js';
import { loadProofKeys } from './proof-keys.js';
import { isAddressInUse, NodeStartError, PortInUseError } from './start-error.js';

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
  /** http://host:port of the API. */
  readonly httpUrl: string;
  stop(): Promise<void>;
}

/** Mempool bounds: a few seconds of the goal throughput, and well under the process's memory. */
const MEMPOOL_MAX_TXS = 50_000;
const MEMPOOL_MAX_BYTES = 64 * 1024 * 1024;

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

export async function startNode(config: NodeConfig, options: { readonly logDestination?: DestinationStream } = {}): Promise<RunningNode> {
  const genesis = parseGenesis(await readJson(config.genesisFile, 'genesis file'));
  const self = genesis.members.find((member) => member.id === config.memberId);
  if (self === undefined) throw new NodeStartError(`member ${config.memberId} is not in genesis (${genesis.members.map((m) => m.id).join(', ')})`);
  const validatorKey = validatorKeyFromJson(await readJson(config.validatorKeyFile, 'validator key file'));
  if (validatorKey.memberId !== config.memberId) throw new NodeStartError(`${config.validatorKeyFile} is the key of ${validatorKey.memberId}, not of ${config.memberId}`);
  const nodeKey = nodeKeyFromJson(await readJson(config.nodeKeyFile, 'node key file'));
  if (peerIdOf(nodeKey) !== self.peerId) throw new NodeStartError(`${config.nodeKeyFile} has peer id ${peerIdOf(nodeKey)}, genesis lists ${self.peerId} for ${config.memberId}`);

  await mkdir(config.dataDir, { recursive: true });
  // Keys are checked before anything starts: a node with keys other than genesis pins must not run,
  // nor one without keys unless genesis says the chain has no proofs.
  const loadedKeys = await loadProofKeys(config, genesis);
  const telemetry = setupTelemetry({
    serviceName: 'consortium-node',
    memberId: config.memberId,
    dataDir: config.dataDir,
    ...(options.logDestination === undefined ? {} : { logDestination: options.logDestination }),
  });
  const { metrics, logger } = telemetry;
  let zkp: RunningNode['zkp'] = null;
  if (loadedKeys !== null) {
    const epochs = new KeyEpochs(metrics.zkp);
    epochs.add(loadedKeys);
    const verifier = new Groth16Verifier(epochs.verificationKeys, { metrics: metrics.zkp, security: metrics.security, tracer: telemetry.tracer('@consortium/zkp') });
    zkp = { epochs, verifier };
    const circuits = [...loadedKeys.circuits.keys()].join(', ');
    if (loadedKeys.insecure) logger.warn({ epoch: loadedKeys.epoch, circuits }, 'the proving keys come from the INSECURE single-party demo setup: for a local devnet only');
    else logger.info({ epoch: loadedKeys.epoch, circuits }, 'proving keys loaded and checked against genesis');
  }
  // From here on every resource is released again if the start fails (a LevelDB lock, a port).
  const started: { readonly name: string; readonly stop: () => Promise<unknown> }[] = [];
  try {
    const store = await LevelChainStore.open(join(config.dataDir, 'chain'), { limits: genesis.consensus, metrics: metrics.storage });
    started.push({ name: 'store', stop: () => store.close() });
    telemetry.addCollectHook(async () => {
      await store.sizeOnDiskBytes();
    });
    const app = new KeyValueApplication();
    // Every incoming tx asks the tx index whether it was committed long ago: batch the reads of
    // one tick into a single LevelDB getMany instead of one thread-pool round trip per tx.
    const committedTxs = new DataLoader<Uint8Array, boolean>(async (hashes) => (await store.findTxs(hashes)).map((location) => location !== null), {
      cache: false,
      maxBatchSize: 1024,
    });
    const members = genesis.members.length;
    const mempool = new Mempool(
      // The key-value application's checkTx does not depend on state: no recheck after blocks.
      {
        maxTxs: MEMPOOL_MAX_TXS,
        maxBytes: MEMPOOL_MAX_BYTES,
        txMaxBytes: genesis.consensus.txMaxBytes,
        recheck: false,
        // What one peer's gossip may hold: twice its fair share, so no f members can fill it.
        ...peerQuotaFor({ maxTxs: MEMPOOL_MAX_TXS, maxBytes: MEMPOOL_MAX_BYTES, txMaxBytes: genesis.consensus.txMaxBytes }, members),
      },
      { app, isCommitted: (hash) => committedTxs.load(hash), metrics: metrics.consensus, nowMs: () => Date.now() },
    );
    // Frame limits and rates for every protocol consensus uses, from genesis (one table).
    const p2pLimits = p2pLimitsFromConsensus(deriveConsensusLimits(genesis.consensus));
    const p2p = await P2PNode.create({
      memberId: config.memberId,
      privateKey: nodeKey,
      listenAddresses: config.p2p.listen,
      members: genesis.members.map((member) => ({ id: member.id, peerId: member.peerId, addresses: config.p2p.peers[member.id] ?? [] })),
      metrics: { p2p: metrics.p2p, security: metrics.security },
      logger: logger.child({ component: 'p2p' }),
      limits: { messageRates: p2pLimits.rates },
      frameLimits: p2pLimits.frameLimits,
    });
    started.push({ name: 'p2p', stop: () => p2p.stop() });
    // Consensus registers its handlers when it is built: nothing peers send once p2p listens is lost.
    const consensus = new ConsensusNode({
      genesis,
      self: config.memberId,
      signer: new Ed25519Signer(validatorKey.keyPair),
      app,
      store,
      mempool,
      transport: p2p,
      logger: logger.child({ component: 'consensus' }),
      metrics: { consensus: metrics.consensus, security: metrics.security },
      tracer: telemetry.tracer('@consortium/consensus'),
      snapshotIntervalBlocks: config.snapshotIntervalBlocks,
    });
    started.push({ name: 'consensus', stop: () => consensus.stop() });

    await listenOrExplain('p2p', config.p2p.listen.join(', '), () => p2p.start());
    await consensus.start();
    addReadinessChecks(telemetry.health, genesis, config.memberId, consensus, p2p);
    const server = await createApiServer({ genesis, memberId: config.memberId, consensus, p2p, telemetry, store });
    started.push({ name: 'http', stop: () => server.close() });
    await listenOrExplain('http', `${config.http.host}:${config.http.port}`, () => server.listen({ host: config.http.host, port: config.http.port }));
    const address = server.server.address() as AddressInfo;
    const httpUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    logger.info({ httpUrl, p2p: p2p.listenAddresses(), height: consensus.status().committedHeight }, 'node started');

    let stopping: Promise<void> | null = null;
    // Graceful: intake stops first (the API answers 503 to new requests while in-flight ones
    // finish; consensus takes no more peer input and gossips nothing), the routine finishes the
    // task it runs (a commit is one task: never cut in half) and runs no other, then p2p, the
    // verifier, the store (LevelDB flushes and releases its lock) and telemetry close.
    const stop = () =>
      (stopping ??= (async () => {
        logger.info({ height: consensus.status().committedHeight }, 'node stopping: intake closed');
        const httpClosed = server.close();
        await consensus.stop();
        await httpClosed;
        await p2p.stop();
        await zkp?.verifier.close();
        await store.close();
        logger.info({ height: consensus.status().committedHeight }, 'node stopped: store closed');
        await telemetry.shutdown();
      })());

    return { memberId: config.memberId, genesis, consensus, p2p, telemetry, zkp, httpUrl, stop };
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
