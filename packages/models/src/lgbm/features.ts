// The feature matrix, built column group by column group into one column-major Float32Array
// (column j at X[j*n ...]) that LightGBM reads without a transpose.
//
// Everything is as of the row's origin t, except the known-future covariates, which are read at
// the target day d = t + h (and the days either side): the calendar, holidays, promotions and
// opening days are planned facts. Sales-like values are divided by the store's level at t.
import { ForecastInputError, type StoreSeries, FUTURE_COVARIATES, PAST_COVARIATES, STATIC_COVARIATES } from '@cvc/core';
import { covariateMean, storeLevel, windowMean, type StoreHistory } from './history.js';
import type { RowSet } from './rows.js';

/** Names and encodings fixed at fit time and stored with the model. */
export interface FeatureLayout {
  withHorizon: boolean;
  past: string[];
  future: string[];
  statics: string[];
  /**
   * Category values per static covariate; the code is the index (the category map, saved with the
   * model). An unseen value becomes NaN, which LightGBM sends down the missing-value branch.
   */
  staticValues: Record<string, string[]>;
  /** Number statics (source.storeColumns.statics, kind number); absent in models saved before them. */
  numericStatics?: string[];
  levelWindow: number;
  /** Closure-aware columns (absent in models saved before they existed, which keep their columns). */
  closure?: boolean;
  names: string[];
  categorical: number[];
}

/** Future covariates also read the day before and after the target day (Darts' future lags -1..+1). */
const EDGE_COVARIATES = ['is_open', 'promo', 'is_holiday'];
const ORIGIN_LAGS = 7;
const SEASONAL_LAGS = 4;

interface Ctx {
  hist: readonly StoreHistory[];
  rows: RowSet;
  level: Float64Array;
  layout: FeatureLayout;
}

interface Group {
  names: (l: FeatureLayout) => string[];
  categorical?: boolean;
  /** Depends on (store, origin) only: computed once per origin and copied to its horizon steps. */
  perOrigin?: boolean;
  fill: (ctx: Ctx, cols: Float32Array[]) => void;
}

const horizonGroup: Group = {
  names: (l) => (l.withHorizon ? ['h'] : []),
  fill: ({ rows, layout }, cols) => {
    if (!layout.withHorizon) return;
    const c = cols[0]!;
    for (let i = 0; i < rows.n; i++) c[i] = rows.h[i]!;
  },
};

// Sales in the last days before the origin, and longer means: the recent trajectory.
const originGroup: Group = {
  perOrigin: true,
  names: () => [
    ...Array.from({ length: ORIGIN_LAGS }, (_, k) => `sales_lag${k}`),
    'sales_mean7',
    'sales_mean91',
    'sales_mean364',
    'level_log',
  ],
  fill: ({ hist, rows, level }, cols) => {
    for (let i = 0; i < rows.n; i++) {
      const st = hist[rows.store[i]!]!;
      const t = rows.origin[i]!;
      const lv = level[i]!;
      for (let k = 0; k < ORIGIN_LAGS; k++) cols[k]![i] = openSales(st, t - k) / lv;
      cols[ORIGIN_LAGS]![i] = windowMean(st, t, 7) / lv;
      cols[ORIGIN_LAGS + 1]![i] = windowMean(st, t, 91) / lv;
      cols[ORIGIN_LAGS + 2]![i] = windowMean(st, t, 364) / lv;
      cols[ORIGIN_LAGS + 3]![i] = Math.log1p(lv);
    }
  },
};

// The same weekday as the target day in the latest weeks known at the origin, and a year before.
const seasonalGroup: Group = {
  names: () => [
    ...Array.from({ length: SEASONAL_LAGS }, (_, k) => `sales_sw${k + 1}`),
    'sales_sw_mean',
    'sales_y1',
    'sales_y1_mean7',
  ],
  fill: ({ hist, rows, level }, cols) => {
    for (let i = 0; i < rows.n; i++) {
      const st = hist[rows.store[i]!]!;
      const t = rows.origin[i]!;
      const h = rows.h[i]!;
      const d = t + h;
      const lv = level[i]!;
      const firstWeek = Math.ceil(h / 7);
      let s = 0;
      let c = 0;
      for (let k = 0; k < SEASONAL_LAGS; k++) {
        const v = openSales(st, d - 7 * (firstWeek + k));
        cols[k]![i] = v / lv;
        if (!Number.isNaN(v)) {
          s += v;
          c++;
        }
      }
      cols[SEASONAL_LAGS]![i] = c > 0 ? s / c / lv : NaN;
      cols[SEASONAL_LAGS + 1]![i] = openSales(st, d - 364) / lv;
      cols[SEASONAL_LAGS + 2]![i] = d - 364 + 3 <= t ? windowMean(st, d - 364 + 3, 7) / lv : NaN;
    }
  },
};

