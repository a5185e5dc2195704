// Typed writers and readers of the backtest's tables (declared in tables.ts): `cvc backtest` appends a
// run's forecasts, metrics and per-store choice; `cvc train` reads the latest choice and the WAPE
// behind it. Each run appends its rows under its own run_id, in one commit per table.
import { InputError, METRIC_NAMES, type Metrics } from '@cvc/core';
import { append, optimize, replaceWhere, scanSql, stageColumns, tableExists } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { BACKTEST_FORECASTS, BACKTEST_METRICS, MODEL_CHOICE, ensureTable, type LakeTables } from './tables.js';

/** One backtest forecast row per column entry; dates are day numbers (days since 1970-01-01). */
export interface BacktestForecastColumns {
  model: string[];
  fold: number[];
  cutoff: number[];
  storeId: string[];
  forecastDate: number[];
  horizonDay: number[];
  actual: number[];
  p10: number[];
  p50: number[];
  p90: number[];
}

/** One scored (model, fold, store): `absError` and `actualSum` are the sums behind pooled WAPE. */
export interface BacktestMetricRow {
  model: string;
  fold: number;
  storeId: string;
  format: string;
  absError: number;
  actualSum: number;
  metrics: Metrics;
}

export interface ModelChoiceRow {
  storeId: string;
  model: string;
  /** The chosen model's mean WAPE over folds (NaN for fallbacks, stored as null). */
  wape: number;
  folds: number;
  reason: string;
}

/** Clusters a table after a write: compacts this run's small files with earlier small ones (a no-op otherwise). */
async function cluster(conn: DuckDBConnection, table: string, runId: string): Promise<void> {
  await optimize(conn, table, { metadata: { runId, operation: 'backtest optimize' } });
}

/** How a backtest's rows go in: appended, or (a shard's) replacing its own run_id side by side with other shards. */
export interface BacktestWriteMode {
  /**
   * A shard replaces the rows of its own run_id (a rerun of the shard replaces them) with the predicate
   * recorded in the commit, so shards writing at once retry instead of conflicting; it does not compact,
   * because an OPTIMIZE removing other shards' files would make their writes conflict.
   */
  shard?: boolean;
  /** Replaces these runs' rows too, in the same commit (the merge of a sharded run replaces its shards'). */
  replacing?: readonly string[];
}

async function writeRun(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  select: string,
  metadata: Record<string, unknown>,
  mode: BacktestWriteMode,
): Promise<void> {
  if (mode.shard || mode.replacing) {
    await replaceWhere(conn, table, { run_id: { in: [runId, ...(mode.replacing ?? [])] } }, select, { metadata });
    return;
  }
  await append(conn, table, select, { metadata });
  await cluster(conn, table, runId);
}

export async function appendBacktestForecasts(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  cols: BacktestForecastColumns,
  mode: BacktestWriteMode = {},
): Promise<number> {
  await ensureTable(conn, table, BACKTEST_FORECASTS);
  const n = await stageColumns(conn, 'bt_forecasts', [
    { name: 'run_id', type: 'VARCHAR', values: new Array<string>(cols.model.length).fill(runId) },
    { name: 'model', type: 'VARCHAR', values: cols.model },
    { name: 'fold', type: 'INTEGER', values: cols.fold },
    { name: 'cutoff', type: 'DATE', values: cols.cutoff },
    { name: 'store_id', type: 'VARCHAR', values: cols.storeId },
    { name: 'forecast_date', type: 'DATE', values: cols.forecastDate },
    { name: 'horizon_day', type: 'INTEGER', values: cols.horizonDay },
    { name: 'actual', type: 'DOUBLE', values: cols.actual },
    { name: 'p10', type: 'DOUBLE', values: cols.p10 },
    { name: 'p50', type: 'DOUBLE', values: cols.p50 },
    { name: 'p90', type: 'DOUBLE', values: cols.p90 },
  ]);
  await writeRun(conn, table, runId, 'SELECT * FROM bt_forecasts', { runId, operation: 'backtest' }, mode);
  return n;
}

export async function appendBacktestMetrics(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  rows: readonly BacktestMetricRow[],
  mode: BacktestWriteMode = {},
): Promise<void> {
  await ensureTable(conn, table, BACKTEST_METRICS);
  await stageColumns(conn, 'bt_metrics', [
    { name: 'run_id', type: 'VARCHAR', values: rows.map(() => runId) },
    { name: 'model', type: 'VARCHAR', values: rows.map((r) => r.model) },
    { name: 'fold', type: 'INTEGER', values: rows.map((r) => r.fold) },
    { name: 'store_id', type: 'VARCHAR', values: rows.map((r) => r.storeId) },
    { name: 'format', type: 'VARCHAR', values: rows.map((r) => r.format) },
    { name: 'n', type: 'INTEGER', values: rows.map((r) => r.metrics.n) },
    { name: 'abs_error', type: 'DOUBLE', values: rows.map((r) => r.absError) },
    { name: 'actual_sum', type: 'DOUBLE', values: rows.map((r) => r.actualSum) },
    ...METRIC_NAMES.map((m) => ({ name: m, type: 'DOUBLE' as const, values: rows.map((r) => r.metrics[m]) })),
  ]);
  await writeRun(conn, table, runId, 'SELECT * FROM bt_metrics', { runId, operation: 'backtest' }, mode);
}

