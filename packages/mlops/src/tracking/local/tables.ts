// The local tracking tables (Delta, under the tracking root) and how rows are spliced into SQL.
// Every table is append-only, so concurrent runs (the backtest's child runs, a train in another process)
// never conflict: a run's status changes are new rows and readers take the latest one.
import { resolve } from 'node:path';
import { isRemoteLake, lakeTable } from '@cvc/core';
import { createTable, isDeltaError, type ColumnDef } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';

export const TABLES = {
  runs: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'experiment', type: 'VARCHAR', nullable: false },
    { name: 'name', type: 'VARCHAR', nullable: false },
    { name: 'parent_run_id', type: 'VARCHAR' },
    {
      name: 'status',
      type: 'VARCHAR',
      nullable: false,
      comment: 'RUNNING, FINISHED, FAILED or KILLED; the row with the latest event_time wins',
    },
    { name: 'start_time', type: 'TIMESTAMPTZ', nullable: false },
    { name: 'end_time', type: 'TIMESTAMPTZ' },
    { name: 'artifact_dir', type: 'VARCHAR', nullable: false },
    { name: 'event_time', type: 'TIMESTAMPTZ', nullable: false },
  ],
  params: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'key', type: 'VARCHAR', nullable: false },
    { name: 'value', type: 'VARCHAR', nullable: false },
  ],
  metrics: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'key', type: 'VARCHAR', nullable: false },
    { name: 'value', type: 'DOUBLE' },
    { name: 'step', type: 'BIGINT', comment: 'fold number; NULL for overall figures' },
    { name: 'timestamp', type: 'TIMESTAMPTZ', nullable: false },
  ],
  tags: [
    { name: 'run_id', type: 'VARCHAR', nullable: false },
    { name: 'key', type: 'VARCHAR', nullable: false },
    { name: 'value', type: 'VARCHAR', nullable: false },
    { name: 'event_time', type: 'TIMESTAMPTZ', nullable: false },
  ],
} as const satisfies Record<string, ColumnDef[]>;

export type TableName = keyof typeof TABLES;

/** tracking.root as the tables see it: an absolute local directory, or an Azure URL (tables and artifacts there). */
export function trackingRootOf(root: string): string {
  return isRemoteLake(root) ? root.replace(/\/+$/, '') : resolve(root);
}

export function tablePath(root: string, table: TableName): string {
  return lakeTable(root, table);
}

export function artifactsRoot(root: string): string {
  return lakeTable(root, 'artifacts');
}

export async function ensureTables(conn: DuckDBConnection, root: string): Promise<void> {
  for (const [name, columns] of Object.entries(TABLES)) {
    try {
      await createTable(conn, tablePath(root, name as TableName), {
        columns: [...columns],
        name: `cvc_tracking_${name}`,
        ifNotExists: true,
      });
    } catch (err) {
      // A concurrent process created it first.
      if (!(isDeltaError(err) && err.code === 'TABLE_EXISTS')) throw err;
    }
  }
}

export type SqlValue = string | number | bigint | boolean | Date | null | undefined;

export function sqlLiteral(v: SqlValue): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number')
    return Number.isFinite(v) ? String(v) : `'${Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf'}'::DOUBLE`;
  if (v instanceof Date) return `'${v.toISOString()}'::TIMESTAMPTZ`;
  return `'${v.replaceAll("'", "''")}'`;
}

/** A SELECT yielding `rows` with the table's column names (the lakehouse casts by name). */
export function valuesSelect(table: TableName, rows: readonly Record<string, SqlValue>[]): string {
  const cols = TABLES[table].map((c) => c.name);
  const tuples = rows.map((r) => `(${cols.map((c) => sqlLiteral(r[c])).join(', ')})`);
  return `SELECT * FROM (VALUES ${tuples.join(', ')}) AS t(${cols.map((c) => `"${c}"`).join(', ')})`;
}
