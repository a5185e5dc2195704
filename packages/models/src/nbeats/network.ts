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
}

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

  /**
   * Scaled history and covariates -> forecast [B,H]. N-BEATSx: every block reads its residual
   * sales next to an encoding of the covariates (past ones and statics as they are, known-future
   * ones through a per-day linear map shared by all days, flattened, then one dense layer); only
   * the sales part is backcast and subtracted.
   * The exogenous block projects onto the known-future inputs themselves (backcast over the
   * context days, forecast over the horizon), so a promotion or holiday on day h moves day h.
   */
  function forward(inp: NBeatsInputs): Tensor {
    const x = inp.sales;
    const B = x.shape[0]!;
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
    return forecast!;
  }

  return {
    forward,
    dispose: () => {
      for (const t of [trendB, trendF, seasB, seasF]) t.dispose();
    },
  };
}
