// Keeps `forecast_accuracy` up to date: joins forecasts with the actuals that have arrived and merges
// only rows that are new or whose actual (or forecast) changed since the last run, in one commit.
// A rerun finds nothing to merge and commits nothing; a late correction updates its rows by key.
import type { DuckDBConnection } from '@duckdb/node-api';
import { TARGET_COLUMN, addDays, formatIsoDay, parseIsoDay } from '@cvc/core';
import { loadSnapshot, merge, scanSql, tableExists } from '@cvc/lakehouse';
import { FORECAST_ACCURACY, ensureTable, type LakeTables } from '@cvc/feature-table';
import { maxDay, minDay } from './stats.js';
import { ACCURACY_KEY, FORECAST_READ_COLUMNS, type MonitorTables } from './tables.js';

export interface AccuracyUpdate {
  added: number;
  updated: number;
  /** Table version after the update (unchanged when nothing was merged); null when no table exists yet. */
  version: number | null;
  /** First forecast day compared this run (null: the whole history). */
  since: string | null;
}

async function one(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS()[0] ?? {};
}

/**
 * `lookbackDays`: how far before the last observed forecast day an actual may still be corrected;
 * older days are not compared again, which keeps a daily run proportional to the new days.
 */
/**
 * Forecast days are compared this many at a time, one commit each: a first run over a year of
 * forecasts stays within bounded memory, and a run cut short resumes where its last commit ended.
 */
export const CHUNK_DAYS = 28;

export async function updateAccuracy(
  conn: DuckDBConnection,
  tables: MonitorTables & Pick<LakeTables, 'features'>,
  opts: { runId: string; lookbackDays: number },
): Promise<AccuracyUpdate> {
  if (!(await tableExists(tables.forecasts)) || !(await tableExists(tables.features))) {
    return { added: 0, updated: 0, version: null, since: null };
  }
  let exists = await tableExists(tables.accuracy);
  let since: string | null = null;
  if (exists) {
    const last = await maxDay(conn, tables.accuracy, 'forecast_date');
    if (last !== null) since = formatIsoDay(addDays(parseIsoDay(last), -opts.lookbackDays));
  }
  const from = since ?? (await minDay(conn, tables.forecasts, 'forecast_date'));
  const to = await maxDay(conn, tables.features, 'date');
  if (!exists) {
    await ensureTable(conn, tables.accuracy, FORECAST_ACCURACY);
    exists = true;
  }
  let added = 0;
  let updated = 0;
  let version = (await loadSnapshot(tables.accuracy)).version;
  if (from === null || to === null) return { added, updated, version, since };
  for (let lo = parseIsoDay(from); lo <= parseIsoDay(to); lo += CHUNK_DAYS) {
    const days = { gte: formatIsoDay(lo), lte: formatIsoDay(Math.min(lo + CHUNK_DAYS - 1, parseIsoDay(to))) };
    const r = await mergeChunk(conn, tables, days, opts.runId);
    added += r.added;
    updated += r.updated;
    if (r.version !== null) version = r.version;
  }
  return { added, updated, version, since };
}

async function mergeChunk(
  conn: DuckDBConnection,
  tables: MonitorTables & Pick<LakeTables, 'features'>,
  days: { gte: string; lte: string },
  runId: string,
): Promise<{ added: number; updated: number; version: number | null }> {
  const forecasts = await scanSql(conn, tables.forecasts, { filters: { forecast_date: days } });
  const features = await scanSql(conn, tables.features, { filters: { date: days } });
  const existing = await scanSql(conn, tables.accuracy, { filters: { forecast_date: days } });
  const cols = FORECAST_READ_COLUMNS.map((c) => `f.${c}`).join(', ');
  // Missing days (no source row) have no actual yet; closed days have 0 and is_open false.
  await conn.run(`CREATE OR REPLACE TEMP TABLE accuracy_source AS
    WITH j AS (
      SELECT ${cols}, a.${TARGET_COLUMN}::DOUBLE AS actual, a.is_open::BOOLEAN AS is_open
      FROM ${forecasts} AS f
      JOIN ${features} AS a ON a.store_id = f.store_id AND a.date = f.forecast_date
      WHERE NOT a.is_missing AND a.${TARGET_COLUMN} IS NOT NULL
    )
    SELECT j.as_of_date, j.store_id, j.forecast_date, j.horizon_day, j.yhat, j.yhat_lower, j.yhat_upper,
      j.actual, j.is_open, abs(j.yhat - j.actual) AS abs_error,
      j.actual BETWEEN j.yhat_lower AND j.yhat_upper AS in_interval,
      j.model, j.bundle_version, j.run_id, e.store_id IS NULL AS is_new
    FROM j LEFT JOIN ${existing} AS e
      ON e.as_of_date = j.as_of_date AND e.store_id = j.store_id AND e.forecast_date = j.forecast_date
    WHERE e.store_id IS NULL OR e.actual IS DISTINCT FROM j.actual OR e.is_open IS DISTINCT FROM j.is_open
      OR e.yhat IS DISTINCT FROM j.yhat OR e.run_id IS DISTINCT FROM j.run_id`);
  try {
    const c = await one(
      conn,
      'SELECT count(*)::BIGINT AS n, count(*) FILTER (WHERE is_new)::BIGINT AS added FROM accuracy_source',
    );
    const n = Number(c['n'] ?? 0);
    const added = Number(c['added'] ?? 0);
    if (n === 0) return { added: 0, updated: 0, version: null };
    const commit = await merge(
      conn,
      tables.accuracy,
      `SELECT * EXCLUDE (is_new) FROM accuracy_source ORDER BY forecast_date, store_id, as_of_date`,
      { on: [...ACCURACY_KEY], metadata: { operation: 'monitor', runId, days, added, updated: n - added } },
    );
    return { added, updated: n - added, version: commit.version };
  } finally {
    await conn.run('DROP TABLE IF EXISTS accuracy_source');
  }
}
