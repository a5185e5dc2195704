// Synthetic multi-store daily sales for the tf model tests and benchmarks: weekly and monthly
// seasonality, promotions, holiday closures, Sunday closures for one format, different lengths.
import type { StoreSeries, QuantileForecast } from '@cvc/core';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEEKLY = [0.8, 0.85, 0.9, 1.0, 1.25, 1.45, 0.75]; // Mon..Sun

export interface SyntheticOptions {
  stores: number;
  minDays: number;
  maxDays: number;
  /** Extra days of future covariates (and hidden sales) after the history. */
  extraDays: number;
  seed: number;
  noise?: number;
}

/** Full series (history + extraDays); use `splitLast` to hold the last days out. */
export function syntheticStores(o: SyntheticOptions): StoreSeries[] {
  const r = rng(o.seed);
  const noise = o.noise ?? 0.06;
  const end = Date.UTC(2024, 5, 30); // the last history day is the same for all stores
  const out: StoreSeries[] = [];
  for (let s = 0; s < o.stores; s++) {
    const T = o.minDays + Math.floor(r() * (o.maxDays - o.minDays + 1));
    const N = T + o.extraDays;
    const startMs = end - (T - 1) * 86400000;
    const level = 400 + r() * 2600;
    const format = s % 3 === 0 ? 'mall' : 'street';
    const state = ['SP', 'RJ', 'MG'][s % 3]!;
    const growth = (r() - 0.3) * 0.0006;
    const promoLift = 0.2 + r() * 0.15;
    const f: Record<string, Float64Array> = {};
    for (const name of [
      'is_open',
      'promo',
      'dow',
      'dom',
      'month',
      'woy',
      'days_to_month_end',
      'is_holiday',
      'days_to_next_holiday',
      'days_since_last_holiday',
      'store_age_days',
      'is_pandemic',
    ])
      f[name] = new Float64Array(N);
    const sales = new Float64Array(T);
    const nSales = new Float64Array(T);
    for (let i = 0; i < N; i++) {
      const d = new Date(startMs + i * 86400000);
      const dow = (d.getUTCDay() + 6) % 7; // 0 = Monday
      const dom = d.getUTCDate();
      const month = d.getUTCMonth() + 1;
      const monthEnd = new Date(Date.UTC(d.getUTCFullYear(), month, 0)).getUTCDate();
      const holiday =
        (dom === 1 && month === 1) ||
        (dom === 21 && month === 4) ||
        (dom === 7 && month === 9) ||
        (dom === 25 && month === 12) ||
        (dom === 15 && month === 11);
      const open = holiday || (format === 'street' && dow === 6) ? 0 : 1;
      const promo = r() < 0.15 ? 1 : 0;
      f['is_open']![i] = open;
      f['promo']![i] = promo;
      f['dow']![i] = dow;
      f['dom']![i] = dom;
      f['month']![i] = month;
      f['woy']![i] = Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 604800000) + 1;
      f['days_to_month_end']![i] = monthEnd - dom;
      f['is_holiday']![i] = holiday ? 1 : 0;
      f['days_to_next_holiday']![i] = 30;
      f['days_since_last_holiday']![i] = 30;
      f['store_age_days']![i] = 200 + i;
      f['is_pandemic']![i] = 0;
      // Payday bump in the first days of the month.
      const monthly = 1 + 0.15 * Math.cos((2 * Math.PI * (dom - 3)) / monthEnd);
      const mean = level * (1 + growth * i) * WEEKLY[dow]! * monthly * (promo ? 1 + promoLift : 1);
      const v = open ? Math.max(0, mean * (1 + noise * (r() * 2 - 1) * 1.7)) : 0;
      if (i < T) {
        sales[i] = v;
        nSales[i] = open ? Math.round(v / (18 + 4 * r())) : 0;
      }
    }
    out.push({
      storeId: `S${String(s).padStart(3, '0')}`,
      start: new Date(startMs).toISOString().slice(0, 10),
      sales,
      past: { n_sales: nSales },
      future: f,
      statics: { format, state },
    });
  }
  return out;
}

/**
 * Holds out the last `h` sales days: returns the history (future arrays kept full, so they reach
 * h days past the history) and the held-out actuals.
 */
export function splitLast(series: StoreSeries[], h: number): { history: StoreSeries[]; actual: Float64Array[] } {
  const history = series.map((s) => ({
    ...s,
    sales: s.sales.slice(0, s.sales.length - h),
    past: Object.fromEntries(Object.entries(s.past).map(([k, v]) => [k, v.slice(0, v.length - h)])),
  }));
  return { history, actual: series.map((s) => s.sales.slice(s.sales.length - h)) };
}

/** Fit-time view: future arrays cut to the history length. */
export function fitView(series: StoreSeries[]): StoreSeries[] {
  return series.map((s) => ({
    ...s,
    future: Object.fromEntries(Object.entries(s.future).map(([k, v]) => [k, v.slice(0, s.sales.length)])),
  }));
}

export function wape(actual: Float64Array[], pred: Float64Array[]): number {
  let num = 0;
  let den = 0;
  actual.forEach((a, i) => {
    for (let k = 0; k < a.length; k++) {
      num += Math.abs(a[k]! - pred[i]![k]!);
      den += Math.abs(a[k]!);
    }
  });
  return num / den;
}

/** Last value repeated (last open day, so a closed last day does not forecast zeros). */
export function naiveForecast(history: StoreSeries[], h: number): Float64Array[] {
  return history.map((s) => {
    let last = 0;
    for (let i = s.sales.length - 1; i >= 0; i--)
      if (s.sales[i]! > 0) {
        last = s.sales[i]!;
        break;
      }
    return new Float64Array(h).fill(last);
  });
}

/** Same weekday last week, zero on known closed days. */
export function seasonalNaiveForecast(history: StoreSeries[], h: number): Float64Array[] {
  return history.map((s) => {
    const T = s.sales.length;
    const out = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      const open = s.future['is_open']?.[T + k] ?? 1;
      const v = s.sales[T - 7 + (k % 7)]!;
      out[k] = open > 0 ? (Number.isFinite(v) && v > 0 ? v : (s.sales[T - 14 + (k % 7)] ?? 0)) : 0;
    }
    return out;
  });
}

/** Share of actuals inside [p10, p90]. */
export function coverage(
  actual: Float64Array[],
  fc: QuantileForecast[],
  open?: (i: number, k: number) => boolean,
): number {
  let inside = 0;
  let n = 0;
  actual.forEach((a, i) => {
    for (let k = 0; k < a.length; k++) {
      if (open && !open(i, k)) continue;
      n++;
      if (a[k]! >= fc[i]!.p10[k]! - 1e-9 && a[k]! <= fc[i]!.p90[k]! + 1e-9) inside++;
    }
  });
  return inside / n;
}
