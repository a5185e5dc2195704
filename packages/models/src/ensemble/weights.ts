// Non-negative weights (summing to one) over member models' forecasts, learned on out-of-fold
// backtest forecasts by minimising the absolute error (what WAPE scores), per store, shrunk toward
// the store format's and the chain's weights when a store has few folds behind it, and every fitted
// mix toward the single best member while few folds back it.
import type { EnsembleWeights } from '@cvc/core';

/** One store x fold: each member's p50 (NaN where a member has none) and the actuals to fit. */
export interface EnsembleSample {
  storeId: string;
  format: string;
  /** members[m][h]: member m's p50 on day h. */
  members: readonly ArrayLike<number>[];
  actual: ArrayLike<number>;
  open: ArrayLike<number>;
}

export interface EnsembleWeightOptions {
  /**
   * A fitted mix counts as much as the best single member after this many folds: one calm fold says
   * little about a holiday fold, where a weak member's errors can double.
   */
  bestShrinkFolds?: number;
  /** Members whose pooled error exceeds this multiple of the best member's get no weight (default 1.1). */
  maxRelativeError?: number;
  /** A store's own weights count as much as its format's after this many folds. */
  storeShrinkFolds?: number;
  /** A format's weights count as much as the chain's after this many stores. */
  formatShrinkStores?: number;
  /** At most this many sweeps of line searches (each over every member and pair; default 50). */
  iterations?: number;
}

const equal = (m: number) => new Array<number>(m).fill(1 / m);

/**
 * argmin over t in [lo, hi] of sum_i |r_i - t a_i|: a convex piecewise-linear function whose
 * unconstrained minimum is the weighted median of r_i / a_i (weights |a_i|), so clamping it is exact.
 */
export function lineMinL1(r: ArrayLike<number>, a: ArrayLike<number>, lo: number, hi: number): number {
  const q: number[] = [];
  const wt: number[] = [];
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    if (a[i]! === 0) continue;
    q.push(r[i]! / a[i]!);
    wt.push(Math.abs(a[i]!));
    total += Math.abs(a[i]!);
  }
  if (q.length === 0) return 0;
  const order = Uint32Array.from(q.keys()).sort((x, y) => q[x]! - q[y]!);
  let acc = 0;
  for (const i of order) {
    acc += wt[i]!;
    if (acc >= total / 2) return Math.min(hi, Math.max(lo, q[i]!));
  }
  return Math.min(hi, Math.max(lo, q[order[order.length - 1]!]!));
}

/**
 * Weights minimising sum |y - sum_m w_m f_m| over the simplex. The loss is convex and piecewise linear,
 * so each step is an exact line search (a weighted median): mass moved from one member to another,
 * or the whole mix moved toward one member, until a sweep gains nothing. It starts on the member with
 * the lowest error, so the result is never worse than the best single member on the samples. A day
 * where a member has no forecast is skipped; inactive members keep weight 0.
 */
