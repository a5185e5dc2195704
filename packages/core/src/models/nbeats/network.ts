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
}

type BlockKind = 'generic' | 'trend' | 'seasonality';

export function blockKinds(p: NBeatsParams): BlockKind[] {
  if (p.architecture === 'generic') return Array.from({ length: p.numStacks * p.numBlocks }, () => 'generic');
  return [
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
  const kinds = blockKinds(p);

  /** x [B,L] scaled history -> forecast [B,H]. */
  function forward(x: Tensor): Tensor {
    let residual = x;
    let forecast: Tensor | undefined;
    kinds.forEach((kind, b) => {
      const name = `block${b}_${kind}`;
      let h = residual;
      for (let l = 0; l < p.numLayers; l++) h = tf.relu(dense(ps, `${name}/fc${l}`, h, p.layerWidth));
      let back: Tensor;
      let fore: Tensor;
      if (kind === 'generic') {
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
