// MERGE (upsert) by key columns, one commit. Files are pruned by the source's key ranges, then only files
// holding a matched row change: on a table with deletion vectors enabled, a file whose matched rows are few
// keeps its Parquet file and gets a deletion vector listing them (merged with its old one); otherwise it is
// copied minus those rows in its own order (no sort). Updated and inserted rows go to new files, sorted in
// clustering order on a clustered table.

import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import { DeltaError } from '../errors.js';
import {
  readDeletedRows,
  unionRows,
  writeDeletionVectors,
  type DeletionVectorDescriptor,
} from '../deletion-vectors/descriptor.js';
import type { Action, AddFile } from '../log/actions.js';
import type { ActiveFile } from '../log/replay.js';
import { writeQueryInOrder } from '../files/parquet.js';
import { stage, stageSource } from '../files/stage-rows.js';
import { computeStats } from '../files/stats.js';
import { assertFilesExist, filesSelect, liveSelect } from '../read/scan.js';
import { skipFiles, type FilterValue, type Scalar } from '../read/skipping.js';
import type { SchemaField } from '../schema.js';
import { ident, literal } from '../sql.js';
import { commit, type CommitResult } from '../transaction/commit.js';
import { deletionVectorsEnabled, isAppendOnly } from '../transaction/protocol.js';
import {
  alreadyApplied,
  openForWrite,
  propertyActions,
  readingCommit,
  txnActions,
  writeNewFiles,
  type WriteContext,
  type WriteOptions,
} from './context.js';
import { removeAction } from './rewrite-matching.js';

export interface MergeOptions extends WriteOptions {
  /** Key columns: a source row matches target rows with equal (non-NULL) keys. */
  on: string[];
  /** Default 'update': matched target rows are replaced by the source row. */
  whenMatched?: 'update' | 'ignore';
  /** Default 'insert': source rows without a match are added. */
  whenNotMatched?: 'insert' | 'ignore';
  /**
   * Turn deletion vectors on (`delta.enableDeletionVectors=true`, reader 3 / writer 7 with the
   * `deletionVectors` feature) in the first commit that writes one, so the table stays readable by
   * readers without DV support until then. A table whose property is already true uses DVs anyway.
   */
  enableDeletionVectors?: boolean;
}

/** Above this many runs of matched rows in one file, the copy anti-joins and sorts instead of filtering. */
const MAX_FILTER_RUNS = 512;

/**
 * A file keeps its Parquet and gets a deletion vector while its DV deletes at most this share of its rows;
 * beyond it, the file is copied without them (and OPTIMIZE rewrites files other writers left above it), so
 * a scan never reads more than 10% dead rows.
 */
export const DV_MAX_DELETED_FRACTION = 0.1;

/** Whether the merge marks the file's matched rows in a deletion vector rather than copying the file. */
export function keepsWithDv(file: ActiveFile, matched: number): boolean {
  const physical = file.stats?.numRecords;
  if (physical === undefined || !Number.isFinite(physical) || physical <= 0) return false;
  const deleted = (file.dv?.cardinality ?? 0) + matched;
  return deleted < physical && deleted <= DV_MAX_DELETED_FRACTION * physical;
}

function matchOn(keys: readonly SchemaField[], a: string, b: string): string {
  return keys.map((k) => `${a}.${ident(k.name)} = ${b}.${ident(k.name)}`).join(' AND ');
}

