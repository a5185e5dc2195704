// Runs independent TfJobs (folds, models) in a pool of worker threads so both cores train at once.
// Workers run compiled JS from dist/ (build with `npx tsc -b packages/models`), also when the caller
// runs on TypeScript sources.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TfJob, TfJobResult } from './jobs.js';

export interface RunJobsOptions {
  /** Worker threads (default 2, at most the number of jobs). */
  workers?: number;
  /** Backend forced in every worker (default: CVC_TF_BACKEND or auto). */
  backend?: string;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

/** The compiled worker entry next to this module, or its dist/ twin when running from src/. */
export function workerEntryUrl(): URL {
  const here = fileURLToPath(import.meta.url);
  let path = here.replace(/\.ts$/, '.js').replace(/parallel\.js$/, 'worker.js');
  if (here.endsWith('.ts')) {
    const i = path.lastIndexOf('/src/');
    path = `${path.slice(0, i)}/dist/${path.slice(i + 5)}`;
  }
  if (!existsSync(path)) {
    throw new Error(`tf worker entry ${path} not found: build it first with "npx tsc -b packages/models"`);
  }
  return pathToFileURL(path);
}

/** Results come back in job order; the first failing job rejects the whole run and stops the workers. */
export async function runTfJobsInWorkers(jobs: readonly TfJob[], opts: RunJobsOptions = {}): Promise<TfJobResult[]> {
  if (jobs.length === 0) return [];
  const ids = new Set(jobs.map((j) => j.id));
  if (ids.size !== jobs.length) throw new Error('runTfJobsInWorkers: job ids must be unique');
  const url = workerEntryUrl();
  const n = Math.max(1, Math.min(opts.workers ?? 2, jobs.length));
  const results = new Array<TfJobResult>(jobs.length);
  const workers: Worker[] = [];
  let next = 0;
  let failed = false;

  const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      let current: number | undefined;
      const startNext = () => {
        current = undefined;
        if (failed || next >= jobs.length) return resolve();
        const index = next++;
        current = index;
        const job = jobs[index]!;
        const onMessage = (msg: { type: string; id: string; [k: string]: unknown }) => {
          if (msg.id !== job.id) return;
          if (msg.type === 'log') {
            opts.log?.(msg['msg'] as string, { job: job.id, ...(msg['fields'] as Record<string, unknown>) });
          } else if (msg.type === 'result') {
            worker.off('message', onMessage);
            results[index] = msg['result'] as TfJobResult;
            startNext();
          } else if (msg.type === 'error') {
            worker.off('message', onMessage);
            const err = new Error(`tf job ${job.id} (${job.kind}) failed: ${msg['message'] as string}`);
            err.name = (msg['name'] as string) ?? 'Error';
            reject(err);
          }
        };
        worker.on('message', onMessage);
        worker.postMessage({ type: 'job', job });
      };
      worker.once('error', (e) => reject(e));
      worker.once('exit', (code) => {
        if (current === undefined) return resolve();
        const why = opts.signal?.aborted ? 'the run was aborted' : `its worker exited with code ${code}`;
        reject(new Error(`tf job ${jobs[current]!.id} did not finish: ${why}`));
      });
      startNext();
    });

  // Workers run dist/ JavaScript, so they must resolve workspace packages to dist/ too, never to the
  // TypeScript "source" condition a test runner may have started this process with.
  const execArgv = process.execArgv.filter((a, i, all) => a !== '--conditions' && all[i - 1] !== '--conditions');
  for (let i = 0; i < n; i++) workers.push(new Worker(url, { workerData: { backend: opts.backend }, execArgv }));
  const onAbort = () => {
    failed = true;
    void stopAll();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(workers.map((w) => run(w)));
    if (opts.signal?.aborted) throw new Error('runTfJobsInWorkers: aborted');
    return results;
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await stopAll();
  }
}
