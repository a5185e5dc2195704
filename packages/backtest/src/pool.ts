// Runs model chains on @cvc/models' pool of worker threads: TensorFlow.js on wasm is single-threaded in
// Node, so two chains at once use both cores. Workers need the built JavaScript (dist/); when this
// module runs from TypeScript sources (unit tests) the chains run in-process instead, and the worker
// path is exercised by the CLI's end-to-end test, which runs the build.
import { modelWorkerEnv, runAtMost, runInWorker } from '@cvc/models';
import type { ChainActivity, ChainJob, FoldOutcome } from './chain.js';
import { failedFold, runChain } from './chain.js';

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL('./chain-worker.js', import.meta.url);

type ChainMessage = { type: 'fold'; outcome: FoldOutcome } | { type: 'activity'; activity: ChainActivity };

/**
 * Environment of a chain worker: one wasm thread per neural fit when chains run side by side
 * (modelWorkerEnv). Forecasts do not depend on the thread count.
 */
export function chainWorkerEnv(concurrentChains: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return modelWorkerEnv(concurrentChains, env);
}

async function runChainInWorker(
  job: ChainJob,
  concurrentChains: number,
  onFold: (o: FoldOutcome) => void,
  onActivity?: (a: ChainActivity) => void,
): Promise<void> {
  try {
    await runInWorker<ChainMessage>(workerUrl, job, {
      label: job.model,
      env: chainWorkerEnv(concurrentChains),
      onMessage: (m) => (m.type === 'fold' ? onFold(m.outcome) : onActivity?.(m.activity)),
    });
  } catch (err) {
    // A chain's own failure comes back as its message; a crashed worker's already names the model.
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(msg.startsWith(`${job.model}: worker `) ? msg : `${job.model}: ${msg}`);
  }
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
  await runAtMost(jobs, workers, async (job, { concurrent }) => {
    const seen = new Set<number>();
    const record = (o: FoldOutcome) => {
      seen.add(o.fold);
      onFold(o);
    };
    try {
      await (workers <= 1 || fromSource
        ? runChain(job, record, onActivity)
        : runChainInWorker(job, concurrent, record, onActivity));
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      for (const f of job.folds) if (!seen.has(f.fold)) onFold(failedFold(job.model, f.fold, msg));
    }
  });
}
