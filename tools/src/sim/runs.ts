import { Worker } from 'node:worker_threads';
import type { SimulationOptions, SimulationReport } from '@consortium/consensus';

/** One run's outcome as the summary needs it: the report and the CPU time it took. */
export interface RunResult {
  readonly report: SimulationReport;
  readonly cpuSeconds: number;
}

export interface RunRequest {
  readonly seed: number;
  readonly members: number;
  readonly options: Omit<SimulationOptions, 'seed' | 'members'>;
}

/**
 * Runs simulations on `jobs` worker threads (each run is deterministic on its own, so the order
 * they finish in changes nothing), handing each result to `onResult` as it arrives.
 */
export async function runAll(requests: readonly RunRequest[], jobs: number, onResult: (result: RunResult) => void): Promise<void> {
  let next = 0;
  const workerCount = Math.min(jobs, requests.length);
  await Promise.all(
    Array.from({ length: workerCount }, async () => {
      const worker = new Worker(new URL('./worker.ts', import.meta.url));
      try {
        while (next < requests.length) {
          const request = requests[next++]!;
          onResult(await runOn(worker, request));
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
}

function runOn(worker: Worker, request: RunRequest): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const onMessage = (result: RunResult) => {
      worker.off('error', onError);
      resolve(result);
    };
    const onError = (error: Error) => {
      worker.off('message', onMessage);
      reject(error);
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(request);
  });
}
