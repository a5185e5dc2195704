// `cvc backtest`: walk-forward validation of every model asked for plus the baselines, over all
// stores, then the per-store choice, the Delta tables, tracking and the HTML report.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InputError,
  JobError,
  actualWindow,
  backtestLearnedFile,
  errorByHorizonDay,
  addDays,
  formatIsoDay,
  knownDays,
  parseIsoDay,
  planFolds,
  scoreWindow,
  seriesAsOf,
  weeklyNaiveScale,
  type EnsembleWeights,
  type Fold,
  type IntervalCalibration,
  type LoadedConfig,
  type Logger,
  type ProgressFn,
  type StoreSeries,
  type Shard,
  inShard,
} from '@cvc/core';
import { BASELINE_KINDS, ENSEMBLE_KIND, resolveModelsAsked, modelSettings } from '@cvc/models';
import {
  futureWindow,
  openDuckDb,
  readKnownFutureInputs,
  startStep,
  readStoreSeries,
  type KnownFutureInputs,
} from '@cvc/feature-table';
import { loadSnapshot } from '@cvc/lakehouse';
import { lgbmFeatureImportance, type FeatureImportance } from '@cvc/mlops';
import type { ChainJob, FoldOutcome } from './chain.js';
import { chooseModels, leaderboard, type LeaderRow, type StoreChoice } from './choice.js';
import { runChains } from './pool.js';
import { backtestProgress } from './progress.js';
import { calibrationOrigins, learnFromFolds, type CoverageRow } from './post.js';
import { writeChoice, writeForecasts, writeMetrics, type ScoredRow } from './results.js';

export interface BacktestOptions {
  loaded: LoadedConfig;
  /** Models asked for; the baselines always run beside them. */
  models?: readonly string[];
  folds?: number;
  stride?: number;
  gap?: number;
  horizon?: number;
  workers?: number;
  /** Continue an interrupted run with the same data and settings, reusing finished (fold, model) pairs. */
  resume?: boolean;
  runId?: string;
  /** Only this shard's stores (folds are still planned on every store, so shards share them). */
  shard?: Shard;
  log?: Logger;
  onProgress?: ProgressFn;
  /** Called as each (model, fold) finishes, with its scored rows (empty when it failed): live tracking. */
  onFoldScored?: (e: { outcome: FoldOutcome; rows: ScoredRow[]; folds: number }) => void;
}

export interface ModelTiming {
  model: string;
  fitSeconds: number;
  predictSeconds: number;
  foldsOk: number;
  foldsFailed: number;
  foldsResumed: number;
}

export interface BacktestResult {
  runId: string;
  folds: Fold[];
  models: string[];
  stores: number;
  leaderboard: LeaderRow[];
  leaderboardByFormat: Record<string, LeaderRow[]>;
  /** Pooled WAPE by horizon day (1-based index) per model. */
  wapeByHorizonDay: Record<string, number[]>;
  choices: StoreChoice[];
  globalBest: string;
  choiceCounts: Record<string, number>;
  failures: { model: string; fold: number; error: string }[];
  timings: ModelTiming[];
  scores: ScoredRow[];
  /** Forecast against actual per (model, fold, store), for the report's charts. */
  outcomes: FoldOutcome[];
  series: StoreSeries[];
  featureVersion: number;
  tables: { forecasts: string; metrics: string; choice: string };
  /** p10-p90 coverage per model: nominal, raw, and on later folds calibrated on earlier ones. */
  coverage: CoverageRow[];
  /** Interval calibration per model learned on every fold (what train puts into the bundle). */
  calibration: Record<string, IntervalCalibration>;
  /** The ensemble's weights learned on every fold, when the ensemble ran. */
  ensembleWeights: EnsembleWeights | null;
  /** JSON file holding calibration and ensemble weights for `cvc train`. */
  learnedFile: string;
  /** What the report needs to explain each store's choice and mark closed stores. */
  choiceContext: ChoiceContext;
  /** LightGBM feature importance of the model fitted in the last fold, when lgbm ran and that fold succeeded. */
  lgbmImportance: LgbmImportance | null;
  seconds: number;
}

export interface LgbmImportance {
  fold: number;
  cutoff: string;
  /** Per feature, split gain and split count summed over every tree (as LightGBM's importance_type). */
  features: FeatureImportance[];
}