export async function appendModelChoice(
  conn: DuckDBConnection,
  table: string,
  runId: string,
  choices: readonly ModelChoiceRow[],
  globalBest: string,
  mode: BacktestWriteMode = {},
): Promise<void> {
  await ensureTable(conn, table, MODEL_CHOICE);
  await stageColumns(conn, 'bt_choice', [
    { name: 'run_id', type: 'VARCHAR', values: choices.map(() => runId) },
    { name: 'store_id', type: 'VARCHAR', values: choices.map((c) => c.storeId) },
    { name: 'model', type: 'VARCHAR', values: choices.map((c) => c.model) },
    { name: 'wape', type: 'DOUBLE', values: choices.map((c) => c.wape) },
    { name: 'folds', type: 'INTEGER', values: choices.map((c) => c.folds) },
    { name: 'reason', type: 'VARCHAR', values: choices.map((c) => c.reason) },
    { name: 'global_best', type: 'VARCHAR', values: choices.map(() => globalBest) },
  ]);
  const select = 'SELECT *, now() AS created_at FROM bt_choice';
  await writeRun(conn, table, runId, select, { runId, operation: 'backtest', globalBest }, mode);
}

/** The shards' choice rows of a sharded run, as `cvc backtest --shard merge` reads them. */
export interface ShardChoiceRow extends ModelChoiceRow {
  runId: string;
}

/** Every run_id under `prefix` in the choice table (the shards of a sharded run), with their rows. */
export async function readShardChoices(
  conn: DuckDBConnection,
  table: string,
  prefix: string,
): Promise<ShardChoiceRow[]> {
  if (!(await tableExists(table))) return [];
  const choice = await scanSql(conn, table);
  const sql = `SELECT run_id, store_id, model, wape, folds, reason FROM ${choice} c
    WHERE starts_with(run_id, $1) ORDER BY run_id, store_id`;
  return (await conn.runAndReadAll(sql, [prefix])).getRowObjectsJS().map((r) => ({
    runId: String(r['run_id']),
    storeId: String(r['store_id']),
    model: String(r['model']),
    wape: finite(r['wape']) ? r['wape'] : Number.NaN,
    folds: Number(r['folds']),
    reason: String(r['reason']),
  }));
}

/** The metrics rows of some runs, as the choice is computed from them. */
export async function readRunMetrics(
  conn: DuckDBConnection,
  table: string,
  runIds: readonly string[],
): Promise<{ storeId: string; model: string; fold: number; wape: number; absError: number; actualSum: number }[]> {
  const metrics = await scanSql(conn, table, { filters: { run_id: { in: runIds } } });
  const sql = `SELECT store_id, model, fold, wape, abs_error, actual_sum FROM ${metrics} m
    WHERE run_id IN (${runIds.map(sqlString).join(', ')}) ORDER BY run_id, model, fold, store_id`;
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  return rows.map((r) => ({
    storeId: String(r['store_id']),
    model: String(r['model']),
    fold: Number(r['fold']),
    wape: finite(r['wape']) ? r['wape'] : Number.NaN,
    absError: Number(r['abs_error'] ?? 0),
    actualSum: Number(r['actual_sum'] ?? 0),
  }));
}

/**
 * Moves the shards' rows of a backtest table under the run's own id, in one commit that replaces both
 * (rows already moved by an interrupted merge are kept, so a rerun of the merge is idempotent).
 */
export async function moveShardRows(
  conn: DuckDBConnection,
  table: string,
  run: string,
  shardRunIds: readonly string[],
): Promise<void> {
  if (!(await tableExists(table))) return;
  const ids = [run, ...shardRunIds];
  const scan = await scanSql(conn, table, { filters: { run_id: { in: ids } } });
  const select = `SELECT * REPLACE (${sqlString(run)} AS run_id) FROM ${scan} t
    WHERE run_id IN (${ids.map(sqlString).join(', ')})`;
  await replaceWhere(conn, table, { run_id: { in: ids } }, select, {
    metadata: { runId: run, operation: 'backtest shard merge', shards: shardRunIds.length },
  });
}

/** What the latest backtest decided, as `cvc train` reads it. */
export interface BacktestChoice {
  runId: string;
  stores: Record<string, string>;
  globalBest: string;
  /** WAPE of the routed choice (each store scored on its chosen model), pooled over stores and folds. */
  wape: number | null;
  folds: number;
  byModel: Record<string, Record<string, number>>;
  byStore: Record<string, number>;
}

