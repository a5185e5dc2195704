// One model walked through every fold, in order, so that neural models can fine-tune fold to fold
// (warm start) instead of training from zero. Runs the same way in a worker thread or in-process.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seriesAsOf, withFutureWindow, type Forecaster, type QuantileForecast, type StoreSeries } from '@cvc/core';
import { forecasterFactory } from '@cvc/models';

export interface FoldInput {
  fold: number;
  cutoff: string;
  /** Store ids to forecast in this fold (scorable stores). */
  predictStores: string[];
  /**
   * Per store, the forecast window's known-future covariates as infer would build them (planned
   * is_open, not the window's actuals); replaces the feature table's values past the cutoff.
   */
  windows?: Record<string, Record<string, Float64Array>>;
}

export interface ChainJob {
  model: string;
  params: Record<string, unknown>;
  /** Full series, sent once per chain; each fold cuts its own view with seriesAsOf. */
  series: StoreSeries[];
  folds: FoldInput[];
  /** Fixed training window in days; absent = expanding. */
  windowDays?: number;
  horizon: number; // days forecast after the cutoff (gap + scored horizon)
  contextLength: number;
  seed: number;
  warmStart: boolean;
  /** Where each finished fold is checkpointed: <dir>/fold-<k>/forecasts.json (+ model/ for warm start). */
  checkpointDir: string;
  timeBudgetSec?: number;
  /** Save the last fold's fitted model (<dir>/fold-<k>/last-model), e.g. for LightGBM feature importance. */
  keepLastModel?: boolean;
}

export interface FoldOutcome {
  model: string;
  fold: number;
  forecasts: QuantileForecast[];
  fitSeconds: number;
  predictSeconds: number;
  metrics: Record<string, number>;
  resumed: boolean;
  error?: string;
  /** The model's resolved hyperparameters (Forecaster.params: defaults filled in). */
  params?: Record<string, unknown>;
  /** Per-epoch figures and why training stopped, from FitReport (neural models). */
  history?: Record<string, number[]>;
  stopReason?: string;
  /** Where the fold's fitted model was saved (the last fold of a keepLastModel job). */
  modelDir?: string;
}

/** A fold that produced no forecasts: its model failed there (scored as a failed fold, never chosen). */
export const failedFold = (model: string, fold: number, error: string): FoldOutcome => ({
  model,
  fold,
  forecasts: [],
  fitSeconds: 0,
  predictSeconds: 0,
  metrics: {},
  resumed: false,
  error,
});

/** What a chain is doing now, for progress lines: fitting (with epochs or rounds so far) or predicting a fold. */
export interface ChainActivity {
  model: string;
  fold: number;
  step: 'fit' | 'predict';
  done?: number;
  total?: number;
  unit?: 'epochs' | 'rounds';
}

/** Fit progress is sent at most this often (ms): a worker posts it to the main thread. */
const ACTIVITY_EVERY_MS = 250;

interface SavedFold {
  forecasts: { storeId: string; start: string; p10: number[]; p50: number[]; p90: number[] }[];
  fitSeconds: number;
  predictSeconds: number;
  metrics: Record<string, number>;
  params?: Record<string, unknown>;
  history?: Record<string, number[]>;
  stopReason?: string;
}

const foldDir = (job: ChainJob, fold: number) => join(job.checkpointDir, `fold-${fold}`);
const lastModelDir = (job: ChainJob, fold: number) => join(foldDir(job, fold), 'last-model');

/**
 * One fold's checkpoint (<modelDir>/fold-<k>/forecasts.json) as the FoldOutcome it recorded, or null
 * when the fold has not finished. What a resumed chain and the replay benches both read.
 */
export async function readFoldCheckpoint(modelDir: string, model: string, fold: number): Promise<FoldOutcome | null> {
  const dir = join(modelDir, `fold-${fold}`);
  const file = join(dir, 'forecasts.json');
  if (!existsSync(file)) return null;
  const saved = JSON.parse(await readFile(file, 'utf8')) as SavedFold;
  return {
    model,
    fold,
    forecasts: saved.forecasts.map((f) => ({
      storeId: f.storeId,
      start: f.start,
      p10: Float64Array.from(f.p10),
      p50: Float64Array.from(f.p50),
      p90: Float64Array.from(f.p90),
    })),
    fitSeconds: saved.fitSeconds,
    predictSeconds: saved.predictSeconds,
    metrics: saved.metrics,
    resumed: true,
    ...(saved.params ? { params: saved.params } : {}),
    ...(saved.history ? { history: saved.history } : {}),
    ...(saved.stopReason ? { stopReason: saved.stopReason } : {}),
    ...(existsSync(join(dir, 'last-model')) ? { modelDir: join(dir, 'last-model') } : {}),
  };
}

/**
 * Every finished fold of every model under a run's checkpoint directory (<runDir>/<model>/fold-<k>),
 * ordered by model then fold.
 */