export interface ChoiceContext {
  /** Last day of sales data over all stores. */
  lastDay: string;
  /** Stores with a closing date on or before the last day of data: store id -> closed_on. */
  closedOn: Record<string, string>;
  /** Stores with less than minHistory days before the last cutoff (they take the global best). */
  shortHistory: string[];
  minHistory: number;
  tieTolerance: number;
  minFolds: number;
}

/** Where a backtest run leaves what it learned for `cvc train` (calibration, ensemble weights). */
export function learnedFilePath(loaded: LoadedConfig, runId: string): string {
  return backtestLearnedFile(loaded.paths.data, runId);
}

/** The models asked for plus the baselines, which always run. */
export function resolveModels(names: readonly string[]): string[] {
  return [...new Set([...BASELINE_KINDS, ...resolveModelsAsked(names)])];
}

/**
 * The models the ensemble mixes: the ones asked for, not the baselines that always run beside them
 * (on the default demo the baselines, 1.4-1.7x lgbm's error, collapse in the Black-Friday and December
 * folds, and a mix learned on calm folds carries that in: bench/ensemble-replay.ts). With fewer than
 * two asked models there is nothing to combine but the baselines, so they join.
 */
export function ensembleMembers(
  asked: readonly string[],
  models: readonly string[],
  ok: (model: string) => boolean,
): string[] {
  const chosen = models.filter((m) => m !== ENSEMBLE_KIND && asked.includes(m) && ok(m));
  return chosen.length >= 2 ? chosen : models.filter((m) => m !== ENSEMBLE_KIND && ok(m));
}

const MIN_CONTEXT_DAYS = 28;

/** Per store, the `days`-day forecast window after `cutoff` built as infer builds it (futureWindow). */
export function foldWindows(
  known: KnownFutureInputs,
  series: readonly StoreSeries[],
  cutoff: string,
  days: number,
): Record<string, Record<string, Float64Array>> {
  const windows: Record<string, Record<string, Float64Array>> = {};
  for (const s of series) {
    const cut = seriesAsOf(s, cutoff, 0);
    if (cut && known.stores.has(s.storeId)) windows[s.storeId] = futureWindow(known, cut, days);
  }
  return windows;
} // below this a store is not forecast in a fold

