// Non-negative weights (summing to one) over member models' forecasts, learned on out-of-fold
// backtest forecasts, per store, shrunk toward the store format's and the chain's weights when a store
// has few folds behind it. The evidence is cut into cells, one earlier fold's days in one horizon
// bucket: members trade places from one fold to the next (a December fold can double a neural
// model's error) and from the first week to the fifth, so the chain's mix is fitted to stay close to
// whichever member was best in EACH cell (minimax regret), not to the member best on their sum.
import { horizonBucket, type EnsembleWeights } from '@cvc/core';

/** One store x fold: each member's p50 (NaN where a member has none) and the actuals to fit. */
export interface EnsembleSample {
  storeId: string;
  format: string;
  /** members[m][h]: member m's p50 on day h. */
  members: readonly ArrayLike<number>[];
  actual: ArrayLike<number>;
  open: ArrayLike<number>;
  /** The backtest fold it comes from: with the horizon bucket, the cell the minimax fit guards (absent: one fold). */
  fold?: number;
}

export interface EnsembleWeightOptions {
  /** A store's own mix counts as much as its format's after this many of its folds (default: the
   * format's store-folds). */
  storeShrinkStoreFolds?: number;
  /** A format's mix counts as much as the chain's after this many store-folds (default: the chain's). */
  formatShrinkStoreFolds?: number;
  /** At most this many sweeps of line searches (each over every pair of members; default 50). */
  iterations?: number;
}

const mix = (a: readonly number[], b: readonly number[], wa: number) => a.map((x, k) => wa * x + (1 - wa) * b[k]!);

/** Pooled absolute error per member (a member without a forecast that day counts as forecasting 0). */
function memberErrors(samples: readonly EnsembleSample[], m: number): Float64Array {
  const err = new Float64Array(m);
  for (const s of samples) {
    for (let h = 0; h < s.actual.length; h++) {
      const y = s.actual[h]!;
      if (!(s.open[h]! > 0) || !Number.isFinite(y)) continue;
      // A member without a forecast that day counts as forecasting nothing.
      for (let k = 0; k < m; k++) {
        const f = s.members[k]![h]!;
        err[k] += Math.abs(y - (Number.isFinite(f) ? f : 0));
      }
    }
  }
  return err;
}

/** One-hot on the member with the lowest pooled absolute error (the prior the mixes shrink toward). */
export function bestMember(samples: readonly EnsembleSample[], m: number): number[] {
  const err = memberErrors(samples, m);
  let b = 0;
  for (let k = 1; k < m; k++) if (err[k]! < err[b]!) b = k;
  return Array.from({ length: m }, (_, k) => (k === b ? 1 : 0));
}

/**
 * One cell of evidence, an earlier fold's open days in one horizon bucket (days 1-7, 8-14, 15-28,
 * 29-35, as the interval calibration buckets them) with every member forecast: actuals and each
 * member's p50 as columns.
 */
interface CellBlock {
  ys: Float64Array;
  fs: Float64Array[];
}

function cellBlocks(samples: readonly EnsembleSample[], m: number): CellBlock[] {
  const byCell = new Map<string, { ys: number[]; fs: number[][] }>();
  for (const s of samples) {
    for (let h = 0; h < s.actual.length; h++) {
      const y = s.actual[h]!;
      if (!(s.open[h]! > 0) || !Number.isFinite(y)) continue;
      if (s.members.some((f) => !Number.isFinite(f[h]!))) continue;
      const key = `${s.fold ?? 0}|${horizonBucket(h + 1)}`;
      let b = byCell.get(key);
      if (!b) byCell.set(key, (b = { ys: [], fs: Array.from({ length: m }, () => []) }));
      b.ys.push(y);
      for (let k = 0; k < m; k++) b.fs[k]!.push(s.members[k]![h]!);
    }
  }
  return [...byCell.values()]
    .filter((b) => b.ys.length > 0)
    .map((b) => ({ ys: Float64Array.from(b.ys), fs: b.fs.map((f) => Float64Array.from(f)) }));
}

