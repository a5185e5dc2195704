// Turns StoreSeries into the TFT's three input groups: static (store format, state, size), past
// observed (scaled sales, observed flag, scaled n_sales) and known future (calendar, holidays,
// promotions, opening). Reals are standardised with statistics from the fit data; the day of week
// and month are categorical (one-hot + matmul embeddings, since gather cannot train on wasm).
import { FUTURE_COVARIATES, type StoreSeries } from '@cvc/core';
import { closureDistances } from '../lgbm/features.js';
import { recentLevel, scaledContext } from '../tf/windows.js';

export interface VarSpec {
  name: string;
  /** Input width: 1 for a real, the number of levels for a categorical. */
  width: number;
  categorical: boolean;
}

export interface FeatureSpec {
  /** Known-future inputs (raw covariate names, plus derived dom_sin/dom_cos). */
  future: VarSpec[];
  /** Raw future covariates the model reads; checked at predict time. */
  futureColumns: string[];
  /** Past covariates read (besides sales); checked at predict time. */
  pastColumns: string[];
  /** Static categoricals with their vocabularies; index 0 is "unseen". */
  statics: { name: string; vocab: string[] }[];
  /** Number statics, standardised with the fit stores' moments; absent in models saved before them. */
  numericStatics?: { name: string; mean: number; std: number }[];
  /** Mean and std of each real future input. */
  norm: Record<string, { mean: number; std: number }>;
  /** Standardisation of log(store level), fed as a static real. */
  logLevel: { mean: number; std: number };
}

const CATEGORICAL: Record<string, { levels: number; first: number }> = {
  dow: { levels: 7, first: 0 },
  month: { levels: 12, first: 1 },
};

export const PAST_INPUTS = ['sales', 'observed'] as const;

/** Closure-aware inputs derived from is_open (as LightGBM's closureFeatures): see closureDistances. */
export const CLOSURE_INPUTS = ['days_since_closed', 'days_until_closed', 'closed_days_before'] as const;
const CLOSURE_NORM = { mean: 14, std: 14 };

function closureColumn(s: StoreSeries, name: string, days: number): Float32Array {
  const c = closureDistances(s.future['is_open']!.subarray(0, days));
  return name === 'days_since_closed' ? c.since : name === 'days_until_closed' ? c.until : c.runBefore;
}

export function buildFeatureSpec(
  series: readonly StoreSeries[],
  scaleLookback: number,
  closureInputs = false,
): FeatureSpec {
  const known = new Set(FUTURE_COVARIATES as readonly string[]);
  const common = (keys: (s: StoreSeries) => string[]) =>
    series.length === 0 ? [] : keys(series[0]!).filter((k) => series.every((s) => keys(s).includes(k)));
  const futureColumns = common((s) => Object.keys(s.future)).sort((a, b) => {
    const ia = known.has(a) ? FUTURE_COVARIATES.indexOf(a as (typeof FUTURE_COVARIATES)[number]) : 1e3;
    const ib = known.has(b) ? FUTURE_COVARIATES.indexOf(b as (typeof FUTURE_COVARIATES)[number]) : 1e3;
    return ia - ib || a.localeCompare(b);
  });
  const pastColumns = common((s) => Object.keys(s.past)).sort();
  const staticNames = common((s) => Object.keys(s.statics)).sort();

  const future: VarSpec[] = [];
  const norm: FeatureSpec['norm'] = {};
  for (const name of futureColumns) {
    const cat = CATEGORICAL[name];
    future.push({ name, width: cat ? cat.levels : 1, categorical: cat != null });
    if (!cat) norm[name] = moments(series.map((s) => s.future[name]!.subarray(0, s.sales.length)));
  }
  if (futureColumns.includes('dom')) {
    future.push({ name: 'dom_sin', width: 1, categorical: false }, { name: 'dom_cos', width: 1, categorical: false });
    norm['dom_sin'] = { mean: 0, std: 1 };
    norm['dom_cos'] = { mean: 0, std: 1 };
  }
  if (closureInputs && futureColumns.includes('is_open')) {
    for (const name of CLOSURE_INPUTS) {
      future.push({ name, width: 1, categorical: false });
      norm[name] = CLOSURE_NORM;
    }
  }
  const statics = staticNames.map((name) => ({
    name,
    vocab: ['<unseen>', ...[...new Set(series.map((s) => s.statics[name]!))].sort()],
  }));
  const numericNames = common((s) => Object.keys(s.numericStatics ?? {})).sort();
  const numericStatics = numericNames.map((name) => ({
    name,
    ...moments([Float64Array.from(series, (s) => s.numericStatics![name]!)]),
  }));
  const logs = series.map((s) => Math.log(recentLevel(s.sales, s.sales.length, 10_000, 10_000)));
  const lm = moments([Float64Array.from(logs)]);
  return {
    future,
    futureColumns,
    pastColumns,
    statics,
    ...(numericStatics.length > 0 ? { numericStatics } : {}),
    norm,
    logLevel: lm,
  };
}

