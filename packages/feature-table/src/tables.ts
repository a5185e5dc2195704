// Every Delta table cvc keeps, declared once: columns, clustering, key, the step that writes it and
// where it lives under the lake root. Steps share tables through these declarations (and the typed
// readers and writers beside them), never by retyping another step's column names.
import { METRIC_NAMES, lakeTable, type LoadedConfig } from '@cvc/core';
import { createTable, tableExists, type ColumnDef } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  FEATURE_CLUSTER_BY,
  HOLIDAYS_COLUMNS,
  PROMOTIONS_COLUMNS,
  QUARANTINE_COLUMNS,
  SCHEDULE_COLUMNS,
  FUTURE_COVARIATE_COLUMNS,
  STORES_COLUMNS,
  featureTableColumns,
} from './schema.js';

export interface TableSpec {
  /** Key of the path in `LakeTables` (and of the name in config `lake.tables`, where configurable). */
  id: keyof LakeTables;
  /** The step that writes it; every other step only reads it. */
  writer: 'ingest' | 'backtest' | 'infer' | 'monitor';
  columns: readonly ColumnDef[];
  clusterBy: readonly string[];
  /** Columns that identify a row (what a merge matches on, what a rerun replaces). */
  key: readonly string[];
  /** Delta metadata: the table's name (when it has a fixed one) and description. */
  name?: string;
  description?: string;
}

/** Backtest rows are read by run, then model, then store: new tables cluster by those keys. */
export const BACKTEST_CLUSTER_BY = ['run_id', 'model', 'store_id'] as const;

export const BACKTEST_FORECASTS: TableSpec = {
  id: 'backtestForecasts',
  writer: 'backtest',
  columns: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'model', type: 'VARCHAR', nullable: false },
    { name: 'fold', type: 'INTEGER', nullable: false },
    { name: 'cutoff', type: 'DATE', nullable: false },
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'forecast_date', type: 'DATE', nullable: false },
    { name: 'horizon_day', type: 'INTEGER', nullable: false },
    { name: 'actual', type: 'DOUBLE' },
    { name: 'p10', type: 'DOUBLE' },
    { name: 'p50', type: 'DOUBLE' },
    { name: 'p90', type: 'DOUBLE' },
  ],
  clusterBy: BACKTEST_CLUSTER_BY,
  key: ['run_id', 'model', 'fold', 'store_id', 'forecast_date'],
  description: 'cvc backtest: forecasts per fold',
};

export const BACKTEST_METRICS: TableSpec = {
  id: 'backtestMetrics',
  writer: 'backtest',
  columns: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'model', type: 'VARCHAR', nullable: false },
    { name: 'fold', type: 'INTEGER', nullable: false },
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'format', type: 'VARCHAR' },
    { name: 'n', type: 'INTEGER' },
    { name: 'abs_error', type: 'DOUBLE' },
    { name: 'actual_sum', type: 'DOUBLE' },
    ...METRIC_NAMES.map((m): ColumnDef => ({ name: m, type: 'DOUBLE' })),
  ],
  clusterBy: BACKTEST_CLUSTER_BY,
  key: ['run_id', 'model', 'fold', 'store_id'],
  description: 'cvc backtest: metrics per store, fold and model',
};

export const MODEL_CHOICE: TableSpec = {
  id: 'modelChoice',
  writer: 'backtest',
  columns: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'model', type: 'VARCHAR', nullable: false },
    { name: 'wape', type: 'DOUBLE' },
    { name: 'folds', type: 'INTEGER' },
    { name: 'reason', type: 'VARCHAR' },
    { name: 'global_best', type: 'VARCHAR' },
    { name: 'created_at', type: 'TIMESTAMP WITH TIME ZONE' },
  ],
  clusterBy: ['run_id', 'store_id'],
  key: ['run_id', 'store_id'],
  description: 'cvc backtest: the model chosen for each store',
};

/** The forecast table `bip_vprevisao_lojas_futuro`: one row per store, as-of date and forecast day. */
export const FORECASTS: TableSpec = {
  id: 'forecasts',
  writer: 'infer',
  columns: [
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'forecast_date', type: 'DATE', nullable: false },
    { name: 'horizon_day', type: 'INTEGER', nullable: false },
    { name: 'as_of_date', type: 'DATE', nullable: false },
    { name: 'yhat', type: 'DOUBLE', comment: 'p50' },
    { name: 'yhat_lower', type: 'DOUBLE', comment: 'p10' },
    { name: 'yhat_upper', type: 'DOUBLE', comment: 'p90' },
    { name: 'model', type: 'VARCHAR' },
    { name: 'bundle_version', type: 'VARCHAR' },
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'created_at', type: 'TIMESTAMP WITH TIME ZONE', nullable: false },
  ],
  clusterBy: ['as_of_date', 'store_id'],
  key: ['as_of_date', 'store_id', 'forecast_date'],
  name: 'bip_vprevisao_lojas_futuro',
  description: 'cvc daily store sales forecasts (p10/p50/p90), one set per as-of date',
};

