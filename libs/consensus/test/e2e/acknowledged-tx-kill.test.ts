import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { txHash } from '../../src/block.js';
import { KeyValueApplication } from '../../src/kv-app.js';
import { Mempool } from '../../src/mempool/index.js';
import { systemClock } from '../../src/node/clock.js';
import { ConsensusNode } from '../../src/node/consensus-node.js';
import { LevelChainStore } from '../../src/store/index.js';
import { ScriptedTransport, testConsortium } from '../unit/driver/harness.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'acknowledge-and-wait.ts');

let directory: string | null = null;
afterEach(async () => {
  if (directory !== null) await rm(directory, { recursive: true, force: true });
  directory = null;
});

/** Runs the fixture node, waits for its acknowledgement, and kills it with SIGKILL at once; returns the acknowledged tx. */
async function acknowledgeThenKill(storeDirectory: string): Promise<Uint8Array> {
  const child = spawn(process.execPath, ['--conditions=@consortium/source', '--import', 'tsx', FIXTURE, storeDirectory], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const [word, hex] = line.split(' ');
    if (word !== 'ACK') throw new Error(`the node did not acknowledge: ${line}`);
    child.kill('SIGKILL');
    const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');
    return new Uint8Array(Buffer.from(hex!, 'hex'));
  }
  throw new Error(`the node exited without acknowledging: ${stderr}`);
}

describe('an acknowledged transaction and kill -9 (real LevelDB, a real process)', () => {
  it('is in the store after the node process is killed right after the acknowledgement, and the restarted node admits and gossips it again', async () => {
    directory = await mkdtemp(join(tmpdir(), 'consortium-ack-kill-'));
    const tx = await acknowledgeThenKill(directory);

    const consortium = testConsortium(4);
    const { blockMaxBytes, blockMaxTxs, txMaxBytes } = consortium.genesis.consensus;
    const store = await LevelChainStore.open(directory, { limits: { blockMaxBytes, blockMaxTxs, txMaxBytes }, metrics: null });
    try {
      expect(await store.listPendingTxs(10, 1_000_000)).toEqual([tx]);
      const app = new KeyValueApplication();
      const mempool = new Mempool({ maxTxs: 100, maxBytes: 1024 * 1024, txMaxBytes, recheck: false }, { app, isCommitted: async (hash) => (await store.findTx(hash)) !== null, metrics: null, nowMs: () => Date.now() });
      const transport = new ScriptedTransport(systemClock, ['m1', 'm2', 'm3']);
      const node = new ConsensusNode({ genesis: consortium.genesis, self: 'm0', signer: consortium.signers.get('m0')!, app, store, mempool, transport });
      await node.start();
      const deadlineMs = Date.now() + 10_000;
      while (!transport.sent.some((frame) => frame.channel === 'tx') && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(mempool.has(txHash(tx))).toBe(true);
      expect(transport.sent.filter((frame) => frame.channel === 'tx').map((frame) => frame.to)).toEqual([null]);
      await node.stop();
    } finally {
      await store.close();
    }
  });
});
