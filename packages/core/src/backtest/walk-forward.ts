// Walk-forward splits, written once against the Forecaster contract. A fold is a cutoff day: the
// model sees sales and past covariates up to and including the cutoff, known-future covariates up to
// the end of its forecast window, and is scored on the `horizon` days after cutoff + gap.
import { addDays, formatIsoDay, parseIsoDay } from '../calendar/days.js';
import type { StoreSeries } from '../forecaster.js';
import { InputError } from '../errors.js';

export interface Fold {
  fold: number; // 0 = earliest
  cutoff: string; // last day the model may see
  testStart: string; // first scored day (cutoff + gap + 1)
  testEnd: string;
}

export interface FoldPlan {
  lastDay: string; // last day with data
  folds: number;
  stride: number;
  horizon: number;
  gap: number;
  /** First day of data, to refuse folds that leave no history. */
  firstDay: string;
  minHistory: number;
}

/** Cutoffs every `stride` days, the last one leaving exactly gap + horizon days to score. */
export function planFolds(p: FoldPlan): Fold[] {
  const last = parseIsoDay(p.lastDay);
  const first = parseIsoDay(p.firstDay);
  const lastCutoff = last - p.gap - p.horizon;
  const earliestCutoff = lastCutoff - (p.folds - 1) * p.stride;
  if (earliestCutoff - first + 1 < p.minHistory) {
    throw new InputError(
      `backtest: ${p.folds} folds every ${p.stride} days with horizon ${p.horizon} and gap ${p.gap} need data from ` +
        `${formatIsoDay(earliestCutoff - p.minHistory + 1)} (min history ${p.minHistory} days), ` +
        `but it starts ${p.firstDay}; ` +
        `use fewer --folds, a smaller --stride or a shorter horizon`,
    );
  }
  const out: Fold[] = [];
  for (let k = 0; k < p.folds; k++) {
    const cutoff = earliestCutoff + k * p.stride;
    out.push({
      fold: k,
      cutoff: formatIsoDay(cutoff),
      testStart: formatIsoDay(cutoff + p.gap + 1),
      testEnd: formatIsoDay(cutoff + p.gap + p.horizon),
    });
  }
  return out;
}

function slice(a: Float64Array, from: number, to: number): Float64Array {
  // Days outside the stored range read as unknown, so callers never index past an array.
  const out = new Float64Array(Math.max(0, to - from)).fill(Number.NaN);
  const lo = Math.max(0, from);
  const hi = Math.min(a.length, to);
  if (hi > lo) out.set(a.subarray(lo, hi), lo - from);
  return out;
}

/**
 * The series as of `cutoff`: sales and past covariates end at the cutoff; future covariates run
 * `futureDays` further (the forecast window, planned calendar facts only). With `windowDays`, only
 * that many days of history are kept (fixed window). Returns null when the store has no day on or
 * before the cutoff.
 */
export function seriesAsOf(
  s: StoreSeries,
  cutoff: string,
  futureDays: number,
  windowDays?: number,
): StoreSeries | null {
  const start = parseIsoDay(s.start);
  const end = parseIsoDay(cutoff) - start + 1; // exclusive index
  if (end <= 0) return null;
  const from = windowDays ? Math.max(0, end - windowDays) : 0;
  const past: Record<string, Float64Array> = {};
  const future: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(s.past)) past[k] = slice(v, from, end);
  for (const [k, v] of Object.entries(s.future)) future[k] = slice(v, from, end + futureDays);
  return {
    storeId: s.storeId,
    start: formatIsoDay(addDays(start, from)),
    sales: slice(s.sales, from, end),
    past,
    future,
    statics: s.statics,
    ...(s.numericStatics ? { numericStatics: s.numericStatics } : {}),
  };
}

/**
 * `cut` (as returned by seriesAsOf) with its forecast window's future covariates replaced by
 * `window` (one array per covariate, from the day after the last sales day): what a fold must see
 * in place of the feature table's values, which past the cutoff are actuals, not plans.
 */
export function withFutureWindow(cut: StoreSeries, window: Record<string, ArrayLike<number>>): StoreSeries {
  const t = cut.sales.length;
  const future: Record<string, Float64Array> = { ...cut.future };
  for (const [k, w] of Object.entries(window)) {
    const have = cut.future[k];
    const out = new Float64Array(Math.max(have?.length ?? 0, t + w.length)).fill(Number.NaN);
    if (have) out.set(have);
    for (let i = 0; i < w.length && t + i < out.length; i++) out[t + i] = w[i]!;
    future[k] = out;
  }
  return { ...cut, future };
}

/** The actual sales and open flags of a store over [fromDay, fromDay + n). */
export function actualWindow(
  s: StoreSeries,
  fromDay: string,
  n: number,
): { sales: Float64Array; isOpen: Float64Array } {
  const i = parseIsoDay(fromDay) - parseIsoDay(s.start);
  const isOpen = s.future['is_open'];
  return { sales: slice(s.sales, i, i + n), isOpen: isOpen ? slice(isOpen, i, i + n) : new Float64Array(n).fill(1) };
}

/** Number of known (non-NaN) sales days on or before the last index. */
export function knownDays(s: StoreSeries): number {
  let n = 0;
  for (let i = 0; i < s.sales.length; i++) if (Number.isFinite(s.sales[i]!)) n++;
  return n;
}
