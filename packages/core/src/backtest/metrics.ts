// Forecast error metrics for one store x fold x model. Closed days (is_open = 0) and unknown actuals
// are excluded everywhere; ratios with a zero denominator are NaN rather than Infinity, so a store
// with no sales in a window never divides by zero.

export interface ScoredWindow {
  actual: Float64Array; // NaN = unknown
  p50: Float64Array;
  p10?: Float64Array;
  p90?: Float64Array;
  /** 1 open, 0 closed; closed days are not scored. */
  isOpen?: Float64Array;
}

export interface Metrics {
  n: number;
  wape: number;
  mae: number;
  rmse: number;
  smape: number;
  mase: number;
  bias: number; // sum(forecast - actual) / sum(actual)
  pinball: number; // mean pinball loss over p10, p50, p90
  coverage80: number; // share of actuals inside [p10, p90]
}

export const METRIC_NAMES = ['wape', 'mae', 'rmse', 'smape', 'mase', 'bias', 'pinball', 'coverage80'] as const;

function scored(w: ScoredWindow, i: number): boolean {
  return Number.isFinite(w.actual[i]!) && Number.isFinite(w.p50[i]!) && (w.isOpen === undefined || w.isOpen[i]! > 0);
}

export function pinballLoss(actual: number, forecast: number, q: number): number {
  const d = actual - forecast;
  return Math.max(q * d, (q - 1) * d);
}

/**
 * Mean absolute error of the weekly seasonal-naive forecast in-sample (y_t vs y_{t-7}) over open,
 * known days: the MASE denominator.
 */
export function weeklyNaiveScale(history: Float64Array, isOpen?: Float64Array): number {
  let sum = 0;
  let n = 0;
  for (let t = 7; t < history.length; t++) {
    const a = history[t]!;
    const b = history[t - 7]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (isOpen && (isOpen[t]! <= 0 || isOpen[t - 7]! <= 0)) continue;
    sum += Math.abs(a - b);
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

export function scoreWindow(w: ScoredWindow, maseScale: number): Metrics {
  let n = 0;
  let absErr = 0;
  let sqErr = 0;
  let sumActual = 0;
  let sumErr = 0;
  let smape = 0;
  let pinball = 0;
  let covered = 0;
  let quantileN = 0;
  for (let i = 0; i < w.actual.length; i++) {
    if (!scored(w, i)) continue;
    const y = w.actual[i]!;
    const f = w.p50[i]!;
    n++;
    absErr += Math.abs(f - y);
    sqErr += (f - y) * (f - y);
    sumActual += Math.abs(y);
    sumErr += f - y;
    const denom = Math.abs(y) + Math.abs(f);
    smape += denom > 0 ? (2 * Math.abs(f - y)) / denom : 0;
    if (w.p10 && w.p90) {
      const lo = w.p10[i]!;
      const hi = w.p90[i]!;
      pinball += (pinballLoss(y, lo, 0.1) + pinballLoss(y, f, 0.5) + pinballLoss(y, hi, 0.9)) / 3;
      if (y >= lo && y <= hi) covered++;
      quantileN++;
    }
  }
  const mae = n > 0 ? absErr / n : Number.NaN;
  return {
    n,
    wape: ratio(absErr, sumActual),
    mae,
    rmse: n > 0 ? Math.sqrt(sqErr / n) : Number.NaN,
    smape: n > 0 ? smape / n : Number.NaN,
    mase: ratio(mae, maseScale),
    bias: ratio(sumErr, sumActual),
    pinball: quantileN > 0 ? pinball / quantileN : Number.NaN,
    coverage80: quantileN > 0 ? covered / quantileN : Number.NaN,
  };
}

/** Absolute error and actual per horizon day, summed so that WAPE by horizon day pools stores. */
export function errorByHorizonDay(w: ScoredWindow): { absErr: Float64Array; actual: Float64Array } {
  const absErr = new Float64Array(w.actual.length);
  const actual = new Float64Array(w.actual.length);
  for (let i = 0; i < w.actual.length; i++) {
    if (!scored(w, i)) continue;
    absErr[i] = Math.abs(w.p50[i]! - w.actual[i]!);
    actual[i] = Math.abs(w.actual[i]!);
  }
  return { absErr, actual };
}
