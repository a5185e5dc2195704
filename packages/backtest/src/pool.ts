// Runs model chains on a small pool of worker threads: TensorFlow.js on wasm is single-threaded in
// Node, so two chains at once use both cores. Workers need the built JavaScript (dist/); when this
// module runs from TypeScript sources (unit tests) the chains run in-process instead, and the worker
// path is exercised by the CLI's end-to-end test, which runs the build.
import { Worker } from 'node:worker_threads';
import type { ChainActivity, ChainJob, FoldOutcome } from './chain.js';
import { runChain } from './chain.js';

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL('./chain-worker.js', import.meta.url);
// Workers run dist/ JavaScript, so they resolve workspace packages to dist/ too, never through the
// TypeScript "source" condition a test runner or bench may have started this process with.
const workerExecArgv = process.execArgv.filter(
  (a, i, all) => a !== '--conditions' && all[i - 1] !== '--conditions' && !a.startsWith('--conditions='),
);

type WorkerMessage =
  | { type: 'fold'; outcome: FoldOutcome }
  | { type: 'activity'; activity: ChainActivity }
  | { type: 'done' }
  | { type: 'fatal'; error: string };

/**
 * Environment of a chain worker. A neural fit may use several wasm threads (CVC_TF_THREADS); when the
 * pool already runs chains side by side each fit gets one, so the pool never asks for more threads
 * than it has workers. Forecasts do not depend on the thread count.
 */
export function chainWorkerEnv(concurrentChains: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return concurrentChains > 1 ? { ...env, CVC_TF_THREADS: '1' } : { ...env };
}

function runInWorker(
  job: ChainJob,
  concurrentChains: number,
  onFold: (o: FoldOutcome) => void,
  onActivity?: (a: ChainActivity) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerUrl, {
      workerData: job,
      execArgv: workerExecArgv,
      env: chainWorkerEnv(concurrentChains),
    });
    let finished = false;
    w.on('message', (m: WorkerMessage) => {
      if (m.type === 'fold') onFold(m.outcome);
      else if (m.type === 'activity') onActivity?.(m.activity);
      else if (m.type === 'done') {
        finished = true;
        void w.terminate().then(() => resolve());
      } else {
        finished = true;
        void w.terminate().then(() => reject(new Error(`${job.model}: ${m.error}`)));
      }
    });
    w.on('error', (err) => {
      finished = true;
      reject(new Error(`${job.model}: worker failed: ${err.message}`));
    });
    w.on('exit', (code) => {
      if (!finished) reject(new Error(`${job.model}: worker exited with code ${code}`));
    });
  });
}

/**
 * Runs every chain, at most `workers` at once (1 = in-process, no threads). A chain that dies reports
 * its folds as failed instead of stopping the others.
 */
export async function runChains(
  jobs: readonly ChainJob[],
  workers: number,
  onFold: (o: FoldOutcome) => void,
  onActivity?: (a: ChainActivity) => void,
): Promise<void> {
  const queue = [...jobs];
  const concurrent = Math.max(1, Math.min(workers, jobs.length));
  const run = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const seen = new Set<number>();
      const record = (o: FoldOutcome) => {
        seen.add(o.fold);
        onFold(o);
      };
      try {
        await (workers <= 1 || fromSource
          ? runChain(job, record, onActivity)
          : runInWorker(job, concurrent, record, onActivity));
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        for (const f of job.folds)
          if (!seen.has(f.fold))
            onFold({
              model: job.model,
              fold: f.fold,
              forecasts: [],
              fitSeconds: 0,
              predictSeconds: 0,
              metrics: {},
              resumed: false,
              error: msg,
            });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrent }, run));
}
