// N-BEATS as a cvc Forecaster, trained on windows sampled across all stores with a median (L1)
// loss on each window's level-scaled sales. With `covariates` (the default) it is N-BEATSx: the
// known-future inputs, past covariates and statics the TFT reads (one declaration, tft/features.ts)
// enter every block; without, it is the univariate N-BEATS. p10/p90 come from conformal residual
// quantiles measured on the held-out validation windows, so the interpretable bases stay single-output.
import type { FitContext, FitReport, Forecaster, ForecasterFactory, QuantileForecast, StoreSeries } from '@cvc/core';
import { loadTf, type Tf } from '../tf/backend.js';
import { addIsoDays } from '@cvc/core';
import { checkFuture, checkHorizon, checkPast, checkStatics, orderQuantiles } from '../tf/input-checks.js';
import { loadWeightsDir, saveWeightsDir } from '../tf/io.js';
import { ParamStore, pinballLoss } from '../tf/layers.js';
import { fitNeural } from '../tf/neural-fit.js';
import type { Trainable } from '../tf/train.js';
import type { Origin } from '../tf/windows.js';
import {
  buildFeatureSpec,
  buildTftBatch,
  futureWidth,
  pastWidth,
  prepareStore,
  type FeatureSpec,
  type PreparedStore,
  type TftBatch,
} from '../tft/features.js';
import { resolveNBeatsParams, type NBeatsParams } from './config.js';
import { BASE_DAYS, makeNBeats, type NBeatsInputs, type NBeatsShape } from './network.js';
import { ModelError } from '@cvc/core';

const KIND = 'nbeats';

interface Conformal {
  /** Residual quantiles in scaled units, per horizon day. */
  lo: Float64Array;
  hi: Float64Array;
}

interface Fitted {
  tf: Tf;
  ps: ParamStore;
  net: ReturnType<typeof makeNBeats>;
  shape: NBeatsShape;
  spec: FeatureSpec;
  conformal: Conformal;
  usesIsOpen: boolean;
}

/** The inputs pure N-BEATS reads: sales only (closed days are still masked out of the targets). */
function salesOnlySpec(): FeatureSpec {
  return { future: [], futureColumns: [], pastColumns: [], statics: [], norm: {}, logLevel: { mean: 0, std: 1 } };
}

function shapeFor(spec: FeatureSpec, context: number, horizon: number, covariates: boolean): NBeatsShape {
  if (!covariates) return { context, horizon };
  return {
    context,
    horizon,
    futureWidth: futureWidth(spec),
    pastChannels: pastWidth(spec) - 1,
    staticWidth: spec.statics.reduce((n, s) => n + s.vocab.length, 0) + 1 + (spec.numericStatics?.length ?? 0),
  };
}

/** Tensors for one batch built by the shared window builder (channel 0 of `past` is the scaled sales). */
function toInputs(tf: Tf, b: TftBatch, shape: NBeatsShape, spec: FeatureSpec): NBeatsInputs {
  const L = shape.context;
  const P = pastWidth(spec);
  const past = tf.tensor3d(b.past, [b.B, L, P]);
  const sales = tf.slice(past, [0, 0, 0], [b.B, L, 1]).reshape([b.B, L]);
  if (!shape.futureWidth) return { sales };
  const W = shape.futureWidth;
  const statics = tf.concat(
    [
      ...spec.statics.map((st, j) => tf.oneHot(tf.tensor1d(b.staticIdx[j]!, 'int32'), st.vocab.length).toFloat()),
      tf.tensor2d(b.logLevel, [b.B, 1]),
      ...(spec.numericStatics?.length ? [tf.tensor2d(b.staticReal, [b.B, spec.numericStatics.length])] : []),
    ],
    1,
  );
  return {
    sales,
    past: P > 1 ? tf.slice(past, [0, 0, 1], [b.B, L, P - 1]).reshape([b.B, L * (P - 1)]) : undefined,
    future: tf.tensor3d(b.future, [b.B, L + shape.horizon, W]),
    statics,
  };
}

