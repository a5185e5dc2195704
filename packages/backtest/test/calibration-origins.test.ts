// A baseline's calibration also learns from its own forecasts from the same weeks of earlier years: a
// store whose sales jump in the three weeks before a late-November cutoff every year (a promoted week the
// baseline carries into December) is covered on that fold only when earlier years are seen, and those
// extra origins read nothing on or after the fold's cutoff.
import { describe, expect, it } from 'vitest';
import { makeRng, parseIsoDay, type StoreSeries } from '@cvc/core';
import { baselineOriginForecasts } from '@cvc/models';
import type { FoldOutcome } from '../src/chain.js';
import { calibrateIntervals, calibrationOrigins, sameSeasonOrigins } from '../src/post.js';

const START = '2021-01-01';
const DAYS = parseIsoDay('2025-12-31') - parseIsoDay(START) + 1;
const CUTOFFS = ['2025-09-03', '2025-10-01', '2025-10-29', '2025-11-26'];
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** Stores at a flat level with 8 % noise; every year, sales run 60 % higher over 6-26 November. */
function chain(stores: number): StoreSeries[] {
  const r = makeRng(11);
  const d0 = parseIsoDay(START);
  const promoted = (t: number) => {
    const iso = new Date((d0 + t) * 86_400_000).toISOString().slice(5, 10);
    return iso >= '11-06' && iso <= '11-26';
  };
  return Array.from({ length: stores }, (_, k) => {
    const level = 1000 * (1 + (k % 4));
    const sales = Float64Array.from(
      { length: DAYS },
      (_, t) => level * (1 + 0.08 * gauss(r)) * (promoted(t) ? 1.6 : 1),
    );
    return {
      storeId: String(k),
      start: START,
      sales,
      past: {},
      future: { is_open: new Float64Array(DAYS).fill(1) },
      statics: {},
    };
  });
}

const outcomesOf = (series: readonly StoreSeries[], kind: string): FoldOutcome[] =>
  CUTOFFS.map((cutoff, fold) => ({
    model: kind,
    fold,
    forecasts: baselineOriginForecasts(kind, {})!(series, cutoff, 35),
    fitSeconds: 0,
    predictSeconds: 0,
    metrics: {},
    resumed: false,
  }));

describe('baseline calibration from same-season origins', () => {
  const series = chain(40);
  const outcomes = outcomesOf(series, 'seasonal_naive');
  const origins = calibrationOrigins({}, ['seasonal_naive', 'lgbm']);

  it('only baselines get origins', () => {
    expect(Object.keys(origins)).toEqual(['seasonal_naive']);
  });

  it('covers the fold after the promoted week when earlier years showed it', () => {
    const without = calibrateIntervals(outcomes, series).report[0]!;
    const withOrigins = calibrateIntervals(outcomes, series, { origins }).report[0]!;
    // Seen here: fold 3 at 9 % on the backtest folds alone, 61 % with earlier years (folds 1-2 at 78-88 %).
    expect(without.calibratedByFold![3]!).toBeLessThan(0.2);
    expect(withOrigins.calibratedByFold![3]!).toBeGreaterThan(0.5);
    expect(withOrigins.calibratedLater).toBeGreaterThan(without.calibratedLater + 0.1);
  });

  it('earlier years end before the cutoff: sales on or after fold 3 cutoff move nothing in its calibration', () => {
    const cut = parseIsoDay('2025-11-27') - parseIsoDay(START);
    const changed = series.map((s) => ({ ...s, sales: s.sales.map((v, t) => (t >= cut ? 3 * v : v)) }));
    const base = calibrateIntervals(outcomes, series, { origins }).byFold['seasonal_naive']!;
    const after = calibrateIntervals(outcomesOf(changed, 'seasonal_naive'), changed, { origins }).byFold[
      'seasonal_naive'
    ]!;
    expect(after.get(3)).toEqual(base.get(3));
    expect(Math.max(...sameSeasonOrigins(parseIsoDay('2025-11-27'), parseIsoDay(START))) + 35).toBeLessThan(
      parseIsoDay('2025-11-27'),
    );
  });
});
