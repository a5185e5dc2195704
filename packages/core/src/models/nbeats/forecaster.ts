// N-BEATS as a cvc Forecaster: univariate on each store's scaled sales, trained on windows sampled
// across all stores with a median (L1) loss; p10/p90 come from conformal residual quantiles measured
// on the held-out validation windows, so the interpretable bases stay single-output.
import type { FitContext, FitReport, Forecaster, ForecasterFactory, QuantileForecast, StoreSeries } from '../../forecaster.js';
import { loadTf, type Tf } from '../tf/backend.js';
import { addDays, checkFuture, checkHorizon, orderQuantiles } from '../tf/input-checks.js';
import { loadWeightsDir, saveWeightsDir } from '../tf/io.js';
import { ParamStore, pinballLoss } from '../tf/layers.js';
import { trainLoop, type Trainable, trainingMetrics } from '../tf/train.js';
import { planWindows, recentLevel, scaledContext, type Origin } from '../tf/windows.js';
import { resolveNBeatsParams, type NBeatsParams } from './config.js';
import { makeNBeats, type NBeatsShape } from './network.js';

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
  conformal: Conformal;
  usesIsOpen: boolean;
}

interface Batch {
  x: Float32Array; // [B, L]
  y: Float32Array; // [B, H]
  mask: Float32Array; // [B, H]
  scale: Float64Array; // [B]
}

