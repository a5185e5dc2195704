// The tables monitor reads and the one it owns, from their declarations in @cvc/feature-table.
// `forecast_accuracy` holds one row per forecast day whose actual has arrived; its key is
// (as_of_date, store_id, forecast_date), the forecast table's key.
import type { LoadedConfig } from '@cvc/core';
import { FORECAST_ACCURACY, FORECASTS, columnNames, lakeTables } from '@cvc/feature-table';
import type { ColumnDef } from '@cvc/lakehouse';

export const ACCURACY_TABLE = FORECAST_ACCURACY.name!;
export const ACCURACY_KEY: readonly string[] = FORECAST_ACCURACY.key;
export const ACCURACY_COLUMNS: readonly ColumnDef[] = FORECAST_ACCURACY.columns;

/** Columns of the forecast table (written by infer) that monitor reads: all but created_at. */
export const FORECAST_READ_COLUMNS: readonly string[] = columnNames(FORECASTS, ['created_at']);

export interface MonitorTables {
  forecasts: string;
  accuracy: string;
}

export function monitorTables(loaded: Pick<LoadedConfig, 'config' | 'paths'>): MonitorTables {
  const tables = lakeTables(loaded);
  return { forecasts: tables.forecasts, accuracy: tables.forecastAccuracy };
}