export async function readRunCheckpoints(runDir: string): Promise<FoldOutcome[]> {
  const out: FoldOutcome[] = [];
  for (const model of (await readdir(runDir)).sort()) {
    const folds = (await readdir(join(runDir, model)))
      .filter((d) => /^fold-\d+$/.test(d))
      .map((d) => Number(d.slice('fold-'.length)))
      .sort((a, b) => a - b);
    for (const fold of folds) {
      const o = await readFoldCheckpoint(join(runDir, model), model, fold);
      if (o) out.push(o);
    }
  }
  return out;
}

async function writeCheckpoint(job: ChainJob, o: FoldOutcome): Promise<void> {
  const dir = foldDir(job, o.fold);
  await mkdir(dir, { recursive: true });
  const saved: SavedFold = {
    forecasts: o.forecasts.map((f) => ({
      storeId: f.storeId,
      start: f.start,
      p10: Array.from(f.p10),
      p50: Array.from(f.p50),
      p90: Array.from(f.p90),
    })),
    fitSeconds: o.fitSeconds,
    predictSeconds: o.predictSeconds,
    metrics: o.metrics,
    ...(o.params ? { params: o.params } : {}),
    ...(o.history ? { history: o.history } : {}),
    ...(o.stopReason ? { stopReason: o.stopReason } : {}),
  };
  // Written last and renamed into place: its presence is what marks the fold done.
  const tmp = join(dir, `forecasts.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(saved));
  await rename(tmp, join(dir, 'forecasts.json'));
}

/**
 * What a model sees in a fold: sales up to the cutoff and known-future covariates through the forecast
 * window, the window's taken from `fold.windows` (as infer builds them) where given.
 */
export function foldSeries(
  series: readonly StoreSeries[],
  fold: FoldInput,
  horizon: number,
  windowDays?: number,
): StoreSeries[] {
  const out: StoreSeries[] = [];
  for (const s of series) {
    const cut = seriesAsOf(s, fold.cutoff, horizon, windowDays);
    const window = fold.windows?.[s.storeId];
    if (cut) out.push(window ? withFutureWindow(cut, window) : cut);
  }
  return out;
}

/** Runs the folds of one model; a failing fold is reported and the chain goes on (without warm start). */
export async function runChain(
  job: ChainJob,
  onFold: (o: FoldOutcome) => void,
  onActivity?: (a: ChainActivity) => void,
): Promise<void> {
  const factory = await forecasterFactory(job.model);
  let previous: Forecaster | undefined;
  for (const f of job.folds) {
    const done = await readFoldCheckpoint(job.checkpointDir, job.model, f.fold);
    if (done) {
      previous =
        job.warmStart && existsSync(join(foldDir(job, f.fold), 'model'))
          ? await factory.load(join(foldDir(job, f.fold), 'model'))
          : undefined;
      onFold(done);
      continue;
    }
    try {
      const fitSeries = foldSeries(job.series, f, job.horizon, job.windowDays);
      const model = factory.create(job.params);
      const t0 = performance.now();
      onActivity?.({ model: job.model, fold: f.fold, step: 'fit' });
      let lastSent = 0;
      const report = await model.fit(fitSeries, {
        ...(onActivity
          ? {
              onProgress: (q) => {
                const now = performance.now();
                if (now - lastSent < ACTIVITY_EVERY_MS && q.done < q.total) return;
                lastSent = now;
                onActivity({ model: job.model, fold: f.fold, step: 'fit', ...q });
              },
            }
          : {}),
        horizon: job.horizon,
        contextLength: job.contextLength,
        seed: job.seed + f.fold,
        ...(previous ? { warmStart: previous } : {}),
        ...(job.timeBudgetSec ? { timeBudgetSec: job.timeBudgetSec } : {}),
      });
      const t1 = performance.now();
      onActivity?.({ model: job.model, fold: f.fold, step: 'predict' });
      const wanted = new Set(f.predictStores);
      const forecasts = await model.predict(
        fitSeries.filter((s) => wanted.has(s.storeId)),
        job.horizon,
      );
      const t2 = performance.now();
      const outcome: FoldOutcome = {
        model: job.model,
        fold: f.fold,
        forecasts,
        fitSeconds: (t1 - t0) / 1000,
        predictSeconds: (t2 - t1) / 1000,
        metrics: report.metrics,
        resumed: false,
        params: model.params,
        ...(report.history ? { history: report.history } : {}),
        ...(report.stopReason ? { stopReason: report.stopReason } : {}),
      };
      if (job.keepLastModel && f === job.folds[job.folds.length - 1]) {
        // Saved before the checkpoint that marks the fold done, so a resumed run finds it too.
        await rm(lastModelDir(job, f.fold), { recursive: true, force: true });
        await model.save(lastModelDir(job, f.fold));
        outcome.modelDir = lastModelDir(job, f.fold);
      }
      if (job.warmStart) {
        await rm(join(foldDir(job, f.fold), 'model'), { recursive: true, force: true });
        await model.save(join(foldDir(job, f.fold), 'model'));
        previous = model;
      }
      await writeCheckpoint(job, outcome);
      onFold(outcome);
    } catch (err) {
      previous = undefined;
      onFold(failedFold(job.model, f.fold, err instanceof Error ? err.message : String(err)));
    }
  }
}
