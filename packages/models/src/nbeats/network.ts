// The N-BEATS network: stacks of fully connected blocks, each emitting a backcast (subtracted from
// its input: the doubly residual link) and a forecast (summed over blocks). Generic blocks learn
// their bases; interpretable blocks project onto fixed polynomial (trend) or Fourier (seasonality)
// bases laid on one time axis, so the backcast and forecast of a block are one continuous curve.
import type * as tfTypes from '@tensorflow/tfjs';
import { dense, type ParamStore } from '../tf/layers.js';
import type { NBeatsParams } from './config.js';

type Tensor = tfTypes.Tensor;

/** Polynomial basis rows t^p, p = 0..degree, with t in horizons (day index / H, negative in the past). */
function trendBasis(degree: number, from: number, len: number, H: number): Float32Array {
  const out = new Float32Array((degree + 1) * len);
  for (let p = 0; p <= degree; p++) for (let i = 0; i < len; i++) out[p * len + i] = ((from + i) / H) ** p;
  return out;
}

/** Fourier basis with periods H/k, k = 0..floor(H/2): for H = 35 this includes the 7-day week. */
function seasonalityBasis(from: number, len: number, H: number): { rows: number; values: Float32Array } {
  const K = Math.floor(H / 2);
  const rows = 1 + 2 * K;
  const out = new Float32Array(rows * len);
  for (let i = 0; i < len; i++) out[i] = 1;
  for (let k = 1; k <= K; k++) {
    for (let i = 0; i < len; i++) {
      const a = (2 * Math.PI * k * (from + i)) / H;
      out[(2 * k - 1) * len + i] = Math.cos(a);
      out[2 * k * len + i] = Math.sin(a);
    }
  }
  return { rows, values: out };
}

export interface NBeatsShape {
  context: number;
  horizon: number;
  /** Width of one day of known-future inputs (0 = pure N-BEATS: sales only). */
  futureWidth?: number;
  /** Past input channels after sales (observed flag, past covariates); 0 = none. */
  pastChannels?: number;
  /** Width of the static inputs (one-hot categoricals + log level); 0 = none. */
  staticWidth?: number;
}

/** Inputs of one batch: scaled sales [B,L] and, for N-BEATSx, the covariates. */
export interface NBeatsInputs {
  sales: Tensor;
  /** [B, L*pastChannels] past covariates, flattened. */
  past?: Tensor;
  /** [B, L+H, futureWidth] known-future inputs over the context and forecast days. */
  future?: Tensor;
  /** [B, staticWidth]. */
  statics?: Tensor;
  /**
   * [B, 28] 1 where each of the last 28 context days (oldest first) is an open, known day: with the
   * multiplicative day effect the network computes the weekday-mean skip itself, on the history
   * divided by that effect, and adds it to the stacks' forecast.
   */
  baseMask?: Tensor;
}

/** Days of history behind the weekday-mean skip (4 weeks, as the batch builder's). */
export const BASE_DAYS = 28;
/** The per-day effect is kept within exp(+-DAY_EFFECT_LIMIT) (x0.05 .. x20) by a scaled tanh. */
const DAY_EFFECT_LIMIT = 3;

type BlockKind = 'generic' | 'trend' | 'seasonality' | 'exogenous';

export function blockKinds(p: NBeatsParams, shape: NBeatsShape): BlockKind[] {
  const exog: BlockKind[] = (shape.futureWidth ?? 0) > 0 ? ['exogenous'] : [];
  if (p.architecture === 'generic') {
    return [...exog, ...Array.from({ length: p.numStacks * p.numBlocks }, () => 'generic' as const)];
  }
  return [
    ...exog,
    ...Array.from({ length: p.numBlocks }, () => 'trend' as const),
    ...Array.from({ length: p.numBlocks }, () => 'seasonality' as const),
  ];
}

