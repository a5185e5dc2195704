// Values of the configured future columns (source.columns.future) over a forecast window. A day the
// feature table holds (an as-of date in the past, as in a backtest) is read from it, so infer at a
// backtest's cutoff sees the values the backtest saw; later days come from the future covariates
// table ingest fills from the source's rows dated after the last observed day.
import { scanSql, tableExists } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FeatureTableError } from './errors.js';
import type { LakeTables } from './tables.js';

/** Known-ahead values per `${storeId}|${date}|${column}`; a null source value is absent. */
export interface FutureValues {
  columns: string[];
  values: Map<string, number>;
}

export const futureValueKey = (storeId: string, date: string, column: string): string => `${storeId}|${date}|${column}`;

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** Reads `columns` for days in [from, to] from the feature table, then the future covariates table. */
export async function readFutureValues(
  conn: DuckDBConnection,
  tables: Pick<LakeTables, 'features' | 'futureCovariates'>,
  columns: readonly string[],
  from: string,
  to: string,
): Promise<FutureValues> {
  const values = new Map<string, number>();
  if (columns.length === 0) return { columns: [], values };
  const bad = columns.find((c) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c));
  if (bad !== undefined) throw new FeatureTableError(tables.features, `future column name ${JSON.stringify(bad)}`);
  const put = (rows: Record<string, unknown>[]) => {
    for (const r of rows) {
      const v = r['value'];
      if (v === null || v === undefined || !Number.isFinite(Number(v))) continue;
      const key = futureValueKey(String(r['store_id']), String(r['date']), String(r['name']));
      if (!values.has(key)) values.set(key, Number(v));
    }
  };
  const range = { from, to };
  const features = await scanSql(conn, tables.features);
  const unpivot = columns
    .map(
      (c) => `SELECT store_id, date::VARCHAR AS date, '${c}' AS name, CAST(${q(c)} AS DOUBLE) AS value
      FROM ${features} f WHERE date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)`,
    )
    .join(' UNION ALL ');
  put((await conn.runAndReadAll(unpivot, range)).getRowObjectsJS());
  if (await tableExists(tables.futureCovariates)) {
    const planned = await scanSql(conn, tables.futureCovariates);
    const names = columns.map((_, i) => `$c${i}`).join(', ');
    const params: Record<string, string> = { ...range };
    columns.forEach((c, i) => (params[`c${i}`] = c));
    put(
      (
        await conn.runAndReadAll(
          `SELECT store_id, date::VARCHAR AS date, name, value FROM ${planned} p
          WHERE date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE) AND name IN (${names})`,
          params,
        )
      ).getRowObjectsJS(),
    );
  }
  return { columns: [...columns], values };
}