/** `file` without its rows listed in `hits`, written in the file's row order (undefined: none left). */
async function copyWithout(
  conn: DuckDBConnection,
  ctx: WriteContext,
  file: ActiveFile,
  hits: string,
): Promise<AddFile | undefined> {
  const { storage, snapshot, table } = ctx;
  const location = storage.locate(file.path);
  // Matched rows as runs of consecutive row numbers (gaps and islands): a clustered file's matches
  // are few runs, and a plain WHERE on them keeps DuckDB's scan order (a join would not).
  const runs = await queryRows(
    conn,
    `SELECT min(cvc_row)::BIGINT AS lo, max(cvc_row)::BIGINT AS hi FROM (
      SELECT cvc_row, cvc_row - row_number() OVER (ORDER BY cvc_row) AS g FROM ${hits}
      WHERE cvc_file = ${literal(location)})
    GROUP BY g ORDER BY lo`,
  );
  // A file with a DV is read without its deleted rows through an anti-join, so its order needs the sort.
  const rows = file.dv
    ? await liveSelect(storage, snapshot, [file], { withRowNumber: true })
    : filesSelect(storage, snapshot.schema, [file], { withRowNumber: true });
  const select =
    runs.length <= MAX_FILTER_RUNS && !file.dv
      ? `SELECT * EXCLUDE (file_row_number) FROM ${rows} AS t WHERE NOT (${runs
          .map((r) => `file_row_number BETWEEN ${Number(r['lo'])} AND ${Number(r['hi'])}`)
          .join(' OR ')})`
      : `SELECT * EXCLUDE (file_row_number) FROM ${rows} AS t WHERE NOT EXISTS (SELECT 1 FROM ${hits} AS h
        WHERE h.cvc_file = ${literal(location)} AND h.cvc_row = t.file_row_number) ORDER BY file_row_number`;
  return writeQueryInOrder(conn, storage, table, snapshot.version, snapshot.schema, select, {
    dataChange: true,
    indexedColumns: ctx.indexedColumns,
    clusteringProvider: file.add.clusteringProvider ?? undefined,
  });
}

