// The node's API under read load: requests per second and latency of a few read routes of one
// node of a five-member settlement devnet (settlement-4 test keys), with C concurrent keep-alive
// clients for a few seconds each. The rate limits are raised for the benchmark (node.json), so
// the figure is the server's, not the limiter's. Prints figures, asserts nothing.
//   BENCH_API_CLIENTS   concurrent clients (default 16)
//   BENCH_API_SECONDS   seconds per route (default 10)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Consortium } from '../src/devnet/consortium.js';
import { writeTestKeysFolder } from '../src/devnet/test-keys.js';
import { percentile } from './report.js';
import { raiseRateLimits } from '../src/devnet/rate-limits.js';

const CLIENTS = Number(process.env.BENCH_API_CLIENTS ?? 16);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 10);
const ROUTES = ['/v1/status', '/v1/periods', '/v1/agreements', '/v1/statements?limit=100', '/v1/blocks/1'];

/** Every role may send a million requests a minute: the benchmark measures the server. */
async function load(url: string, headers: Record<string, string>): Promise<{ requests: number; failures: number; latenciesMs: number[] }> {
  const endAt = performance.now() + SECONDS * 1_000;
  const latenciesMs: number[] = [];
  let failures = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < endAt) {
        const started = performance.now();
        const response = await fetch(url, { headers });
        await response.arrayBuffer();
        if (response.status === 200) latenciesMs.push(performance.now() - started);
        else failures += 1;
      }
    }),
  );
  return { requests: latenciesMs.length, failures, latenciesMs: latenciesMs.sort((x, y) => x - y) };
}

export async function runApiReadBench(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bench-api-'));
  let consortium: Consortium | null = null;
  try {
    const keysDir = join(root, 'keys');
    await writeTestKeysFolder(keysDir);
    consortium = await Consortium.start(5, { keysDir, beforeStart: raiseRateLimits });
    await consortium.waitAllReady();
    await consortium.waitHeight(1);
    const node = consortium.nodes[0]!;
    const headers = await node.authorization('observer');
    console.log(`${CLIENTS} concurrent clients, ${SECONDS} s per route, against ${node.memberId}'s node (5 nodes on this machine)`);
    for (const route of ROUTES) {
      const { requests, failures, latenciesMs } = await load(`${node.httpUrl}${route}`, headers);
      console.log(
        `  GET ${route.padEnd(26)} ${Math.round(requests / SECONDS)
          .toLocaleString('en-US')
          .padStart(7)} req/s   p50 ${percentile(latenciesMs, 50).toFixed(1)} ms   p99 ${percentile(latenciesMs, 99).toFixed(1)} ms${failures > 0 ? `   ${failures} failed` : ''}`,
      );
    }
  } finally {
    await consortium?.stopAll();
    await rm(root, { recursive: true, force: true });
  }
}