export async function runBacktest(opts: BacktestOptions): Promise<BacktestResult> {
  const { loaded, cfg, log, progress, tables, t0 } = startStep(opts);
  const horizon = opts.horizon ?? cfg.forecast.horizon;
  const gap = opts.gap ?? cfg.backtest.gap;
  const models = resolveModels(opts.models ?? cfg.backtest.models);
  if (opts.shard && models.includes(ENSEMBLE_KIND))
    throw new InputError(
      'backtest --shard: the ensemble learns its weights over every store; leave it out of --models',
    );
  const runId = opts.runId ?? randomUUID();
  const out = { forecasts: tables.backtestForecasts, metrics: tables.backtestMetrics, choice: tables.modelChoice };

  const { conn, close } = await openDuckDb();
  try {
    const chain = (await readStoreSeries(conn, tables)).filter((s) => s.sales.length > 0);
    if (chain.length === 0)
      throw new InputError(`backtest: the feature table ${tables.features} is empty; run \`cvc ingest\` first`);
    const series = chain.filter((s) => inShard(s.storeId, opts.shard));
    if (series.length === 0)
      throw new InputError(`backtest --shard ${opts.shard!.index}/${opts.shard!.count}: no store falls in this shard`);
    const featureVersion = (await loadSnapshot(tables.features)).version;
    const firstDay = formatIsoDay(Math.min(...chain.map((s) => parseIsoDay(s.start))));
    const lastDay = formatIsoDay(Math.max(...chain.map((s) => parseIsoDay(s.start) + s.sales.length - 1)));
    const folds = planFolds({
      lastDay,
      firstDay,
      folds: opts.folds ?? cfg.backtest.folds,
      stride: opts.stride ?? cfg.backtest.stride,
      horizon,
      gap,
      minHistory: cfg.backtest.minHistory,
    });
    const byId = new Map(series.map((s) => [s.storeId, s]));
    log.info(
      { stores: series.length, firstDay, lastDay, folds: folds.map((f) => f.cutoff), models, featureVersion },
      'backtest planned',
    );

    const known = await readKnownFutureInputs(conn, tables, { pandemic: cfg.ingest.pandemic });

    // Stores scored in each fold: enough history before the cutoff and something to score after it.
    // Each fold's forecast window is built the way infer builds it (futureWindow), not read from the
    // feature table, whose is_open past the cutoff is what happened rather than what was planned.
    const foldInputs = folds.map((f) => {
      const predictStores: string[] = [];
      const windows = foldWindows(known, series, f.cutoff, horizon + gap);
      for (const s of series) {
        const cut = seriesAsOf(s, f.cutoff, 0);
        if (!cut || knownDays(cut) < MIN_CONTEXT_DAYS) continue;
        const a = actualWindow(s, f.testStart, horizon);
        let open = 0;
        for (let i = 0; i < horizon; i++) if (Number.isFinite(a.sales[i]!) && a.isOpen[i]! > 0) open++;
        if (open > 0) predictStores.push(s.storeId);
      }
      return { fold: f.fold, cutoff: f.cutoff, predictStores, windows };
    });
    const lastCut = folds[folds.length - 1]!.cutoff;
    const shortHistory = new Set(
      series
        .filter((s) => {
          const cut = seriesAsOf(s, lastCut, 0);
          return !cut || knownDays(cut) < cfg.backtest.minHistory;
        })
        .map((s) => s.storeId),
    );

    // Resume key: the same data version, folds, models and settings give the same checkpoint folder.
    const key = createHash('sha256')
      .update(
        JSON.stringify({
          featureVersion,
          folds,
          horizon,
          gap,
          models: cfg.models,
          window: cfg.backtest.window,
          seed: cfg.forecast.seed,
          shard: opts.shard ?? null,
        }),
      )
      .digest('hex')
      .slice(0, 16);
    const checkpointRoot = join(loaded.paths.data, 'backtest-checkpoints', key);
    if (!opts.resume && existsSync(checkpointRoot)) await rm(checkpointRoot, { recursive: true, force: true });
    await mkdir(checkpointRoot, { recursive: true });

    const jobs: ChainJob[] = models
      .filter((m) => m !== ENSEMBLE_KIND)
      .map((model) => {
        const { params, warmStart, timeBudgetSec } = modelSettings(cfg.models, model);
        return {
          model,
          params,
          series,
          folds: foldInputs,
          ...(cfg.backtest.window === 'fixed' ? { windowDays: cfg.backtest.windowDays } : {}),
          horizon: horizon + gap,
          contextLength: cfg.forecast.context,
          seed: cfg.forecast.seed,
          warmStart,
          checkpointDir: join(checkpointRoot, model),
          ...(timeBudgetSec ? { timeBudgetSec } : {}),
          // LightGBM's last-fold model text is kept: the report and tracking show its feature importance.
          ...(model === 'lgbm' ? { keepLastModel: true } : {}),
        };
      });
    // One (model, fold) scored on the window after the gap: its rows and its error by horizon day.
    const scoreOutcome = (o: FoldOutcome) => {
      const fold = folds[o.fold]!;
      const t: FoldOutcome = {
        ...o,
        forecasts: o.forecasts.map((f) => ({
          storeId: f.storeId,
          start: formatIsoDay(addDays(parseIsoDay(f.start), gap)),
          p10: f.p10.slice(gap),
          p50: f.p50.slice(gap),
          p90: f.p90.slice(gap),
        })),
      };
      const rows: ScoredRow[] = [];
      const err = new Float64Array(horizon);
      const act = new Float64Array(horizon);
      for (const f of t.forecasts) {
        const s = byId.get(f.storeId)!;
        const a = actualWindow(s, fold.testStart, horizon);
        const cut = seriesAsOf(s, fold.cutoff, 0)!;
        const window = { actual: a.sales, p50: f.p50, p10: f.p10, p90: f.p90, isOpen: a.isOpen };
        const m = scoreWindow(window, weeklyNaiveScale(cut.sales, cut.future['is_open']));
        const byDay = errorByHorizonDay(window);
        let absError = 0;
        let actualSum = 0;
        for (let h = 0; h < horizon; h++) {
          absError += byDay.absErr[h]!;
          actualSum += byDay.actual[h]!;
          err[h] += byDay.absErr[h]!;
          act[h] += byDay.actual[h]!;
        }
        rows.push({
          model: o.model,
          fold: o.fold,
          storeId: f.storeId,
          format: s.statics['format'] ?? '',
          metrics: m,
          wape: m.wape,
          absError,
          actualSum,
        });
      }
      return { trimmed: t, rows, err, act };
    };
    const scoredLive = new Map<string, ReturnType<typeof scoreOutcome>>();
    // Cheap baselines in-process first; the heavy models share the worker pool.
    const outcomes: FoldOutcome[] = [];
    const onFold = (o: FoldOutcome) => {
      outcomes.push(o);
      if (opts.onFoldScored) {
        // Scored as it finishes so tracking can log the fold now, not when the whole backtest ends.
        const one = o.error ? null : scoreOutcome(o);
        if (one) scoredLive.set(`${o.model}|${o.fold}`, one);
        opts.onFoldScored({ outcome: o, rows: one?.rows ?? [], folds: folds.length });
      }
      if (o.error)
        log.warn({ model: o.model, fold: o.fold, error: o.error }, 'model failed on a fold; the backtest goes on');
      else log.debug({ model: o.model, fold: o.fold, fitSeconds: o.fitSeconds, resumed: o.resumed }, 'fold done');
    };
    const baselineJobs = jobs.filter((j) => (BASELINE_KINDS as readonly string[]).includes(j.model));
    const heavyJobs = jobs.filter((j) => !(BASELINE_KINDS as readonly string[]).includes(j.model));
    // Two progress phases: the baselines take seconds, so an ETA over both would promise far too little.
    const base = backtestProgress('backtest baselines', baselineJobs.length * folds.length, folds.length, progress);
    await runChains(
      baselineJobs,
      1,
      (o) => {
        onFold(o);
        base.onFold(o);
      },
      base.onActivity,
    );
    const heavy = backtestProgress('backtest', heavyJobs.length * folds.length, folds.length, progress);
    await runChains(
      heavyJobs,
      opts.workers ?? cfg.backtest.workers,
      (o) => {
        onFold(o);
        heavy.onFold(o);
      },
      heavy.onActivity,
    );

    // The ensemble mixes the other models' out-of-fold forecasts; then every model's intervals, the
    // ensemble's too, are calibrated on its out-of-fold residuals (both learned on earlier folds, judged
    // on later ones).
    const members = models.includes(ENSEMBLE_KIND)
      ? ensembleMembers(opts.models ?? cfg.backtest.models, models, (m) =>
          outcomes.some((o) => o.model === m && !o.error),
        )
      : null;
    // The baselines need no fit, so their calibration also learns from their own forecasts from the same
    // weeks of earlier years (post.ts sameSeasonOrigins).
    const learned = learnFromFolds(outcomes, series, members ? { members, folds: folds.map((f) => f.fold) } : null, {
      origins: calibrationOrigins(cfg.models, models),
    });
    if (learned.ensemble) outcomes.push(...learned.ensemble.outcomes);
    const ensembleWeights: EnsembleWeights | null = learned.ensemble?.weights ?? null;
    const calibration = learned.calibration;
    const coverage = learned.report;
    const learnedFile = learnedFilePath(loaded, runId);
    await mkdir(join(learnedFile, '..'), { recursive: true });
    await writeFile(`${learnedFile}.tmp`, `${JSON.stringify({ runId, calibration, ensemble: ensembleWeights })}\n`);
    await rename(`${learnedFile}.tmp`, learnedFile);

    // Score every (model, fold, store) on the scored window (after the gap); folds scored live are reused.
    const cutoffs = new Map(folds.map((f) => [f.fold, f.cutoff]));
    const scored: ScoredRow[] = [];
    const horizonErr = new Map<string, { err: Float64Array; act: Float64Array }>();
    const trimmed: FoldOutcome[] = [];
    for (const o of outcomes) {
      if (o.error) continue;
      const one = scoredLive.get(`${o.model}|${o.fold}`) ?? scoreOutcome(o);
      trimmed.push(one.trimmed);
      scored.push(...one.rows);
      const he = horizonErr.get(o.model) ?? { err: new Float64Array(horizon), act: new Float64Array(horizon) };
      horizonErr.set(o.model, he);
      for (let h = 0; h < horizon; h++) {
        he.err[h] += one.err[h]!;
        he.act[h] += one.act[h]!;
      }
    }
    const failures = outcomes.filter((o) => o.error).map((o) => ({ model: o.model, fold: o.fold, error: o.error! }));
    if (scored.length === 0)
      throw new JobError(`backtest: every model failed on every fold (${failures[0]?.error ?? 'no forecasts'})`);

    const minFolds = Math.max(1, Math.ceil(folds.length / 2));
    const { choices, globalBest } = chooseModels(scored, {
      tieTolerance: cfg.backtest.tieTolerance,
      minFolds,
      shortHistoryStores: shortHistory,
      allStores: series.map((s) => s.storeId),
    });
    const board = leaderboard(scored);
    const formatOf = new Map(series.map((s) => [s.storeId, s.statics['format'] ?? '']));
    const byFormat: Record<string, LeaderRow[]> = {};
    for (const fmt of new Set(formatOf.values()))
      byFormat[fmt] = leaderboard(scored.filter((s) => formatOf.get(s.storeId) === fmt));
    const wapeByHorizonDay: Record<string, number[]> = {};
    for (const [m, he] of horizonErr)
      wapeByHorizonDay[m] = Array.from(he.err, (e, h) => (he.act[h]! > 0 ? e / he.act[h]! : Number.NaN));

    progress({ phase: 'backtest: writing tables', done: 0, total: 3 });
    const mode = { shard: opts.shard !== undefined };
    await writeForecasts(
      conn,
      out.forecasts,
      runId,
      trimmed,
      cutoffs,
      (storeId, start, n) => actualWindow(byId.get(storeId)!, start, n).sales,
      mode,
    );
    await writeMetrics(conn, out.metrics, runId, scored, mode);
    await writeChoice(conn, out.choice, runId, choices, globalBest, mode);
    progress({ phase: 'backtest: writing tables', done: 3, total: 3 });

    const choiceCounts: Record<string, number> = {};
    for (const c of choices) choiceCounts[c.model] = (choiceCounts[c.model] ?? 0) + 1;
    const timings: ModelTiming[] = models.map((model) => {
      const os = outcomes.filter((o) => o.model === model);
      return {
        model,
        fitSeconds: os.reduce((a, o) => a + o.fitSeconds, 0),
        predictSeconds: os.reduce((a, o) => a + o.predictSeconds, 0),
        foldsOk: os.filter((o) => !o.error).length,
        foldsFailed: os.filter((o) => o.error).length,
        foldsResumed: os.filter((o) => o.resumed).length,
      };
    });
    return {
      runId,
      folds,
      models,
      stores: series.length,
      leaderboard: board,
      leaderboardByFormat: byFormat,
      wapeByHorizonDay,
      choices,
      globalBest,
      choiceCounts,
      failures,
      timings,
      scores: scored,
      outcomes: trimmed,
      series,
      featureVersion,
      tables: out,
      coverage,
      calibration,
      ensembleWeights,
      learnedFile,
      choiceContext: {
        lastDay,
        closedOn: Object.fromEntries(
          [...known.stores.values()]
            .filter((f) => f.closedOn != null && f.closedOn <= lastDay)
            .map((f) => [f.storeId, f.closedOn!]),
        ),
        shortHistory: [...shortHistory],
        minHistory: cfg.backtest.minHistory,
        tieTolerance: cfg.backtest.tieTolerance,
        minFolds,
      },
      lgbmImportance: await lastFoldImportance(outcomes, folds),
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    close();
  }
}

/** Feature importance of the lgbm model fitted in the last fold (its saved model text), if that fold ran. */
async function lastFoldImportance(
  outcomes: readonly FoldOutcome[],
  folds: readonly Fold[],
): Promise<LgbmImportance | null> {
  const last = folds[folds.length - 1];
  const o = outcomes.find((x) => x.model === 'lgbm' && x.fold === last?.fold && x.modelDir && !x.error);
  if (!last || !o?.modelDir) return null;
  return { fold: last.fold, cutoff: last.cutoff, features: await lgbmFeatureImportance(o.modelDir) };
}