// Past covariates (e.g. n_sales): last value and last week relative to their own 28-day mean.
const pastGroup: Group = {
  perOrigin: true,
  names: (l) => l.past.flatMap((p) => [`${p}_lag0`, `${p}_mean7`]),
  fill: ({ hist, rows, layout }, cols) => {
    layout.past.forEach((name, j) => {
      const lag0 = cols[2 * j]!;
      const mean7 = cols[2 * j + 1]!;
      for (let i = 0; i < rows.n; i++) {
        const v = hist[rows.store[i]!]!.series.past[name]!;
        const t = rows.origin[i]!;
        const base = covariateMean(v, t, 28);
        lag0[i] = (v[t] ?? NaN) / base;
        mean7[i] = covariateMean(v, t, 7) / base;
      }
    });
  },
};

// Known-future covariates at the target day, plus the day before and after for the edge ones.
const futureGroup: Group = {
  names: (l) => [
    ...l.future,
    ...l.future.filter((f) => EDGE_COVARIATES.includes(f)).flatMap((f) => [`${f}_prev`, `${f}_next`]),
  ],
  fill: ({ hist, rows, layout }, cols) => {
    const edges = layout.future.filter((f) => EDGE_COVARIATES.includes(f));
    layout.future.forEach((name, j) => {
      const c = cols[j]!;
      for (let i = 0; i < rows.n; i++) {
        c[i] = hist[rows.store[i]!]!.series.future[name]![rows.origin[i]! + rows.h[i]!] ?? NaN;
      }
    });
    edges.forEach((name, e) => {
      const prev = cols[layout.future.length + 2 * e]!;
      const next = cols[layout.future.length + 2 * e + 1]!;
      for (let i = 0; i < rows.n; i++) {
        const f = hist[rows.store[i]!]!.series.future[name]!;
        const d = rows.origin[i]! + rows.h[i]!;
        prev[i] = f[d - 1] ?? NaN;
        next[i] = f[d + 1] ?? NaN;
      }
    });
  },
};

/** Closure distances are capped here: a month without a closure reads the same as a year. */
const CLOSURE_CAP = 28;

/**
 * Per day of a store's open flags (history, then the planned forecast window): days since the last
 * closed day before it, days until the next planned closed day after it, and how many days in a row
 * the store was closed just before it (the day after a long closure sells differently).
 */
export function closureDistances(open: Float64Array): {
  since: Float32Array;
  until: Float32Array;
  runBefore: Float32Array;
} {
  const n = open.length;
  const since = new Float32Array(n);
  const until = new Float32Array(n);
  const runBefore = new Float32Array(n);
  let last = -Infinity;
  let run = 0;
  for (let i = 0; i < n; i++) {
    since[i] = Math.min(CLOSURE_CAP, i - last);
    runBefore[i] = Math.min(CLOSURE_CAP, run);
    if (open[i] === 0) {
      last = i;
      run++;
    } else run = 0;
  }
  let next = Infinity;
  for (let i = n - 1; i >= 0; i--) {
    until[i] = Math.min(CLOSURE_CAP, next - i);
    if (open[i] === 0) next = i;
  }
  return { since, until, runBefore };
}

// Closures around the target day, from is_open (planned past the origin, as in infer).
const closureGroup: Group = {
  names: (l) => (l.closure ? ['days_since_closed', 'days_until_closed', 'closed_days_before'] : []),
  fill: ({ hist, rows, layout }, cols) => {
    if (!layout.closure) return;
    const per = hist.map((st) => closureDistances(st.open));
    for (let i = 0; i < rows.n; i++) {
      const c = per[rows.store[i]!]!;
      const d = rows.origin[i]! + rows.h[i]!;
      cols[0]![i] = c.since[d] ?? NaN;
      cols[1]![i] = c.until[d] ?? NaN;
      cols[2]![i] = c.runBefore[d] ?? NaN;
    }
  },
};

