// @cvc/feature-table: the schema of the feature table and the reference tables, and the readers
// backtest, train and infer use. See README.md.
export { FEATURE_CLUSTER_BY, BOOLEAN_FUTURE_COVARIATES, FEATURE_META_COLUMNS, featureTableColumns, reservedFeatureColumns, STORES_COLUMNS, PROMOTIONS_COLUMNS, HOLIDAYS_COLUMNS } from './schema.js';
export { SCHEDULE_COLUMNS } from './schema.js';
export { lakeTables, type LakeTables } from './tables.js';
export { FeatureTableError } from './errors.js';
export { readStoreSeries, lastFeatureDay, type ReadSeriesOptions } from './read-series.js';
export {
  buildKnownFutureInputs,
  readKnownFutureInputs,
  storeKnownFuture,
  type KnownFutureInputs,
  type StoreFacts,
  type PromotionRow,
  type HolidayRow,
} from './known-future-inputs.js';
export { extendWithFuture, futureWindow } from './extend.js';
