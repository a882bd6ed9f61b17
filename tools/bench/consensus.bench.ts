// Consensus hot paths: signatures, then a real five-process consortium on this machine under
// offered loads of 100 tx/s, 1,000 tx/s and more than it can take.
// Goals (issue #3): >= 1,800 tx/s sustained; at 1,000 tx/s finality p50 <= 300 ms, p99 <= 1 s.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_CONSENSUS_PARAMS,
  encodeKeyValueTx,
  generateEd25519KeyPair,
  Ed25519Signer,
  Ed25519Verifier,
  KeyValueApplication,
  LevelChainStore,
  voteSignBytes,
} from '@consortium/consensus';
import { Bench } from 'tinybench';
import { Consortium } from '../src/devnet/consortium.js';
import { offerLoad } from './load.js';
import { printBench } from './report.js';

async function signatureBench(): Promise<void> {
  const keyPair = generateEd25519KeyPair();
  const signer = new Ed25519Signer(keyPair);
  const votes = Array.from({ length: 1024 }, (_, round) => voteSignBytes('bench', { type: 'prevote', height: 1, round, blockHash: new Uint8Array(32), validator: 'A' }));
  const signatures = votes.map((vote) => signer.sign(vote));
  const cached = new Ed25519Verifier();
  for (let i = 0; i < votes.length; i++) cached.verify(keyPair.publicKey, votes[i]!, signatures[i]!);
  let i = 0;
  const bench = new Bench({ time: 2_000 });
  bench
    .add('ed25519 sign (node:crypto)', () => signer.sign(votes[i++ % votes.length]!))
    .add('ed25519 verify, first time (node:crypto)', () => {
      // A fresh verifier each time: no remembered result, only the parsed key.
      new Ed25519Verifier().verify(keyPair.publicKey, votes[i % votes.length]!, signatures[i++ % votes.length]!);
    })
    .add('ed25519 verify, seen before (cache hit)', () => cached.verify(keyPair.publicKey, votes[i % votes.length]!, signatures[i++ % votes.length]!));
  await bench.run();
  printBench(bench);
}

/**
 * What an application snapshot costs (the key-value application: a canonical CBOR map of its
 * state, written synced to LevelDB): O(state) per snapshot. Taken every block it is paid per
 * block; every snapshotIntervalBlocks blocks (the node's default 100), amortised.
 */
async function snapshotBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-snapshot-'));
  const store = await LevelChainStore.open(dir, { limits: DEFAULT_CONSENSUS_PARAMS, metrics: null });
  try {
    let height = 0;
    for (const keys of [10_000, 100_000]) {
      const app = new KeyValueApplication();
      const txs = Array.from({ length: keys }, (_, i) => encodeKeyValueTx({ key: `account-${i}`, value: `balance-${i}-${'x'.repeat(40)}`, nonce: i }));
      await app.finalizeBlock({ header: { height: 1 } as never, txs });
      await app.commit();
      const runs = 5;
      const startedMs = performance.now();
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const snapshot = await app.snapshot();
        bytes = snapshot.byteLength;
        await store.saveAppSnapshot(++height, snapshot);
      }
      const perSnapshotMs = (performance.now() - startedMs) / runs;
      console.log(
        `  app snapshot of ${keys.toLocaleString('en-US')} keys (${(bytes / 1024 / 1024).toFixed(1)} MiB): ${perSnapshotMs.toFixed(1)} ms each; ` +
          `per block ${perSnapshotMs.toFixed(1)} ms at every block, ${(perSnapshotMs / 100).toFixed(2)} ms at every 100 blocks`,
      );
    }
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runConsensusBench(): Promise<void> {
  await signatureBench();
  await snapshotBench();
  const loads = (process.env.BENCH_LOADS ?? '100,1000,2000,3000,5000').split(',').map(Number);
  const durationMs = Number(process.env.BENCH_DURATION_MS ?? 20_000);
  const consortium = await Consortium.start(5);
  try {
    await consortium.waitAllReady();
    console.log(`consensus: 5 node processes on loopback (devnet ${consortium.dir}), ${durationMs / 1000} s per load`);
    for (const [run, load] of loads.entries()) {
      const r = await offerLoad(consortium, load, durationMs, `run${run}-load${load}`);
      console.log(
        `  offered ${String(load).padStart(5)} tx/s: committed ${String(r.committedTxsPerSecond).padStart(5)} tx/s sustained ` +
          `(${r.committed}/${r.submitted}), finality p50 ${r.finalityMs.p50.toFixed(0)} ms p90 ${r.finalityMs.p90.toFixed(0)} ms ` +
          `p99 ${r.finalityMs.p99.toFixed(0)} ms max ${r.finalityMs.max.toFixed(0)} ms, ${r.blocks} blocks, ${r.txsPerBlock} txs/block` +
          (r.blockRetries > 0 ? `, ${r.blockRetries} block reads asked again` : '') +
          (Object.keys(r.rejected).length > 0 ? `, rejected ${JSON.stringify(r.rejected)}` : ''),
      );
    }
  } finally {
    await consortium.stopAll();
  }
}