function moments(arrays: Float64Array[]): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (const a of arrays) {
    for (const v of a) {
      if (!Number.isFinite(v)) continue;
      n++;
      sum += v;
      sq += v * v;
    }
  }
  const mean = n ? sum / n : 0;
  const std = n ? Math.sqrt(Math.max(0, sq / n - mean * mean)) : 1;
  return { mean, std: std > 1e-9 ? std : 1 };
}

/** Per-store matrix of future inputs, [days x sum(width)], computed once per fit/predict. */
export interface PreparedStore {
  future: Float32Array;
  days: number;
  /** Index of each static categorical (0 = unseen). */
  staticIdx: number[];
  /** Each number static, standardised (0, the fit mean, where a store lacks it). */
  staticReal: number[];
}

export function futureWidth(spec: FeatureSpec): number {
  return spec.future.reduce((n, v) => n + v.width, 0);
}

export function prepareStore(s: StoreSeries, spec: FeatureSpec): PreparedStore {
  const W = futureWidth(spec);
  const days = Math.min(...spec.futureColumns.map((c) => s.future[c]!.length), Number.MAX_SAFE_INTEGER);
  const out = new Float32Array(days * W);
  let off = 0;
  for (const v of spec.future) {
    if (v.categorical) {
      const col = s.future[v.name]!;
      const first = CATEGORICAL[v.name]!.first;
      for (let i = 0; i < days; i++) {
        const level = Math.round(col[i]!) - first;
        if (level >= 0 && level < v.width) out[i * W + off + level] = 1;
      }
    } else if ((CLOSURE_INPUTS as readonly string[]).includes(v.name)) {
      const col = closureColumn(s, v.name, days);
      const { mean, std } = spec.norm[v.name]!;
      for (let i = 0; i < days; i++) out[i * W + off] = (col[i]! - mean) / std;
    } else {
      const derived = v.name === 'dom_sin' || v.name === 'dom_cos';
      const col = s.future[derived ? 'dom' : v.name]!;
      const { mean, std } = spec.norm[v.name]!;
      for (let i = 0; i < days; i++) {
        const raw = col[i]!;
        let x = derived ? (v.name === 'dom_sin' ? Math.sin : Math.cos)((2 * Math.PI * (raw - 1)) / 31) : raw;
        x = (x - mean) / std;
        out[i * W + off] = Number.isFinite(x) ? x : 0;
      }
    }
    off += v.width;
  }
  const staticIdx = spec.statics.map(({ name, vocab }) => Math.max(0, vocab.indexOf(s.statics[name]!)));
  const staticReal = (spec.numericStatics ?? []).map(({ name, mean, std }) => {
    const x = ((s.numericStatics?.[name] ?? NaN) - mean) / std;
    return Number.isFinite(x) ? x : 0;
  });
  return { future: out, days, staticIdx, staticReal };
}

/** Inputs for B windows, laid out so the network can slice each variable. */
export interface TftBatch {
  B: number;
  /** [B, L, P] past inputs: scaled sales, observed flag, each past column scaled by its level. */
  past: Float32Array;
  /** [B, L+H, W] future inputs over encoder and decoder days. */
  future: Float32Array;
  /** One [B] index array per static categorical. */
  staticIdx: Int32Array[];
  /** [B] standardised log level. */
  logLevel: Float32Array;
  /** [B, K] standardised number statics (K = spec.numericStatics length). */
  staticReal: Float32Array;
  /** [B, H] scaled targets and mask (observed and open). */
  y: Float32Array;
  mask: Float32Array;
  scale: Float64Array;
  /**
   * [B, H] scaled weekday mean of the last 4 weeks (open, known days): the forecast a model starts
   * from when it learns a correction to it (`baselineSkip`), so a few epochs already match it.
   */
  base: Float32Array;
}

