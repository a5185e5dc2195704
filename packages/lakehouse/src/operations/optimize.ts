// OPTIMIZE, incremental as Delta's liquid clustering: only files that are not yet clustered or are
// too small are rewritten, grouped into bins toward the target file size, each bin sorted in the
// clustering order (files/cluster-order.ts). Clustered writes already produce sorted files, so a
// daily run compacts the day's small files and leaves the rest of the table alone. Rewritten files
// carry clusteringProvider "liquid"; the commit has dataChange=false so concurrent appends do not
// conflict with it. Unclustered tables get plain compaction of their small files. A file whose deletion
// vector hides more than DV_MAX_DELETED_FRACTION of its rows is rewritten too (the copy drops the DV).

import type { DuckDBConnection } from '@duckdb/node-api';
import type { Action, AddFile } from '../log/actions.js';
import { liveRecords, type ActiveFile } from '../log/replay.js';
import { CLUSTERING_PROVIDER } from '../files/cluster-order.js';
import { writeStaged } from '../files/parquet.js';
import { stage } from '../files/stage-rows.js';
import { assertFilesExist, liveSelect } from '../read/scan.js';
import { commit, type CommitMetadata, type CommitResult } from '../transaction/commit.js';
import { openForWrite, propertyActions } from './context.js';
import { DV_MAX_DELETED_FRACTION } from './merge.js';
import { removeAction } from './rewrite-matching.js';

export { CLUSTERING_PROVIDER };

export const DEFAULT_TARGET_FILE_SIZE_MB = 128;
/** Bytes per row assumed before a table has files to measure (a ~30-column numeric row, compressed). */
const FALLBACK_BYTES_PER_ROW = 40;

export interface OptimizeOptions {
  /** Target size of rewritten files (default 128 MiB); converted to rows with the table's bytes per row. */
  targetFileSizeBytes?: number;
  /** Rows per output file, overriding targetFileSizeBytes. */
  targetRowsPerFile?: number;
  metadata?: CommitMetadata;
  maxRetries?: number;
  /** Runs once after planning, before the first commit attempt (tests put a concurrent writer's commit here). */
  beforeCommit?: () => Promise<void>;
}

function rowsOf(f: ActiveFile): number {
  return f.stats && Number.isFinite(f.stats.numRecords) ? liveRecords(f) : Number.POSITIVE_INFINITY;
}

/** A file whose DV hides so many rows that reading it wastes more than rewriting it once. */
function mostlyDeleted(f: ActiveFile): boolean {
  const physical = f.stats?.numRecords;
  return f.dv !== undefined && physical !== undefined && f.dv.cardinality > DV_MAX_DELETED_FRACTION * physical;
}

/** Rows that make a file of about `bytes`, at the bytes per row the table's files show. */
export function rowsForSize(files: readonly ActiveFile[], bytes: number): number {
  let size = 0;
  let rows = 0;
  for (const f of files) {
    const n = f.stats?.numRecords ?? NaN; // the Parquet file's rows, deleted ones included: they take bytes
    if (Number.isFinite(n) && n > 0) {
      size += f.size;
      rows += n;
    }
  }
  const perRow = rows > 0 ? size / rows : FALLBACK_BYTES_PER_ROW;
  return Math.max(1, Math.floor(bytes / perRow));
}

/**
 * Bins of files to rewrite. A file is a candidate when it is unclustered or smaller than a quarter of
 * the target (unclustered tables: smaller than the target); candidates are ordered by where their data
 * starts (so a bin holds neighbours) and packed into bins of about `target` rows. A bin that would only
 * rewrite one already clustered file is dropped.
 */
