// Tracks a backtest live, to MLflow or local Delta: the parent run is created when the backtest
// starts (RUNNING), each model gets a child run when its first fold finishes, and each (model, fold)
// logs its metrics with step = fold, its fit seconds, stop reason and per-epoch losses as it finishes.
// The parent ends FINISHED with the leaderboard and the report, or FAILED with the error.
import { METRIC_NAMES, type CvcConfig } from '@cvc/core';
import { modelSettings } from '@cvc/models';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importanceSvg, ownerTags, type TrackedRun, type Tracker } from '@cvc/mlops';
import type { BacktestResult } from './backtest.js';
import type { FoldOutcome } from './chain.js';
import type { ScoredRow } from './results.js';

function meanOf(values: number[]): number {
  const ok = values.filter(Number.isFinite);
  return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : Number.NaN;
}

function finite(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}

/** A fold's pooled WAPE and the store-mean of the other metrics. */
export function foldMetrics(rows: readonly ScoredRow[]): Record<string, number> {
  const err = rows.reduce((a, s) => a + s.absError, 0);
  const act = rows.reduce((a, s) => a + s.actualSum, 0);
  const out: Record<string, number> = { wape: act > 0 ? err / act : Number.NaN };
  for (const m of METRIC_NAMES) if (m !== 'wape') out[m] = meanOf(rows.map((s) => s.metrics[m]));
  return finite(out);
}

/** A file or directory logged with the parent run, under its own name or `name`. */
export type RunArtifact = string | { path: string; name: string };

