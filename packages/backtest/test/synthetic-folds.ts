// Synthetic chains and out-of-fold forecasts for the interval-calibration tests: stores at a flat level
// with 8 % day-to-day noise through 2025, forecast 35 days ahead in four folds 28 days apart (a fold's
// last 7 days are the next fold's first 7).
import { makeRng, parseIsoDay, type QuantileForecast, type StoreSeries } from '@cvc/core';
import type { FoldOutcome } from '../src/chain.js';

export const FOLD_STARTS = ['2025-03-01', '2025-03-29', '2025-04-26', '2025-05-24'];
export const END = '2025-12-31';
export const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
/** Store k's level: 1000 to 5000. */
export const levelOf = (k: number) => 1000 * (1 + (k % 5));

export interface ChainOptions {
  stores: number;
  start: string;
  seed: number;
  /** Days flagged `promo` (this share of them at random), on which sales rise 0-80 %. Default: none. */
  promoShare?: number;
  statics?: Record<string, string>;
}

/** Days from `start` up to END. */
export const daysFrom = (start: string) => parseIsoDay(END) - parseIsoDay(start);

export function flatChain(o: ChainOptions): StoreSeries[] {
  const r = makeRng(o.seed);
  const days = daysFrom(o.start);
  return Array.from({ length: o.stores }, (_, k) => {
    const promo = o.promoShare ? Float64Array.from({ length: days }, () => (r() < o.promoShare! ? 0.2 : 0)) : null;
    const sales = Float64Array.from(
      { length: days },
      (_, i) => levelOf(k) * (1 + 0.08 * gauss(r)) * (promo && promo[i]! > 0 ? 1 + 0.8 * r() : 1),
    );
    const future = { is_open: new Float64Array(days).fill(1), ...(promo ? { promo } : {}) };
    return { storeId: String(k), start: o.start, sales, past: {}, future, statics: o.statics ?? {} };
  });
}

/** One model's outcome on every fold, its forecasts made by `forecast` from the fold's first day. */
export function foldOutcomes(
  model: string,
  forecast: (start: string, fold: number) => QuantileForecast[],
): FoldOutcome[] {
  return FOLD_STARTS.map((start, fold) => ({
    model,
    fold,
    forecasts: forecast(start, fold),
    fitSeconds: 0,
    predictSeconds: 0,
    metrics: {},
    resumed: false,
  }));
}
