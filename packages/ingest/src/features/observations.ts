// The observations (one valid source row per store and day) that the feature rows are built from:
// this run's deduplicated rows, compared with what the feature table already holds so that only
// new values and newer corrections count as changes, and a rerun changes nothing.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteName } from '../names.js';
import { latestColumns } from '../quality/sales-gate.js';

const q = (n: string) => quoteName(n, 'duckdb');

export async function count(conn: DuckDBConnection, table: string): Promise<number> {
  const r = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(table)}`)).getRowObjectsJS();
  return Number(r[0]?.['n'] ?? 0);
}

/**
 * Rows of `latest` that change the feature table `old` (a view): days it lacks or has as missing,
 * and different values that are not older than the stored ones. Without updated_at the last read wins.
 */
export async function findChanges(
  conn: DuckDBConnection,
  latest: string,
  old: string,
  into: string,
  extra: readonly string[],
): Promise<number> {
  const differs = [
    `f.sales IS DISTINCT FROM (CASE WHEN n.is_open = false THEN coalesce(n.sales, 0) ELSE n.sales END)`,
    `f.n_sales IS DISTINCT FROM n.n_sales`,
    `f.is_open IS DISTINCT FROM coalesce(n.is_open, true)`,
    ...extra.map((e) => `f.${q(e)} IS DISTINCT FROM n.${q(e)}`),
  ].join(' OR ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(into)} AS SELECT n.* FROM ${q(latest)} n
    LEFT JOIN ${q(old)} f ON f.store_id = n.store_id AND f.date = n.date
    WHERE f.store_id IS NULL OR f.is_missing
       OR ((n.updated_at IS NULL OR f.updated_at IS NULL OR n.updated_at > f.updated_at) AND (${differs}))`);
  return count(conn, into);
}

/**
 * The observations inside the windows to rebuild: the changes plus what the table already holds
 * (non-missing rows not superseded by a change). `windows` null = every store, whole table.
 */
export async function collectObservations(
  conn: DuckDBConnection,
  changes: string,
  old: string,
  stores: string,
  windows: string | null,
  into: string,
  extra: readonly string[],
): Promise<void> {
  const cols = latestColumns(extra);
  const fromOld = cols.map((c) =>
    c === 'store_idx' ? 's.store_idx' : c === 'day' ? `(f.date - DATE '1970-01-01')::INTEGER AS day` : `f.${q(c)}`,
  );
  const inWindow =
    windows === null
      ? ''
      : `JOIN ${q(windows)} w ON w.store_id = f.store_id AND f.date BETWEEN w.from_date AND w.to_date`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(into)} AS
    SELECT ${cols.map(q).join(', ')} FROM ${q(changes)}
    UNION ALL
    SELECT ${fromOld.join(', ')} FROM ${q(old)} f JOIN ${q(stores)} s ON s.store_id = f.store_id ${inWindow}
    WHERE NOT f.is_missing
      AND NOT EXISTS (SELECT 1 FROM ${q(changes)} c WHERE c.store_id = f.store_id AND c.date = f.date)`);
}

/** Days the source says each store was closed, by store index (the only source fact the covariates need). */
export async function closedDays(conn: DuckDBConnection, obs: string): Promise<Map<number, number[]>> {
  const rows = (
    await conn.runAndReadAll(`SELECT store_idx, day FROM ${q(obs)} WHERE is_open = false ORDER BY 1, 2`)
  ).getRowObjectsJS();
  const out = new Map<number, number[]>();
  for (const r of rows) {
    const k = Number(r['store_idx']);
    const list = out.get(k) ?? [];
    list.push(Number(r['day']));
    out.set(k, list);
  }
  return out;
}
