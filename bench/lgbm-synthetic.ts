// Synthetic multi-store daily sales for the LightGBM forecaster's tests and benchmarks: weekly
// and yearly seasonality that differ by format, planned promotions, holidays (closures for one
// format, rushes before them for the other), Sunday closures, level trends and noise.
import type { QuantileForecast, StoreSeries } from '../packages/core/src/forecaster.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEEKLY: Record<string, number[]> = {
  street: [1.0, 0.95, 0.95, 1.05, 1.3, 1.5, 1.0], // Mon..Sun (closed Sundays)
  mall: [0.8, 0.8, 0.85, 0.9, 1.2, 1.6, 1.4],
};

export interface LgbmSyntheticOptions {
  stores: number;
  /** Observed days per store. */
  days: number;
  /** Extra days with future covariates (and hidden sales) after the history. */
  extraDays: number;
  seed: number;
  noise?: number;
}

export interface SyntheticSplit {
  history: StoreSeries[];
  /** The hidden sales of the extra days, per store. */
  actual: Float64Array[];
}

/** Stores with `days` of history and `extraDays` of future covariates; actuals held out. */
export function lgbmSynthetic(o: LgbmSyntheticOptions): SyntheticSplit {
  const r = rng(o.seed);
  const noise = o.noise ?? 0.08;
  const N = o.days + o.extraDays;
  const start = Date.UTC(2020, 0, 6); // a Monday
  // Shared holidays: ~12 a year at fixed days of the year, plus a few random ones.
  const holiday = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const d = new Date(start + i * 86_400_000);
    const doy = Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000);
    if ([0, 45, 100, 120, 160, 200, 250, 280, 305, 320, 358, 359].includes(doy)) holiday[i] = 1;
  }
  const history: StoreSeries[] = [];
  const actual: Float64Array[] = [];
  for (let s = 0; s < o.stores; s++) {
    const format = s % 3 === 0 ? 'mall' : 'street';
    const state = ['SP', 'RJ', 'MG', 'BA'][s % 4]!;
    const level = 300 + r() * 3000;
    const growth = (r() - 0.4) * 0.0008;
    const promoLift = 1.25 + r() * 0.4;
    const weekly = WEEKLY[format]!;
    const cols = {
      is_open: new Float64Array(N),
      promo: new Float64Array(N),
      dow: new Float64Array(N),
      dom: new Float64Array(N),
      month: new Float64Array(N),
      woy: new Float64Array(N),
      days_to_month_end: new Float64Array(N),
      is_holiday: new Float64Array(N),
      days_to_next_holiday: new Float64Array(N),
      days_since_last_holiday: new Float64Array(N),
      store_age_days: new Float64Array(N),
      is_pandemic: new Float64Array(N),
    };
    // Promotions: blocks of 3-10 days starting on ~8% of days.
    for (let i = 0; i < N;) {
      if (r() < 0.08) {
        const len = 3 + Math.floor(r() * 8);
        for (let k = 0; k < len && i + k < N; k++) cols.promo[i + k] = 1;
        i += len + 3;
      } else i++;
    }
    const sales = new Float64Array(N);
    const nSales = new Float64Array(N);
    let last = -1000;
    for (let i = 0; i < N; i++) {
      const d = new Date(start + i * 86_400_000);
      const dow = (d.getUTCDay() + 6) % 7; // Mon = 0
      const monthEnd = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
      let next = 0;
      while (i + next < N && next < 60 && holiday[i + next] === 0) next++;
      if (holiday[i]) last = i;
      const closed = (format === 'street' && (dow === 6 || holiday[i] === 1)) || r() < 0.003;
      cols.is_open[i] = closed ? 0 : 1;
      cols.dow[i] = dow;
      cols.dom[i] = d.getUTCDate();
      cols.month[i] = d.getUTCMonth() + 1;
      cols.woy[i] = (Math.floor(i / 7) % 52) + 1;
      cols.days_to_month_end[i] = monthEnd - d.getUTCDate();
      cols.is_holiday[i] = holiday[i]!;
      cols.days_to_next_holiday[i] = next;
      cols.days_since_last_holiday[i] = Math.min(i - last, 60);
      cols.store_age_days[i] = 400 + s * 10 + i;
      if (closed) continue;
      const doy = i % 365;
      const yearly = 1 + 0.12 * Math.sin((2 * Math.PI * doy) / 365) + (d.getUTCMonth() === 11 ? 0.25 : 0);
      const rush = format === 'mall' && (next === 1 || next === 2) ? 1.35 : 1;
      const hol = format === 'mall' && holiday[i] ? 1.5 : 1;
      const promo = cols.promo[i] ? promoLift : 1;
      const mean = level * (1 + growth * i) * weekly[dow]! * yearly * rush * hol * promo;
      sales[i] = Math.max(0, mean * Math.exp(noise * gauss(r)));
      nSales[i] = Math.round(sales[i]! / (25 + 5 * r()));
    }
    const cut = (a: Float64Array) => a.slice(0, o.days);
    history.push({
      storeId: `S${String(s).padStart(3, '0')}`,
      start: new Date(start).toISOString().slice(0, 10),
      sales: cut(sales),
      past: { n_sales: cut(nSales) },
      future: cols,
      statics: { format, state },
    });
    actual.push(sales.slice(o.days));
  }
  return { history, actual };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Same weekday last week, repeated over the horizon (zero on closed days). */
export function seasonalNaive(s: StoreSeries, horizon: number): Float64Array {
  const T = s.sales.length;
  const out = new Float64Array(horizon);
  const open = s.future['is_open'];
  for (let h = 0; h < horizon; h++) {
    let v = s.sales[T - 7 + (h % 7)]!;
    if (Number.isNaN(v)) v = 0;
    out[h] = open && open[T + h] === 0 ? 0 : v;
  }
  return out;
}

/** Weighted absolute percentage error over all stores and days. */
export function wape(actual: readonly Float64Array[], forecast: readonly Float64Array[]): number {
  let err = 0;
  let tot = 0;
  actual.forEach((a, s) => {
    const f = forecast[s]!;
    for (let i = 0; i < f.length; i++) {
      err += Math.abs(a[i]! - f[i]!);
      tot += Math.abs(a[i]!);
    }
  });
  return err / tot;
}

/** Share of actuals inside [p10, p90]. */
export function coverage(actual: readonly Float64Array[], fc: readonly QuantileForecast[]): number {
  let inside = 0;
  let n = 0;
  actual.forEach((a, s) => {
    const f = fc[s]!;
    for (let i = 0; i < f.p50.length; i++) {
      n++;
      if (a[i]! >= f.p10[i]! && a[i]! <= f.p90[i]!) inside++;
    }
  });
  return inside / n;
}