/** The lgbm run's importance/: the last fold's feature importance as JSON and gain / split bar charts. */
async function logImportance(run: TrackedRun, imp: NonNullable<BacktestResult['lgbmImportance']>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cvc-backtest-importance-'));
  try {
    const json = { fold: imp.fold, cutoff: imp.cutoff, features: imp.features };
    await writeFile(join(dir, 'lgbm_feature_importance.json'), `${JSON.stringify(json, null, 2)}\n`);
    await writeFile(join(dir, 'lgbm_gain.svg'), importanceSvg(imp.features, 'gain'));
    await writeFile(join(dir, 'lgbm_split.svg'), importanceSvg(imp.features, 'split'));
    await run.logArtifact(dir, 'importance');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface LiveBacktestTracking {
  readonly runId: string;
  /** Logs one finished (model, fold); queued, so the backtest never waits on the tracking server. */
  foldDone(e: { outcome: FoldOutcome; rows: readonly ScoredRow[]; folds: number }): void;
  finish(r: BacktestResult, artifacts: readonly RunArtifact[]): Promise<void>;
  fail(err: unknown): Promise<void>;
}

export async function startBacktestTracking(
  tracker: Tracker,
  cfg: CvcConfig,
  opts: { runId: string; models: readonly string[] },
): Promise<LiveBacktestTracking> {
  const parent = await tracker.startRun({
    name: `backtest ${opts.runId.slice(0, 8)}`,
    tags: { 'cvc.step': 'backtest', 'cvc.run_id': opts.runId, ...ownerTags() },
  });
  await parent.logParams({
    models: opts.models.join(','),
    horizon: cfg.forecast.horizon,
    stride: cfg.backtest.stride,
    gap: cfg.backtest.gap,
    window: cfg.backtest.window,
  });
  const children = new Map<string, { run: TrackedRun; done: number; failed: number; ended: boolean }>();
  let queue: Promise<void> = Promise.resolve();
  let firstError: unknown;
  const enqueue = (fn: () => Promise<void>) => {
    queue = queue.then(fn).catch((err: unknown) => {
      firstError ??= err;
    });
  };

  async function child(
    model: string,
    params?: Record<string, unknown>,
  ): Promise<{ run: TrackedRun; done: number; failed: number; ended: boolean }> {
    let c = children.get(model);
    if (c) return c;
    const run = await tracker.startRun({
      name: model,
      parent,
      tags: { 'cvc.step': 'backtest', 'cvc.model': model, ...ownerTags() },
    });
    c = { run, done: 0, failed: 0, ended: false };
    children.set(model, c);
    const { warmStart, timeBudgetSec } = modelSettings(cfg.models, model);
    // Every resolved hyperparameter (defaults filled in by the model), not only what the config set.
    await run.logParams({
      model,
      ...(params ?? modelSettings(cfg.models, model).params),
      warm_start: warmStart,
      ...(timeBudgetSec ? { time_budget_sec: timeBudgetSec } : {}),
    });
    return c;
  }

  async function logFold(e: { outcome: FoldOutcome; rows: readonly ScoredRow[]; folds: number }): Promise<void> {
    const o = e.outcome;
    const c = await child(o.model, o.params);
    const step = o.fold;
    if (o.error) {
      c.failed++;
      await c.run.setTags({ [`cvc.fold${o.fold}.error`]: o.error.slice(0, 4000) });
    } else {
      await c.run.logMetrics(
        { ...foldMetrics(e.rows), fit_seconds: o.fitSeconds, predict_seconds: o.predictSeconds, ...finite(o.metrics) },
        step,
      );
      if (o.stopReason) await c.run.setTags({ [`cvc.fold${o.fold}.stop_reason`]: o.stopReason });
      // Per-epoch losses as metric history: key fold<k>/<name>, step = epoch (1-based).
      for (const [name, values] of Object.entries(o.history ?? {})) {
        await c.run.logMetricHistory(
          `fold${o.fold}/${name}`,
          values.map((v, i) => ({ step: i + 1, value: v })).filter((p) => Number.isFinite(p.value)),
        );
      }
    }
    c.done++;
    // The child stays open until finish(): its overall figures (leaderboard, stores chosen) need every model.
  }

  return {
    runId: parent.runId,
    foldDone(e) {
      enqueue(() => logFold(e));
    },
    async finish(r, artifacts) {
      await queue;
      if (firstError) throw firstError;
      await parent.logParams({
        folds: r.folds.length,
        cutoffs: r.folds.map((f) => f.cutoff).join(','),
        stores: r.stores,
        feature_version: r.featureVersion,
      });
      const overall: Record<string, number> = { seconds: r.seconds, failures: r.failures.length };
      for (const l of r.leaderboard) overall[`wape_${l.model}`] = l.wape;
      for (const [m, n] of Object.entries(r.choiceCounts)) overall[`chosen_${m}`] = n;
      await parent.logMetrics(finite(overall));
      await parent.setTags({ 'cvc.global_best': r.globalBest });
      for (const model of r.models) {
        const failed = r.failures.filter((f) => f.model === model);
        const c = await child(model);
        // Models scored only after the chains (the ensemble) log their folds here.
        if (c.done === 0) {
          for (const f of r.folds) {
            const rows = r.scores.filter((s) => s.model === model && s.fold === f.fold);
            if (rows.length) await c.run.logMetrics(foldMetrics(rows), f.fold);
          }
        }
        const lead = r.leaderboard.find((l) => l.model === model);
        const timing = r.timings.find((t) => t.model === model);
        await c.run.logMetrics(
          finite({
            wape: lead?.wape ?? Number.NaN,
            mean_store_wape: lead?.meanStoreWape ?? Number.NaN,
            stores_chosen: r.choiceCounts[model] ?? 0,
            fit_seconds: timing?.fitSeconds ?? 0,
            folds_failed: failed.length,
          }),
        );
        if (model === 'lgbm' && r.lgbmImportance) await logImportance(c.run, r.lgbmImportance);
        if (!c.ended) {
          c.ended = true;
          await c.run.end(failed.length === r.folds.length ? 'FAILED' : 'FINISHED');
        }
      }
      for (const a of artifacts)
        await (typeof a === 'string' ? parent.logArtifact(a) : parent.logArtifact(a.path, a.name));
      await parent.end('FINISHED');
    },
    async fail(err) {
      await queue;
      // Bad usage (exit 2) before any fold ran leaves no FAILED run behind for a typo.
      if ((err as { exitCode?: unknown }).exitCode === 2 && children.size === 0) {
        await parent.discard().catch(() => {});
        return;
      }
      const msg = err instanceof Error ? err.message : String(err);
      for (const c of children.values()) if (!c.ended) await c.run.end('FAILED').catch(() => {});
      await parent.setTags({ 'cvc.error': msg.slice(0, 4000) }).catch(() => {});
      await parent.end('FAILED').catch(() => {});
    },
  };
}

/** Logs a finished backtest in one go (the same runs as live tracking, logged after the fact). */
export async function trackBacktest(
  tracker: Tracker,
  r: BacktestResult,
  cfg: CvcConfig,
  artifacts: readonly RunArtifact[],
): Promise<string> {
  const live = await startBacktestTracking(tracker, cfg, { runId: r.runId, models: r.models });
  try {
    await live.finish(r, artifacts);
    return live.runId;
  } catch (err) {
    await live.fail(err);
    throw err;
  }
}