const lossOf = (b: CellBlock, w: readonly number[]) => {
  let l = 0;
  for (let i = 0; i < b.ys.length; i++) {
    let yhat = 0;
    for (let k = 0; k < w.length; k++) if (w[k]! > 0) yhat += w[k]! * b.fs[k]![i]!;
    l += Math.abs(b.ys[i]! - yhat);
  }
  return l;
};

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** What a cell's error is measured against: a fixed mix, or the member best in that very cell. */
export type MinimaxBaseline = readonly number[] | 'best-in-cell';

/**
 * Weights over the simplex minimising the worst cell's (earlier fold x horizon bucket) absolute error
 * relative to the baseline's in that cell: max_c L_c(w) / L_c(baseline). Starts at `start` and keeps
 * a move only when it lowers that worst ratio. Against a fixed mix started there, the result is no
 * worse than that mix in any cell. Against 'best-in-cell' it is the minimax regret: it stays on a
 * member that leads every cell and hedges between members that take turns. The objective is convex,
 * so each step (mass from one member to another) is a golden-section line search.
 */
export function fitMinimaxCells(
  samples: readonly EnsembleSample[],
  m: number,
  start: readonly number[],
  baseline: MinimaxBaseline,
  maxSweeps = 50,
): number[] {
  const blocks = cellBlocks(samples, m);
  const w = [...start];
  if (blocks.length === 0 || m < 2) return w;
  const one = (k: number) => Array.from({ length: m }, (_, j) => (j === k ? 1 : 0));
  const baseLoss = (b: CellBlock) =>
    baseline === 'best-in-cell'
      ? Math.min(...Array.from({ length: m }, (_, k) => lossOf(b, one(k))))
      : lossOf(b, baseline);
  // A cell its baseline forecasts exactly must still count, not divide by zero.
  const base = blocks.map((b) => Math.max(baseLoss(b), 1e-9 * b.ys.reduce((a, y) => a + Math.abs(y), 1)));
  // yhat per block for the current w, updated incrementally as mass moves.
  const yhat = blocks.map((b) => {
    const out = new Float64Array(b.ys.length);
    for (let k = 0; k < m; k++) if (w[k]! > 0) for (let i = 0; i < out.length; i++) out[i] += w[k]! * b.fs[k]![i]!;
    return out;
  });
  // Worst ratio after moving mass t from member k to member j.
  const worst = (j: number, k: number, t: number) => {
    let f = 0;
    for (let q = 0; q < blocks.length; q++) {
      const b = blocks[q]!;
      const fj = b.fs[j]!;
      const fk = b.fs[k]!;
      const yh = yhat[q]!;
      let l = 0;
      for (let i = 0; i < b.ys.length; i++) l += Math.abs(b.ys[i]! - yh[i]! - t * (fj[i]! - fk[i]!));
      f = Math.max(f, l / base[q]!);
    }
    return f;
  };
  let current = worst(0, 1, 0);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let gained = 0;
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < m; k++) {
        if (j === k || !(w[k]! > 0)) continue;
        // Mass t in [0, w_k] from k to j (the pair (k, j) covers the other direction).
        let lo = 0;
        let hi = w[k]!;
        let x1 = hi - GOLDEN * (hi - lo);
        let x2 = lo + GOLDEN * (hi - lo);
        let f1 = worst(j, k, x1);
        let f2 = worst(j, k, x2);
        for (let it = 0; it < 40 && hi - lo > 1e-5; it++) {
          if (f1 <= f2) {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - GOLDEN * (hi - lo);
            f1 = worst(j, k, x1);
          } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + GOLDEN * (hi - lo);
            f2 = worst(j, k, x2);
          }
        }
        const t = f1 <= f2 ? x1 : x2;
        const next = Math.min(f1, f2);
        if (!(next < current - 1e-12)) continue;
        gained += current - next;
        current = next;
        w[j] += t;
        w[k] -= t;
        for (let q = 0; q < blocks.length; q++) {
          const b = blocks[q]!;
          const yh = yhat[q]!;
          for (let i = 0; i < yh.length; i++) yh[i] += t * (b.fs[j]![i]! - b.fs[k]![i]!);
        }
      }
    }
    if (gained <= 1e-9) break;
  }
  const clipped = w.map((x) => Math.max(0, x));
  const z = clipped.reduce((acc, x) => acc + x, 0);
  return clipped.map((x) => x / z);
}

