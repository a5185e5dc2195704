// OPTIMIZE: compact small files and, on clustered tables, sort rows by the clustering columns (the
// local equivalent of Liquid Clustering). Rewritten files carry clusteringProvider "liquid" as the
// protocol asks; the commit has dataChange=false so concurrent appends do not conflict with it.

import type { DuckDBConnection } from '@duckdb/node-api';
import type { Action } from '../log/actions.js';
import type { ActiveFile } from '../log/replay.js';
import { DEFAULT_MAX_ROWS_PER_FILE, writeStaged } from '../files/parquet.js';
import { stage } from '../files/stage.js';
import { assertFilesExist, filesSelect } from '../read/scan.js';
import { commit, type CommitMetadata, type CommitResult } from '../transaction/commit.js';
import { openForWrite, propertyActions } from './context.js';
import { removeAction } from './rewrite-matching.js';

export const CLUSTERING_PROVIDER = 'liquid';

export interface OptimizeOptions {
  /** Rows per output file (default 1,000,000); files already at least this big are left alone on unclustered tables. */
  targetRowsPerFile?: number;
  metadata?: CommitMetadata;
  maxRetries?: number;
}

function rowsOf(f: ActiveFile): number {
  return f.stats && Number.isFinite(f.stats.numRecords) ? f.stats.numRecords : Number.POSITIVE_INFINITY;
}

/** Files to rewrite: on clustered tables everything once any file is unclustered or too small; else the small files. */
function pickFiles(files: readonly ActiveFile[], clustered: boolean, target: number): ActiveFile[] {
  if (clustered) {
    const small = files.filter((f) => rowsOf(f) < target);
    const unclustered = files.filter((f) => f.add.clusteringProvider !== CLUSTERING_PROVIDER);
    return unclustered.length > 0 || small.length > 1 ? [...files] : [];
  }
  const small = files.filter((f) => rowsOf(f) < target);
  return small.length > 1 ? small : [];
}

export async function optimize(conn: DuckDBConnection, table: string, opts: OptimizeOptions = {}): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const { snapshot, storage } = ctx;
  const target = Math.max(1, opts.targetRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE);
  const clusterBy = snapshot.clusteringColumns;
  const clustered = clusterBy.length > 0;
  const files = pickFiles(snapshot.files, clustered, target);
  if (files.length === 0) {
    return { table, version: snapshot.version, operation: 'OPTIMIZE', metrics: { numFilesAdded: 0, numFilesRemoved: 0 }, checkpointWritten: false };
  }
  await assertFilesExist(storage, snapshot, files);
  const staged = await stage(conn, table, snapshot.version, snapshot.schema, `SELECT * FROM ${filesSelect(storage, snapshot.schema, files)}`,
    { orderBy: clusterBy });
  try {
    const adds = await writeStaged(conn, storage, table, snapshot.version, snapshot.schema, staged, {
      maxRowsPerFile: target, dataChange: false, indexedColumns: ctx.indexedColumns,
      clusteringProvider: clustered ? CLUSTERING_PROVIDER : undefined,
    });
    const nowMs = Date.now();
    const actions: Action[] = [
      ...propertyActions(snapshot, undefined),
      ...files.map((f) => ({ remove: removeAction(f, false, nowMs) })),
      ...adds.map((add) => ({ add })),
    ];
    const paths = files.map((f) => f.path);
    return await commit(storage, table, {
      operation: 'OPTIMIZE',
      operationParameters: {
        predicate: '[]',
        targetSize: String(target),
        ...(clustered ? { clusterBy: JSON.stringify(clusterBy) } : {}),
      },
      metrics: {
        numFilesRemoved: files.length,
        numFilesAdded: adds.length,
        numRows: staged.rowCount,
        filesRemovedBytes: files.reduce((s, f) => s + f.size, 0),
        filesAddedBytes: adds.reduce((s, a) => s + a.size, 0),
      },
      actions,
      readVersion: snapshot.version,
      isBlindAppend: false,
      scope: { readPaths: paths, removedPaths: paths, readsAllData: false, appIds: [], domains: [] },
      userMetadata: opts.metadata,
      checkpointInterval: ctx.checkpointInterval,
    }, opts);
  } finally {
    await staged.drop();
  }
}