export async function merge(
  conn: DuckDBConnection,
  table: string,
  sourceSql: string,
  opts: MergeOptions,
): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const skip = alreadyApplied(ctx, 'MERGE', opts.txn);
  if (skip) return skip;
  const { snapshot, storage } = ctx;
  const whenMatched = opts.whenMatched ?? 'update';
  const whenNotMatched = opts.whenNotMatched ?? 'insert';
  if (opts.on.length === 0)
    throw new DeltaError('INVALID_ARGUMENT', table, snapshot.version, 'merge needs at least one key column in `on`');
  const keys: SchemaField[] = opts.on.map((k) => {
    const f = snapshot.schema.find((x) => x.name === k);
    if (!f)
      throw new DeltaError('INVALID_ARGUMENT', table, snapshot.version, `merge key ${k} is not a column of the table`);
    return f;
  });
  const src = await stageSource(conn, table, snapshot.version, snapshot.schema, sourceSql);
  const cleanup: Array<() => Promise<void>> = [src.drop];
  try {
    const keyList = keys.map((k) => ident(k.name)).join(', ');
    const [dup] = await queryRows(
      conn,
      `SELECT count(*)::BIGINT AS n FROM (SELECT ${keyList} FROM ${src.name} GROUP BY ${keyList} HAVING count(*) > 1)`,
    );
    if (Number(dup?.['n'] ?? 0) > 0) {
      throw new DeltaError(
        'INVALID_ARGUMENT',
        table,
        snapshot.version,
        `the merge source has ${Number(dup?.['n'])} duplicated key(s) on (${opts.on.join(', ')}); each target ` +
          'row may match at most one source row',
      );
    }

    // Prune target files with the source's key ranges, then find the files that really hold a match.
    const srcStats = await computeStats(conn, keys, src.name);
    const ranges: Array<[SchemaField, FilterValue]> = keys.map((k) => {
      const lo = srcStats.minValues[k.name] as Scalar | undefined;
      const hi = srcStats.maxValues[k.name] as Scalar | undefined;
      return [k, { ...(lo === undefined ? {} : { gte: lo }), ...(hi === undefined ? {} : { lte: hi }) }];
    });
    const candidates = src.rowCount === 0 ? [] : skipFiles(snapshot.files, ranges);
    await assertFilesExist(storage, snapshot, candidates);
    const on = matchOn(keys, 't', 's');
    // The matched target rows, by file and row number (only the key columns of candidates are read).
    const hits = ident(`cvc_merge_hits_${randomUUID().replaceAll('-', '')}`);
    const keyCols = keys.map((k) => `t.${ident(k.name)}`).join(', ');
    await conn.run(`CREATE TEMP TABLE ${hits} AS SELECT t.filename AS cvc_file, t.file_row_number AS cvc_row, ${keyCols}
      FROM ${await liveSelect(storage, snapshot, candidates, { withFilename: true, withRowNumber: true })} AS t
      JOIN ${src.name} AS s ON ${on}`);
    cleanup.push(async () => {
      await conn.run(`DROP TABLE IF EXISTS ${hits}`);
    });
    const byLocation = new Map(candidates.map((f) => [storage.locate(f.path), f]));
    const perFile = await queryRows(conn, `SELECT cvc_file, count(*)::BIGINT AS n FROM ${hits} GROUP BY cvc_file`);
    const matchedIn = new Map<ActiveFile, number>();
    for (const r of perFile) {
      const file = byLocation.get(String(r['cvc_file']));
      if (!file) {
        throw new DeltaError('IO', table, snapshot.version, `DuckDB reported an unknown file ${String(r['cvc_file'])}`);
      }
      matchedIn.set(file, Number(r['n']));
    }
    const touched = [...matchedIn.keys()];
    const targetMatched = [...matchedIn.values()].reduce((a, b) => a + b, 0);
    const [m] = await queryRows(
      conn,
      `SELECT count(*)::BIGINT AS n FROM ${src.name} AS s
      WHERE EXISTS (SELECT 1 FROM ${hits} AS h WHERE ${matchOn(keys, 'h', 's')})`,
    );
    const sourceMatched = Number(m?.['n'] ?? 0);
    const rewrite = whenMatched === 'update' && touched.length > 0;
    if (rewrite && isAppendOnly(snapshot.metadata)) {
      throw new DeltaError(
        'APPEND_ONLY',
        table,
        snapshot.version,
        'merge would update rows but the table has delta.appendOnly=true',
      );
    }

    const nowMs = Date.now();
    const adds: AddFile[] = [];
    const written: string[] = [];
    let rowsCopied = 0;
    let rowsWritten = 0;
    const dvAllowed = deletionVectorsEnabled(snapshot.metadata) || opts.enableDeletionVectors === true;
    const marked = rewrite && dvAllowed ? touched.filter((f) => keepsWithDv(f, matchedIn.get(f)!)) : [];
    const copied = rewrite ? touched.filter((f) => !marked.includes(f)) : [];
    const dvAdds: AddFile[] = [];
    try {
      // Few matches in a file: its rows stay where they are and a deletion vector hides the matched ones.
      if (marked.length > 0) {
        const rowSets: number[][] = [];
        for (const f of marked) {
          const rows = await queryRows(
            conn,
            `SELECT cvc_row::BIGINT AS r FROM ${hits} WHERE cvc_file = ${literal(storage.locate(f.path))} ORDER BY r`,
          );
          const fresh = rows.map((r) => Number(r['r']));
          const old = f.dv ? await readDeletedRows(storage, table, snapshot.version, f.path, f.dv) : [];
          rowSets.push(unionRows(old, fresh));
        }
        const dvs = await writeDeletionVectors(storage, rowSets);
        written.push(dvs.file);
        marked.forEach((f, i) => dvAdds.push(withDeletionVector(f, dvs.descriptors[i]!)));
      }
      // Otherwise a touched file is copied minus its matched rows, in its own order: a clustered file
      // stays clustered without a sort, and untouched files are not read at all.
      if (rewrite) {
        for (const f of copied) {
          const add = await copyWithout(conn, ctx, f, hits);
          if (add) {
            adds.push(add);
            rowsCopied += (JSON.parse(add.stats ?? '{}') as { numRecords?: number }).numRecords ?? 0;
          }
        }
      }
      // Updated and inserted rows go to new files, in clustering order on a clustered table.
      const parts: string[] = [];
      if (rewrite) parts.push(`SELECT s.* FROM ${hits} AS h JOIN ${src.name} AS s ON ${matchOn(keys, 'h', 's')}`);
      if (whenNotMatched === 'insert') {
        parts.push(`SELECT s.* FROM ${src.name} AS s
          WHERE NOT EXISTS (SELECT 1 FROM ${hits} AS h WHERE ${matchOn(keys, 'h', 's')})`);
      }
      const clusterBy = snapshot.clusteringColumns;
      if (parts.length > 0) {
        const union = parts.map((p) => `(${p})`).join(' UNION ALL ');
        const out = await stage(conn, table, snapshot.version, snapshot.schema, union, { clusterBy });
        cleanup.push(out.drop);
        adds.push(...(await writeNewFiles(conn, ctx, out, opts.maxRowsPerFile)));
        rowsWritten = out.rowCount;
      }
    } catch (e) {
      // Nothing references the files written so far.
      const orphans = [...adds.map((a) => a.path), ...written];
      await Promise.all(orphans.map((p) => storage.delete(p).catch(() => undefined)));
      throw e;
    }
    const properties =
      marked.length > 0 && !deletionVectorsEnabled(snapshot.metadata)
        ? { ...opts.properties, 'delta.enableDeletionVectors': 'true' }
        : opts.properties;
    const actions: Action[] = [...propertyActions(snapshot, properties), ...txnActions(opts.txn)];
    const inserted = whenNotMatched === 'insert' ? src.rowCount - sourceMatched : 0;
    const filesAdded = adds.length;
    if (rewrite) for (const f of touched) actions.push({ remove: removeAction(f, true, nowMs) });
    actions.push(...dvAdds.map((add) => ({ add })), ...adds.map((add) => ({ add })));
    // A file that got a DV is removed as a logical file too: a concurrent remover of it must conflict.
    const removed = rewrite ? touched.map((f) => f.path) : [];
    return await commit(
      storage,
      table,
      {
        operation: 'MERGE',
        operationParameters: {
          predicate: opts.on.map((k) => `target.${k} = source.${k}`).join(' AND '),
          matchedPredicates: JSON.stringify(whenMatched === 'update' ? [{ actionType: 'update' }] : []),
          notMatchedPredicates: JSON.stringify(whenNotMatched === 'insert' ? [{ actionType: 'insert' }] : []),
        },
        metrics: {
          numSourceRows: src.rowCount,
          numTargetRowsUpdated: rewrite ? targetMatched : 0,
          numTargetRowsInserted: inserted,
          numTargetRowsCopied: rewrite ? rowsCopied : 0,
          numOutputRows: rowsWritten + rowsCopied,
          numTargetFilesRemoved: copied.length,
          numTargetFilesAdded: filesAdded,
          numDeletionVectorsAdded: marked.length,
          numDeletionVectorsRemoved: touched.filter((f) => f.dv !== undefined).length,
          numTargetFilesScanned: candidates.length,
          numTargetFilesSkipped: snapshot.files.length - candidates.length,
        },
        actions,
        ...readingCommit(ctx, opts, { readPaths: candidates.map((f) => f.path), removedPaths: removed }),
      },
      opts,
    );
  } finally {
    for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
  }
}

/** The add action of a file that keeps its Parquet with a new DV: its stats stay, but the bounds are now wide. */
function withDeletionVector(file: ActiveFile, dv: DeletionVectorDescriptor): AddFile {
  const stats = JSON.parse(file.add.stats!) as Record<string, unknown>;
  return {
    ...file.add,
    dataChange: true,
    deletionVector: dv,
    stats: JSON.stringify({ ...stats, tightBounds: false }),
  };
}
