// Writes staged rows to Parquet data files with DuckDB and describes each as an `add` action.

import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import { DeltaError } from '../errors.js';
import type { AddFile, FileStats } from '../log/actions.js';
import type { SchemaField } from '../schema.js';
import { literal } from '../sql.js';
import type { Storage } from '../storage/storage.js';
import type { Staged } from './stage-rows.js';
import { fileStats, trimStats } from './stats.js';

export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

export interface WriteFilesOptions {
  maxRowsPerFile?: number | undefined;
  dataChange: boolean;
  indexedColumns: number;
  clusteringProvider?: string | undefined;
}

export function dataFileName(): string {
  return `part-00000-${randomUUID()}-c000.snappy.parquet`;
}

/**
 * Writes the staged rows in order, at most maxRowsPerFile per file. Rows are split by rowid, which
 * follows insertion order in a fresh temp table, so a sorted stage gives files with narrow ranges.
 */
export async function writeStaged(
  conn: DuckDBConnection,
  storage: Storage,
  table: string,
  version: number,
  schema: readonly SchemaField[],
  staged: Staged,
  opts: WriteFilesOptions,
): Promise<AddFile[]> {
  // Files of (nearly) equal size: 4 M rows at 3.3 M per file make two files of 2 M, not 3.3 M and a
  // 0.7 M tail that the next incremental OPTIMIZE would count as small and rewrite.
  const maxRows = Math.max(1, opts.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE);
  const fileCount = Math.ceil(staged.rowCount / maxRows);
  const adds: AddFile[] = [];
  const written: string[] = [];
  const locations: string[] = [];
  try {
    for (let i = 0; i < fileCount; i++) {
      const start = Math.floor((i * staged.rowCount) / fileCount);
      const end = Math.floor(((i + 1) * staged.rowCount) / fileCount);
      const slice =
        fileCount === 1 ? staged.name : `(SELECT * FROM ${staged.name} WHERE rowid >= ${start} AND rowid < ${end})`;
      const name = dataFileName();
      const location = storage.writeLocation(name);
      written.push(name);
      locations.push(location);
      await conn.run(`COPY (SELECT * FROM ${slice} AS s) TO ${literal(location)} (FORMAT parquet, COMPRESSION snappy)`);
      // Stats from the written file's footer (written locally first, also for a remote store): no
      // second scan of the rows. A NULL in a non-nullable column fails the write before it is published.
      const all = await fileStats(conn, schema, location);
      checkNullability(table, version, schema, all);
      const stats = trimStats(all, schema, opts.indexedColumns);
      const info = await storage.finishWrite(name);
      if (!info) throw new DeltaError('IO', table, version, `data file ${name} was not written`);
      const add: AddFile = {
        path: name,
        partitionValues: {},
        size: info.size,
        modificationTime: info.modifiedMs,
        dataChange: opts.dataChange,
        stats: JSON.stringify(stats),
      };
      if (opts.clusteringProvider) add.clusteringProvider = opts.clusteringProvider;
      adds.push(add);
    }
  } catch (e) {
    // Nothing references these files yet: removing them now spares vacuum the work (a remote store's
    // local copies too: a file whose stats failed was written but never published).
    await Promise.all(locations.map((l) => rm(l, { force: true }).catch(() => undefined)));
    await Promise.all(written.map((n) => storage.delete(n).catch(() => undefined)));
    throw e;
  }
  return adds;
}

/**
 * Writes the rows of `selectSql` to one data file in the order the query yields them: DuckDB keeps
 * the order of a single-table scan with a WHERE when preserve_insertion_order is on, which it is for
 * the duration of the COPY. Stats are read back from the written file's footer (fileStats), so the
 * rows are never staged. Used to copy a clustered file minus some rows without sorting it again.
 */
export async function writeQueryInOrder(
  conn: DuckDBConnection,
  storage: Storage,
  table: string,
  version: number,
  schema: readonly SchemaField[],
  selectSql: string,
  opts: WriteFilesOptions,
): Promise<AddFile | undefined> {
  const name = dataFileName();
  // Written locally first (a remote store publishes it in finishWrite), so stats read the local file.
  const location = storage.writeLocation(name);
  const [setting] = await queryRows(conn, `SELECT current_setting('preserve_insertion_order')::BOOLEAN AS v`);
  const restore = setting?.['v'] === false;
  try {
    await conn.run('SET preserve_insertion_order = true');
    try {
      await conn.run(`COPY (${selectSql}) TO ${literal(location)} (FORMAT parquet, COMPRESSION snappy)`);
    } finally {
      if (restore) await conn.run('SET preserve_insertion_order = false');
    }
    const all = await fileStats(conn, schema, location);
    if (all.numRecords === 0) {
      // Never published: only the local file exists (on local storage it is the data file itself).
      await rm(location, { force: true });
      return undefined;
    }
    checkNullability(table, version, schema, all);
    const info = await storage.finishWrite(name);
    if (!info) throw new DeltaError('IO', table, version, `data file ${name} was not written`);
    const add: AddFile = {
      path: name,
      partitionValues: {},
      size: info.size,
      modificationTime: info.modifiedMs,
      dataChange: opts.dataChange,
      stats: JSON.stringify(trimStats(all, schema, opts.indexedColumns)),
    };
    if (opts.clusteringProvider) add.clusteringProvider = opts.clusteringProvider;
    return add;
  } catch (e) {
    await rm(location, { force: true }).catch(() => undefined);
    await storage.delete(name).catch(() => undefined);
    throw e;
  }
}

function checkNullability(table: string, version: number, schema: readonly SchemaField[], stats: FileStats): void {
  for (const f of schema) {
    if (!f.nullable && (stats.nullCount[f.name] ?? 0) > 0) {
      throw new DeltaError(
        'NULL_IN_NON_NULLABLE',
        table,
        version,
        `column ${f.name} is not nullable but ${stats.nullCount[f.name]} row(s) are NULL`,
      );
    }
  }
}
