// How hard each week of the year is to forecast, from the chain's own history: the interval
// calibration scales its widths by it. The backtest's folds are a few consecutive months; a
// calibration learned on a calm September under-covers a November whose errors are twice as large
// (default demo: raw coverage 83-88 % in September-October, 44-64 % in November-December for the
// baselines). Conformal calibration assumes the days it learns on look like the days it is applied to;
// dividing each residual by the week's difficulty makes that closer to true, and the difficulty of a
// future week is known ahead from earlier years.
import { dayFromYmd, parseIsoDay, yearOf } from '../calendar/days.js';
import type { StoreSeries } from '../forecaster.js';

/** Weeks per year in the profile; days 364-365 of a year fall in the last week. */
export const SEASON_WEEKS = 52;

/** Week of the year (0-based) of a day number. */
export function weekOfYear(day: number): number {
  return Math.min(SEASON_WEEKS - 1, Math.floor((day - dayFromYmd(yearOf(day), 1, 1)) / 7));
}

/**
 * The reference forecast a week's difficulty is measured with: the mean of the same weekday 5 to 8
 * weeks before (a 4-week weekday mean made 5 weeks ahead, the middle of the forecast horizon).
 */
const LAG_WEEKS = [5, 6, 7, 8];
/** The share of reference errors a week's difficulty is read at: the tail an 80 % interval spans. */
const ERROR_QUANTILE = 0.8;

/**
 * Per week of the year, the ERROR_QUANTILE quantile of |actual / reference - 1| over every store and
 * year with sales before `before` (a day number), averaged with its two neighbours and divided by the
 * mean over the weeks: 1 is an average week, 2 a week whose errors run twice as large. Weeks without
 * data read 1. Only open days with sales count.
 */
export function seasonalDifficulty(series: readonly StoreSeries[], before: number): number[] {
  const errors: number[][] = Array.from({ length: SEASON_WEEKS }, () => []);
  const first = LAG_WEEKS[LAG_WEEKS.length - 1]! * 7;
  for (const s of series) {
    const y = s.sales;
    const open = s.future['is_open'];
    const start = parseIsoDay(s.start);
    const end = Math.min(y.length, before - start);
    const isOpen = (t: number) => !open || !(open[t]! <= 0);
    for (let t = first; t < end; t++) {
      if (!isOpen(t) || !(y[t]! > 0)) continue;
      let sum = 0;
      let n = 0;
      for (const w of LAG_WEEKS) {
        const v = y[t - 7 * w]!;
        if (isOpen(t - 7 * w) && v > 0) {
          sum += v;
          n++;
        }
      }
      if (n < 2) continue;
      errors[weekOfYear(start + t)]!.push(Math.abs((y[t]! * n) / sum - 1));
    }
  }
  const tail = errors.map((e) => {
    if (e.length === 0) return Number.NaN;
    const sorted = Float64Array.from(e).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * ERROR_QUANTILE))]!;
  });
  const known = tail.filter((v) => Number.isFinite(v) && v > 0);
  if (known.length === 0) return tail.map(() => 1);
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  return tail.map((_, w) => {
    const around = [tail[(w + SEASON_WEEKS - 1) % SEASON_WEEKS]!, tail[w]!, tail[(w + 1) % SEASON_WEEKS]!];
    const near = around.filter((v) => Number.isFinite(v) && v > 0);
    return near.length > 0 ? near.reduce((a, b) => a + b, 0) / near.length / mean : 1;
  });
}
