// A worker thread of `npm run sim`: runs the simulations it is sent, one at a time, and posts
// each report back with the CPU time the run took.
import { parentPort } from 'node:worker_threads';
import { runSimulation } from '@consortium/consensus';
import type { RunRequest, RunResult } from './runs.js';

const port = parentPort;
if (port === null) throw new Error('worker.ts runs as a worker thread of the sim CLI');
port.on('message', (request: RunRequest) => {
  // This thread's CPU time: other workers run beside it.
  const started = process.threadCpuUsage();
  void runSimulation({ ...request.options, seed: request.seed, members: request.members }).then((report) => {
    const used = process.threadCpuUsage(started);
    const result: RunResult = { report, cpuSeconds: (used.user + used.system) / 1e6 };
    port.postMessage(result);
  });
});
