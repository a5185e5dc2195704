// Baselines under the Forecaster contract: the floor every model must beat; they run in every backtest.
import type { ForecasterFactory } from '@cvc/core';
import { localFactory } from './local.js';
import { exponentialSmoothing, seasonalNaive, weekdayMean } from './methods.js';

export const seasonalNaiveFactory: ForecasterFactory = localFactory('seasonal_naive', seasonalNaive, {});
export const weekdayMeanFactory: ForecasterFactory = localFactory('weekday_mean', weekdayMean, { weeks: 4 });
export const etsFactory: ForecasterFactory = localFactory('ets', exponentialSmoothing, { fitDays: 365 });

export { seasonalNaive, weekdayMean, exponentialSmoothing } from './methods.js';
export { predictLocal } from './local.js';