/** Builds the forward function; fixed bases are created once and kept for the model's lifetime. */
export function makeNBeats(ps: ParamStore, p: NBeatsParams, shape: NBeatsShape) {
  const tf = ps.tf;
  const { context: L, horizon: H } = shape;
  const trendB = tf.tensor2d(trendBasis(p.trendPolynomialDegree, -L, L, H), [p.trendPolynomialDegree + 1, L]);
  const trendF = tf.tensor2d(trendBasis(p.trendPolynomialDegree, 0, H, H), [p.trendPolynomialDegree + 1, H]);
  const sb = seasonalityBasis(-L, L, H);
  const sf = seasonalityBasis(0, H, H);
  const seasB = tf.tensor2d(sb.values, [sb.rows, L]);
  const seasF = tf.tensor2d(sf.values, [sf.rows, H]);
  const kinds = blockKinds(p, shape);
  const dayEffect = p.multiplicativeCovariates && (shape.futureWidth ?? 0) > 0;
  // A zero output layer starts the day effect at x1, so the untrained network is plain N-BEATS(x).
  if (dayEffect) ps.constant('day_effect/out/w', [p.dayEffectWidth, 1], 0);

  /**
   * exp(g(x_d)) for every context and forecast day d [B, L+H]: g is a small network shared by all
   * days over that day's known-future inputs, so a promotion, holiday or user flag scales its day.
   */
  function dayMultiplier(future: Tensor): Tensor {
    const [B, D, W] = future.shape as [number, number, number];
    const h = tf.relu(dense(ps, 'day_effect/fc', future.reshape([B * D, W]), p.dayEffectWidth));
    const g = dense(ps, 'day_effect/out', h, 1);
    return tf.exp(tf.mul(tf.tanh(tf.div(g, DAY_EFFECT_LIMIT)), DAY_EFFECT_LIMIT)).reshape([B, D]);
  }

  /** Mean of each weekday over the last 4 context weeks (masked days left out; 1 if none), laid over H. */
  function weekdayBase(sales: Tensor, mask: Tensor): Tensor {
    const B = sales.shape[0]!;
    const last =
      L >= BASE_DAYS
        ? tf.slice(sales, [0, L - BASE_DAYS], [B, BASE_DAYS])
        : tf.pad(sales, [
            [0, 0],
            [BASE_DAYS - L, 0],
          ]);
    const weeks = BASE_DAYS / 7;
    const sum = tf.sum(tf.mul(last, mask).reshape([B, weeks, 7]), 1);
    const n = tf.sum(mask.reshape([B, weeks, 7]), 1);
    const week = tf.where(tf.greater(n, 0), tf.div(sum, tf.maximum(n, 1)), tf.onesLike(sum));
    // Forecast day k falls on the weekday of context day L - 28 + (k mod 7).
    return tf.tile(week, [1, Math.ceil(H / 7)]).slice([0, 0], [B, H]);
  }

  /**
   * Scaled history and covariates -> forecast [B,H]. N-BEATSx: every block reads its residual
   * sales next to an encoding of the covariates (past ones and statics as they are, known-future
   * ones through a per-day linear map shared by all days, flattened, then one dense layer); only
   * the sales part is backcast and subtracted.
   * The exogenous block projects onto the known-future inputs themselves (backcast over the
   * context days, forecast over the horizon), so a promotion or holiday on day h moves day h.
   */
  function forward(inp: NBeatsInputs): Tensor {
    const B = inp.sales.shape[0]!;
    // With the day effect the stacks read (and forecast) sales with each day's effect divided out.
    const mult = dayEffect && inp.future ? dayMultiplier(inp.future) : undefined;
    const x = mult ? tf.div(inp.sales, tf.slice(mult, [0, 0], [B, L])) : inp.sales;
    const covs: Tensor[] = [];
    if (inp.past) covs.push(inp.past);
    if (inp.statics) covs.push(inp.statics);
    let futB: Tensor | undefined;
    let futF: Tensor | undefined;
    if (inp.future) {
      const W = inp.future.shape[2]!;
      const enc = dense(ps, 'cov_encoder/day', inp.future.reshape([B * (L + H), W]), p.covariateEncoderDim);
      covs.push(enc.reshape([B, (L + H) * p.covariateEncoderDim]));
      futB = tf.slice(inp.future, [0, 0, 0], [B, L, W]);
      futF = tf.slice(inp.future, [0, L, 0], [B, H, W]);
    }
    // One encoding of all covariates shared by the blocks: each block then reads L + covariateWidth
    // inputs instead of several hundred, which keeps N-BEATSx close to N-BEATS' cost per window.
    const cov =
      covs.length > 0 ? tf.relu(dense(ps, 'cov_encoder/all', tf.concat(covs, 1), p.covariateWidth)) : undefined;
    let residual = x;
    let forecast: Tensor | undefined;
    kinds.forEach((kind, b) => {
      const name = `block${b}_${kind}`;
      let h = cov ? tf.concat([residual, cov], 1) : residual;
      for (let l = 0; l < p.numLayers; l++) h = tf.relu(dense(ps, `${name}/fc${l}`, h, p.layerWidth));
      let back: Tensor;
      let fore: Tensor;
      if (kind === 'exogenous') {
        const W = futF!.shape[2]!;
        const tb = dense(ps, `${name}/theta_b`, h, W, false);
        const tfc = dense(ps, `${name}/theta_f`, h, W, false);
        back = tf.sum(tf.mul(futB!, tf.expandDims(tb, 1)), 2);
        fore = tf.sum(tf.mul(futF!, tf.expandDims(tfc, 1)), 2);
      } else if (kind === 'generic') {
        const tb = dense(ps, `${name}/theta_b`, h, p.expansionCoefficientDim, false);
        const tfc = dense(ps, `${name}/theta_f`, h, p.expansionCoefficientDim, false);
        back = dense(ps, `${name}/basis_b`, tb, L);
        fore = dense(ps, `${name}/basis_f`, tfc, H);
      } else {
        const [bB, bF] = kind === 'trend' ? [trendB, trendF] : [seasB, seasF];
        const tb = dense(ps, `${name}/theta_b`, h, bB.shape[0], false);
        const tfc = dense(ps, `${name}/theta_f`, h, bF.shape[0], false);
        back = tf.matMul(tb as tfTypes.Tensor2D, bB);
        fore = tf.matMul(tfc as tfTypes.Tensor2D, bF);
      }
      residual = tf.sub(residual, back);
      forecast = forecast ? tf.add(forecast, fore) : fore;
    });
    let out = forecast!;
    if (inp.baseMask) out = tf.add(out, weekdayBase(x, inp.baseMask));
    return mult ? tf.mul(out, tf.slice(mult, [0, L], [B, H])) : out;
  }

  return {
    forward,
    dispose: () => {
      for (const t of [trendB, trendF, seasB, seasF]) t.dispose();
    },
  };
}
