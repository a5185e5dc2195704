// The forecast table `bip_vprevisao_lojas_futuro`: one row per store, as-of date and forecast day.
// A rerun for the same as-of date replaces that date's rows in one commit (replaceWhere), so readers
// see the old forecast or the new one, never a mix. A shard (`--shard i/n`) replaces only its stores'
// rows of that date: shards of one date commit side by side, as their predicates select disjoint rows.
// When a concurrent commit really conflicts (an unsharded run and a shard of the same date, or two
// shards that both rewrote one mixed file), the loser re-plans its replace on the new version, as
// Delta's conflict rules say to: the result is that of the two runs one after the other.
import { isDeltaError, optimize, replaceWhere, stageColumns, type ColumnDef, type CommitResult } from '@cvc/lakehouse';
import { FORECASTS, ensureTable } from '@cvc/feature-table';
import type { DuckDBConnection } from '@duckdb/node-api';
import { formatIsoDay, parseIsoDay } from '@cvc/core';
import type { RoutedForecast } from '@cvc/mlops';

/** A store id as a SQL string literal (ids come from the feature table, yet may hold a quote). */
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/** Attempts of the replace when a concurrent infer of the same date really conflicts (then it re-plans). */
export const WRITE_ATTEMPTS = 5;

/** The forecast table's columns, as declared in @cvc/feature-table (FORECASTS). */
export const FORECAST_COLUMNS: readonly ColumnDef[] = FORECASTS.columns;

export async function writeForecastRows(
  conn: DuckDBConnection,
  table: string,
  forecasts: readonly RoutedForecast[],
  meta: {
    asOf: string;
    horizon: number;
    bundleVersion: string;
    runId: string;
    lineage: Record<string, unknown>;
    /** OPTIMIZE's target file size (config lake.targetFileSizeMb); default Delta's 128 MB. */
    targetFileSizeBytes?: number;
    /**
     * A shard's stores (every store of the shard in the feature table, forecast or skipped): only their
     * rows of the as-of date are replaced. Absent: the whole date.
     */
    shardStores?: readonly string[];
    /** Told of each conflict the write re-plans after (attempt = the attempt that lost). */
    onReplan?: (attempt: number, error: Error) => void;
    /** Runs once between planning and the first commit attempt (tests commit a concurrent infer there). */
    beforeCommit?: () => Promise<void>;
    /** The same between the OPTIMIZE's planning and its commit. */
    beforeOptimizeCommit?: () => Promise<void>;
    /** Told when the OPTIMIZE lost a race and was skipped (the rows are written; a later run compacts). */
    onOptimizeSkipped?: (error: Error) => void;
  },
): Promise<{ rows: number; commit: CommitResult; optimizeVersion: number | null }> {
  await ensureTable(conn, table, FORECASTS);
  const n = forecasts.length * meta.horizon;
  const store = new Array<string>(n);
  const date = new Int32Array(n);
  const h = new Int32Array(n);
  const yhat = new Float64Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const model = new Array<string>(n);
  let i = 0;
  for (const f of forecasts) {
    const start = parseIsoDay(f.start);
    for (let k = 0; k < meta.horizon; k++, i++) {
      store[i] = f.storeId;
      date[i] = start + k;
      h[i] = k + 1;
      yhat[i] = f.p50[k]!;
      lo[i] = f.p10[k]!;
      hi[i] = f.p90[k]!;
      model[i] = f.modelKind;
    }
  }
  await stageColumns(conn, 'infer_rows', [
    { name: 'store_id', type: 'VARCHAR', values: store },
    { name: 'forecast_date', type: 'DATE', values: date },
    { name: 'horizon_day', type: 'INTEGER', values: h },
    { name: 'yhat', type: 'DOUBLE', values: yhat },
    { name: 'yhat_lower', type: 'DOUBLE', values: lo },
    { name: 'yhat_upper', type: 'DOUBLE', values: hi },
    { name: 'model', type: 'VARCHAR', values: model },
    { name: 'as_of_date', type: 'DATE', values: new Int32Array(n).fill(parseIsoDay(meta.asOf)) },
    { name: 'bundle_version', type: 'VARCHAR', values: new Array<string>(n).fill(meta.bundleVersion) },
    { name: 'run_id', type: 'VARCHAR', values: new Array<string>(n).fill(meta.runId) },
  ]);
  // The predicate is built from a parsed ISO date and quoted store ids; row values are staged, not spliced.
  const day = `as_of_date = DATE '${formatIsoDay(parseIsoDay(meta.asOf))}'`;
  const predicate = meta.shardStores ? `${day} AND store_id IN (${meta.shardStores.map(literal).join(', ')})` : day;
  const metadata = {
    operation: 'infer',
    runId: meta.runId,
    asOf: meta.asOf,
    bundleVersion: meta.bundleVersion,
    rows: n,
    ...meta.lineage,
  };
  const sql = 'SELECT *, now() AS created_at FROM infer_rows';
  let commit: CommitResult | undefined;
  for (let attempt = 1; commit === undefined; attempt++) {
    try {
      const hook = attempt === 1 && meta.beforeCommit ? { beforeCommit: meta.beforeCommit } : {};
      commit = await replaceWhere(conn, table, predicate, sql, { metadata, ...hook });
    } catch (e) {
      if (!isDeltaError(e, 'CONFLICT') || attempt >= WRITE_ATTEMPTS) throw e;
      meta.onReplan?.(attempt, e);
    }
  }
  // Written clustered (the table's (as_of_date, store_id) order). The incremental OPTIMIZE compacts the
  // small daily files (and any a rerun's replaceWhere left unclustered), never full-size clustered ones;
  // with a single small file it commits nothing. It runs under the caller's run lock, like the write.
  // A shard never compacts: its compaction would remove files the other shards' writes are planned on,
  // so they would re-plan again and again; `cvc lake optimize` (a step after the shards) compacts.
  if (meta.shardStores) return { rows: n, commit, optimizeVersion: null };
  try {
    const compact = await optimize(conn, table, {
      metadata: { operation: 'infer optimize', runId: meta.runId },
      ...(meta.targetFileSizeBytes !== undefined ? { targetFileSizeBytes: meta.targetFileSizeBytes } : {}),
      ...(meta.beforeOptimizeCommit ? { beforeCommit: meta.beforeOptimizeCommit } : {}),
    });
    return { rows: n, commit, optimizeVersion: compact.version !== commit.version ? compact.version : null };
  } catch (e) {
    // A shard of the same date rewrote a file this compaction planned on. The forecast is committed;
    // compaction is only upkeep, which the next infer or `cvc lake optimize` does.
    if (!isDeltaError(e, 'CONFLICT')) throw e;
    meta.onOptimizeSkipped?.(e);
    return { rows: n, commit, optimizeVersion: null };
  }
}