/**
 * Per-store weights shrunk toward per-format weights, those toward the chain's. The chain's mix starts
 * at the member best over all the evidence and minimises the worst cell's error relative to the member
 * best in that cell (minimax regret over earlier fold x horizon bucket); a format's mix is kept no
 * worse than the chain's in any cell of its stores, a store's no worse than its format's in any of
 * its own. Each level's own mix then counts by its store-folds against the store-folds behind the
 * level above (a store with 3 folds under a chain of 450 store-folds keeps 3/453 of its own): on the
 * demo the members trade places from fold to fold far more than from store to store.
 */
export function learnEnsembleWeights(
  members: readonly string[],
  samples: readonly EnsembleSample[],
  opts: EnsembleWeightOptions = {},
): EnsembleWeights {
  const m = members.length;
  const iterations = opts.iterations ?? 50;
  const storeFolds = (list: readonly EnsembleSample[]) => new Set(list.map((s) => `${s.storeId}|${s.fold ?? 0}`)).size;
  const best = bestMember(samples, m);
  const chain = fitMinimaxCells(samples, m, best, 'best-in-cell', iterations);
  const kFormat = opts.formatShrinkStoreFolds ?? storeFolds(samples);
  const byFormat = new Map<string, EnsembleSample[]>();
  const byStore = new Map<string, EnsembleSample[]>();
  for (const s of samples) {
    byFormat.set(s.format, [...(byFormat.get(s.format) ?? []), s]);
    byStore.set(s.storeId, [...(byStore.get(s.storeId) ?? []), s]);
  }
  const formats: Record<string, number[]> = {};
  for (const [fmt, list] of byFormat) {
    const n = storeFolds(list);
    formats[fmt] = mix(fitMinimaxCells(list, m, chain, chain, iterations), chain, n / (n + kFormat));
  }
  const stores: Record<string, number[]> = {};
  for (const [id, list] of byStore) {
    const fmt = list[0]!.format;
    const prior = formats[fmt] ?? chain;
    const k = opts.storeShrinkStoreFolds ?? storeFolds(byFormat.get(fmt) ?? samples);
    const n = storeFolds(list);
    stores[id] = mix(fitMinimaxCells(list, m, prior, prior, iterations), prior, n / (n + k));
  }
  return { members: [...members], chain, formats, stores };
}

/** The weights for a store: its own, else its format's, else the chain's. */
export function weightsFor(w: EnsembleWeights, storeId: string, format: string): number[] {
  return w.stores[storeId] ?? w.formats[format] ?? w.chain;
}

/**
 * The weighted mix of member forecasts for one quantile array set; members missing (undefined) or
 * NaN on a day drop out and the others' weights are renormalised for that day.
 */
export function mixForecasts(
  weights: readonly number[],
  members: readonly (ArrayLike<number> | undefined)[],
  n: number,
): Float64Array {
  const out = new Float64Array(n);
  for (let h = 0; h < n; h++) {
    let sum = 0;
    let wsum = 0;
    for (let k = 0; k < members.length; k++) {
      const v = members[k]?.[h];
      if (v === undefined || !Number.isFinite(v) || !(weights[k]! > 0)) continue;
      sum += weights[k]! * v;
      wsum += weights[k]!;
    }
    out[h] = wsum > 0 ? sum / wsum : Number.NaN;
  }
  return out;
}