export function fitSimplexL1(
  samples: readonly EnsembleSample[],
  m: number,
  maxSweeps = 150,
  active?: readonly boolean[],
): number[] {
  const on = active ?? new Array<boolean>(m).fill(true);
  const ids = Array.from({ length: m }, (_, k) => k).filter((k) => on[k]);
  const ys: number[] = [];
  const fs: number[][] = Array.from({ length: m }, () => []);
  for (const s of samples) {
    for (let h = 0; h < s.actual.length; h++) {
      const y = s.actual[h]!;
      if (!(s.open[h]! > 0) || !Number.isFinite(y)) continue;
      if (ids.some((k) => !Number.isFinite(s.members[k]![h]!))) continue;
      ys.push(y);
      for (const k of ids) fs[k]!.push(s.members[k]![h]!);
    }
  }
  const n = ys.length;
  if (n === 0 || ids.length === 0) return on.map((a) => (a ? 1 / Math.max(1, ids.length) : 0));
  const lossOf = (yhat: ArrayLike<number>) => {
    let l = 0;
    for (let i = 0; i < n; i++) l += Math.abs(ys[i]! - yhat[i]!);
    return l;
  };
  let b = ids[0]!;
  for (const k of ids) if (lossOf(fs[k]!) < lossOf(fs[b]!)) b = k;
  const w: number[] = Array.from({ length: m }, (_, k) => (k === b ? 1 : 0));
  const yhat = Float64Array.from(fs[b]!);
  const r = new Float64Array(n);
  const a = new Float64Array(n);
  let loss = lossOf(yhat);
  const scale = ys.reduce((acc, y) => acc + Math.abs(y), 0) || 1;
  // Moves t along a direction whose per-day change is a; kept only when it lowers the loss.
  const tryMove = (lo: number, hi: number, apply: (t: number) => void) => {
    for (let i = 0; i < n; i++) r[i] = ys[i]! - yhat[i]!;
    const t = lineMinL1(r, a, lo, hi);
    if (t === 0) return 0;
    let next = 0;
    for (let i = 0; i < n; i++) next += Math.abs(r[i]! - t * a[i]!);
    if (!(next < loss)) return 0;
    const gain = loss - next;
    apply(t);
    for (let i = 0; i < n; i++) yhat[i] += t * a[i]!;
    loss = next;
    return gain;
  };
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let gained = 0;
    for (const j of ids) {
      // The whole mix toward member j: w <- w + t (e_j - w), t in [-w_j / (1 - w_j), 1].
      for (let i = 0; i < n; i++) a[i] = fs[j]![i]! - yhat[i]!;
      const lo = w[j]! < 1 ? -w[j]! / (1 - w[j]!) : 0;
      gained += tryMove(lo, 1, (t) => {
        for (const k of ids) w[k] = (1 - t) * w[k]! + (k === j ? t : 0);
      });
      // Mass t from member k to member j, t in [-w_j, w_k].
      for (const k of ids) {
        if (k === j) continue;
        for (let i = 0; i < n; i++) a[i] = fs[j]![i]! - fs[k]![i]!;
        gained += tryMove(-w[j]!, w[k]!, (t) => {
          w[j] += t;
          w[k] -= t;
        });
      }
    }
    if (gained <= 1e-9 * scale) break;
  }
  // Clean the rounding left by the moves: non-negative, summing to one.
  const clipped = w.map((x) => Math.max(0, x));
  const z = clipped.reduce((acc, x) => acc + x, 0);
  return clipped.map((x) => x / z);
}

const mix = (a: readonly number[], b: readonly number[], wa: number) => a.map((x, k) => wa * x + (1 - wa) * b[k]!);

function countBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of xs) out.set(key(x), (out.get(key(x)) ?? 0) + 1);
  return out;
}

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

/** Per-store weights shrunk toward per-format weights, those toward the chain's. */
export function learnEnsembleWeights(
  members: readonly string[],
  samples: readonly EnsembleSample[],
  opts: EnsembleWeightOptions = {},
): EnsembleWeights {
  const m = members.length;
  const kStore = opts.storeShrinkFolds ?? 3;
  const kFormat = opts.formatShrinkStores ?? 5;
  const iterations = opts.iterations ?? 50;
  const kBest = opts.bestShrinkFolds ?? 3;
  // At every level the fitted mix is shrunk, by its folds, toward the chain's best single member: a
  // store's own best over a fold or two is mostly noise, the chain's is the model to fall back on.
  const best = bestMember(samples, m);
  // Members pooled more than maxRelativeError x the best member's error stay out of every mix: a
  // model that much worse over the chain adds its failures (a holiday it cannot see) more than it
  // diversifies.
  const err = memberErrors(samples, m);
  const floor = Math.min(...err);
  const active = Array.from(err, (e) => e <= (opts.maxRelativeError ?? 1.1) * floor);
  const fit = (list: readonly EnsembleSample[]) => {
    const folds = Math.max(0, ...countBy(list, (s) => s.storeId).values());
    return mix(fitSimplexL1(list, m, iterations, active), best, folds / (folds + kBest));
  };
  const chain = fit(samples);
  const byFormat = new Map<string, EnsembleSample[]>();
  const byStore = new Map<string, EnsembleSample[]>();
  for (const s of samples) {
    byFormat.set(s.format, [...(byFormat.get(s.format) ?? []), s]);
    byStore.set(s.storeId, [...(byStore.get(s.storeId) ?? []), s]);
  }
  const formats: Record<string, number[]> = {};
  for (const [fmt, list] of byFormat) {
    const n = new Set(list.map((s) => s.storeId)).size;
    formats[fmt] = mix(fit(list), chain, n / (n + kFormat));
  }
  const stores: Record<string, number[]> = {};
  for (const [id, list] of byStore) {
    const prior = formats[list[0]!.format] ?? chain;
    stores[id] = mix(fit(list), prior, list.length / (list.length + kStore));
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
