// Stages the caller's rows in a DuckDB temp table, matched to the table schema by name and cast to
// its types, so that checks (nulls, predicates, duplicate keys) and the Parquet write see one copy.

import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import { DeltaError } from '../errors.js';
import type { SchemaField } from '../schema.js';
import { fragment, ident } from '../sql.js';
import { clusterOrder } from './cluster-order.js';

export interface Staged {
  /** Quoted temp table name. */
  name: string;
  rowCount: number;
  drop(): Promise<void>;
}

export function castList(schema: readonly SchemaField[], qualifier = ''): string {
  return schema
    .map((f) =>
      f.sqlType
        ? `CAST(${qualifier}${ident(f.name)} AS ${f.sqlType}) AS ${ident(f.name)}`
        : `${qualifier}${ident(f.name)}`,
    )
    .join(', ');
}

export async function sourceColumns(
  conn: DuckDBConnection,
  table: string,
  version: number,
  sourceSql: string,
): Promise<string[]> {
  try {
    const rows = await queryRows(conn, `DESCRIBE SELECT * FROM (${sourceSql}) AS cvc_source`);
    return rows.map((r) => String(r['column_name']));
  } catch (e) {
    throw new DeltaError('INVALID_ARGUMENT', table, version, `the source query failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Checks the source has exactly the table's columns (case-insensitive), naming any difference. */
export async function checkSourceColumns(
  conn: DuckDBConnection,
  table: string,
  version: number,
  schema: readonly SchemaField[],
  sourceSql: string,
): Promise<void> {
  const have = await sourceColumns(conn, table, version, sourceSql);
  const haveSet = new Set(have.map((c) => c.toLowerCase()));
  const wantSet = new Set(schema.map((f) => f.name.toLowerCase()));
  const missing = schema.filter((f) => !haveSet.has(f.name.toLowerCase())).map((f) => f.name);
  const extra = have.filter((c) => !wantSet.has(c.toLowerCase()));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing column(s) ${missing.join(', ')}`);
    if (extra.length > 0) parts.push(`unknown column(s) ${extra.join(', ')}`);
    throw new DeltaError(
      'SCHEMA_MISMATCH',
      table,
      version,
      `the source rows do not match the table schema: ${parts.join('; ')}`,
    );
  }
}

/** Materialises `SELECT <casts> FROM (<fromSql>) [WHERE ..] [ORDER BY ..]` into a temp table. */
export async function stage(
  conn: DuckDBConnection,
  table: string,
  version: number,
  schema: readonly SchemaField[],
  fromSql: string,
  opts: {
    where?: string;
    clusterBy?: readonly string[];
    /** Per clustering key, a SELECT of exactly the distinct values the rows hold (clusterOrder). */
    clusterKeyValues?: Readonly<Record<string, string>>;
  } = {},
): Promise<Staged> {
  const name = ident(`cvc_stage_${randomUUID().replaceAll('-', '')}`);
  const where = opts.where ? ` WHERE ${opts.where}` : '';
  // Rows of a clustered table are staged in clustering order (cast first, so keys sort by their type).
  const cast = `SELECT ${castList(schema)} FROM (${fromSql}) AS cvc_source${where}`;
  // Key values are cast like the rows, so they join and rank as the rows' keys do.
  const keyValues: Record<string, string> = {};
  for (const [k, sql] of Object.entries(opts.clusterKeyValues ?? {})) {
    const f = schema.find((x) => x.name === k);
    if (!f) throw new DeltaError('INVALID_ARGUMENT', table, version, `clustering key values for unknown column ${k}`);
    keyValues[k] =
      `SELECT ${f.sqlType ? `CAST(cvc_v AS ${f.sqlType})` : 'cvc_v'} FROM (${fragment(sql)}) AS cvc_kv(cvc_v)`;
  }
  const cluster = clusterOrder(opts.clusterBy ?? [], cast, keyValues);
  const sql = cluster.orderBy
    ? `SELECT ${castList(schema)} FROM (${cluster.fromSql}) AS cvc_sorted ORDER BY ${cluster.orderBy}`
    : cast;
  try {
    await conn.run(`CREATE TEMP TABLE ${name} AS ${sql}`);
  } catch (e) {
    throw new DeltaError('INVALID_ARGUMENT', table, version, `staging the rows failed: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const [row] = await queryRows(conn, `SELECT count(*)::BIGINT AS n FROM ${name}`);
  return {
    name,
    rowCount: Number(row?.['n'] ?? 0),
    drop: async () => {
      await conn.run(`DROP TABLE IF EXISTS ${name}`);
    },
  };
}

export async function stageSource(
  conn: DuckDBConnection,
  table: string,
  version: number,
  schema: readonly SchemaField[],
  sourceSql: string,
  clusterBy: readonly string[] = [],
  clusterKeyValues: Readonly<Record<string, string>> = {},
): Promise<Staged> {
  const source = fragment(sourceSql);
  await checkSourceColumns(conn, table, version, schema, source);
  return stage(conn, table, version, schema, source, { clusterBy, clusterKeyValues });
}
