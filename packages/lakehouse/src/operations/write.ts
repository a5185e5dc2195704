// WRITE operations: append, overwrite and replaceWhere, each one commit.

import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from '../duckdb.js';
import { DeltaError } from '../errors.js';
import { fragment } from '../sql.js';
import { parseStats, type Action, type AddFile } from '../log/actions.js';
import { decodePath } from '../log/replay.js';
import { filesSelect } from '../read/scan.js';
import { stageSource, type Staged } from '../files/stage-rows.js';
import { commit, type CommitResult } from '../transaction/commit.js';
import { isAppendOnly } from '../transaction/protocol.js';
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
import { removeAction, rewriteMatching } from './rewrite-matching.js';
import { filterSql, resolveFilters, skipFiles, type Filters } from '../read/skipping.js';
import { parseSchemaString, toSchemaString, type ColumnDef } from '../schema.js';

/** `ctx` as if the table already had `columns` (and `properties`), when they change its schema. */
async function withSchema(
  ctx: WriteContext,
  columns: readonly ColumnDef[] | undefined,
  properties: Record<string, string> | undefined,
): Promise<WriteContext & { schemaChange?: boolean }> {
  if (!columns) return ctx;
  const schemaString = toSchemaString(ctx.table, columns);
  if (schemaString === ctx.snapshot.metadata.schemaString) return ctx;
  const configuration = { ...(ctx.snapshot.metadata.configuration ?? {}), ...(properties ?? {}) };
  const metadata = { ...ctx.snapshot.metadata, schemaString, configuration };
  const schema = parseSchemaString(ctx.table, ctx.snapshot.version, schemaString);
  return { ...ctx, snapshot: { ...ctx.snapshot, metadata, schema }, schemaChange: true };
}

async function withStagedSource<T>(
  conn: DuckDBConnection,
  ctx: WriteContext,
  sourceSql: string,
  fn: (s: Staged) => Promise<T>,
  clusterKeyValues: Readonly<Record<string, string>> = {},
): Promise<T> {
  const staged = await stageSource(
    conn,
    ctx.table,
    ctx.snapshot.version,
    ctx.snapshot.schema,
    sourceSql,
    ctx.snapshot.clusteringColumns,
    clusterKeyValues,
  );
  try {
    return await fn(staged);
  } finally {
    await staged.drop();
  }
}

function assertMayRemove(ctx: WriteContext, operation: string): void {
  if (isAppendOnly(ctx.snapshot.metadata)) {
    throw new DeltaError(
      'APPEND_ONLY',
      ctx.table,
      ctx.snapshot.version,
      `${operation} would remove data but the table has delta.appendOnly=true`,
    );
  }
}

export async function append(
  conn: DuckDBConnection,
  table: string,
  sourceSql: string,
  opts: WriteOptions = {},
): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const skip = alreadyApplied(ctx, 'WRITE', opts.txn);
  if (skip) return skip;
  return withStagedSource(conn, ctx, sourceSql, async (staged) => {
    const adds = await writeNewFiles(conn, ctx, staged, opts.maxRowsPerFile);
    const props = propertyActions(ctx.snapshot, opts.properties);
    return commit(
      ctx.storage,
      table,
      {
        operation: 'WRITE',
        operationParameters: { mode: 'Append' },
        metrics: {
          numFiles: adds.length,
          numOutputRows: staged.rowCount,
          numOutputBytes: adds.reduce((s, a) => s + a.size, 0),
        },
        actions: [...props, ...txnActions(opts.txn), ...adds.map((add) => ({ add }))],
        readVersion: ctx.snapshot.version,
        isBlindAppend: props.length === 0,
        scope: {
          readPaths: [],
          removedPaths: [],
          readsAllData: false,
          appIds: opts.txn ? [opts.txn.appId] : [],
          domains: [],
          blindAppendSchema: props.length === 0 ? ctx.snapshot.metadata.schemaString : undefined,
        },
        userMetadata: opts.metadata,
        checkpointInterval: ctx.checkpointInterval,
      },
      opts,
    );
  });
}

