// A private in-memory DuckDB for log work (reading and writing Parquet checkpoints), so that
// functions like loadSnapshot() and history() need no connection from the caller.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

let shared: Promise<DuckDBConnection> | undefined;

export function logConnection(): Promise<DuckDBConnection> {
  shared ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
    const conn = await instance.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    return conn;
  })();
  return shared;
}

/** Runs a query and returns rows as plain objects (DuckDB values converted to JS). */
export async function queryRows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}
