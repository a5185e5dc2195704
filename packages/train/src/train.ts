// `cvc train`: fits the models the last backtest chose (or --models) on the training window, through
// the same Forecaster contract as the backtest, and writes one UnifiedForecaster bundle with its
// routing, lineage and the backtest figures behind it. Registration is the caller's next step.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InputError,
  readBacktestLearned,
  formatIsoDay,
  parseIsoDay,
  type Forecaster,
  type LoadedConfig,
  type Logger,
  type BacktestLearned,
  type IntervalCalibration,
  type ProgressFn,
  type StoreSeries,
} from '@cvc/core';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  ENSEMBLE_KIND,
  EnsembleForecaster,
  MODEL_COST,
  fitModels,
  modelHistoryDays,
  modelSettings,
  resolveModelsAsked,
} from '@cvc/models';
import { lastFeatureDay, openDuckDb, readStoreSeries, readUnmergedShardRuns, startStep } from '@cvc/feature-table';
import { loadSnapshot } from '@cvc/lakehouse';
import { configHash, covariatesOf, writeBundle, type BundleManifest } from '@cvc/mlops';
import { readLatestChoice, type BacktestChoice } from './choice.js';
import { anchoredCalibration, finalRawForecasts, readBacktestRawForecasts } from './interval-widths.js';

export interface TrainOptions {
  loaded: LoadedConfig;
  /** First training day (ISO). */
  from: string;
  /** Last training day (ISO); default the last day in the feature table. */
  to?: string;
  /** Train these kinds instead of following the backtest's choice (all stores go to the first). */
  models?: readonly string[];
  /** Directory to write the bundle into (must not exist or be empty). */
  bundleDir: string;
  runId?: string;
  /** Models fitted at once on worker threads; default config train.workers. */
  workers?: number;
  log?: Logger;
  onProgress?: ProgressFn;
}

export interface TrainResult {
  bundleDir: string;
  manifest: BundleManifest;
  window: { from: string; to: string };
  stores: number;
  models: { kind: string; stores: number; fitSeconds: number; metrics: Record<string, number> }[];
  backtestRunId: string | null;
  featureVersion: number;
  seconds: number;
}

function routingFrom(
  choice: BacktestChoice | null,
  asked: readonly string[] | undefined,
): { stores: Record<string, string>; fallback: string; kinds: string[] } {
  if (asked && asked.length > 0) {
    // Explicit models: keep the backtest's per-store choice where it picked one of them.
    const allowed = new Set(asked);
    const stores: Record<string, string> = {};
    for (const [store, kind] of Object.entries(choice?.stores ?? {})) if (allowed.has(kind)) stores[store] = kind;
    const fallback = choice && allowed.has(choice.globalBest) ? choice.globalBest : asked[0]!;
    return { stores, fallback, kinds: [...allowed] };
  }
  if (!choice) throw new InputError('train: no backtest choice found; run `cvc backtest` first, or pass --models');
  return {
    stores: choice.stores,
    fallback: choice.globalBest,
    kinds: [...new Set([...Object.values(choice.stores), choice.globalBest])],
  };
}

