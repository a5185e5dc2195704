// Column names of the feature table, shared by ingest (which writes it), the models (which read
// StoreSeries built from it) and infer (which rebuilds the known-future part for the forecast window).

import { CALENDAR_FEATURES } from '../calendar/features.js';

/** Key and target columns of the feature table. */
export const KEY_COLUMNS = ['store_id', 'date'] as const;
export const TARGET_COLUMN = 'sales';

/** Observed only up to the forecast origin. */
export const PAST_COVARIATES = ['n_sales'] as const;

/**
 * Known in advance for any future day: the calendar, holidays, planned promotions, opening days,
 * the store's age and the pandemic flag. These may be read past the origin; nothing else may.
 */
export const FUTURE_COVARIATES = ['is_open', 'promo', ...CALENDAR_FEATURES, 'store_age_days', 'is_pandemic'] as const;

/** Categorical facts about a store. */
export const STATIC_COVARIATES = ['format', 'state'] as const;

export type PastCovariate = (typeof PAST_COVARIATES)[number];
export type FutureCovariate = (typeof FUTURE_COVARIATES)[number];
export type StaticCovariate = (typeof STATIC_COVARIATES)[number];
