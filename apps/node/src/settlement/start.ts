import { join } from 'node:path';
import type { Ed25519SigningKey, Genesis } from '@consortium/consensus';
import type { P2PNode } from '@consortium/p2p';
import { RecordExchange, SettlementApplication, settlementMembersOf } from '@consortium/settlement';
import { circuitDefinition } from '@consortium/circuits';
import { ProverPool, type Groth16Verifier, type KeyEpochs, type ProvingKeySealer } from '@consortium/zkp';
import type { Telemetry } from '@consortium/telemetry';
import type { SecurityEventInput } from '../security/security-event.js';
import { AnomalyDetection } from './anomaly-detection.js';
import { Cosigning } from './cosign.js';
import { SettlementDesk, type DeskOptions } from './desk.js';
import { LaterEpochKeys } from './epoch-keys.js';
import { PrivateChannels } from './private-channels.js';
import { PrivateStore } from './private-store.js';

/**
 * The settlement side of a node: the application consensus runs, the member's private store,
 * its settlement desk, the record exchange and co-signing on the private channels, and the
 * prover pool. Built before p2p listens (the private handlers are registered here).
 */

export interface SettlementParts {
  readonly app: SettlementApplication;
  readonly desk: SettlementDesk;
  readonly store: PrivateStore;
  /** The usage anomaly detection of the member's pairs (follow.ts feeds it the committed blocks; GET /v1/anomalies reads it). */
  readonly detection: AnomalyDetection;
  readonly prover: ProverPool;
  /** The circuit batches are cut for and statements proved with. */
  readonly circuit: string;
  /** After consensus stopped: the prover, the desk, the application and the private store close. */
  close(): Promise<void>;
}

export interface SettlementStartOptions {
  readonly genesis: Genesis;
  readonly memberId: string;
  readonly dataDir: string;
  readonly signer: Ed25519SigningKey;
  readonly zkp: { readonly epochs: KeyEpochs; readonly verifier: Groth16Verifier };
  readonly p2p: P2PNode;
  readonly telemetry: Telemetry;
  readonly proverWorkers: number;
  /** node.json's epochKeysDirs: keys folders of epochs registered after genesis, by epoch number. */
  readonly epochKeysDirs: Readonly<Record<string, string>>;
  /** Opens later epochs' sealed proving keys (node.json provingKeySealPkcs11Uri), or null. */
  readonly sealer: ProvingKeySealer | null;
  readonly submitTx: DeskOptions['submitTx'];
  readonly emitSecurityEvent: (event: SecurityEventInput) => void;
}