/** Forecast days whose actual has arrived; its key is the forecast table's key. */
export const FORECAST_ACCURACY: TableSpec = {
  id: 'forecastAccuracy',
  writer: 'monitor',
  columns: [
    { name: 'as_of_date', type: 'DATE', nullable: false },
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'forecast_date', type: 'DATE', nullable: false },
    { name: 'horizon_day', type: 'INTEGER', nullable: false },
    { name: 'yhat', type: 'DOUBLE', comment: 'p50' },
    { name: 'yhat_lower', type: 'DOUBLE', comment: 'p10' },
    { name: 'yhat_upper', type: 'DOUBLE', comment: 'p90' },
    { name: 'actual', type: 'DOUBLE', nullable: false, comment: 'sales in the feature table (0 on a closed day)' },
    { name: 'is_open', type: 'BOOLEAN', nullable: false },
    { name: 'abs_error', type: 'DOUBLE' },
    { name: 'in_interval', type: 'BOOLEAN', comment: 'actual within [p10, p90]' },
    { name: 'model', type: 'VARCHAR' },
    { name: 'bundle_version', type: 'VARCHAR' },
    { name: 'run_id', type: 'VARCHAR', nullable: false, comment: 'the infer run that wrote the forecast' },
  ],
  clusterBy: ['forecast_date', 'store_id'],
  key: ['as_of_date', 'store_id', 'forecast_date'],
  name: 'forecast_accuracy',
  description: 'cvc forecasts joined with their actuals, one row per as-of date, store and forecast day',
};

/** The feature table; its columns depend on the configured extras and store statics (`featureTableColumns`). */
export const FEATURES: TableSpec = {
  id: 'features',
  writer: 'ingest',
  columns: featureTableColumns(),
  clusterBy: FEATURE_CLUSTER_BY,
  key: ['store_id', 'date'],
  description: 'one row per store and day of its open life: sales, covariates, store facts',
};

export const QUARANTINE: TableSpec = {
  id: 'quarantine',
  writer: 'ingest',
  columns: QUARANTINE_COLUMNS,
  clusterBy: [],
  key: ['row_key'],
  description: 'rows refused by the ingest quality gate',
};

export const STORES: TableSpec = {
  id: 'stores',
  writer: 'ingest',
  columns: STORES_COLUMNS,
  clusterBy: [],
  key: ['store_id'],
};

export const PROMOTIONS: TableSpec = {
  id: 'promotions',
  writer: 'ingest',
  columns: PROMOTIONS_COLUMNS,
  clusterBy: [],
  key: ['promo_id'],
};

export const HOLIDAYS: TableSpec = {
  id: 'holidays',
  writer: 'ingest',
  columns: HOLIDAYS_COLUMNS,
  clusterBy: [],
  key: ['state', 'city', 'holiday_date'],
};

export const STORE_SCHEDULE: TableSpec = {
  id: 'storeSchedule',
  writer: 'ingest',
  columns: SCHEDULE_COLUMNS,
  clusterBy: [],
  key: ['store_id', 'weekday', 'schedule_date'],
  description: 'planned opening schedule: weekday rules and dated overrides per store',
};

export const FUTURE_COVARIATES_TABLE: TableSpec = {
  id: 'futureCovariates',
  writer: 'ingest',
  columns: FUTURE_COVARIATE_COLUMNS,
  clusterBy: [],
  key: ['store_id', 'date', 'name'],
  description: 'configured future columns (source.columns.future) on days after the last observed day',
};

/** Every table, in pipeline order. */
export const TABLE_SPECS: readonly TableSpec[] = [
  FEATURES,
  QUARANTINE,
  STORES,
  PROMOTIONS,
  HOLIDAYS,
  STORE_SCHEDULE,
  FUTURE_COVARIATES_TABLE,
  BACKTEST_FORECASTS,
  BACKTEST_METRICS,
  MODEL_CHOICE,
  FORECASTS,
  FORECAST_ACCURACY,
];

/** Absolute path of every table under the lake root. */
export interface LakeTables {
  features: string;
  quarantine: string;
  stores: string;
  promotions: string;
  holidays: string;
  backtestForecasts: string;
  backtestMetrics: string;
  modelChoice: string;
  forecasts: string;
  forecastAccuracy: string;
  /** The planned opening schedule ingest copies from the source (absent when none is configured). */
  storeSchedule: string;
  /** Future columns' values past the last observed day (source.columns.future). */
  futureCovariates: string;
}

/** Absolute paths of every table for a loaded config (names from `lake.tables`; forecast_accuracy is fixed). */
export function lakeTables(loaded: Pick<LoadedConfig, 'config' | 'paths'>): LakeTables {
  const t = loaded.config.lake.tables;
  const at = (name: string) => lakeTable(loaded.paths.lake, name);
  return {
    features: at(t.features),
    quarantine: at(t.quarantine),
    stores: at(t.stores),
    promotions: at(t.promotions),
    holidays: at(t.holidays),
    backtestForecasts: at(t.backtestForecasts),
    backtestMetrics: at(t.backtestMetrics),
    modelChoice: at(t.modelChoice),
    forecasts: at(t.forecasts),
    forecastAccuracy: at(FORECAST_ACCURACY.name!),
    storeSchedule: at(t.storeSchedule),
    futureCovariates: at(t.futureCovariates),
  };
}

/** Creates the table at `path` from its declaration unless it exists. */
export async function ensureTable(conn: DuckDBConnection, path: string, spec: TableSpec): Promise<void> {
  if (await tableExists(path)) return;
  await createTable(conn, path, {
    columns: [...spec.columns],
    clusterBy: [...spec.clusterBy],
    ...(spec.name ? { name: spec.name } : {}),
    ...(spec.description ? { description: spec.description } : {}),
    ifNotExists: true,
  });
}

/** Column names of a declared table, in table order (what a typed reader selects). */
export function columnNames(spec: TableSpec, except: readonly string[] = []): string[] {
  return spec.columns.map((c) => c.name).filter((n) => !except.includes(n));
}