const BASE_WEEKS = 4;

/** Mean of the same weekday over the last 4 weeks before t, open known days only; NaN if none. */
function weekdayBase(s: StoreSeries, t: number, H: number, scale: number, out: Float32Array): void {
  const open = s.future['is_open'];
  const byWeekday = new Float64Array(7);
  for (let d = 0; d < 7; d++) {
    let sum = 0;
    let n = 0;
    for (let w = 1; w <= BASE_WEEKS; w++) {
      const i = t - 7 * w + d;
      if (i < 0 || i >= t) continue;
      const v = s.sales[i]!;
      if (Number.isFinite(v) && (open ? open[i]! > 0 : true)) {
        sum += v;
        n++;
      }
    }
    byWeekday[d] = n > 0 ? sum / n / scale : 1;
  }
  for (let k = 0; k < H; k++) out[k] = byWeekday[k % 7]!;
}

export function pastWidth(spec: FeatureSpec): number {
  return PAST_INPUTS.length + spec.pastColumns.length;
}

export function buildTftBatch(
  series: readonly StoreSeries[],
  prepared: readonly PreparedStore[],
  origins: readonly { s: number; t: number }[],
  spec: FeatureSpec,
  L: number,
  H: number,
  scaleLookback: number,
): TftBatch {
  const B = origins.length;
  const P = pastWidth(spec);
  const W = futureWidth(spec);
  const past = new Float32Array(B * L * P);
  const future = new Float32Array(B * (L + H) * W);
  const staticIdx = spec.statics.map(() => new Int32Array(B));
  const logLevel = new Float32Array(B);
  const K = spec.numericStatics?.length ?? 0;
  const staticReal = new Float32Array(B * K);
  const y = new Float32Array(B * H);
  const mask = new Float32Array(B * H);
  const scale = new Float64Array(B);
  const base = new Float32Array(B * H);
  const sales = new Float32Array(L);
  const observed = new Float32Array(L);
  const col = new Float32Array(L);
  origins.forEach((o, b) => {
    const s = series[o.s]!;
    const p = prepared[o.s]!;
    const sc = recentLevel(s.sales, o.t, scaleLookback, L);
    scale[b] = sc;
    logLevel[b] = (Math.log(sc) - spec.logLevel.mean) / spec.logLevel.std;
    scaledContext(s.sales, o.t, L, sc, sales, observed);
    for (let k = 0; k < L; k++) {
      past[(b * L + k) * P] = sales[k]!;
      past[(b * L + k) * P + 1] = observed[k]!;
    }
    spec.pastColumns.forEach((name, j) => {
      const arr = s.past[name]!;
      scaledContext(arr, o.t, L, recentLevel(arr, o.t, scaleLookback, L), col);
      for (let k = 0; k < L; k++) past[(b * L + k) * P + PAST_INPUTS.length + j] = col[k]!;
    });
    // Known-future rows for days t-L .. t+H-1; days before the store opened stay zero.
    for (let k = 0; k < L + H; k++) {
      const i = o.t - L + k;
      if (i < 0 || i >= p.days) continue;
      future.set(p.future.subarray(i * W, (i + 1) * W), (b * (L + H) + k) * W);
    }
    p.staticIdx.forEach((v, j) => (staticIdx[j]![b] = v));
    p.staticReal.forEach((v, j) => (staticReal[b * K + j] = v));
    weekdayBase(s, o.t, H, sc, base.subarray(b * H, (b + 1) * H));
    const open = s.future['is_open'];
    for (let k = 0; k < H; k++) {
      const i = o.t + k;
      const v = i < s.sales.length ? s.sales[i]! : NaN;
      const isOpen = open ? open[i]! > 0 : true;
      if (Number.isFinite(v) && isOpen) {
        y[b * H + k] = v / sc;
        mask[b * H + k] = 1;
      }
    }
  });
  return { B, past, future, staticIdx, logLevel, staticReal, y, mask, scale, base };
}
