// Registry entry of the LightGBM forecaster. Only params.ts is imported here: the native binding loads
// when a factory is asked for.
import type { ModelEntry } from '../entry.js';
import { paramsSchemaFrom } from '../params-schema.js';
import { DEFAULT_LGBM_PARAMS } from './params.js';

/**
 * Days read beyond the context: the features reach 364 days back (same day last year, 364-day means),
 * and a week more is what infer has always given LightGBM.
 */
export const LGBM_YEAR_OF_LAGS = 371;

export const lgbmEntry: ModelEntry = {
  kind: 'lgbm',
  cost: 3,
  params: paramsSchemaFrom(DEFAULT_LGBM_PARAMS, {
    strategy: ['horizon_feature', 'per_horizon'],
    target: ['ratio', 'log1p_ratio'],
    objective: ['l2', 'l1', 'huber'],
  }),
  configDefaults: {},
  historyDays: (_p, ctx) => ctx.context + LGBM_YEAR_OF_LAGS,
  load: async () => (await import('./index.js')).lgbmFactory,
};
