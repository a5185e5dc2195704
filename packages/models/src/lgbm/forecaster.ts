// The LightGBM forecaster: one global model over all stores (Darts' LightGBMModel is the
// reference), direct multi-horizon, trained on rows cut at many weekly origins, with the target
// divided by each store's recent level and p10/p90 from held-out (conformal) residuals.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addIsoDays } from '@cvc/core';
import { Booster, Dataset, train, type Params as LightGBMParams } from '@cvc/lightgbm';
import {
  ForecastInputError,
  type FitContext,
  type FitReport,
  type Forecaster,
  type ForecasterFactory,
  type QuantileForecast,
  type StoreSeries,
} from '@cvc/core';
import { residualQuantiles, type ResidualQuantiles } from './conformal.js';
import {
  buildFeatures,
  buildLabel,
  checkSeries,
  fromModelScale,
  makeLayout,
  takeRows,
  type FeatureLayout,
  type FeatureMatrix,
} from './features.js';
import { storeHistory } from './history.js';
import { resolveParams, type LgbmParams } from './params.js';
import { fitRows, predictRows, type RowSet } from './rows.js';

export const LGBM_KIND = 'lgbm';
const META_FILE = 'lgbm.json';
const META_VERSION = 1;

interface Fitted {
  horizon: number;
  layout: FeatureLayout;
  /** One booster (horizon_feature) or one per horizon step (per_horizon). */
  boosters: Booster[];
  residuals: ResidualQuantiles;
}

interface Meta {
  kind: string;
  version: number;
  params: LgbmParams;
  horizon: number;
  layout: FeatureLayout;
  residuals: ResidualQuantiles;
  modelFiles: string[];
}

export class LgbmForecaster implements Forecaster {
  readonly kind = LGBM_KIND;
  readonly params: Record<string, unknown>;
  private readonly p: LgbmParams;
  private fitted: Fitted | undefined;

  constructor(params: Record<string, unknown> = {}, fitted?: Fitted) {
    this.p = resolveParams(params);
    this.params = { ...this.p };
    this.fitted = fitted;
  }

