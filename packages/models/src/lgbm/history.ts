// Per-store summaries of the observed history that every feature row reads: prefix sums of
// sales over open, known days, so that a rolling mean as of any origin costs O(1).
import type { StoreSeries } from '@cvc/core';

export interface StoreHistory {
  series: StoreSeries;
  /** Observed days (sales.length). */
  length: number;
  sales: Float64Array;
  /** 1 when the store is open (is_open covariate; all open when absent), over the future arrays' length. */
  open: Float64Array;
  /** Prefix sums over days with known sales on open days: sum[i] = sum of sales[0..i-1]. */
  sum: Float64Array;
  count: Float64Array;
}

export function storeHistory(series: StoreSeries): StoreHistory {
  const sales = series.sales;
  const n = sales.length;
  const isOpen = series.future['is_open'];
  const openLen = Math.max(n, isOpen?.length ?? 0);
  const open = new Float64Array(openLen).fill(1);
  if (isOpen) for (let i = 0; i < isOpen.length; i++) open[i] = isOpen[i] === 0 ? 0 : 1;
  const sum = new Float64Array(n + 1);
  const count = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = sales[i]!;
    const ok = open[i] === 1 && !Number.isNaN(v);
    sum[i + 1] = sum[i]! + (ok ? v : 0);
    count[i + 1] = count[i]! + (ok ? 1 : 0);
  }
  return { series, length: n, sales, open, sum, count };
}

/** Mean sales over open, known days in the `window` days ending at day `t` (inclusive); NaN if none. */
export function windowMean(h: StoreHistory, t: number, window: number): number {
  const hi = Math.min(t + 1, h.length);
  const lo = Math.max(0, t + 1 - window);
  if (hi <= lo) return NaN;
  const c = h.count[hi]! - h.count[lo]!;
  return c > 0 ? (h.sum[hi]! - h.sum[lo]!) / c : NaN;
}

/**
 * The store's level as of origin t: the recent mean on open days, falling back to the last year
 * when the recent window has too few open days. Divides the target and every sales lag.
 */
export function storeLevel(h: StoreHistory, t: number, window: number): number {
  const recent = windowMean(h, t, window);
  const c = h.count[Math.min(t + 1, h.length)]! - h.count[Math.max(0, t + 1 - window)]!;
  if (c >= Math.min(7, window) && recent > 0) return recent;
  const year = windowMean(h, t, 364);
  return year > 0 ? year : NaN;
}

/** Mean of a covariate over `window` days ending at t, ignoring NaN. */
export function covariateMean(values: Float64Array, t: number, window: number): number {
  let s = 0;
  let c = 0;
  for (let i = Math.max(0, t + 1 - window); i <= t && i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) {
      s += v;
      c++;
    }
  }
  return c > 0 ? s / c : NaN;
}