export function planBins(files: readonly ActiveFile[], clusterBy: readonly string[], target: number): ActiveFile[][] {
  const clustered = clusterBy.length > 0;
  const isClustered = (f: ActiveFile) => f.add.clusteringProvider === CLUSTERING_PROVIDER;
  // A quarter, not a half: a clustered write sizes its files from an estimate of bytes per row, and a
  // file somewhat below the target is not worth rewriting; a daily run re-compacts at most that much.
  const small = clustered ? target / 4 : target;
  const candidates = files.filter((f) => (clustered && !isClustered(f)) || rowsOf(f) < small || mostlyDeleted(f));
  if (!clustered && candidates.length < 2 && !candidates.some(mostlyDeleted)) return [];
  const key = clusterBy[0];
  // Stats hold numbers as JSON numbers and dates/text as strings: each compared by its own type
  // (as text, 10 would come before 9 and a bin would join files far apart).
  const start = (f: ActiveFile): unknown => (key !== undefined ? f.stats?.minValues[key] : undefined);
  const sorted = [...candidates].sort((a, b) => compareStat(start(a), start(b)));
  const bins: ActiveFile[][] = [];
  let bin: ActiveFile[] = [];
  let rows = 0;
  for (const f of sorted) {
    const n = Math.min(rowsOf(f), target);
    if (bin.length > 0 && rows + n > target) {
      bins.push(bin);
      bin = [];
      rows = 0;
    }
    bin.push(f);
    rows += n;
  }
  if (bin.length > 0) bins.push(bin);
  return bins.filter((b) => b.length > 1 || (clustered && !isClustered(b[0]!)) || mostlyDeleted(b[0]!));
}

/** Orders two stats values: missing first, numbers numerically, anything else as text. */
function compareStat(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export async function optimize(
  conn: DuckDBConnection,
  table: string,
  opts: OptimizeOptions = {},
): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const { snapshot, storage } = ctx;
  const target = Math.max(
    1,
    opts.targetRowsPerFile ??
      rowsForSize(snapshot.files, opts.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_SIZE_MB * 2 ** 20),
  );
  const clusterBy = snapshot.clusteringColumns;
  const clustered = clusterBy.length > 0;
  const bins = planBins(snapshot.files, clusterBy, target);
  const files = bins.flat();
  if (files.length === 0) {
    const metrics = { numFilesAdded: 0, numFilesRemoved: 0 };
    return { table, version: snapshot.version, operation: 'OPTIMIZE', metrics, checkpointWritten: false };
  }
  await assertFilesExist(storage, snapshot, files);
  const adds: AddFile[] = [];
  let numRows = 0;
  try {
    for (const bin of bins) {
      const from = `SELECT * FROM ${await liveSelect(storage, snapshot, bin)}`;
      const staged = await stage(conn, table, snapshot.version, snapshot.schema, from, { clusterBy });
      try {
        adds.push(
          ...(await writeStaged(conn, storage, table, snapshot.version, snapshot.schema, staged, {
            maxRowsPerFile: target,
            dataChange: false,
            indexedColumns: ctx.indexedColumns,
            clusteringProvider: clustered ? CLUSTERING_PROVIDER : undefined,
          })),
        );
        numRows += staged.rowCount;
      } finally {
        await staged.drop();
      }
    }
  } catch (e) {
    // Nothing references the files of the bins written so far.
    await Promise.all(adds.map((a) => storage.delete(a.path).catch(() => undefined)));
    throw e;
  }
  const nowMs = Date.now();
  const actions: Action[] = [
    ...propertyActions(snapshot, undefined),
    ...files.map((f) => ({ remove: removeAction(f, false, nowMs) })),
    ...adds.map((add) => ({ add })),
  ];
  const paths = files.map((f) => f.path);
  return await commit(
    storage,
    table,
    {
      operation: 'OPTIMIZE',
      operationParameters: {
        predicate: '[]',
        targetSize: String(target),
        ...(clustered ? { clusterBy: JSON.stringify(clusterBy) } : {}),
      },
      metrics: {
        numFilesRemoved: files.length,
        numFilesAdded: adds.length,
        numRows,
        numBins: bins.length,
        filesRemovedBytes: files.reduce((s, f) => s + f.size, 0),
        filesAddedBytes: adds.reduce((s, a) => s + a.size, 0),
      },
      actions,
      readVersion: snapshot.version,
      isBlindAppend: false,
      scope: { readPaths: paths, removedPaths: paths, readsAllData: false, appIds: [], domains: [] },
      userMetadata: opts.metadata,
      checkpointInterval: ctx.checkpointInterval,
    },
    opts,
  );
}
