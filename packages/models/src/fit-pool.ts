// Fits several models side by side, one fit per worker thread (worker-pool.ts), each from the same
// series and settings it would get in this process. A worker saves its fitted model to a scratch folder
// and this thread loads it: the loaded model forecasts and saves bit for bit as the fitted one would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobError, type FitProgress, type FitReport, type Forecaster, type StoreSeries } from '@cvc/core';
import { BASELINE_KINDS, forecasterFactory } from './registry.js';
import { modelWorkerEnv, runAtMost, runInWorker } from './worker-pool.js';

/** One model to fit: its kind and hyperparameters, and the FitContext settings that are plain data. */
export interface FitJob {
  kind: string;
  params: Record<string, unknown>;
  horizon: number;
  contextLength: number;
  seed: number;
  timeBudgetSec?: number;
}

/** What a fit worker gets: the job and the series. */
export interface FitWorkerData {
  job: FitJob;
  series: readonly StoreSeries[];
}

/** `report` names the scratch folder the fitted model was saved in (made only once the fit is done). */
export type FitWorkerMessage =
  | { type: 'progress'; progress: FitProgress }
  | { type: 'log'; msg: string; fields?: Record<string, unknown> }
  | { type: 'report'; report: FitReport; scratch: string };

export interface FitPoolOptions {
  /** Fits at once (1 = one after the other, in this thread). */
  workers: number;
  onStart?: (kind: string) => void;
  onProgress?: (kind: string, p: FitProgress) => void;
  log?: (kind: string, msg: string, fields?: Record<string, unknown>) => void;
  onFitted?: (kind: string, report: FitReport) => void;
}

const fromSource = import.meta.url.endsWith('.ts');
const workerUrl = new URL('./fit-worker.js', import.meta.url);
/** Fit progress is posted at most this often (ms), and at the end of the fit. */
export const PROGRESS_EVERY_MS = 250;

/** Fits one model in this thread: what a fit worker runs, and what `fitModels` runs with one worker. */
export async function fitHere(
  job: FitJob,
  series: readonly StoreSeries[],
  hooks: {
    onProgress?: (p: FitProgress) => void;
    log?: (msg: string, fields?: Record<string, unknown>) => void;
    signal?: AbortSignal;
  } = {},
): Promise<{ model: Forecaster; report: FitReport }> {
  const model = (await forecasterFactory(job.kind)).create(job.params);
  const report = await model.fit(series, {
    horizon: job.horizon,
    contextLength: job.contextLength,
    seed: job.seed,
    ...(job.timeBudgetSec ? { timeBudgetSec: job.timeBudgetSec } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.log ? { log: hooks.log } : {}),
    ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
  });
  return { model, report };
}

async function fitInWorker(
  job: FitJob,
  series: readonly StoreSeries[],
  concurrent: number,
  signal: AbortSignal,
  opts: FitPoolOptions,
): Promise<{ model: Forecaster; report: FitReport }> {
  let done: { report: FitReport; scratch: string } | undefined;
  const data: FitWorkerData = { job, series };
  try {
    await runInWorker<FitWorkerMessage>(workerUrl, data, {
      label: job.kind,
      env: modelWorkerEnv(concurrent),
      signal,
      onMessage: (m) => {
        if (m.type === 'progress') opts.onProgress?.(job.kind, m.progress);
        else if (m.type === 'log') opts.log?.(job.kind, m.msg, m.fields);
        else done = m;
      },
    });
    if (!done) throw new JobError(`${job.kind}: the fit worker ended without its report`);
    const model = await (await forecasterFactory(job.kind)).load(scratchModelDir(done.scratch));
    return { model, report: done.report };
  } finally {
    if (done) await rm(done.scratch, { recursive: true, force: true });
  }
}

/** Where a fit worker saves its model inside its scratch folder. */
export const scratchModelDir = (scratch: string) => join(scratch, 'model');

/** A fresh scratch folder for one fitted model, made by the worker once its fit is done. */
export const newScratch = (kind: string) => mkdtemp(join(tmpdir(), `cvc-fit-${kind}-`));

/**
 * Fits every job on the same series, at most `workers` at once, in the order given (put the longest
 * first). Baselines fit in this thread: they take milliseconds, less than starting a worker. The first
 * failing fit stops the others and is rethrown as the same kind of error (InputError, ModelError).
 */
export async function fitModels(
  series: readonly StoreSeries[],
  jobs: readonly FitJob[],
  opts: FitPoolOptions,
): Promise<Map<string, { model: Forecaster; report: FitReport }>> {
  const out = new Map<string, { model: Forecaster; report: FitReport }>();
  // From TypeScript sources (unit tests) every fit runs here, so one at a time: never two neural fits
  // interleaved on one TensorFlow.js engine.
  await runAtMost(jobs, fromSource ? 1 : opts.workers, async (job, { concurrent, signal }) => {
    opts.onStart?.(job.kind);
    const here = opts.workers <= 1 || fromSource || BASELINE_KINDS.includes(job.kind);
    const fitted = here
      ? await fitHere(job, series, {
          signal,
          ...(opts.onProgress ? { onProgress: (p: FitProgress) => opts.onProgress!(job.kind, p) } : {}),
          ...(opts.log ? { log: (msg: string, f?: Record<string, unknown>) => opts.log!(job.kind, msg, f) } : {}),
        })
      : await fitInWorker(job, series, concurrent, signal, opts);
    out.set(job.kind, fitted);
    opts.onFitted?.(job.kind, fitted.report);
  });
  return out;
}
