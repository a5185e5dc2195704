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
  iterations?: number;
}

const equal = (m: number) => new Array<number>(m).fill(1 / m);

/**
 * Weights minimising sum |y - sum_m w_m f_m| over the simplex, by exponentiated subgradient steps
 * (multiplicative updates keep weights non-negative and summing to one). A day where a member has
 * no forecast is skipped; members never available keep a small weight that the mix renormalises.
 */
export function fitSimplexL1(
  samples: readonly EnsembleSample[],
  m: number,
  iterations = 150,
  active?: readonly boolean[],
): number[] {
  // Multiplicative updates never revive a zero weight: inactive members stay out.
  const on = active ?? new Array<boolean>(m).fill(true);
  const n = on.filter(Boolean).length;
  let w = on.map((a) => (a ? 1 / n : 0));
  let scale = 0;
  let days = 0;
  for (const s of samples) {
    for (let h = 0; h < s.actual.length; h++) {
      if (s.open[h]! > 0 && Number.isFinite(s.actual[h]!)) {
        scale += Math.abs(s.actual[h]!);
        days++;
      }
    }
  }
  if (days === 0 || scale === 0) return w;
  const g = new Float64Array(m);
  let best = w;
  let bestLoss = Number.POSITIVE_INFINITY;
  for (let it = 0; it < iterations; it++) {
    g.fill(0);
    let loss = 0;
    for (const s of samples) {
      for (let h = 0; h < s.actual.length; h++) {
        const y = s.actual[h]!;
        if (!(s.open[h]! > 0) || !Number.isFinite(y)) continue;
        let yhat = 0;
        let ok = true;
        for (let k = 0; k < m; k++) {
          const f = s.members[k]![h]!;
          if (!Number.isFinite(f)) ok = false;
          else yhat += w[k]! * f;
        }
        if (!ok) continue;
        loss += Math.abs(y - yhat);
        const sign = yhat > y ? 1 : yhat < y ? -1 : 0;
        for (let k = 0; k < m; k++) g[k] += sign * s.members[k]![h]!;
      }
    }
    if (loss < bestLoss) {
      bestLoss = loss;
      best = w;
    }
    // Step in units of the mean actual, decaying, so the update is scale-free.
    const eta = 2 / Math.sqrt(it + 1);
    const next = w.map((wk, k) => wk * Math.exp((-eta * g[k]!) / scale));
    const z = next.reduce((a, b) => a + b, 0);
    w = z > 0 && Number.isFinite(z) ? next.map((x) => x / z) : best;
  }
  return best;
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
  const iterations = opts.iterations ?? 150;
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
