// Typed reader of the forecast table (declared in tables.ts as FORECASTS, written by `cvc infer`):
// one store's forecast set for an as-of date, as `cvc forecast show` and other readers want it.
import { scanSql } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';

export interface ForecastSet {
  asOf: string;
  model: string;
  bundleVersion: string;
  days: { date: string; p10: number; p50: number; p90: number }[];
}

/** The store's forecast as of `asOf` (default: its latest as-of date); null when it has none. */
export async function readForecastSet(
  conn: DuckDBConnection,
  table: string,
  storeId: string,
  asOf?: string,
): Promise<ForecastSet | null> {
  const scan = await scanSql(conn, table, { filters: { store_id: storeId } });
  const asOfSql = `SELECT max(as_of_date)::VARCHAR AS d FROM ${scan} f
    WHERE ($1::DATE IS NULL OR as_of_date = $1::DATE)`;
  const asOfRow = (await conn.runAndReadAll(asOfSql, [asOf ?? null])).getRowObjectsJS()[0];
  const day = asOfRow?.['d'] == null ? null : String(asOfRow['d']);
  if (!day) return null;
  const rows = (
    await conn.runAndReadAll(
      `SELECT forecast_date::VARCHAR AS d, yhat_lower, yhat, yhat_upper, model, bundle_version FROM ${scan} f
       WHERE as_of_date = $1::DATE ORDER BY forecast_date`,
      [day],
    )
  ).getRowObjectsJS();
  return {
    asOf: day,
    model: String(rows[0]?.['model'] ?? ''),
    bundleVersion: String(rows[0]?.['bundle_version'] ?? ''),
    days: rows.map((r) => ({
      date: String(r['d']),
      p10: Number(r['yhat_lower']),
      p50: Number(r['yhat']),
      p90: Number(r['yhat_upper']),
    })),
  };
}
