// Non-negative weights (summing to one) over member models' forecasts, learned on out-of-fold
// backtest forecasts by minimising the absolute error (what WAPE scores), per store, shrunk toward
// the store format's and the chain's weights when a store has few folds behind it.

/** One store x fold: each member's p50 (NaN where a member has none) and the actuals to fit. */
export interface EnsembleSample {
  storeId: string;
  format: string;
  /** members[m][h]: member m's p50 on day h. */
  members: readonly ArrayLike<number>[];
  actual: ArrayLike<number>;
  open: ArrayLike<number>;
}

export interface EnsembleWeights {
  members: string[];
  chain: number[];
  formats: Record<string, number[]>;
  stores: Record<string, number[]>;
}

export interface EnsembleWeightOptions {
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
export function fitSimplexL1(samples: readonly EnsembleSample[], m: number, iterations = 150): number[] {
  let w = equal(m);
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

/** Per-store weights shrunk toward per-format weights, those toward the chain's. */
export function learnEnsembleWeights(
  members: readonly string[],
  samples: readonly EnsembleSample[],
  opts: EnsembleWeightOptions = {},
): EnsembleWeights {
  const m = members.length;
  const kStore = opts.storeShrinkFolds ?? 2;
  const kFormat = opts.formatShrinkStores ?? 5;
  const iterations = opts.iterations ?? 150;
  const chain = fitSimplexL1(samples, m, iterations);
  const byFormat = new Map<string, EnsembleSample[]>();
  const byStore = new Map<string, EnsembleSample[]>();
  for (const s of samples) {
    byFormat.set(s.format, [...(byFormat.get(s.format) ?? []), s]);
    byStore.set(s.storeId, [...(byStore.get(s.storeId) ?? []), s]);
  }
  const formats: Record<string, number[]> = {};
  for (const [fmt, list] of byFormat) {
    const n = new Set(list.map((s) => s.storeId)).size;
    formats[fmt] = mix(fitSimplexL1(list, m, iterations), chain, n / (n + kFormat));
  }
  const stores: Record<string, number[]> = {};
  for (const [id, list] of byStore) {
    const prior = formats[list[0]!.format] ?? chain;
    stores[id] = mix(fitSimplexL1(list, m, iterations), prior, list.length / (list.length + kStore));
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
export function mixForecasts(weights: readonly number[], members: readonly (ArrayLike<number> | undefined)[], n: number): Float64Array {
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