export async function runTrain(opts: TrainOptions): Promise<TrainResult> {
  const { loaded, cfg, log, progress, tables, t0 } = startStep(opts);
  const { conn, close } = await openDuckDb();
  try {
    const asked = opts.models ? resolveModelsAsked(opts.models) : undefined;
    const lastDay = await lastFeatureDay(conn, tables);
    if (!lastDay)
      throw new InputError(`train: the feature table ${tables.features} is empty; run \`cvc ingest\` first`);
    const to = opts.to && opts.to < lastDay ? opts.to : lastDay;
    if (opts.from > to)
      throw new InputError(
        `--from ${opts.from} is after the training window's end ${to} (the feature table ends ${lastDay})`,
      );
    const series = (await readStoreSeries(conn, tables, { from: opts.from, to })).filter((s) => s.sales.length > 0);
    if (series.length === 0) throw new InputError(`--from ${opts.from} --to ${to}: no feature rows in that window`);
    const featureVersion = (await loadSnapshot(tables.features)).version;
    // A sharded backtest newer than the latest choice: training on the older choice would ignore it.
    const unmerged = asked ? [] : await readUnmergedShardRuns(conn, tables);
    if (unmerged.length > 0) {
      throw new InputError(
        `train: the sharded backtest "${unmerged[0]}" is not merged; run \`cvc backtest --shard merge --run-id ` +
          `${unmerged[0]}\` (\`cvc train\` does it first), or name the models with --models`,
      );
    }
    const choice = await readLatestChoice(conn, loaded);
    const routing = routingFrom(choice, asked);
    log.info(
      { from: opts.from, to, stores: series.length, models: routing.kinds, backtestRunId: choice?.runId ?? null },
      'training',
    );

    // What the backtest learned beside the choice: interval calibration per model, ensemble weights.
    const learned = choice ? await readBacktestLearned(loaded.paths.data, choice.runId) : null;
    const ensembleWeights = routing.kinds.includes(ENSEMBLE_KIND) ? learned?.ensemble : null;
    if (ensembleWeights === undefined) {
      throw new InputError(
        `train: the ensemble needs the weights of a backtest that ran it; run \`cvc backtest --models ` +
          `<models>,ensemble\` first`,
      );
    }
    // Each kind is fitted once: the ensemble's members are the same models the routing uses.
    const fitKinds = [
      ...new Set([...routing.kinds.filter((k) => k !== ENSEMBLE_KIND), ...(ensembleWeights?.members ?? [])]),
    ];

    // Independent fits side by side on `train.workers` worker threads (@cvc/models' fit pool), the
    // costliest first; each forecasts bit for bit as it would fitted here. One progress phase per model,
    // counting its epochs or boosting rounds: an ETA over models of very different cost would be a guess.
    const order = [...fitKinds].sort((a, b) => (MODEL_COST[b] ?? 0) - (MODEL_COST[a] ?? 0));
    const phaseOf = (kind: string) => `train ${fitKinds.indexOf(kind) + 1}/${fitKinds.length} ${kind}`;
    const fits = await fitModels(
      series,
      order.map((kind) => {
        const { params, timeBudgetSec } = modelSettings(cfg.models, kind);
        return {
          kind,
          params,
          horizon: cfg.forecast.horizon,
          contextLength: cfg.forecast.context,
          seed: cfg.forecast.seed,
          ...(timeBudgetSec ? { timeBudgetSec } : {}),
        };
      }),
      {
        workers: opts.workers ?? cfg.train.workers,
        onStart: (kind) => progress({ phase: phaseOf(kind), done: 0, total: 1, detail: 'fitting' }),
        onProgress: (kind, q) => progress({ phase: phaseOf(kind), done: q.done, total: q.total, detail: q.unit }),
        log: (kind, msg, fields) => log.debug({ model: kind, ...fields }, msg),
        onFitted: (kind, report) => {
          const routed = Object.values(routing.stores).filter((k) => k === kind).length;
          log.info({ model: kind, seconds: report.seconds, stores: routed }, 'model trained');
          progress({ phase: phaseOf(kind), done: 1, total: 1, detail: 'fitted' });
        },
      },
    );
    const fitted = new Map<string, Forecaster>(fitKinds.map((kind) => [kind, fits.get(kind)!.model]));
    const reports: TrainResult['models'] = fitKinds.map((kind) => {
      const { report } = fits.get(kind)!;
      const routed = Object.values(routing.stores).filter((k) => k === kind).length;
      return { kind, stores: routed, fitSeconds: report.seconds, metrics: report.metrics };
    });
    // The ensemble mixes its members' raw quantiles and the bundle's calibration for the ensemble kind,
    // learned on the ensemble's own out-of-fold residuals, calibrates the mix (as the backtest did); so
    // its raw widths are anchored like any model's. A backtest from before that learned no ensemble
    // calibration: the members' (anchored) calibrations are mixed, as it did then.
    const ensembleOf = (memberCalibration: Record<string, IntervalCalibration>) =>
      new EnsembleForecaster(
        {
          weights: ensembleWeights!,
          memberParams: Object.fromEntries(
            ensembleWeights!.members.map((k) => [k, modelSettings(cfg.models, k).params]),
          ),
          memberCalibration,
        },
        fitted,
      );
    let ensemble = ensembleWeights && learned?.calibration[ENSEMBLE_KIND] ? ensembleOf({}) : null;
    const anchorable = new Map<string, Forecaster>(fitted);
    if (ensemble) anchorable.set(ENSEMBLE_KIND, ensemble);
    // The backtest's offsets, on the raw widths they were learned on (interval-widths.ts).
    const calibration = learned
      ? await anchorCalibrations(conn, tables.backtestForecasts, learned, anchorable, series, cfg.forecast.horizon, log)
      : undefined;
    const bundled = new Map<string, Forecaster>();
    for (const kind of routing.kinds) if (kind !== ENSEMBLE_KIND) bundled.set(kind, fitted.get(kind)!);
    if (ensembleWeights) {
      ensemble ??= ensembleOf(
        Object.fromEntries(ensembleWeights.members.filter((k) => calibration?.[k]).map((k) => [k, calibration![k]!])),
      );
      bundled.set(ENSEMBLE_KIND, ensemble);
      const routed = Object.values(routing.stores).filter((k) => k === ENSEMBLE_KIND).length;
      reports.push({
        kind: ENSEMBLE_KIND,
        stores: routed,
        fitSeconds: 0,
        metrics: { members: ensembleWeights.members.length },
      });
    }
    const historyCtx = { context: cfg.forecast.context, horizon: cfg.forecast.horizon };
    const historyDays = Object.fromEntries(
      [...bundled].map(([k, m]) => [k, modelHistoryDays(k, m.params, historyCtx)]),
    );
    const manifest = await writeBundle(opts.bundleDir, {
      models: bundled,
      historyDays,
      ...(calibration ? { calibration } : {}),
      routing: { stores: routing.stores, fallback: routing.fallback },
      horizon: cfg.forecast.horizon,
      context: cfg.forecast.context,
      trainingWindow: {
        from: formatIsoDay(Math.max(parseIsoDay(opts.from), Math.min(...series.map((s) => parseIsoDay(s.start))))),
        to,
      },
      lineage: {
        featureTable: tables.features,
        deltaVersion: featureVersion,
        ...(opts.runId ? { trackingRunId: opts.runId } : {}),
      },
      configHash: configHash(cfg),
      covariates: covariatesOf(series),
      signingKey: cfg.registry.signingKey,
      backtest: choice
        ? { wape: choice.wape, folds: choice.folds, byModel: choice.byModel, byStore: choice.byStore }
        : { wape: null, byModel: {} },
    });
    return {
      bundleDir: opts.bundleDir,
      manifest,
      window: manifest.trainingWindow,
      stores: series.length,
      models: reports,
      backtestRunId: choice?.runId ?? null,
      featureVersion,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    close();
  }
}

/**
 * Each fitted model's learned calibration with the width rule of interval-widths.ts; a model whose
 * backtest forecasts are not in the lake (or that cannot forecast from the folds' cutoffs) keeps the
 * learned calibration unanchored, and the log says so.
 */
async function anchorCalibrations(
  conn: DuckDBConnection,
  table: string,
  learned: BacktestLearned,
  fitted: ReadonlyMap<string, Forecaster>,
  series: readonly StoreSeries[],
  horizon: number,
  log: Logger,
): Promise<Record<string, IntervalCalibration>> {
  const out: Record<string, IntervalCalibration> = { ...learned.calibration };
  const raw = await readBacktestRawForecasts(conn, table, learned.runId);
  for (const [kind, cal] of Object.entries(learned.calibration)) {
    const model = fitted.get(kind);
    const backtest = raw.get(kind);
    if (!model) continue;
    const served = backtest ? await finalRawForecasts(model, series, horizon, backtest) : null;
    if (!backtest || !served) {
      log.warn({ model: kind, runId: learned.runId }, 'interval calibration stored without the width rule');
      continue;
    }
    out[kind] = anchoredCalibration(cal, backtest, served);
    const h1 = out[kind].widthScale!;
    log.info({ model: kind, widthScaleH1: { lo: h1.lo[0], hi: h1.hi[0] } }, 'interval widths anchored');
  }
  return out;
}

/** A fresh temporary directory for a bundle before it is registered. */
export async function tempBundleDir(root: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const parent = await mkdtemp(join(root, '.train-'));
  return { dir: join(parent, 'bundle'), cleanup: () => rm(parent, { recursive: true, force: true }) };
}