/** [B, BASE_DAYS]: 1 where day t-28+j of the window's store is known and open (the skip's days). */
function baseMask(series: readonly StoreSeries[], origins: readonly Origin[]): Float32Array {
  const out = new Float32Array(origins.length * BASE_DAYS);
  origins.forEach((o, b) => {
    const s = series[o.s]!;
    const open = s.future['is_open'];
    for (let j = 0; j < BASE_DAYS; j++) {
      const i = o.t - BASE_DAYS + j;
      if (i >= 0 && Number.isFinite(s.sales[i]!) && (!open || open[i]! > 0)) out[b * BASE_DAYS + j] = 1;
    }
  });
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export class NBeatsForecaster implements Forecaster {
  readonly kind = KIND;
  readonly params: Record<string, unknown>;
  private readonly p: NBeatsParams;
  private fitted?: Fitted;

  constructor(params: Record<string, unknown> = {}) {
    this.p = resolveNBeatsParams(params);
    this.params = { ...this.p };
  }

  /** Creates the weights for a shape and input spec. */
  private build(tf: Tf, shape: NBeatsShape, spec: FeatureSpec, seed: number): Fitted {
    this.fitted?.net.dispose();
    this.fitted?.ps.dispose();
    const ps = new ParamStore(tf, seed);
    const net = makeNBeats(ps, this.p, shape);
    const conformal = { lo: new Float64Array(shape.horizon), hi: new Float64Array(shape.horizon) };
    this.fitted = { tf, ps, net, shape, spec, conformal, usesIsOpen: false };
    // One forward pass on a dummy window creates every weight.
    const dummy: StoreSeries = {
      storeId: 'dummy',
      start: '2000-01-01',
      sales: new Float64Array(shape.context).fill(1),
      past: Object.fromEntries(spec.pastColumns.map((c) => [c, new Float64Array(shape.context).fill(1)])),
      future: Object.fromEntries(spec.futureColumns.map((c) => [c, new Float64Array(shape.context + shape.horizon)])),
      statics: Object.fromEntries(spec.statics.map((s) => [s.name, s.vocab[0]!])),
    };
    tf.tidy(() => {
      this.forward([dummy], [{ s: 0, t: shape.context }]);
    });
    return this.fitted;
  }

  private forward(series: readonly StoreSeries[], origins: readonly Origin[], prepared?: readonly PreparedStore[]) {
    const f = this.fitted!;
    const prep = prepared ?? series.map((s) => prepareStore(s, f.spec));
    const { context: L, horizon: H } = f.shape;
    const batch = buildTftBatch(series, prep, origins, f.spec, L, H, this.p.scaleLookback);
    const inputs = toInputs(f.tf, batch, f.shape, f.spec);
    // With the day effect the network adds the weekday-mean skip itself, on de-effected history.
    const inNet = this.p.baselineSkip && this.p.multiplicativeCovariates && inputs.future != null;
    if (inNet) inputs.baseMask = f.tf.tensor2d(baseMask(series, origins), [batch.B, BASE_DAYS]);
    const out = f.net.forward(inputs);
    const pred = this.p.baselineSkip && !inNet ? f.tf.add(out, f.tf.tensor2d(batch.base, [batch.B, H])) : out;
    return { batch, pred };
  }

  async fit(series: readonly StoreSeries[], ctx: FitContext): Promise<FitReport> {
    const run = await fitNeural(series, ctx, {
      kind: KIND,
      params: this.p,
      context: ctx.contextLength,
      warmOf: (m) => (m instanceof NBeatsForecaster && m.fitted ? { spec: m.fitted.spec, model: m } : undefined),
      newSpec: () =>
        this.p.covariates ? buildFeatureSpec(series, this.p.scaleLookback, this.p.closureFeatures) : salesOnlySpec(),
      build: (tf, spec, warm) => {
        const sh = shapeFor(spec, ctx.contextLength, ctx.horizon, this.p.covariates);
        const warmWeights = warm?.model.weightsFor(sh, this.p);
        const f = this.build(tf, sh, spec, ctx.seed);
        if (warmWeights) f.ps.restore(warmWeights, 'nbeats warm start');
        f.usesIsOpen = series.every((s) => s.future['is_open'] != null);
        return {
          params: f.ps,
          warmStarted: warmWeights != null,
          loss: (prepared) => (batch) => {
            const { batch: b, pred } = this.forward(series, batch, prepared);
            const y = tf.tensor2d(b.y, [b.B, sh.horizon]);
            const m = tf.tensor2d(b.mask, [b.B, sh.horizon]);
            // Pinball at 0.5 is half the absolute error; doubled so logged losses read as scaled MAE.
            return tf.mul(pinballLoss(tf, tf.expandDims(pred, -1), y, m, [0.5]), 2) as ReturnType<Trainable['loss']>;
          },
        };
      },
    });
    // Conformal bands from validation windows the network never trained on (fallback: the last
    // training window of each store, which gives bands that are too narrow).
    const calib = run.plan.val.length > 0 ? run.plan.val : lastTrainOrigins(run.plan.train);
    this.fitted!.conformal = this.conformalFrom(series, calib, run.prepared);
    return { ...run.report, seconds: (performance.now() - run.started) / 1000 };
  }

  /** Weights to warm-start another model with `shape` and `p`; throws if the networks differ. */
  private weightsFor(shape: NBeatsShape, p: NBeatsParams) {
    const f = this.fitted!;
    const a = this.p;
    const same =
      JSON.stringify(f.shape) === JSON.stringify(shape) &&
      a.covariates === p.covariates &&
      a.covariateEncoderDim === p.covariateEncoderDim &&
      a.covariateWidth === p.covariateWidth &&
      a.baselineSkip === p.baselineSkip &&
      a.multiplicativeCovariates === p.multiplicativeCovariates &&
      a.dayEffectWidth === p.dayEffectWidth &&
      a.architecture === p.architecture &&
      a.numStacks === p.numStacks &&
      a.numBlocks === p.numBlocks &&
      a.numLayers === p.numLayers &&
      a.layerWidth === p.layerWidth &&
      a.expansionCoefficientDim === p.expansionCoefficientDim &&
      a.trendPolynomialDegree === p.trendPolynomialDegree;
    if (!same) throw new ModelError('nbeats: warmStart model has a different architecture, inputs or context/horizon');
    return f.ps.snapshot();
  }

  private forwardScaled(
    series: readonly StoreSeries[],
    origins: readonly Origin[],
    prepared?: readonly PreparedStore[],
  ): { pred: Float32Array; batch: TftBatch } {
    const f = this.fitted!;
    const held: { batch?: TftBatch } = {};
    const pred = f.tf.tidy(() => {
      const r = this.forward(series, origins, prepared);
      held.batch = r.batch;
      return Float32Array.from(r.pred.dataSync() as Float32Array);
    });
    return { pred, batch: held.batch! };
  }

  private conformalFrom(
    series: readonly StoreSeries[],
    origins: readonly Origin[],
    prepared: readonly PreparedStore[],
  ): Conformal {
    const H = this.fitted!.shape.horizon;
    const lo = new Float64Array(H);
    const hi = new Float64Array(H);
    if (origins.length === 0) return { lo, hi };
    const perDay: number[][] = Array.from({ length: H }, () => []);
    for (let i0 = 0; i0 < origins.length; i0 += 512) {
      const part = origins.slice(i0, i0 + 512);
      const { pred, batch } = this.forwardScaled(series, part, prepared);
      for (let b = 0; b < part.length; b++) {
        for (let k = 0; k < H; k++) {
          if (batch.mask[b * H + k]) perDay[k]!.push(batch.y[b * H + k]! - pred[b * H + k]!);
        }
      }
    }
    const w = this.p.conformalPoolDays;
    for (let k = 0; k < H; k++) {
      const pool: number[] = [];
      for (let j = Math.max(0, k - w); j <= Math.min(H - 1, k + w); j++) pool.push(...perDay[j]!);
      pool.sort((a, b) => a - b);
      lo[k] = Math.min(0, quantile(pool, 0.1));
      hi[k] = Math.max(0, quantile(pool, 0.9));
    }
    return { lo, hi };
  }

  async predict(series: readonly StoreSeries[], horizon: number): Promise<QuantileForecast[]> {
    const f = this.fitted;
    if (!f) throw new ModelError('nbeats: predict called before fit or load');
    checkHorizon(KIND, horizon, f.shape.horizon);
    // With covariates the network reads the model's full horizon of known-future inputs.
    const futureCols = [...new Set([...(f.usesIsOpen ? ['is_open'] : []), ...f.spec.futureColumns])];
    for (const name of futureCols) {
      checkFuture(KIND, series, [name], f.spec.futureColumns.includes(name) ? f.shape.horizon : horizon);
    }
    checkPast(KIND, series, f.spec.pastColumns);
    checkStatics(
      KIND,
      series,
      f.spec.statics.map((s) => s.name),
    );
    const out: QuantileForecast[] = [];
    const H = f.shape.horizon;
    const chunk = 512;
    for (let i0 = 0; i0 < series.length; i0 += chunk) {
      const part = series.slice(i0, i0 + chunk);
      const origins = part.map((s, i) => ({ s: i, t: s.sales.length }));
      const { pred, batch } = this.forwardScaled(part, origins);
      part.forEach((s, b) => {
        const sc = batch.scale[b]!;
        const p10 = new Float64Array(horizon);
        const p50 = new Float64Array(horizon);
        const p90 = new Float64Array(horizon);
        const open = s.future['is_open'];
        for (let k = 0; k < horizon; k++) {
          if (open && !(open[s.sales.length + k]! > 0)) continue; // closed: all quantiles 0
          const m = pred[b * H + k]!;
          p50[k] = m * sc;
          p10[k] = (m + f.conformal.lo[k]!) * sc;
          p90[k] = (m + f.conformal.hi[k]!) * sc;
        }
        orderQuantiles(p10, p50, p90);
        out.push({ storeId: s.storeId, start: addIsoDays(s.start, s.sales.length), p10, p50, p90 });
      });
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    const f = this.fitted;
    if (!f) throw new ModelError('nbeats: save called before fit or load');
    const config = {
      params: this.params,
      shape: f.shape,
      spec: f.spec,
      usesIsOpen: f.usesIsOpen,
      conformal: { lo: Array.from(f.conformal.lo), hi: Array.from(f.conformal.hi) },
    };
    await saveWeightsDir(f.tf, dir, KIND, config, f.ps.snapshot());
  }

  /** Used by the factory: rebuilds the network for a saved shape and sets its weights. */
  static async fromDir(dir: string): Promise<NBeatsForecaster> {
    const { tf } = await loadTf();
    const { config, weights } = await loadWeightsDir(tf, dir, KIND);
    const c = config as {
      params: Record<string, unknown>;
      shape: NBeatsShape;
      spec?: FeatureSpec;
      usesIsOpen: boolean;
      conformal: { lo: number[]; hi: number[] };
    };
    // Models saved before N-BEATSx have no input spec: they are pure N-BEATS.
    // Models saved before the multiplicative day effect have only the additive covariate path.
    const params = c.spec
      ? { multiplicativeCovariates: false, ...c.params }
      : { ...c.params, covariates: false, baselineSkip: false };
    const m = new NBeatsForecaster(params);
    const f = m.build(tf, c.shape, c.spec ?? salesOnlySpec(), 0);
    f.ps.restore(weights, `nbeats model in ${dir}`);
    f.usesIsOpen = c.usesIsOpen;
    f.conformal = { lo: Float64Array.from(c.conformal.lo), hi: Float64Array.from(c.conformal.hi) };
    return m;
  }
}

function lastTrainOrigins(train: readonly Origin[]): Origin[] {
  const last = new Map<number, Origin>();
  for (const o of train) if ((last.get(o.s)?.t ?? -1) < o.t) last.set(o.s, o);
  return [...last.values()];
}

export const nbeatsFactory: ForecasterFactory = {
  kind: KIND,
  create: (params) => new NBeatsForecaster(params),
  load: (dir) => NBeatsForecaster.fromDir(dir),
};