  async fit(series: readonly StoreSeries[], ctx: FitContext): Promise<FitReport> {
    const started = performance.now();
    const p = this.p;
    const H = ctx.horizon;
    const layout = makeLayout(series, p.strategy === 'horizon_feature', p.levelWindow, p.closureFeatures);
    for (const s of series) checkSeries(layout, s, s.sales.length);
    const hist = series.map(storeHistory);
    const rows = fitRows(hist, H, p.numOrigins, p.originStep, p.levelWindow);
    const all = buildFeatures(layout, hist, rows);
    const label = buildLabel(hist, rows, all.level, p.target);
    const featureSec = (performance.now() - started) / 1000;

    // Validation origins are the most recent; training origins end where their targets would
    // overlap the first validation origin, so early stopping and the residuals are honest.
    const gap = Math.ceil(H / p.originStep);
    const units = p.strategy === 'horizon_feature' ? [0] : Array.from({ length: H }, (_, k) => k + 1);
    const inUnit = (u: number, i: number) => u === 0 || rows.h[i] === u;
    const deadline = ctx.timeBudgetSec !== undefined ? Date.now() + ctx.timeBudgetSec * 1000 : undefined;

    const boosters: Booster[] = [];
    const validH: number[] = [];
    const validY: number[] = [];
    const validP: number[] = [];
    const bestIterations: number[] = [];
    const stops: StopReason[] = [];
    let trainRows = 0;
    try {
      for (const [n, u] of units.entries()) {
        const trainIdx = indexWhere(rows.n, (i) => inUnit(u, i) && rows.rank[i]! >= p.validationOrigins + gap);
        const validIdx = indexWhere(rows.n, (i) => inUnit(u, i) && rows.rank[i]! < p.validationOrigins);
        if (trainIdx.length === 0 || validIdx.length === 0) {
          throw new ForecastInputError(
            `lgbm: not enough history for ${p.numOrigins} weekly origins ` +
              `with ${p.validationOrigins} held out (horizon ${H})`,
          );
        }
        trainRows += trainIdx.length;
        const budget =
          deadline !== undefined ? Math.max(0, (deadline - Date.now()) / 1000 / (units.length - n)) : undefined;
        // Rounds of every unit make one progress count (early stopping ends a unit sooner: the count jumps).
        const report = ctx.onProgress;
        const unitCtx: FitContext = report
          ? {
              ...ctx,
              onProgress: (q) => report({ done: n * q.total + q.done, total: units.length * q.total, unit: 'rounds' }),
            }
          : ctx;
        const model = await this.trainUnit(
          layout,
          all,
          label,
          trainIdx,
          validIdx,
          unitCtx,
          p.refit ? budget && budget / 2 : budget,
        );
        boosters.push(model.booster); // freed below with the rest if anything fails
        ctx.signal?.throwIfAborted();
        bestIterations.push(model.bestIteration);
        stops.push(model.stoppedBy);
        const vm = takeRows(all, validIdx);
        const pred = await model.booster.predict(vm.X, { nrow: vm.nrow, ncol: vm.ncol, layout: 'col' });
        for (let k = 0; k < validIdx.length; k++) {
          validH.push(rows.h[validIdx[k]!]!);
          validY.push(label[validIdx[k]!]!);
          validP.push(pred[k]!);
        }
        if (p.refit) {
          boosters.pop();
          model.booster.free();
          const allIdx = indexWhere(rows.n, (i) => inUnit(u, i));
          const refit = await this.trainUnit(
            layout,
            all,
            label,
            allIdx,
            undefined,
            ctx,
            budget && budget / 2,
            model.bestIteration,
          );
          boosters.push(refit.booster);
          // The refit runs the best round count by design; only a cut-short refit changes the reason.
          if (refit.stoppedBy === 'time_budget' || refit.stoppedBy === 'abort') stops[n] = refit.stoppedBy;
          ctx.signal?.throwIfAborted();
        }
      }
    } catch (err) {
      for (const b of boosters) b.free();
      throw err;
    }
    const residuals = residualQuantiles(
      Int32Array.from(validH),
      Float32Array.from(validY),
      Float64Array.from(validP),
      H,
      p.conformalPool,
    );
    for (const b of this.fitted?.boosters ?? []) b.free();
    this.fitted = { horizon: H, layout, boosters, residuals };

    let absErr = 0;
    let absY = 0;
    for (let i = 0; i < validY.length; i++) {
      absErr += Math.abs(validY[i]! - validP[i]!);
      absY += Math.abs(validY[i]!);
    }
    const seconds = (performance.now() - started) / 1000;
    const metrics = {
      rows: rows.n,
      train_rows: trainRows,
      features: layout.names.length,
      feature_seconds: featureSec,
      best_iteration_mean: bestIterations.reduce((a, b) => a + b, 0) / bestIterations.length,
      valid_wape_scaled: absY > 0 ? absErr / absY : NaN,
      models: boosters.length,
      models_early_stopped: stops.filter((r) => r === 'early_stopping').length,
    };
    const stopReason = summarizeStops(stops);
    ctx.log?.('lgbm fit', { ...metrics, seconds, stopReason });
    return { seconds, metrics, stopReason };
  }