/**
 * `schema`: the columns the table has after the overwrite (Delta's overwriteSchema), committed as a
 * new metaData action with the rows; omitted or unchanged, the table keeps its schema.
 * `clusterKeyValues`: per clustering key, a SELECT of exactly the distinct values the rows hold, when
 * the caller has them cheaper than a scan of `sourceSql` (a Z-order ranks each key's values).
 */
export async function overwrite(
  conn: DuckDBConnection,
  table: string,
  sourceSql: string,
  opts: WriteOptions & {
    schema?: readonly ColumnDef[];
    clusterKeyValues?: Readonly<Record<string, string>>;
  } = {},
): Promise<CommitResult> {
  const ctx = await withSchema(await openForWrite(table), opts.schema, opts.properties);
  const skip = alreadyApplied(ctx, 'WRITE', opts.txn);
  if (skip) return skip;
  if (ctx.snapshot.files.length > 0) assertMayRemove(ctx, 'overwrite');
  return withStagedSource(
    conn,
    ctx,
    sourceSql,
    async (staged) => {
      const adds = await writeNewFiles(conn, ctx, staged, opts.maxRowsPerFile);
      const nowMs = Date.now();
      const removes: Action[] = ctx.snapshot.files.map((f) => ({ remove: removeAction(f, true, nowMs) }));
      const removed = ctx.snapshot.files.map((f) => f.path);
      return commit(
        ctx.storage,
        table,
        {
          operation: 'WRITE',
          operationParameters: { mode: 'Overwrite' },
          metrics: {
            numFiles: adds.length,
            numOutputRows: staged.rowCount,
            numRemovedFiles: removes.length,
            numOutputBytes: adds.reduce((s, a) => s + a.size, 0),
          },
          actions: [
            ...(ctx.schemaChange ? [{ metaData: ctx.snapshot.metadata }] : []),
            ...propertyActions(ctx.snapshot, ctx.schemaChange ? undefined : opts.properties),
            ...txnActions(opts.txn),
            ...removes,
            ...adds.map((add) => ({ add })),
          ],
          ...readingCommit(ctx, opts, { readPaths: removed, removedPaths: removed }),
        },
        opts,
      );
    },
    opts.clusterKeyValues,
  );
}

/**
 * Replaces the rows matching `predicate` with the rows of `sourceSql`, in one commit. Like Delta's
 * replaceWhere, every new row must itself satisfy the predicate, so a rerun replaces exactly them.
 * A predicate given as column filters (e.g. `{ run_id: 'r1', shard: 2 }`) is also recorded in the
 * commit's conflict scope: a concurrent writer's files whose stats cannot match it do not conflict.
 */