/** A SQL string literal (run ids go into IN lists that DuckDB cannot bind as one parameter). */
const sqlString = (v: string) => `'${v.replaceAll("'", "''")}'`;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The latest backtest run's per-store choice and the figures behind it; null before any backtest. */
export async function readLatestBacktestChoice(
  conn: DuckDBConnection,
  tables: Pick<LakeTables, 'modelChoice' | 'backtestMetrics'>,
): Promise<BacktestChoice | null> {
  if (!(await tableExists(tables.modelChoice))) return null;
  const choice = await scanSql(conn, tables.modelChoice);
  // A shard's rows (`<run>.s<i>-<n>`) cover only its stores: train waits for `--shard merge`.
  const latestSql = `SELECT run_id FROM ${choice} c WHERE NOT regexp_matches(run_id, '\\.s[0-9]+-[0-9]+$')
    ORDER BY created_at DESC LIMIT 1`;
  const latest = (await conn.runAndReadAll(latestSql)).getRowObjectsJS()[0];
  if (!latest) return null;
  const runId = String(latest['run_id']);
  const rowsSql = `SELECT store_id, model, wape, global_best FROM ${choice} c WHERE run_id = $1`;
  const rows = (await conn.runAndReadAll(rowsSql, [runId])).getRowObjectsJS();
  const stores: Record<string, string> = {};
  const byStore: Record<string, number> = {};
  for (const r of rows) {
    stores[String(r['store_id'])] = String(r['model']);
    if (finite(r['wape'])) byStore[String(r['store_id'])] = r['wape'];
  }
  const globalBest = String(rows[0]?.['global_best'] ?? '');
  if (!globalBest) throw new InputError(`${tables.modelChoice}: backtest run ${runId} has no model choice rows`);
  const byModel: Record<string, Record<string, number>> = {};
  let wape: number | null = null;
  let folds = 0;
  if (await tableExists(tables.backtestMetrics)) {
    const metrics = await scanSql(conn, tables.backtestMetrics);
    // WAPE pooled over stores and folds: sum |error| / sum |actual|.
    const perModel = (
      await conn.runAndReadAll(
        `SELECT model, sum(abs_error) / nullif(sum(actual_sum), 0) AS wape,
              avg(coverage80) AS coverage80, avg(mase) AS mase, count(DISTINCT fold)::INTEGER AS folds
       FROM ${metrics} m WHERE run_id = $1 AND n > 0 GROUP BY model`,
        [runId],
      )
    ).getRowObjectsJS();
    for (const r of perModel) {
      const entry: Record<string, number> = {};
      for (const k of ['wape', 'coverage80', 'mase'] as const) if (finite(r[k])) entry[k] = r[k];
      byModel[String(r['model'])] = entry;
      folds = Math.max(folds, Number(r['folds']));
    }
    // The routed WAPE: every store's metrics rows of the model chosen for it, pooled.
    const routed = (
      await conn.runAndReadAll(
        `SELECT sum(m.abs_error) / nullif(sum(m.actual_sum), 0) AS wape
       FROM ${metrics} m JOIN ${choice} c ON c.run_id = m.run_id AND c.store_id = m.store_id AND c.model = m.model
       WHERE m.run_id = $1 AND m.n > 0`,
        [runId],
      )
    ).getRowObjectsJS()[0]?.['wape'];
    wape = finite(routed) ? routed : null;
  }
  return { runId, stores, globalBest, wape, folds, byModel, byStore };
}

/**
 * Sharded backtests not merged yet and newer than the last complete choice (`<run>` of `<run>.s<i>-<n>`
 * rows), newest first: what `cvc train` must merge (or refuse) before it trusts the latest choice.
 */
export async function readUnmergedShardRuns(
  conn: DuckDBConnection,
  tables: Pick<LakeTables, 'modelChoice'>,
): Promise<string[]> {
  if (!(await tableExists(tables.modelChoice))) return [];
  const choice = await scanSql(conn, tables.modelChoice);
  const sql = `WITH c AS (SELECT run_id, created_at, regexp_matches(run_id, '\\.s[0-9]+-[0-9]+$') AS shard
      FROM ${choice} c)
    SELECT regexp_replace(run_id, '\\.s[0-9]+-[0-9]+$', '') AS run, max(created_at) AS newest FROM c
    WHERE shard AND created_at > coalesce(
      (SELECT max(created_at) FROM c WHERE NOT shard), TIMESTAMPTZ '0001-01-01 00:00:00+00')
    GROUP BY run ORDER BY newest DESC`;
  return (await conn.runAndReadAll(sql)).getRowObjectsJS().map((r) => String(r['run']));
}
