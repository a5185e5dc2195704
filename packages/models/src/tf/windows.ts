// Training windows sampled across all stores: which (store, forecast origin) pairs exist, a seeded
// sampler over them, a validation window held out at the end of each series, and per-window scaling
// by the store's recent level so big and small stores train on the same footing.

/** One window: store index and t = index of the first forecast day in that store's arrays. */
export interface Origin {
  s: number;
  t: number;
}

export interface WindowPlan {
  train: Origin[];
  val: Origin[];
}

/**
 * Train origins keep their targets out of the last `valDays` of each series; validation has one
 * window per store ending on its last day. Short series are used if they have `minContext` days.
 */
export function planWindows(
  lengths: readonly number[],
  horizon: number,
  opts: { valDays: number; minContext: number; stride?: number },
): WindowPlan {
  const train: Origin[] = [];
  const val: Origin[] = [];
  const stride = Math.max(1, opts.stride ?? 1);
  lengths.forEach((T, s) => {
    const lastTrainOrigin = T - opts.valDays - horizon;
    for (let t = opts.minContext; t <= lastTrainOrigin; t += stride) train.push({ s, t });
    if (opts.valDays > 0 && T - horizon >= opts.minContext) val.push({ s, t: T - horizon });
  });
  return { train, val };
}

/** `n` origins drawn uniformly (with replacement) from `pool`. */
export function sampleOrigins(pool: readonly Origin[], n: number, rng: () => number): Origin[] {
  const out: Origin[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = pool[Math.floor(rng() * pool.length)]!;
  return out;
}

/**
 * Scale of a window: mean of the observed, non-zero sales in the `lookback` days before t (closed
 * days are zeros and would drag the level down); falls back to the whole context, then to 1.
 */
export function recentLevel(sales: Float64Array, t: number, lookback: number, context: number): number {
  const level = (from: number) => {
    let sum = 0;
    let n = 0;
    for (let i = Math.max(0, from); i < t; i++) {
      const v = sales[i]!;
      if (Number.isFinite(v) && v > 0) {
        sum += v;
        n++;
      }
    }
    return n > 0 ? sum / n : NaN;
  };
  const recent = level(t - lookback);
  if (Number.isFinite(recent) && recent > 0) return recent;
  const wide = level(t - context);
  return Number.isFinite(wide) && wide > 0 ? wide : 1;
}

/**
 * Copies sales[t-L, t) divided by `scale` into out (length L). Days before the series start and
 * unknown days are filled with the last known value (1 = the level if none yet) so the network never
 * sees NaN; `observed` (optional, length L) gets 1 where the day was a real value.
 */
export function scaledContext(
  sales: Float64Array,
  t: number,
  L: number,
  scale: number,
  out: Float32Array,
  observed?: Float32Array,
): void {
  let last = 1;
  // Seed the carry-forward with the first known value so leading gaps look like the series.
  for (let i = Math.max(0, t - L); i < t; i++) {
    const v = sales[i]!;
    if (Number.isFinite(v)) {
      last = v / scale;
      break;
    }
  }
  for (let k = 0; k < L; k++) {
    const i = t - L + k;
    const v = i >= 0 ? sales[i]! : NaN;
    if (Number.isFinite(v)) {
      last = v / scale;
      out[k] = last;
      if (observed) observed[k] = 1;
    } else {
      out[k] = last;
      if (observed) observed[k] = 0;
    }
  }
}