// Static covariates as categorical codes.
const staticGroup: Group = {
  names: (l) => l.statics,
  categorical: true,
  fill: ({ hist, rows, layout }, cols) => {
    layout.statics.forEach((name, j) => {
      const values = layout.staticValues[name]!;
      const perStore = hist.map((st) => {
        const code = values.indexOf(st.series.statics[name] ?? '');
        return code >= 0 ? code : NaN;
      });
      const c = cols[j]!;
      for (let i = 0; i < rows.n; i++) c[i] = perStore[rows.store[i]!]!;
    });
  },
};

// Number statics (store size, distance to a competitor) as they are: trees need no scaling.
const numericStaticGroup: Group = {
  names: (l) => l.numericStatics ?? [],
  fill: ({ hist, rows, layout }, cols) => {
    (layout.numericStatics ?? []).forEach((name, j) => {
      const perStore = hist.map((st) => st.series.numericStatics?.[name] ?? NaN);
      const c = cols[j]!;
      for (let i = 0; i < rows.n; i++) c[i] = perStore[rows.store[i]!]!;
    });
  },
};

const GROUPS: Group[] = [
  horizonGroup,
  originGroup,
  seasonalGroup,
  pastGroup,
  futureGroup,
  closureGroup,
  staticGroup,
  numericStaticGroup,
];

function openSales(st: StoreHistory, i: number): number {
  if (i < 0 || i >= st.length || st.open[i] === 0) return NaN;
  return st.sales[i]!;
}

/** Fixes the feature set from the training series (known covariate names first, in their order). */
export function makeLayout(
  series: readonly StoreSeries[],
  withHorizon: boolean,
  levelWindow: number,
  closureFeatures = false,
): FeatureLayout {
  const first = series[0];
  if (!first) throw new ForecastInputError('lgbm: no series to fit');
  const ordered = (known: readonly string[], present: string[]) => [
    ...known.filter((k) => present.includes(k)),
    ...present.filter((p) => !known.includes(p)).sort(),
  ];
  const past = ordered(PAST_COVARIATES, Object.keys(first.past));
  const future = ordered(FUTURE_COVARIATES, Object.keys(first.future));
  const statics = ordered(STATIC_COVARIATES, Object.keys(first.statics));
  const staticValues: Record<string, string[]> = {};
  for (const name of statics) staticValues[name] = [...new Set(series.map((s) => s.statics[name] ?? ''))].sort();
  const closure = closureFeatures && future.includes('is_open');
  const numericStatics = Object.keys(first.numericStatics ?? {}).sort();
  const layout: FeatureLayout = {
    withHorizon,
    past,
    future,
    statics,
    staticValues,
    ...(numericStatics.length > 0 ? { numericStatics } : {}),
    levelWindow,
    closure,
    names: [],
    categorical: [],
  };
  for (const g of GROUPS) {
    const names = g.names(layout);
    if (g.categorical) names.forEach((_, k) => layout.categorical.push(layout.names.length + k));
    layout.names.push(...names);
  }
  return layout;
}

/** Checks that a series carries every covariate the layout reads. */
export function checkSeries(layout: FeatureLayout, s: StoreSeries, minFutureLength: number): void {
  for (const name of layout.numericStatics ?? []) {
    if (!Number.isFinite(s.numericStatics?.[name] ?? NaN))
      throw new ForecastInputError(`lgbm: store ${s.storeId} lacks a number for static covariate "${name}"`);
  }
  for (const p of layout.past) {
    if (!s.past[p]) throw new ForecastInputError(`lgbm: store ${s.storeId} lacks past covariate "${p}"`);
  }
  for (const f of layout.future) {
    const v = s.future[f];
    if (!v) throw new ForecastInputError(`lgbm: store ${s.storeId} lacks future covariate "${f}"`);
    if (v.length < minFutureLength) {
      throw new ForecastInputError(
        `lgbm: store ${s.storeId} future covariate "${f}" has ${v.length} days, needs ${minFutureLength}`,
      );
    }
  }
}

