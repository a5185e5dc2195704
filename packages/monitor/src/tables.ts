// The tables monitor reads and the one it owns. `forecast_accuracy` holds one row per forecast day whose
// actual has arrived; its key is (as_of_date, store_id, forecast_date), the forecast table's key.
import { join } from 'node:path';
import type { LoadedConfig } from '@cvc/core';
import type { ColumnDef } from '@cvc/lakehouse';
import { lakeTable } from '@cvc/core';

export const ACCURACY_TABLE = 'forecast_accuracy';
export const ACCURACY_KEY = ['as_of_date', 'store_id', 'forecast_date'] as const;

export const ACCURACY_COLUMNS: ColumnDef[] = [
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
];

/**
 * Columns of the forecast table (written by infer, `lake.tables.forecasts`) that monitor reads. The
 * forecast table's writer owns its schema; these names are its contract with readers.
 */
export const FORECAST_READ_COLUMNS = [
  'as_of_date',
  'store_id',
  'forecast_date',
  'horizon_day',
  'yhat',
  'yhat_lower',
  'yhat_upper',
  'model',
  'bundle_version',
  'run_id',
] as const;

export interface MonitorTables {
  forecasts: string;
  accuracy: string;
}

export function monitorTables(loaded: Pick<LoadedConfig, 'config' | 'paths'>): MonitorTables {
  return {
    forecasts: lakeTable(loaded.paths.lake, loaded.config.lake.tables.forecasts),
    accuracy: lakeTable(loaded.paths.lake, ACCURACY_TABLE),
  };
}
