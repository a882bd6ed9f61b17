// What an acknowledged transaction costs to keep: a node writes each client transaction to its
// store's pending_txs bucket before it answers the client, coalescing the submits of one moment
// into one LevelDB batch. Two questions: what a batch costs with `sync: true` (an fsync: it
// survives a power loss) against without (the OS has it: it survives a kill -9 of the process),
// for the batch shapes a node makes (one transaction for an idle node's one client, up to the
// batch endpoint's 2,000); and what a real node's acknowledgements cost end to end (latency and
// throughput of submitTx on one validator over LevelDB, the mode the node uses).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConsensusNode,
  DEFAULT_CONSENSUS_PARAMS,
  encodeKeyValueTx,
  Ed25519Signer,
  generateEd25519KeyPair,
  KeyValueApplication,
  LevelChainStore,
  Mempool,
  type Genesis,
  type Transport,
} from '@consortium/consensus';
import { formatDuration, percentile } from './report.js';

/** A settlement statement is a few hundred bytes to a few KiB; 512 bytes sits in between. */
const TX_BYTES = 512;
const BATCH_SHAPES = [1, 10, 100, 2_000] as const;

let nonce = 0;
function benchTx(bytes = TX_BYTES): Uint8Array {
  const tx = encodeKeyValueTx({ key: `pending-${nonce}`, value: 'x'.repeat(bytes), nonce });
  nonce += 1;
  return tx;
}

async function withStore<T>(run: (store: LevelChainStore) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-pending-txs-'));
  const store = await LevelChainStore.open(dir, { limits: DEFAULT_CONSENSUS_PARAMS, metrics: null });
  try {
    return await run(store);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Batches of `perBatch` transactions written one after the other for about `budgetMs`. */
async function storeBatches(perBatch: number, sync: boolean, budgetMs: number): Promise<{ readonly latenciesMs: number[]; readonly txsPerSecond: number }> {
  return withStore(async (store) => {
    const latenciesMs: number[] = [];
    let txs = 0;
    const startedMs = performance.now();
    // Bounded by time and by count: 2,000 batches of one are plenty for percentiles.
    while (performance.now() - startedMs < budgetMs && latenciesMs.length < 2_000) {
      const batch = Array.from({ length: perBatch }, () => benchTx());
      const t0 = performance.now();
      await store.savePendingTxs(batch, sync);
      latenciesMs.push(performance.now() - t0);
      txs += perBatch;
    }
    return { latenciesMs, txsPerSecond: txs / ((performance.now() - startedMs) / 1000) };
  });
}

async function storeBench(): Promise<void> {
  console.log(`  store.savePendingTxs, ${TX_BYTES}-byte transactions, batches back to back:`);
  for (const perBatch of BATCH_SHAPES) {
    for (const sync of [false, true]) {
      const { latenciesMs, txsPerSecond } = await storeBatches(perBatch, sync, perBatch === 2_000 ? 4_000 : 2_000);
      const sorted = [...latenciesMs].sort((a, b) => a - b);
      console.log(
        `    ${String(perBatch).padStart(5)} per batch, sync ${String(sync).padEnd(5)}: p50 ${formatDuration(percentile(sorted, 50)).padStart(10)}  ` +
          `p99 ${formatDuration(percentile(sorted, 99)).padStart(10)}  ${Math.round(txsPerSecond).toLocaleString('en-US').padStart(9)} tx/s  (${sorted.length} batches)`,
      );
    }
  }
}

/** A transport with no peers: the node's gossip goes nowhere, which this benchmark does not measure. */
function aloneTransport(): Transport {
  return {
    broadcast: () => undefined,
    send: () => undefined,
    request: () => Promise.reject(new Error('no peers')),
    onMessage: () => undefined,
    onRequest: () => undefined,
    connectedMembers: () => [],
    reportInvalid: () => undefined,
  };
}

/** One validator over LevelDB: submitTx as the API calls it, each acknowledgement after the store has the transaction. */
async function nodeBench(): Promise<void> {
  const keyPair = generateEd25519KeyPair();
  const genesis: Genesis = {
    chainId: 'bench-pending-txs',
    genesisTimeMs: Date.now(),
    members: [{ id: 'solo', operator: 'solo', tadig: 'BEN01', publicKey: keyPair.publicKey, peerId: `12D3KooW${'x'.repeat(44)}`, votingPower: 1 }],
    consensus: { ...DEFAULT_CONSENSUS_PARAMS, emptyBlocksIntervalMs: 0 },
    artifacts: {},
  };
  await withStore(async (store) => {
    const app = new KeyValueApplication();
    const mempool = new Mempool(
      { maxTxs: 20_000, maxBytes: 64 * 1024 * 1024, txMaxBytes: genesis.consensus.txMaxBytes, recheck: false },
      { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => Date.now() },
    );
    const node = new ConsensusNode({ genesis, self: 'solo', signer: new Ed25519Signer(keyPair), app, store, mempool, transport: aloneTransport() });
    await node.start();
    try {
      console.log(`  ConsensusNode.submitTx on one validator over LevelDB (${TX_BYTES}-byte transactions; blocks commit meanwhile):`);
      const single: number[] = [];
      for (let i = 0; i < 300; i++) {
        const t0 = performance.now();
        const outcome = await node.submitTx(benchTx());
        if (!outcome.accepted) throw new Error(`refused: ${outcome.reason}`);
        single.push(performance.now() - t0);
      }
      single.sort((a, b) => a - b);
      console.log(`    one client, one at a time:        p50 ${formatDuration(percentile(single, 50)).padStart(10)}  p99 ${formatDuration(percentile(single, 99)).padStart(10)}`);
      for (const batch of [100, 2_000]) {
        const t0 = performance.now();
        const outcomes = await Promise.all(Array.from({ length: batch }, () => node.submitTx(benchTx())));
        const elapsedMs = performance.now() - t0;
        const refused = outcomes.filter((outcome) => !outcome.accepted).length;
        console.log(
          `    ${String(batch).padStart(5)} at once (the batch endpoint): all acknowledged in ${formatDuration(elapsedMs)}` +
            ` (${Math.round(batch / (elapsedMs / 1000)).toLocaleString('en-US')} tx/s${refused > 0 ? `, ${refused} refused` : ''})`,
        );
      }
    } finally {
      await node.stop();
    }
  });
}

export async function runPendingTxsBench(): Promise<void> {
  await storeBench();
  await nodeBench();
}