  private async trainUnit(
    layout: FeatureLayout,
    all: FeatureMatrix,
    label: Float32Array,
    trainIdx: Int32Array,
    validIdx: Int32Array | undefined,
    ctx: FitContext,
    budgetSec: number | undefined,
    rounds?: number,
  ): Promise<{ booster: Booster; bestIteration: number; stoppedBy: StopReason }> {
    const p = this.p;
    const params = lightgbmParams(p, ctx.seed);
    const tm = takeRows(all, trainIdx);
    const trainDs = Dataset.fromMatrix(tm.X, {
      nrow: tm.nrow,
      ncol: tm.ncol,
      layout: 'col',
      label: Float32Array.from(trainIdx, (i) => label[i]!),
      categorical: layout.categorical,
      featureNames: layout.names,
      params,
    });
    let validDs: Dataset | undefined;
    try {
      if (validIdx) {
        const vm = takeRows(all, validIdx);
        validDs = Dataset.fromMatrix(vm.X, {
          nrow: vm.nrow,
          ncol: vm.ncol,
          layout: 'col',
          label: Float32Array.from(validIdx, (i) => label[i]!),
          categorical: layout.categorical,
          featureNames: layout.names,
          params,
          reference: trainDs,
        });
      }
      const r = await train(params, trainDs, {
        numBoostRound: rounds ?? p.numBoostRound,
        valid: validDs ? [{ data: validDs, name: 'valid' }] : [],
        earlyStoppingRounds: validDs ? p.earlyStoppingRounds : undefined,
        timeBudgetSec: budgetSec,
        signal: ctx.signal,
        // Only with validation: there every round is already its own call, so the callback costs nothing.
        ...(validDs && ctx.onProgress
          ? {
              onIteration: (it: number) =>
                ctx.onProgress!({ done: it, total: rounds ?? p.numBoostRound, unit: 'rounds' }),
            }
          : {}),
      });
      // Refit models keep every round they ran; early-stopped ones keep the best round.
      const best = validDs ? Math.max(1, r.bestIteration) : r.iterations;
      const stoppedBy = STOP_REASONS[r.stoppedBy];
      if (validDs) {
        // Keep only the best trees, and drop the booster's hold on the training data.
        const pruned = Booster.fromModelString(r.booster.modelString({ numIteration: best }));
        r.booster.free();
        return { booster: pruned, bestIteration: best, stoppedBy };
      }
      const kept = Booster.fromModelString(r.booster.modelString());
      r.booster.free();
      return { booster: kept, bestIteration: best, stoppedBy };
    } finally {
      validDs?.free();
      trainDs.free();
    }
  }

  async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
    const f = this.fitted;
    if (!f) throw new ForecastInputError('lgbm: predict called before fit or load');
    if (horizon > f.horizon) throw new ForecastInputError(`lgbm: trained for ${f.horizon} days, asked for ${horizon}`);
    for (const s of series) checkSeries(f.layout, s, s.sales.length + horizon);
    const hist = series.map(storeHistory);
    const rows = predictRows(hist, horizon);
    const m = buildFeatures(f.layout, hist, rows);
    const scaled = await this.predictScaled(f, m, rows);
    return series.map((s, si) => {
      const T = s.sales.length;
      const out: QuantileForecast = {
        storeId: s.storeId,
        start: addIsoDays(s.start, T),
        p10: new Float64Array(horizon),
        p50: new Float64Array(horizon),
        p90: new Float64Array(horizon),
      };
      for (let h = 1; h <= horizon; h++) {
        const i = si * horizon + h - 1;
        if (hist[si]!.open[T + h - 1] === 0) continue; // closed: no sales
        const lv = m.level[i]!;
        const v = scaled[i]!;
        const mid = fromModelScale(v, lv, this.p.target);
        out.p50[h - 1] = mid;
        out.p10[h - 1] = Math.min(mid, fromModelScale(v + f.residuals.q10[h - 1]!, lv, this.p.target));
        out.p90[h - 1] = Math.max(mid, fromModelScale(v + f.residuals.q90[h - 1]!, lv, this.p.target));
      }
      return out;
    });
  }

  private async predictScaled(f: Fitted, m: FeatureMatrix, rows: RowSet): Promise<Float64Array> {
    if (f.boosters.length === 1) {
      return f.boosters[0]!.predict(m.X, { nrow: m.nrow, ncol: m.ncol, layout: 'col' });
    }
    const out = new Float64Array(m.nrow);
    for (let h = 1; h <= f.boosters.length; h++) {
      const idx = indexWhere(rows.n, (i) => rows.h[i] === h);
      if (idx.length === 0) continue;
      const sub = takeRows(m, idx);
      const p = await f.boosters[h - 1]!.predict(sub.X, { nrow: sub.nrow, ncol: sub.ncol, layout: 'col' });
      idx.forEach((i, k) => (out[i] = p[k]!));
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    const f = this.fitted;
    if (!f) throw new ForecastInputError('lgbm: save called before fit');
    await mkdir(dir, { recursive: true });
    const modelFiles =
      f.boosters.length === 1
        ? ['model.txt']
        : f.boosters.map((_, k) => `model_h${String(k + 1).padStart(2, '0')}.txt`);
    await Promise.all(f.boosters.map((b, k) => b.save(join(dir, modelFiles[k]!))));
    const meta: Meta = {
      kind: LGBM_KIND,
      version: META_VERSION,
      params: this.p,
      horizon: f.horizon,
      layout: f.layout,
      residuals: f.residuals,
      modelFiles,
    };
    await writeFile(join(dir, META_FILE), JSON.stringify(meta, null, 2) + '\n', 'utf8');
  }

  static async load(dir: string): Promise<LgbmForecaster> {
    const meta = JSON.parse(await readFile(join(dir, META_FILE), 'utf8')) as Meta;
    if (meta.kind !== LGBM_KIND || meta.version !== META_VERSION) {
      throw new ForecastInputError(
        `lgbm: ${join(dir, META_FILE)} is not an lgbm model (kind ${meta.kind}, version ${meta.version})`,
      );
    }
    const boosters = await Promise.all(meta.modelFiles.map((file) => Booster.load(join(dir, file))));
    return new LgbmForecaster(
      { ...meta.params },
      { horizon: meta.horizon, layout: meta.layout, boosters, residuals: meta.residuals },
    );
  }
}

