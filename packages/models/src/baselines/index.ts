// Baselines under the Forecaster contract: the floor every model must beat; they run in every backtest.
import { seriesAsOf, type ForecasterFactory, type QuantileForecast, type StoreSeries } from '@cvc/core';
import { localFactory, predictLocal, type PointMethod } from './local.js';
import { exponentialSmoothing, seasonalNaive, weekdayMean } from './methods.js';

export const seasonalNaiveFactory: ForecasterFactory = localFactory('seasonal_naive', seasonalNaive, {});
export const weekdayMeanFactory: ForecasterFactory = localFactory('weekday_mean', weekdayMean, { weeks: 4 });
export const etsFactory: ForecasterFactory = localFactory('ets', exponentialSmoothing, { fitDays: 365 });

const METHODS: Record<string, { method: PointMethod; defaults: Record<string, unknown> }> = {
  seasonal_naive: { method: seasonalNaive, defaults: {} },
  weekday_mean: { method: weekdayMean, defaults: { weeks: 4 } },
  ets: { method: exponentialSmoothing, defaults: { fitDays: 365 } },
};

/** A baseline's raw forecasts of every store from an origin (its last seen day, ISO), `horizon` days ahead. */
export type OriginForecasts = (series: readonly StoreSeries[], cutoff: string, horizon: number) => QuantileForecast[];

/**
 * For a baseline kind, what its backtest fold would forecast from any other origin (no fit, so an
 * origin costs one pass over each store); null for other kinds. The interval calibration learns from
 * many such origins before a fold's cutoff (post.ts). The forecast window's `is_open` is the series'
 * own (the fold's comes from the planned schedule); closed days are not learned from either way.
 */
export function baselineOriginForecasts(kind: string, params: Record<string, unknown>): OriginForecasts | null {
  const m = METHODS[kind];
  if (!m) return null;
  const p = { ...m.defaults, ...params };
  return (series, cutoff, horizon) =>
    series.flatMap((s) => {
      const cut = seriesAsOf(s, cutoff, horizon);
      return cut && cut.sales.length > 0 ? [predictLocal(cut, horizon, m.method, p)] : [];
    });
}

export { seasonalNaive, weekdayMean, exponentialSmoothing } from './methods.js';
export { predictLocal } from './local.js';
