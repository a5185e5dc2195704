// @cvc/feature-table: every Delta table declared once (tables.ts), the feature table's schema, and the
// typed readers and writers the steps share. See README.md.
export {
  FEATURE_CLUSTER_BY,
  BOOLEAN_FUTURE_COVARIATES,
  FEATURE_META_COLUMNS,
  featureTableColumns,
  reservedFeatureColumns,
  STORES_COLUMNS,
  PROMOTIONS_COLUMNS,
  HOLIDAYS_COLUMNS,
  QUARANTINE_COLUMNS,
} from './schema.js';
export {
  lakeTables,
  ensureTable,
  columnNames,
  TABLE_SPECS,
  FEATURES,
  QUARANTINE,
  STORES,
  PROMOTIONS,
  HOLIDAYS,
  STORE_SCHEDULE,
  BACKTEST_CLUSTER_BY,
  BACKTEST_FORECASTS,
  BACKTEST_METRICS,
  MODEL_CHOICE,
  FORECASTS,
  FORECAST_ACCURACY,
  type LakeTables,
  type TableSpec,
} from './tables.js';
export {
  appendBacktestForecasts,
  appendBacktestMetrics,
  appendModelChoice,
  moveShardRows,
  readLatestBacktestChoice,
  readUnmergedShardRuns,
  readRunMetrics,
  readShardChoices,
  type BacktestWriteMode,
  type BacktestChoice,
  type BacktestForecastColumns,
  type BacktestMetricRow,
  type ModelChoiceRow,
} from './backtest-tables.js';
export { readForecastSet, type ForecastSet } from './forecast-tables.js';
export { startStep, openDuckDb, type StepStart } from './step.js';
export { SCHEDULE_COLUMNS, FUTURE_COVARIATE_COLUMNS } from './schema.js';
export { FeatureTableError, MissingFutureValueError } from './errors.js';
export {
  assertFeatureTable,
  readStoreSeries,
  lastFeatureDay,
  userFutureColumns,
  storeStaticColumns,
  FUTURE_COLUMNS_PROPERTY,
  STATIC_COLUMNS_PROPERTY,
  type ReadSeriesOptions,
} from './read-series.js';
export {
  buildKnownFutureInputs,
  readKnownFutureInputs,
  storeKnownFuture,
  type KnownFutureInputs,
  type StoreFacts,
  type PromotionRow,
  type HolidayRow,
} from './known-future-inputs.js';
export { extendWithFuture, futureWindow, userFutureWindow } from './extend.js';
export { readFutureValues, futureValueKey, type FutureValues } from './future-values.js';
