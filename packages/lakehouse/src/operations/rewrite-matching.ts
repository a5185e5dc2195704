// Copy-on-write removal of the rows matching a predicate: files with no match are untouched, files
// where every row matches are removed, the rest are removed and their surviving rows rewritten.
// Shared by deleteWhere and replaceWhere.

import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import { pathList } from '../sql.js';
import { DeltaError } from '../errors.js';
import type { Action, RemoveFile } from '../log/actions.js';
import { liveRecords, type ActiveFile } from '../log/replay.js';
import { writeStaged } from '../files/parquet.js';
import { stage } from '../files/stage-rows.js';
import { assertFilesExist, liveSelect } from '../read/scan.js';
import type { WriteContext } from './context.js';

export interface MatchRewrite {
  actions: Action[];
  /** Files scanned to evaluate the predicate. */
  scanned: string[];
  removed: string[];
  rowsDeleted: number;
  rowsCopied: number;
  filesAdded: number;
}

export function removeAction(file: ActiveFile, dataChange: boolean, nowMs: number): RemoveFile {
  return {
    path: file.add.path,
    deletionTimestamp: nowMs,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: file.add.partitionValues ?? {},
    size: file.size,
    // The logical file is (path, DV): its removal names the DV it had.
    ...(file.dv ? { deletionVector: file.dv } : {}),
  };
}

export async function rewriteMatching(
  conn: DuckDBConnection,
  ctx: WriteContext,
  predicate: string,
  maxRowsPerFile?: number,
  candidates?: readonly ActiveFile[],
): Promise<MatchRewrite> {
  const { snapshot, storage, table } = ctx;
  // Files the stats already rule out are neither read nor part of what the operation depends on.
  const files = candidates ?? snapshot.files;
  const result: MatchRewrite = {
    actions: [],
    scanned: files.map((f) => f.path),
    removed: [],
    rowsDeleted: 0,
    rowsCopied: 0,
    filesAdded: 0,
  };
  if (files.length === 0) return result;
  await assertFilesExist(storage, snapshot, files);
  const byLocation = new Map(files.map((f) => [storage.locate(f.path), f]));
  // Count only the matching rows: a plain WHERE lets DuckDB skip row groups by their Parquet stats,
  // and the file totals come from the Delta stats (counted only for files without them).
  const scan = await liveSelect(storage, snapshot, files, { withFilename: true });
  let rows: Record<string, unknown>[];
  try {
    rows = await queryRows(
      conn,
      `SELECT filename, count(*)::BIGINT AS hits FROM ${scan} AS t WHERE (${predicate}) GROUP BY filename`,
    );
  } catch (e) {
    throw new DeltaError(
      'INVALID_ARGUMENT',
      table,
      snapshot.version,
      `the predicate ${predicate} failed: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const hit = rows.map((row) => {
    const file = byLocation.get(String(row['filename']));
    if (!file)
      throw new DeltaError('IO', table, snapshot.version, `DuckDB reported an unknown file ${String(row['filename'])}`);
    return { file, hits: Number(row['hits']) };
  });
  const totals = await fileRowCounts(
    conn,
    ctx,
    hit.map((h) => h.file),
  );
  const partial: ActiveFile[] = [];
  const nowMs = Date.now();
  for (const { file, hits } of hit) {
    if (hits === 0) continue;
    result.rowsDeleted += hits;
    result.removed.push(file.path);
    result.actions.push({ remove: removeAction(file, true, nowMs) });
    if (hits < totals.get(file.path)!) partial.push(file);
  }
  if (partial.length > 0) {
    const keep = await stage(
      conn,
      table,
      snapshot.version,
      snapshot.schema,
      `SELECT * FROM ${await liveSelect(storage, snapshot, partial)}`,
      { where: `NOT coalesce((${predicate}), FALSE)` },
    );
    try {
      const adds = await writeStaged(conn, storage, table, snapshot.version, snapshot.schema, keep, {
        maxRowsPerFile,
        dataChange: true,
        indexedColumns: ctx.indexedColumns,
      });
      result.rowsCopied = keep.rowCount;
      result.filesAdded = adds.length;
      result.actions.push(...adds.map((add) => ({ add })));
    } finally {
      await keep.drop();
    }
  }
  return result;
}

async function fileRowCounts(
  conn: DuckDBConnection,
  ctx: WriteContext,
  files: readonly ActiveFile[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const unknown: ActiveFile[] = [];
  for (const f of files) {
    if (f.stats && Number.isFinite(f.stats.numRecords)) counts.set(f.path, liveRecords(f));
    else unknown.push(f);
  }
  if (unknown.length > 0) {
    const byLocation = new Map(unknown.map((f) => [ctx.storage.locate(f.path), f]));
    const rows = await queryRows(
      conn,
      `SELECT filename, count(*)::BIGINT AS n
       FROM read_parquet(${pathList([...byLocation.keys()])}, filename = true) GROUP BY filename`,
    );
    for (const r of rows) {
      const f = byLocation.get(String(r['filename']))!;
      counts.set(f.path, Number(r['n']) - (f.dv?.cardinality ?? 0));
    }
  }
  return counts;
}
