// One independent training job (fit, then predict and/or save) described as plain data, so the
// backtest can run it in this thread or ship it to a worker thread.
import type { FitReport, ForecasterFactory, QuantileForecast, StoreSeries } from '@cvc/core';
import { nbeatsFactory } from '../nbeats/forecaster.js';
import { tftFactory } from '../tft/forecaster.js';
import { loadTf } from './backend.js';

export const TF_FACTORIES: Record<string, ForecasterFactory> = {
  nbeats: nbeatsFactory,
  tft: tftFactory,
};

export interface TfJob {
  id: string;
  kind: 'nbeats' | 'tft';
  params: Record<string, unknown>;
  series: StoreSeries[];
  fit: {
    horizon: number;
    contextLength: number;
    seed: number;
    timeBudgetSec?: number;
    /** A model saved earlier (same kind and architecture) to fine-tune from. */
    warmStartDir?: string;
  };
  /** Forecast after fitting; `series` defaults to the fit series (whose future must then reach far enough). */
  predict?: { horizon: number; series?: StoreSeries[] };
  /** Save the fitted model here. */
  saveDir?: string;
}

export interface TfJobResult {
  id: string;
  kind: string;
  backend: string;
  report: FitReport;
  forecasts?: QuantileForecast[];
  savedDir?: string;
}

export async function runTfJob(
  job: TfJob,
  opts: { backend?: string; log?: (msg: string, fields?: Record<string, unknown>) => void; signal?: AbortSignal } = {},
): Promise<TfJobResult> {
  const factory = TF_FACTORIES[job.kind];
  if (!factory) throw new Error(`job ${job.id}: unknown model kind "${job.kind}" (expected ${Object.keys(TF_FACTORIES).join(', ')})`);
  const { backend } = await loadTf({ backend: opts.backend, log: opts.log });
  const model = factory.create(job.params);
  const warmStart = job.fit.warmStartDir ? await factory.load(job.fit.warmStartDir) : undefined;
  const report = await model.fit(job.series, {
    horizon: job.fit.horizon,
    contextLength: job.fit.contextLength,
    seed: job.fit.seed,
    timeBudgetSec: job.fit.timeBudgetSec,
    warmStart,
    signal: opts.signal,
    log: opts.log,
  });
  const result: TfJobResult = { id: job.id, kind: job.kind, backend, report };
  if (job.predict) result.forecasts = await model.predict(job.predict.series ?? job.series, job.predict.horizon);
  if (job.saveDir) {
    await model.save(job.saveDir);
    result.savedDir = job.saveDir;
  }
  return result;
}
