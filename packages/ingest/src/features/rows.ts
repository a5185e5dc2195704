// The feature rows as one SELECT: the known-future covariates of each (store, day) (store part and
// place part) joined with its observation, if any. Missing days are explicit (null sales,
// is_missing); a day the source marks closed has sales 0 and is_open false.
import { FUTURE_COVARIATES } from '@cvc/core';
import { BOOLEAN_FUTURE_COVARIATES } from '@cvc/feature-table';
import { quoteName } from '../names.js';
import { STORE_STATICS_TEMP } from '../quality/store-statics.js';
import { PLACE_COVARIATES } from './known-future-stage.js';

const q = (n: string) => quoteName(n, 'duckdb');

/** `statics`: the configured store statics, read from STORE_STATICS_TEMP (`storeStatics`) by store id. */
export function featureRowsSelect(
  prefix: string,
  stores: string,
  obs: string,
  extra: readonly string[],
  statics: readonly string[] = [],
  storeStatics = STORE_STATICS_TEMP,
): string {
  const future = FUTURE_COVARIATES.map((c) => {
    const src = `${PLACE_COVARIATES.includes(c) ? 'p' : 'k'}.${q(c)}`;
    return BOOLEAN_FUTURE_COVARIATES.includes(c) ? `${src} = 1 AS ${q(c)}` : `${src} AS ${q(c)}`;
  });
  return `SELECT s.store_id, DATE '1970-01-01' + k.day AS date,
      CASE WHEN o.store_idx IS NULL THEN NULL WHEN o.is_open = false THEN coalesce(o.sales, 0) ELSE o.sales END
        AS sales,
      o.n_sales, o.store_idx IS NULL AS is_missing,
      ${future.join(', ')},
      s.state, s.city, s.format,
      ${statics.map((c) => `x.${q(c)}, `).join('')}${extra.map((e) => `o.${q(e)}, `).join('')}o.updated_at
    FROM ${q(`${prefix}_store`)} k
    JOIN ${q(stores)} s ON s.store_idx = k.store_idx
    JOIN ${q(`${prefix}_place`)} p ON p.place_idx = s.place_idx AND p.day = k.day
    LEFT JOIN ${q(obs)} o ON o.store_idx = k.store_idx AND o.day = k.day${
      statics.length > 0 ? `\n    LEFT JOIN ${q(storeStatics)} x ON x.store_id = s.store_id` : ''
    }`;
}

/**
 * The distinct clustering keys (store_id, date) of featureRowsSelect's rows, from its narrow store
 * part alone: every row of `${prefix}_store` is one feature row (its store and place rows always
 * exist), so these are exactly the rows' values, without running the select's joins to find them.
 */
export function featureKeyValues(prefix: string, stores: string): Record<'store_id' | 'date', string> {
  const k = q(`${prefix}_store`);
  return {
    store_id: `SELECT s.store_id FROM ${q(stores)} s WHERE s.store_idx IN (SELECT DISTINCT store_idx FROM ${k})`,
    date: `SELECT DISTINCT DATE '1970-01-01' + day FROM ${k}`,
  };
}
