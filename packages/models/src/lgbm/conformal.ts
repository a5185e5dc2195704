// Prediction intervals from held-out residuals (split conformal): for each horizon step, the 10%,
// 50% and 90% quantiles of (actual - predicted) on the level-scaled target over the validation
// origins, pooled over nearby steps for more samples.

export interface ResidualQuantiles {
  /** Index h-1 for step h. */
  q10: number[];
  q50: number[];
  q90: number[];
}

export function residualQuantiles(
  h: Int32Array,
  actual: Float32Array,
  predicted: Float64Array,
  horizon: number,
  pool: number,
): ResidualQuantiles {
  const byStep: number[][] = Array.from({ length: horizon }, () => []);
  for (let i = 0; i < h.length; i++) byStep[h[i]! - 1]!.push(actual[i]! - predicted[i]!);
  const out: ResidualQuantiles = { q10: [], q50: [], q90: [] };
  for (let step = 0; step < horizon; step++) {
    const r: number[] = [];
    for (let k = Math.max(0, step - pool); k <= Math.min(horizon - 1, step + pool); k++) r.push(...byStep[k]!);
    r.sort((a, b) => a - b);
    out.q10.push(quantile(r, 0.1));
    out.q50.push(quantile(r, 0.5));
    out.q90.push(quantile(r, 0.9));
  }
  return out;
}

/** Linear-interpolated quantile of sorted values; 0 when there are none (a point forecast). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
