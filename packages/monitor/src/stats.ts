// The largest (or smallest) date in a column, from the Delta log's file statistics when every file has them, so a
// daily run does not scan a year of rows to learn where it left off.
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadSnapshot, scanSql } from '@cvc/lakehouse';

/** `column` is one of our own column names (a code constant), quoted as an identifier. */
export function maxDay(conn: DuckDBConnection, table: string, column: string): Promise<string | null> {
  return extremeDay(conn, table, column, 'max');
}

export function minDay(conn: DuckDBConnection, table: string, column: string): Promise<string | null> {
  return extremeDay(conn, table, column, 'min');
}

async function extremeDay(
  conn: DuckDBConnection,
  table: string,
  column: string,
  fn: 'min' | 'max',
): Promise<string | null> {
  const snap = await loadSnapshot(table);
  let max: string | null = null;
  let complete = true;
  for (const f of snap.files) {
    const v = fn === 'max' ? f.stats?.maxValues?.[column] : f.stats?.minValues?.[column];
    if (v == null) {
      if ((f.stats?.numRecords ?? 1) > 0) complete = false;
      continue;
    }
    const d = String(v).slice(0, 10);
    if (max === null || (fn === 'max' ? d > max : d < max)) max = d;
  }
  if (complete) return max;
  const sql = `SELECT ${fn}("${column}")::VARCHAR AS d FROM ${await scanSql(conn, table)} t`;
  const r = (await conn.runAndReadAll(sql)).getRowObjectsJS()[0]?.['d'];
  return r == null ? null : String(r);
}
