// Registry entries of the baselines. Each forecasts from the store's own recent past; the p10-p90 band
// comes from re-forecasting ERROR_ORIGINS earlier origins a week apart (see local.ts).
import { z } from 'zod';
import type { HistoryContext, ModelEntry } from '../entry.js';
import { ERROR_ORIGINS, LEVEL_DAYS } from './local.js';
import { etsFactory, seasonalNaiveFactory, weekdayMeanFactory } from './index.js';

/** The earliest error origin lies horizon + 7 (ERROR_ORIGINS - 1) days back; the method reads `lookback` before it. */
const bandHistory = (lookback: number, ctx: HistoryContext) =>
  ctx.horizon + 7 * (ERROR_ORIGINS - 1) + Math.max(lookback, LEVEL_DAYS);

/** Seasonal naive looks back up to 8 weeks for the last known same weekday. */
const SEASONAL_NAIVE_WEEKS = 8;

export const seasonalNaiveEntry: ModelEntry = {
  kind: 'seasonal_naive',
  cost: 0,
  baseline: true,
  params: z.object({}).strict(),
  configDefaults: {},
  historyDays: (_p, ctx) => bandHistory(7 * SEASONAL_NAIVE_WEEKS, ctx),
  load: async () => seasonalNaiveFactory,
};

export const weekdayMeanEntry: ModelEntry = {
  kind: 'weekday_mean',
  cost: 1,
  baseline: true,
  params: z.object({ weeks: z.number().int().positive().optional() }).strict(),
  configDefaults: { weeks: 4 },
  historyDays: (p, ctx) => bandHistory(7 * (typeof p['weeks'] === 'number' ? p['weeks'] : 4), ctx),
  load: async () => weekdayMeanFactory,
};

export const etsEntry: ModelEntry = {
  kind: 'ets',
  cost: 2,
  baseline: true,
  params: z.object({ fitDays: z.number().int().positive().optional() }).strict(),
  configDefaults: {},
  historyDays: (p, ctx) => bandHistory(typeof p['fitDays'] === 'number' ? p['fitDays'] : 365, ctx),
  load: async () => etsFactory,
};
