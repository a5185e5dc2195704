// Staging for the sources DuckDB reads itself (the embedded database and files): the built SELECT
// runs inside ingest's connection, so rows go from the source to the staging table without crossing
// into JavaScript.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteName } from '../names.js';
import type { BuiltQuery } from './select.js';
import type { StageResult } from './source.js';

export async function stageQuery(conn: DuckDBConnection, into: string, query: BuiltQuery): Promise<StageResult> {
  const table = quoteName(into, 'duckdb');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${query.sql}`, query.params);
  const r = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${table}`);
  return { rows: Number(r.getRowObjectsJS()[0]?.['n'] ?? 0) };
}