export async function replaceWhere(
  conn: DuckDBConnection,
  table: string,
  predicateSqlOrFilters: string | Filters,
  sourceSql: string,
  opts: WriteOptions = {},
): Promise<CommitResult> {
  const ctx = await openForWrite(table);
  const resolved =
    typeof predicateSqlOrFilters === 'string'
      ? undefined
      : resolveFilters(table, ctx.snapshot.version, ctx.snapshot.schema, predicateSqlOrFilters);
  const predicate = fragment(
    resolved === undefined ? (predicateSqlOrFilters as string) : (filterSql(resolved) ?? 'TRUE'),
  );
  const skip = alreadyApplied(ctx, 'WRITE', opts.txn);
  if (skip) return skip;
  return withStagedSource(conn, ctx, sourceSql, async (staged) => {
    let violations: number;
    try {
      const [row] = await queryRows(
        conn,
        `SELECT count(*)::BIGINT AS n FROM ${staged.name} WHERE NOT coalesce((${predicate}), FALSE)`,
      );
      violations = Number(row?.['n'] ?? 0);
    } catch (e) {
      throw new DeltaError(
        'INVALID_ARGUMENT',
        table,
        ctx.snapshot.version,
        `the predicate ${predicate} failed: ${(e as Error).message}`,
        { cause: e },
      );
    }
    if (violations > 0) {
      throw new DeltaError(
        'PREDICATE_VIOLATION',
        table,
        ctx.snapshot.version,
        `${violations} new row(s) do not satisfy the replaceWhere predicate ${predicate}`,
      );
    }
    const candidates = resolved === undefined ? undefined : skipFiles(ctx.snapshot.files, resolved);
    const rewrite = await rewriteMatching(conn, ctx, predicate, opts.maxRowsPerFile, candidates);
    if (rewrite.removed.length > 0) assertMayRemove(ctx, 'replaceWhere');
    const adds = await writeNewFiles(conn, ctx, staged, opts.maxRowsPerFile);
    return commit(
      ctx.storage,
      table,
      {
        operation: 'WRITE',
        operationParameters: { mode: 'Overwrite', predicate: JSON.stringify([predicate]) },
        metrics: {
          numFiles: adds.length + rewrite.filesAdded,
          numOutputRows: staged.rowCount + rewrite.rowsCopied,
          numRemovedFiles: rewrite.removed.length,
          numDeletedRows: rewrite.rowsDeleted,
          numCopiedRows: rewrite.rowsCopied,
        },
        actions: [
          ...propertyActions(ctx.snapshot, opts.properties),
          ...txnActions(opts.txn),
          ...rewrite.actions,
          ...adds.map((add) => ({ add })),
        ],
        // What the result depends on: the files holding matching rows (all removed here) and any
        // matching row a winner adds (rowsMatch checks those exactly). A winner that rewrote a file
        // without matching rows changes nothing we replace, so scanned-only files are not listed.
        ...readingCommit(ctx, opts, {
          readPaths: rewrite.removed,
          removedPaths: rewrite.removed,
          readPredicate: resolved,
        }),
        rowsMatch: (added) => filesWithMatches(conn, ctx, predicate, added),
      },
      opts,
    );
  });
}

/**
 * Which of these files (added by a concurrent writer) hold a row the predicate selects: read from
 * the files themselves, so two writers replacing disjoint sets of store ids commit one after the other.
 */
async function filesWithMatches(
  conn: DuckDBConnection,
  ctx: WriteContext,
  predicate: string,
  added: readonly AddFile[],
): Promise<ReadonlySet<string>> {
  const files = added.map((add) => ({
    path: decodePath(add.path),
    size: Number(add.size),
    add,
    stats: parseStats(add.stats),
    // The winner's deletion vectors are not applied: a row it deleted still counts as a match,
    // which can only turn a commit into a conflict, never hide one.
    dv: undefined,
    addedIn: ctx.snapshot.version + 1,
  }));
  const absent = new Set(await ctx.storage.prepareRead(files.map((f) => f.path)));
  // A file already gone (vacuumed) cannot be checked: it conflicts, as the stats said it may.
  const present = files.filter((f) => !absent.has(f.path));
  const byLocation = new Map(present.map((f) => [ctx.storage.locate(f.path), f.add.path]));
  const matching = new Set(files.filter((f) => absent.has(f.path)).map((f) => f.add.path));
  if (present.length === 0) return matching;
  const scan = filesSelect(ctx.storage, ctx.snapshot.schema, present, { withFilename: true });
  const rows = await queryRows(conn, `SELECT DISTINCT filename FROM ${scan} AS t WHERE (${predicate})`);
  for (const r of rows) {
    const path = byLocation.get(String(r['filename']));
    // A file name DuckDB reports that we cannot map back: every file stays a conflict.
    if (path === undefined) return new Set(added.map((a) => a.path));
    matching.add(path);
  }
  return matching;
}
