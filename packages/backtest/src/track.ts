// Logs a finished backtest: a parent run (settings, the leaderboard, the report) and a child run per
// model (its params, WAPE and coverage per fold as steps, and overall), to MLflow or local Delta.
import { METRIC_NAMES, type CvcConfig } from '@cvc/core';
import { modelSettings } from '@cvc/models';
import type { Tracker } from '@cvc/mlops';
import type { BacktestResult } from './backtest.js';

function meanOf(values: number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
}

function finite(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}

export async function trackBacktest(tracker: Tracker, r: BacktestResult, cfg: CvcConfig, artifacts: readonly string[]): Promise<string> {
  const parent = await tracker.startRun({ name: `backtest ${r.runId.slice(0, 8)}`, tags: { 'cvc.step': 'backtest', 'cvc.run_id': r.runId } });
  try {
    await parent.logParams({
      models: r.models.join(','),
      folds: r.folds.length,
      cutoffs: r.folds.map((f) => f.cutoff).join(','),
      horizon: cfg.forecast.horizon,
      stride: cfg.backtest.stride,
      gap: cfg.backtest.gap,
      window: cfg.backtest.window,
      stores: r.stores,
      feature_version: r.featureVersion,
    });
    const overall: Record<string, number> = { seconds: r.seconds, failures: r.failures.length };
    for (const l of r.leaderboard) overall[`wape_${l.model}`] = l.wape;
    for (const [m, n] of Object.entries(r.choiceCounts)) overall[`chosen_${m}`] = n;
    await parent.logMetrics(finite(overall));
    await parent.setTags({ 'cvc.global_best': r.globalBest });
    for (const model of r.models) {
      const child = await tracker.startRun({ name: model, parent, tags: { 'cvc.step': 'backtest', 'cvc.model': model } });
      const failed = r.failures.filter((f) => f.model === model);
      try {
        await child.logParams({ model, ...modelSettings(cfg.models, model).params });
        for (const f of r.folds) {
          const rows = r.scores.filter((s) => s.model === model && s.fold === f.fold);
          if (rows.length === 0) continue;
          const err = rows.reduce((a, s) => a + s.absError, 0);
          const act = rows.reduce((a, s) => a + s.actualSum, 0);
          const perFold: Record<string, number> = { wape: act > 0 ? err / act : Number.NaN };
          for (const m of METRIC_NAMES) if (m !== 'wape') perFold[m] = meanOf(rows.map((s) => s.metrics[m]));
          await child.logMetrics(finite(perFold), f.fold);
        }
        const lead = r.leaderboard.find((l) => l.model === model);
        const timing = r.timings.find((t) => t.model === model);
        await child.logMetrics(finite({
          wape: lead?.wape ?? Number.NaN,
          mean_store_wape: lead?.meanStoreWape ?? Number.NaN,
          stores_chosen: r.choiceCounts[model] ?? 0,
          fit_seconds: timing?.fitSeconds ?? 0,
          folds_failed: failed.length,
        }));
        if (failed.length) await child.setTags({ 'cvc.failures': failed.map((f) => `fold ${f.fold}: ${f.error}`).join('; ').slice(0, 4000) });
      } finally {
        await child.end(failed.length === r.folds.length ? 'FAILED' : 'FINISHED');
      }
    }
    for (const a of artifacts) await parent.logArtifact(a);
    await parent.end('FINISHED');
    return parent.runId;
  } catch (err) {
    await parent.end('FAILED').catch(() => {});
    throw err;
  }
}
