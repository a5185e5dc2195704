// Baselines under the Forecaster contract: the floor every model must beat; they run in every backtest.
import { seriesAsOf, type ForecasterFactory, type QuantileForecast, type StoreSeries } from '@cvc/core';
import { localFactory, predictLocal, type PointMethod } from './local.js';
import { exponentialSmoothing, seasonalNaive, weekdayMean } from './methods.js';

// Each baseline's point method and default parameters, once: its factory and its origin forecasts read them.
const METHODS = {
  seasonal_naive: { method: seasonalNaive, defaults: {} },
  weekday_mean: { method: weekdayMean, defaults: { weeks: 4 } },
  ets: { method: exponentialSmoothing, defaults: { fitDays: 365 } },
} satisfies Record<string, { method: PointMethod; defaults: Record<string, unknown> }>;

const factory = (kind: keyof typeof METHODS): ForecasterFactory =>
  localFactory(kind, METHODS[kind].method, METHODS[kind].defaults);
export const seasonalNaiveFactory = factory('seasonal_naive');
export const weekdayMeanFactory = factory('weekday_mean');
export const etsFactory = factory('ets');

/** A baseline's raw forecasts of every store from an origin (its last seen day, ISO), `horizon` days ahead. */
export type OriginForecasts = (series: readonly StoreSeries[], cutoff: string, horizon: number) => QuantileForecast[];

/**
 * For a baseline kind, what its backtest fold would forecast from any other origin (no fit, so an
 * origin costs one pass over each store); null for other kinds. The interval calibration learns from
 * many such origins before a fold's cutoff (post.ts). The forecast window's `is_open` is the series'
 * own (the fold's comes from the planned schedule); closed days are not learned from either way.
 */
export function baselineOriginForecasts(kind: string, params: Record<string, unknown>): OriginForecasts | null {
  const m = (METHODS as Record<string, (typeof METHODS)[keyof typeof METHODS] | undefined>)[kind];
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