export async function startSettlement(options: SettlementStartOptions): Promise<SettlementParts> {
  const { genesis, telemetry, p2p } = options;
  const logger = telemetry.logger.child({ component: 'settlement' });
  const circuit = largestCircuit(options.zkp.epochs);
  const app = await SettlementApplication.open({
    directory: join(options.dataDir, 'settlement'),
    genesis,
    verifier: options.zkp.verifier,
    // registered epochs' verification keys, from the chain, at open and as each registration commits
    keyRegistry: options.zkp.epochs.verificationKeys,
    metrics: telemetry.metrics.settlement,
    zkpMetrics: telemetry.metrics.zkp,
    security: telemetry.metrics.security,
    tracer: telemetry.tracer('@consortium/settlement'),
    onSecurityEvent: (event) =>
      options.emitSecurityEvent({
        kind: event.kind === 'invalid_proof' ? 'invalid_proof' : 'invalid_message',
        who: {},
        where: { protocol: event.stage === 'check_tx' ? 'settlement check_tx' : 'settlement proposal' },
        what: `${event.error}: ${event.message}`,
        audience: { scope: 'public' },
      }),
  });
  let store: PrivateStore | null = null;
  const prover = new ProverPool({ workers: options.proverWorkers, metrics: telemetry.metrics.zkp, tracer: telemetry.tracer('@consortium/zkp'), logger: logger.child({ component: 'prover' }) });
  try {
    store = await PrivateStore.open(join(options.dataDir, 'private'));
    await prover.start();
    // The workers' isolates are outside the process's heap figures. A read waits for each worker
    // to take an interrupt: under 1 ms idle, 13 ms at the median and up to 80 ms measured with
    // both workers proving on a busy machine. So a scrape starts a read and shows the one before
    // (a scrape interval old), rather than wait for it.
    let workerMemoryRead: Promise<unknown> | null = null;
    telemetry.addCollectHook(() => {
      workerMemoryRead ??= prover
        .sampleWorkerMemory()
        .catch((error: unknown) => logger.warn({ err: error }, "reading the prover workers' memory failed"))
        .finally(() => {
          workerMemoryRead = null;
        });
    });
    const laterEpochs = new LaterEpochKeys({
      dirs: options.epochKeysDirs,
      epochs: options.zkp.epochs,
      trustedSetup: genesis.trustedSetup,
      network: genesis.network ?? 'production',
      sealer: options.sealer,
      logger: logger.child({ component: 'key-epochs' }),
    });
    await laterEpochs.loadRegistered(app.state);
    app.onCommitted((block) => {
      if (block.events.some((event) => event.type === 'key_epoch_registered')) {
        laterEpochs.loadRegistered(app.state).catch((error: unknown) => logger.error({ err: error }, 'loading a key epoch\'s proving keys failed'));
      }
    });
    const members = settlementMembersOf(genesis);
    const channels = new PrivateChannels(p2p);
    const refused = (protocol: string) => (from: string, what: string) =>
      options.emitSecurityEvent({ kind: 'invalid_message', who: { member: from }, where: { protocol }, what, audience: { scope: 'admin' } });
    // The desk is built after the exchange and co-signing it uses; their callbacks reach it late.
    let desk: SettlementDesk | null = null;
    const records = new RecordExchange({
      transport: channels.channel('records'),
      self: options.memberId,
      members,
      committedBatch: (offer) => desk!.committedBatch(offer),
      receivedRanges: (creditor, debtor, period) => desk!.receivedRanges(creditor, debtor, period),
      onBatch: (batch) => desk!.onRecordsReceived(batch),
      onRefused: (from, refusal) => {
        // An offer before the debtor executed the batch's block is the normal race, retried by the creditor.
        if (refusal.reason === 'no_committed_batch') return;
        refused('records')(from, `records refused at the ${refusal.stage}: ${refusal.reason}${refusal.error === null ? '' : ` (${refusal.error.message})`}`);
      },
    });
    const cosigning = new Cosigning({
      transport: channels.channel('cosign'),
      self: options.memberId,
      chainId: genesis.chainId,
      members,
      onProposal: (proposal) => desk!.onCosign(proposal),
      onRefused: (from, error) => refused('cosign')(from, `co-signing message refused (${error.reason}): ${error.message}`),
    });
    const detection = new AnomalyDetection({ self: options.memberId, store, chain: app, metrics: telemetry.metrics.settlement, logger: logger.child({ component: 'anomaly-detection' }) });
    desk = new SettlementDesk({
      self: options.memberId,
      chainId: genesis.chainId,
      members,
      signer: options.signer,
      app,
      store,
      submitTx: options.submitTx,
      records,
      cosigning,
      proving: { prover, epochs: options.zkp.epochs, circuit },
      logger,
      detection,
    });
    records.start();
    cosigning.start();
    channels.start();
    const openedStore = store;
    const openedDesk = desk;
    return {
      app,
      desk,
      store,
      detection,
      prover,
      circuit,
      close: async () => {
        openedDesk.close();
        await prover.close();
        await app.close();
        await openedStore.close();
      },
    };
  } catch (error) {
    await prover.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await app.close().catch(() => undefined);
    throw error;
  }
}

/** The settlement circuit of the current key epoch with the largest batch: fewer batches, fewer proofs. */
function largestCircuit(epochs: KeyEpochs): string {
  const names = epochs.circuitNames(epochs.current).filter((name) => circuitDefinition(name).family === 'settlement');
  if (names.length === 0) throw new Error(`key epoch ${epochs.current} holds no settlement circuit`);
  return names.sort((x, y) => circuitDefinition(y).params.batchSize - circuitDefinition(x).params.batchSize)[0]!;
}
