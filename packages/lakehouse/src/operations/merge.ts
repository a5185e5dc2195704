// MERGE (upsert) by key columns, copy-on-write: only files that hold a matched key are rewritten,
// and the whole change is one commit. Files are first pruned by the source's key ranges.

import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import { DeltaError } from '../errors.js';
import type { Action } from '../log/actions.js';
import { CLUSTERING_PROVIDER } from '../files/cluster-order.js';
import { writeStaged } from '../files/parquet.js';
import { stage, stageSource } from '../files/stage-rows.js';
import { computeStats } from '../files/stats.js';
import { assertFilesExist, filesSelect } from '../read/scan.js';
import { skipFiles, type FilterValue, type Scalar } from '../read/skipping.js';
import type { SchemaField } from '../schema.js';
import { ident } from '../sql.js';
import { commit, type CommitResult } from '../transaction/commit.js';
import { isAppendOnly } from '../transaction/protocol.js';
import { alreadyApplied, openForWrite, propertyActions, txnActions, type WriteOptions } from './context.js';
import { removeAction } from './rewrite-matching.js';

export interface MergeOptions extends WriteOptions {
  /** Key columns: a source row matches target rows with equal (non-NULL) keys. */
  on: string[];
  /** Default 'update': matched target rows are replaced by the source row. */
  whenMatched?: 'update' | 'ignore';
  /** Default 'insert': source rows without a match are added. */
  whenNotMatched?: 'insert' | 'ignore';
}

export async function merge(conn: DuckDBConnection, table: string, sourceSql: string, opts: MergeOptions): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const skip = alreadyApplied(ctx, 'MERGE', opts.txn);
  if (skip) return skip;
  const { snapshot, storage } = ctx;
  const whenMatched = opts.whenMatched ?? 'update';
  const whenNotMatched = opts.whenNotMatched ?? 'insert';
  if (opts.on.length === 0) throw new DeltaError('INVALID_ARGUMENT', table, snapshot.version, 'merge needs at least one key column in `on`');
  const keys: SchemaField[] = opts.on.map((k) => {
    const f = snapshot.schema.find((x) => x.name === k);
    if (!f) throw new DeltaError('INVALID_ARGUMENT', table, snapshot.version, `merge key ${k} is not a column of the table`);
    return f;
  });
  const src = await stageSource(conn, table, snapshot.version, snapshot.schema, sourceSql);
  const cleanup: Array<() => Promise<void>> = [src.drop];
  try {
    const keyList = keys.map((k) => ident(k.name)).join(', ');
    const [dup] = await queryRows(conn,
      `SELECT count(*)::BIGINT AS n FROM (SELECT ${keyList} FROM ${src.name} GROUP BY ${keyList} HAVING count(*) > 1)`);
    if (Number(dup?.['n'] ?? 0) > 0) {
      throw new DeltaError('INVALID_ARGUMENT', table, snapshot.version,
        `the merge source has ${Number(dup?.['n'])} duplicated key(s) on (${opts.on.join(', ')}); each target row may match at most one source row`);
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
    const on = keys.map((k) => `t.${ident(k.name)} = s.${ident(k.name)}`).join(' AND ');
    let touched: typeof candidates = [];
    let targetMatched = 0;
    if (candidates.length > 0) {
      const byLocation = new Map(candidates.map((f) => [storage.locate(f.path), f]));
      const rows = await queryRows(conn, `SELECT t.filename, count(*)::BIGINT AS n
        FROM ${filesSelect(storage, snapshot.schema, candidates, { withFilename: true })} AS t
        JOIN ${src.name} AS s ON ${on} GROUP BY t.filename`);
      touched = rows.map((r) => byLocation.get(String(r['filename']))!).filter((f) => f !== undefined);
      targetMatched = rows.reduce((s, r) => s + Number(r['n']), 0);
    }
    const [m] = await queryRows(conn, touched.length === 0 ? 'SELECT 0::BIGINT AS n'
      : `SELECT count(*)::BIGINT AS n FROM ${src.name} AS s WHERE EXISTS (SELECT 1 FROM ${filesSelect(storage, snapshot.schema, touched)} AS t WHERE ${on})`);
    const sourceMatched = Number(m?.['n'] ?? 0);
    const rewrite = whenMatched === 'update' && touched.length > 0;
    if (rewrite && isAppendOnly(snapshot.metadata)) {
      throw new DeltaError('APPEND_ONLY', table, snapshot.version, 'merge would update rows but the table has delta.appendOnly=true');
    }

    // New content: untouched rows of rewritten files, updated rows, inserted rows.
    const touchedRows = touched.length === 0 ? undefined : filesSelect(storage, snapshot.schema, touched);
    const parts: string[] = [];
    if (rewrite && touchedRows) {
      parts.push(`SELECT t.* FROM ${touchedRows} AS t WHERE NOT EXISTS (SELECT 1 FROM ${src.name} AS s WHERE ${on})`);
      // One output row per matched target row, as Delta's MERGE updates each of them.
      parts.push(`SELECT s.* FROM ${touchedRows} AS t JOIN ${src.name} AS s ON ${on}`);
    }
    if (whenNotMatched === 'insert') {
      parts.push(touchedRows
        ? `SELECT s.* FROM ${src.name} AS s WHERE NOT EXISTS (SELECT 1 FROM ${touchedRows} AS t WHERE ${on})`
        : `SELECT s.* FROM ${src.name} AS s`);
    }
    const inserted = whenNotMatched === 'insert' ? src.rowCount - sourceMatched : 0;
    const actions: Action[] = [...propertyActions(snapshot, opts.properties), ...txnActions(opts.txn)];
    const nowMs = Date.now();
    let filesAdded = 0;
    let rowsWritten = 0;
    if (parts.length > 0) {
      // On a clustered table the new files are written in clustering order (clustered on write).
      const clusterBy = snapshot.clusteringColumns;
      const out = await stage(conn, table, snapshot.version, snapshot.schema, parts.map((p) => `(${p})`).join(' UNION ALL '), { clusterBy });
      cleanup.push(out.drop);
      const adds = await writeStaged(conn, storage, table, snapshot.version, snapshot.schema, out, {
        maxRowsPerFile: opts.maxRowsPerFile, dataChange: true, indexedColumns: ctx.indexedColumns,
        clusteringProvider: clusterBy.length > 0 ? CLUSTERING_PROVIDER : undefined,
      });
      filesAdded = adds.length;
      rowsWritten = out.rowCount;
      if (rewrite) for (const f of touched) actions.push({ remove: removeAction(f, true, nowMs) });
      actions.push(...adds.map((add) => ({ add })));
    }
    const removed = rewrite ? touched.map((f) => f.path) : [];
    return await commit(storage, table, {
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
        numTargetRowsCopied: rewrite ? rowsWritten - inserted - targetMatched : 0,
        numTargetFilesRemoved: removed.length,
        numTargetFilesAdded: filesAdded,
        numTargetFilesScanned: candidates.length,
        numTargetFilesSkipped: snapshot.files.length - candidates.length,
      },
      actions,
      readVersion: snapshot.version,
      isBlindAppend: false,
      scope: { readPaths: candidates.map((f) => f.path), removedPaths: removed, readsAllData: true, appIds: opts.txn ? [opts.txn.appId] : [], domains: [] },
      userMetadata: opts.metadata,
      checkpointInterval: ctx.checkpointInterval,
    }, opts);
  } finally {
    for (const drop of cleanup.reverse()) await drop().catch(() => undefined);
  }
}