export const lgbmFactory: ForecasterFactory = {
  kind: LGBM_KIND,
  create: (params) => new LgbmForecaster(params),
  load: (dir) => LgbmForecaster.load(dir),
};

function lightgbmParams(p: LgbmParams, seed: number): LightGBMParams {
  return {
    objective: p.objective === 'l2' ? 'regression' : p.objective === 'l1' ? 'regression_l1' : 'huber',
    metric: p.objective,
    num_leaves: p.numLeaves,
    learning_rate: p.learningRate,
    min_data_in_leaf: p.minDataInLeaf,
    feature_fraction: p.featureFraction,
    bagging_fraction: p.baggingFraction,
    bagging_freq: p.baggingFraction < 1 ? 1 : 0,
    lambda_l2: p.lambdaL2,
    max_bin: p.maxBin,
    num_threads: p.numThreads,
    // Left unset, LightGBM times a col-wise and a row-wise histogram pass at construction and keeps the
    // faster: on a busy machine the winner varies and so do the models' last bits. A fixed layout gives
    // the same forecasts at any load (packages/lightgbm README, "Histogram layout").
    force_col_wise: true,
    seed,
    verbose: -1,
  };
}

/** LightGBM's stop causes in the words tracking uses (N-BEATS / TFT say max_epochs, patience, ...). */
const STOP_REASONS = {
  rounds: 'num_rounds',
  early_stopping: 'early_stopping',
  no_split: 'no_split',
  time_budget: 'time_budget',
  aborted: 'abort',
} as const;
type StopReason = (typeof STOP_REASONS)[keyof typeof STOP_REASONS];

/**
 * One reason for a fit of one or more boosters (one per horizon day with strategy per_horizon): the
 * shared reason, or the time budget / abort if any booster was cut short, else each reason with its count.
 */
export function summarizeStops(stops: readonly StopReason[]): string {
  for (const r of ['abort', 'time_budget'] as const) if (stops.includes(r)) return r;
  const counts = new Map<string, number>();
  for (const r of stops) counts.set(r, (counts.get(r) ?? 0) + 1);
  if (counts.size <= 1) return stops[0] ?? 'num_rounds';
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([r, n]) => `${r} ${n}/${stops.length}`)
    .join(', ');
}

function indexWhere(n: number, keep: (i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}