export interface FeatureMatrix {
  /** Column-major, nrow x names.length. */
  X: Float32Array;
  nrow: number;
  ncol: number;
  /** Store level per row (the scale of the target). */
  level: Float64Array;
}

export function buildFeatures(layout: FeatureLayout, hist: readonly StoreHistory[], rows: RowSet): FeatureMatrix {
  const nrow = rows.n;
  const ncol = layout.names.length;
  const X = new Float32Array(nrow * ncol);
  const { origins, of } = distinctOrigins(rows);
  const originLevel = new Float64Array(origins.n);
  for (let u = 0; u < origins.n; u++) {
    const lv = storeLevel(hist[origins.store[u]!]!, origins.origin[u]!, layout.levelWindow);
    originLevel[u] = lv > 0 ? lv : 1;
  }
  const level = Float64Array.from(of, (u) => originLevel[u]!);
  const ctx: Ctx = { hist, rows, level, layout };
  const originCtx: Ctx = { hist, rows: origins, level: originLevel, layout };
  let offset = 0;
  for (const g of GROUPS) {
    const width = g.names(layout).length;
    const cols = columnViews(X, nrow, offset, width);
    if (g.perOrigin) {
      const tmp = columnViews(new Float32Array(origins.n * width), origins.n, 0, width);
      g.fill(originCtx, tmp);
      for (let k = 0; k < width; k++) {
        const src = tmp[k]!;
        const dst = cols[k]!;
        for (let i = 0; i < nrow; i++) dst[i] = src[of[i]!]!;
      }
    } else {
      g.fill(ctx, cols);
    }
    offset += width;
  }
  return { X, nrow, ncol, level };
}

function columnViews(X: Float32Array, nrow: number, first: number, width: number): Float32Array[] {
  return Array.from({ length: width }, (_, k) => X.subarray((first + k) * nrow, (first + k + 1) * nrow));
}

/** The distinct (store, origin) pairs of `rows`, and for each row the index of its pair. */
function distinctOrigins(rows: RowSet): { origins: RowSet; of: Int32Array } {
  const index = new Map<number, number>();
  const of = new Int32Array(rows.n);
  const store: number[] = [];
  const origin: number[] = [];
  for (let i = 0; i < rows.n; i++) {
    const key = rows.store[i]! * 1e7 + rows.origin[i]!;
    let u = index.get(key);
    if (u === undefined) {
      u = store.length;
      index.set(key, u);
      store.push(rows.store[i]!);
      origin.push(rows.origin[i]!);
    }
    of[i] = u;
  }
  const n = store.length;
  return {
    origins: {
      n,
      store: Int32Array.from(store),
      origin: Int32Array.from(origin),
      h: new Int32Array(n),
      rank: new Int32Array(n),
    },
    of,
  };
}

export type TargetTransform = 'ratio' | 'log1p_ratio';

/** Target on the model's scale: sales at the target day over the store's level at the origin. */
export function buildLabel(
  hist: readonly StoreHistory[],
  rows: RowSet,
  level: Float64Array,
  transform: TargetTransform = 'ratio',
): Float32Array {
  const y = new Float32Array(rows.n);
  for (let i = 0; i < rows.n; i++) {
    const ratio = hist[rows.store[i]!]!.sales[rows.origin[i]! + rows.h[i]!]! / level[i]!;
    y[i] = transform === 'ratio' ? ratio : Math.log1p(ratio);
  }
  return y;
}

/** Back from the model's scale to sales, never below zero. */
export function fromModelScale(value: number, level: number, transform: TargetTransform): number {
  const ratio = transform === 'ratio' ? value : Math.expm1(value);
  return Math.max(0, ratio) * level;
}

/** Rows `index` of a column-major matrix, as a new column-major matrix. */
export function takeRows(m: FeatureMatrix, index: Int32Array): FeatureMatrix {
  const n = index.length;
  const X = new Float32Array(n * m.ncol);
  for (let j = 0; j < m.ncol; j++) {
    const src = m.X.subarray(j * m.nrow, (j + 1) * m.nrow);
    const dst = X.subarray(j * n, (j + 1) * n);
    for (let i = 0; i < n; i++) dst[i] = src[index[i]!]!;
  }
  return { X, nrow: n, ncol: m.ncol, level: Float64Array.from(index, (i) => m.level[i]!) };
}
