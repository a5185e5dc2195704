// Runs model work on a small pool of worker threads: TensorFlow.js on wasm is single-threaded in Node,
// so two fits at once use both cores. One fresh worker per job; the backtest's chains and train's fits
// both run through here. Workers run built JavaScript (dist/), never TypeScript sources.
import { Worker } from 'node:worker_threads';
import { InputError, JobError, ModelError } from '@cvc/core';

/**
 * Node flags for a worker: those of this process without `--conditions`, so a worker resolves workspace
 * packages to dist/ even when a test runner or bench started this process on the TypeScript "source".
 */
export const workerExecArgv: readonly string[] = process.execArgv.filter(
  (a, i, all) => a !== '--conditions' && all[i - 1] !== '--conditions' && !a.startsWith('--conditions='),
);

/**
 * Environment of a model worker. A neural fit may use several wasm threads (CVC_TF_THREADS); when the
 * pool runs jobs side by side each fit gets one, so the pool never asks for more threads than it has
 * workers. Forecasts do not depend on the thread count.
 */
export function modelWorkerEnv(concurrentJobs: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return concurrentJobs > 1 ? { ...env, CVC_TF_THREADS: '1' } : { ...env };
}

/** An error as a worker posts it: what the parent needs to rebuild its kind and exit code. */
export interface PostedError {
  name: string;
  message: string;
  exitCode?: number;
  /** Node's errno code (ENOSPC, EACCES...), which the CLI turns into a message naming the path. */
  code?: string;
  path?: string;
}

export function postableError(err: unknown): PostedError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { exitCode, code, path } = err as Error & { exitCode?: unknown; code?: unknown; path?: unknown };
  return {
    name: err.name,
    message: err.message,
    ...(typeof exitCode === 'number' ? { exitCode } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof path === 'string' ? { path } : {}),
  };
}

/**
 * The error a worker posted, as the same kind in this thread: bad input stays an InputError (exit 2), a
 * model failure a ModelError (exit 1), so a job run in a worker fails exactly as it would in-process.
 */
export function revivedError(p: PostedError): Error {
  let err: Error;
  if (p.exitCode === 2) err = new InputError(p.message);
  else if (p.name === 'ModelError') err = new ModelError(p.message);
  else if (p.exitCode === 1) err = new JobError(p.message);
  else err = new Error(p.message);
  if (p.code !== undefined) Object.assign(err, { code: p.code });
  if (p.path !== undefined) Object.assign(err, { path: p.path });
  return err;
}

/** What a worker entry posts: its own messages, then `done` or `fatal` once. */
export type WorkerEnd = { type: 'done' } | { type: 'fatal'; error: PostedError };

/**
 * Runs one job in a fresh worker thread (`url`, started with `data` as workerData). Every message other
 * than done/fatal goes to `onMessage`. Resolves on `done`; rejects with the revived error on `fatal`,
 * with a JobError naming `label` when the worker crashes or exits without a word, and stops the worker
 * when `signal` aborts (another job of the pool failed).
 */
export function runInWorker<M extends { type: string }>(
  url: URL,
  data: unknown,
  opts: { label: string; env: NodeJS.ProcessEnv; onMessage?: (m: M) => void; signal?: AbortSignal },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = new Worker(url, { workerData: data, execArgv: [...workerExecArgv], env: opts.env });
    let finished = false;
    const stop = () => {
      finished = true;
      void w.terminate().then(() => reject(new JobError(`${opts.label}: stopped (another job failed)`)));
    };
    opts.signal?.addEventListener('abort', stop, { once: true });
    const end = () => opts.signal?.removeEventListener('abort', stop);
    w.on('message', (m: M | WorkerEnd) => {
      if (finished) return;
      if (m.type === 'done') {
        finished = true;
        end();
        void w.terminate().then(() => resolve());
      } else if (m.type === 'fatal') {
        finished = true;
        end();
        const error = revivedError((m as Extract<WorkerEnd, { type: 'fatal' }>).error);
        void w.terminate().then(() => reject(error));
      } else opts.onMessage?.(m as M);
    });
    w.on('error', (err) => {
      if (finished) return;
      finished = true;
      end();
      reject(new JobError(`${opts.label}: worker failed: ${err.message}`));
    });
    w.on('exit', (code) => {
      if (finished) return;
      finished = true;
      end();
      reject(new JobError(`${opts.label}: worker exited with code ${code}`));
    });
  });
}

/**
 * Runs `run` over the jobs, in order, at most `workers` at once (never more than there are jobs); `run`
 * is told how many run side by side. The first failure aborts `signal` (so running jobs can stop) and
 * is what this rejects with, once every running job has ended; jobs not started by then are skipped.
 */
export async function runAtMost<J>(
  jobs: readonly J[],
  workers: number,
  run: (job: J, slot: { concurrent: number; signal: AbortSignal }) => Promise<void>,
): Promise<void> {
  const queue = [...jobs];
  const concurrent = Math.max(1, Math.min(workers, jobs.length));
  const abort = new AbortController();
  const failures: unknown[] = [];
  const slot = async (): Promise<void> => {
    for (let job = queue.shift(); job !== undefined && !abort.signal.aborted; job = queue.shift()) {
      try {
        await run(job, { concurrent, signal: abort.signal });
      } catch (err) {
        if (!abort.signal.aborted) {
          failures.push(err);
          abort.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: concurrent }, slot));
  if (failures.length > 0) throw failures[0];
}
