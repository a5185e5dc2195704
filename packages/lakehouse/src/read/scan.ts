// Reads go through DuckDB: a typed SELECT over the snapshot's (possibly skipped) Parquet files.

import type { DuckDBConnection } from '@duckdb/node-api';
import { DeltaError } from '../errors.js';
import type { ActiveFile } from '../log/replay.js';
import type { SchemaField } from '../schema.js';
import { loadSnapshotFrom, type Snapshot, type TimeTravel } from '../snapshot.js';
import { ident, pathList } from '../sql.js';
import { storageFor } from '../storage/local.js';
import type { Storage } from '../storage/storage.js';
import { DELETED_FILE, DELETED_ROW, deletedRowsRelation } from './deleted-rows.js';
import { filterSql, resolveFilters, skipFiles, type Filters } from './skipping.js';

export interface ReadOptions extends TimeTravel {
  /** Skip files by stats and filter rows: `{ store_id: '12' }`, `{ date: { gte: '2025-01-01' } }`. */
  filters?: Filters;
}

export interface Scan {
  snapshot: Snapshot;
  /** Files left after skipping. */
  files: ActiveFile[];
  /** Parenthesised SELECT usable as a FROM item. */
  sql: string;
}

function emptySelect(schema: readonly SchemaField[]): string {
  const cols = schema.map((f) => `CAST(NULL AS ${f.sqlType ?? 'VARCHAR'}) AS ${ident(f.name)}`);
  return `(SELECT ${cols.join(', ')} WHERE FALSE)`;
}

/** SELECT over the given files with the snapshot's column names and types. */
export function filesSelect(
  storage: Storage,
  schema: readonly SchemaField[],
  files: readonly ActiveFile[],
  opts: {
    where?: string | undefined;
    withFilename?: boolean;
    withRowNumber?: boolean;
    /** Rows to leave out, from deletedRowsRelation (files with deletion vectors). */
    deleted?: string | undefined;
  } = {},
): string {
  if (files.length === 0) {
    const empty = emptySelect(schema);
    const extra = [
      ...(opts.withFilename ? ['NULL::VARCHAR AS filename'] : []),
      ...(opts.withRowNumber ? ['NULL::BIGINT AS file_row_number'] : []),
    ];
    return extra.length > 0 ? `(SELECT *, ${extra.join(', ')} FROM ${empty})` : empty;
  }
  const cols = schema.map((f) =>
    f.sqlType ? `CAST(${ident(f.name)} AS ${f.sqlType}) AS ${ident(f.name)}` : ident(f.name),
  );
  if (opts.withFilename) cols.push('filename');
  if (opts.withRowNumber) cols.push('file_row_number');
  const deleted = opts.deleted;
  const flags =
    (opts.withFilename || deleted ? ', filename = true' : '') +
    (opts.withRowNumber || deleted ? ', file_row_number = true' : '');
  const source = `read_parquet(${pathList(files.map((f) => storage.locate(f.path)))}, union_by_name = true${flags})`;
  const inner = deleted
    ? `SELECT ${cols.join(', ')} FROM ${source} AS cvc_p ANTI JOIN ${deleted} AS cvc_d ` +
      `ON cvc_d.${DELETED_FILE} = cvc_p.filename AND cvc_d.${DELETED_ROW} = cvc_p.file_row_number`
    : `SELECT ${cols.join(', ')} FROM ${source}`;
  return opts.where ? `(SELECT * FROM (${inner}) WHERE ${opts.where})` : `(${inner})`;
}

/** filesSelect over the rows that are part of the table: rows deleted by the files' DVs left out. */
export async function liveSelect(
  storage: Storage,
  snapshot: Pick<Snapshot, 'table' | 'version' | 'schema'>,
  files: readonly ActiveFile[],
  opts: { where?: string | undefined; withFilename?: boolean; withRowNumber?: boolean } = {},
): Promise<string> {
  const deleted = await deletedRowsRelation(storage, snapshot.table, snapshot.version, files);
  return filesSelect(storage, snapshot.schema, files, { ...opts, deleted });
}

export async function assertFilesExist(
  storage: Storage,
  snapshot: Snapshot,
  files: readonly ActiveFile[],
): Promise<void> {
  const absent = new Set(await storage.prepareRead(files.map((f) => f.path)));
  const missing = files.filter((f) => absent.has(f.path));
  if (missing.length > 0) {
    const first = missing[0]!;
    throw new DeltaError(
      'MISSING_FILE',
      snapshot.table,
      snapshot.version,
      `data file ${first.path} (added in version ${first.addedIn}) is ` +
        `missing${missing.length > 1 ? ` (and ${missing.length - 1} more)` : ''}`,
    );
  }
}

export async function planScan(storage: Storage, table: string, opts: ReadOptions = {}): Promise<Scan> {
  const snapshot = await loadSnapshotFrom(storage, table, opts);
  const resolved = resolveFilters(table, snapshot.version, snapshot.schema, opts.filters ?? {});
  const files = skipFiles(snapshot.files, resolved);
  await assertFilesExist(storage, snapshot, files);
  return { snapshot, files, sql: await liveSelect(storage, snapshot, files, { where: filterSql(resolved) }) };
}

/** A parenthesised SELECT over the table, for use as `SELECT ... FROM ${sql} t`. */
export async function scanSql(_conn: DuckDBConnection, table: string, opts: ReadOptions = {}): Promise<string> {
  return (await planScan(storageFor(table), table, opts)).sql;
}

/** CREATE OR REPLACE TEMP VIEW over the table; returns the snapshot it reads. */
export async function createView(
  conn: DuckDBConnection,
  viewName: string,
  table: string,
  opts: ReadOptions = {},
): Promise<Snapshot> {
  const scan = await planScan(storageFor(table), table, opts);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${ident(viewName)} AS SELECT * FROM ${scan.sql} AS t`);
  return scan.snapshot;
}