function buildBatch(series: readonly StoreSeries[], origins: readonly Origin[], shape: NBeatsShape, p: NBeatsParams): Batch {
  const { context: L, horizon: H } = shape;
  const B = origins.length;
  const x = new Float32Array(B * L);
  const y = new Float32Array(B * H);
  const mask = new Float32Array(B * H);
  const scale = new Float64Array(B);
  origins.forEach((o, b) => {
    const s = series[o.s]!;
    const sc = recentLevel(s.sales, o.t, p.scaleLookback, L);
    scale[b] = sc;
    scaledContext(s.sales, o.t, L, sc, x.subarray(b * L, (b + 1) * L));
    const open = s.future['is_open'];
    for (let k = 0; k < H; k++) {
      const i = o.t + k;
      const v = i < s.sales.length ? s.sales[i]! : NaN;
      // Closed days are forecast as 0 by rule, so they are not part of what the network learns.
      const isOpen = open ? open[i]! > 0 : true;
      if (Number.isFinite(v) && isOpen) {
        y[b * H + k] = v / sc;
        mask[b * H + k] = 1;
      }
    }
  });
  return { x, y, mask, scale };
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

  /** Creates the weights for a shape; restores `weights` if given. */
  private build(tf: Tf, shape: NBeatsShape, seed: number): Fitted {
    this.fitted?.net.dispose();
    this.fitted?.ps.dispose();
    const ps = new ParamStore(tf, seed);
    const net = makeNBeats(ps, this.p, shape);
    tf.tidy(() => net.forward(tf.zeros([1, shape.context])));
    const conformal = { lo: new Float64Array(shape.horizon), hi: new Float64Array(shape.horizon) };
    this.fitted = { tf, ps, net, shape, conformal, usesIsOpen: false };
    return this.fitted;
  }

  async fit(series: readonly StoreSeries[], ctx: FitContext): Promise<FitReport> {
    const started = performance.now();
    const { tf, backend } = await loadTf({ log: ctx.log });
    const shape = { context: ctx.contextLength, horizon: ctx.horizon };
    const warm = ctx.warmStart;
    if (warm && !(warm instanceof NBeatsForecaster && warm.fitted)) {
      throw new Error(`nbeats: warmStart must be a fitted nbeats forecaster, got "${warm.kind}"`);
    }
    const warmWeights = warm ? (warm as NBeatsForecaster).weightsFor(shape, this.p) : undefined;
    const f = this.build(tf, shape, ctx.seed);
    if (warmWeights) f.ps.restore(warmWeights, 'nbeats warm start');
    f.usesIsOpen = series.every((s) => s.future['is_open'] != null);

    const plan = planWindows(
      series.map((s) => s.sales.length),
      shape.horizon,
      { valDays: shape.horizon, minContext: Math.min(this.p.minContext, shape.context) },
    );
    const model: Trainable = {
      params: f.ps,
      loss: (batch) => {
        const b = buildBatch(series, batch, shape, this.p);
        const x = tf.tensor2d(b.x, [batch.length, shape.context]);
        const pred = tf.expandDims(f.net.forward(x), -1);
        const y = tf.tensor2d(b.y, [batch.length, shape.horizon]);
        const m = tf.tensor2d(b.mask, [batch.length, shape.horizon]);
        // Pinball at 0.5 is half the absolute error; doubled so logged losses read as scaled MAE.
        return tf.mul(pinballLoss(tf, pred, y, m, [0.5]), 2) as ReturnType<Trainable['loss']>;
      },
    };
    const cfg = warmWeights
      ? { ...this.p, epochs: this.p.fineTuneEpochs, learningRate: this.p.fineTuneLearningRate, warmupSteps: 0 }
      : this.p;
    const res = await trainLoop(tf, model, plan, cfg, {
      seed: ctx.seed,
      evalBeforeTraining: warmWeights != null,
      timeBudgetSec: ctx.timeBudgetSec,
      signal: ctx.signal,
      log: ctx.log,
    });

    // Conformal bands from validation windows the network never trained on (fallback: the last
    // training window of each store, which gives bands that are too narrow).
    const calib = plan.val.length > 0 ? plan.val : lastTrainOrigins(plan.train);
    f.conformal = this.conformalFrom(series, calib);
    const seconds = (performance.now() - started) / 1000;
    ctx.log?.('nbeats fitted', { backend, ...res });
    return {
      seconds,
      metrics: trainingMetrics(res, plan, warmWeights != null),
    };
  }

  /** Weights to warm-start another model with `shape` and `p`; throws if the networks differ. */
  private weightsFor(shape: NBeatsShape, p: NBeatsParams) {
    const f = this.fitted!;
    const a = this.p;
    const same =
      f.shape.context === shape.context &&
      f.shape.horizon === shape.horizon &&
      a.architecture === p.architecture &&
      a.numStacks === p.numStacks &&
      a.numBlocks === p.numBlocks &&
      a.numLayers === p.numLayers &&
      a.layerWidth === p.layerWidth &&
      a.expansionCoefficientDim === p.expansionCoefficientDim &&
      a.trendPolynomialDegree === p.trendPolynomialDegree;
    if (!same) throw new Error('nbeats: warmStart model has a different architecture or context/horizon');
    return f.ps.snapshot();
  }

  private forwardScaled(series: readonly StoreSeries[], origins: readonly Origin[]): { pred: Float32Array; batch: Batch } {
    const f = this.fitted!;
    const batch = buildBatch(series, origins, f.shape, this.p);
    const pred = f.tf.tidy(() => {
      const x = f.tf.tensor2d(batch.x, [origins.length, f.shape.context]);
      return f.net.forward(x).dataSync() as Float32Array;
    });
    return { pred: Float32Array.from(pred), batch };
  }

  private conformalFrom(series: readonly StoreSeries[], origins: readonly Origin[]): Conformal {
    const H = this.fitted!.shape.horizon;
    const lo = new Float64Array(H);
    const hi = new Float64Array(H);
    if (origins.length === 0) return { lo, hi };
    const { pred, batch } = this.forwardScaled(series, origins);
    const perDay: number[][] = Array.from({ length: H }, () => []);
    for (let b = 0; b < origins.length; b++) {
      for (let k = 0; k < H; k++) {
        if (batch.mask[b * H + k]) perDay[k]!.push(batch.y[b * H + k]! - pred[b * H + k]!);
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
    if (!f) throw new Error('nbeats: predict called before fit or load');
    checkHorizon(KIND, horizon, f.shape.horizon);
    checkFuture(KIND, series, f.usesIsOpen ? ['is_open'] : [], horizon);
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
        out.push({ storeId: s.storeId, start: addDays(s.start, s.sales.length), p10, p50, p90 });
      });
    }
    return out;
  }

  async save(dir: string): Promise<void> {
    const f = this.fitted;
    if (!f) throw new Error('nbeats: save called before fit or load');
    const config = {
      params: this.params,
      shape: f.shape,
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
      usesIsOpen: boolean;
      conformal: { lo: number[]; hi: number[] };
    };
    const m = new NBeatsForecaster(c.params);
    const f = m.build(tf, c.shape, 0);
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
