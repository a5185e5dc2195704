// The configured future columns (source.columns.future) are known ahead, so the source holds rows
// dated after the as-of date that carry them with no sales yet. Those rows are taken out of the
// staged sales before the quality gate (they are plans, not observations) and kept, one row per
// store, day and column, in the future covariates table that infer reads for the forecast window.
import { overwrite, createTable, scanSql, tableExists, type CommitMetadata } from '@cvc/lakehouse';
import { FUTURE_COVARIATE_COLUMNS } from '@cvc/feature-table';
import type { DuckDBConnection } from '@duckdb/node-api';
import { IngestOptionError, SourceError } from '../errors.js';
import { quoteName } from '../names.js';

const q = (n: string) => quoteName(n, 'duckdb');

/**
 * A source that failed because a configured column is not there becomes an error naming the config
 * key (`source.columns.future[i]`), not the database's message alone.
 */
export function missingColumnError(
  err: unknown,
  key: string,
  columns: readonly string[],
  where = "the source's sales rows",
): unknown {
  if (!(err instanceof SourceError)) return err;
  const i = columns.findIndex((c) => new RegExp(`["'\`\\[]${c}["'\`\\]]`, 'i').test(err.message));
  if (i < 0) return err;
  return new IngestOptionError(
    `${key}[${i}]`,
    `column "${columns[i]}" is not in ${where} (${err.message.slice(0, 200)})`,
  );
}

/**
 * Moves the rows of `raw` without sales dated after the last observed day (the later of `lastDay` and
 * the last day with sales in `raw`; from `today` on whatever that is) into `into` (store_id, date,
 * name, value; latest updated_at wins) and deletes them from `raw`. Returns how many (store, day) rows moved.
 */
export async function takeFutureRows(
  conn: DuckDBConnection,
  raw: string,
  into: string,
  opts: { today: string; lastDay: string | null; future: readonly string[] },
): Promise<number> {
  const { today, future } = opts;
  const observed = (
    await conn.runAndReadAll(
      `SELECT max(TRY_CAST(date AS DATE))::VARCHAR AS d FROM ${q(raw)}
      WHERE sales IS NOT NULL AND TRY_CAST(date AS DATE) < CAST($today AS DATE)`,
      { today },
    )
  ).getRowObjectsJS()[0]?.['d'];
  const seen = [opts.lastDay, observed == null ? null : String(observed)].filter((d): d is string => d !== null);
  const after = seen.length > 0 ? seen.sort().at(-1)! : today;
  const planned = `r.sales IS NULL AND (TRY_CAST(r.date AS DATE) > CAST($after AS DATE)
    OR TRY_CAST(r.date AS DATE) >= CAST($today AS DATE))`;
  const values = future.map((c) => `(${JSON.stringify(c).replaceAll('"', "'")}, TRY_CAST(r.${q(c)} AS DOUBLE))`);
  const rawCols = future.map((c) => `r.${q(c)}`).join(', ');
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${q(into)} AS
    WITH latest AS (
      SELECT CAST(r.store_id AS VARCHAR) AS store_id, TRY_CAST(r.date AS DATE) AS date, ${rawCols}
      FROM ${q(raw)} r WHERE ${planned}
      QUALIFY row_number() OVER (PARTITION BY CAST(r.store_id AS VARCHAR), TRY_CAST(r.date AS DATE)
        ORDER BY TRY_CAST(r.updated_at AS TIMESTAMPTZ) DESC NULLS LAST) = 1
    )
    SELECT r.store_id, r.date, v.name, v.value
    FROM latest r, LATERAL (VALUES ${values.join(', ')}) v(name, value)`,
    { today, after },
  );
  const moved = Number(
    (
      await conn.runAndReadAll(`SELECT count(DISTINCT (store_id, date))::BIGINT AS n FROM ${q(into)}`)
    ).getRowObjectsJS()[0]?.['n'] ?? 0,
  );
  await conn.run(`DELETE FROM ${q(raw)} r WHERE ${planned}`, { today, after });
  return moved;
}

/**
 * Rewrites the future covariates table: the rows already there that this run did not replace, plus
 * the new ones, keeping only days after `lastDay` (a day once observed lives in the feature table).
 */
export async function writeFutureCovariates(
  conn: DuckDBConnection,
  table: string,
  fresh: string,
  lastDay: string | null,
  metadata: CommitMetadata,
): Promise<number> {
  const exists = await tableExists(table);
  const old = exists ? await scanSql(conn, table) : null;
  if (!exists) await createTable(conn, table, { columns: FUTURE_COVARIATE_COLUMNS, ifNotExists: true, metadata });
  const kept = old
    ? `SELECT o.store_id, o.date, o.name, o.value FROM ${old} o
       WHERE NOT EXISTS (SELECT 1 FROM ${q(fresh)} f WHERE f.store_id = o.store_id AND f.date = o.date) UNION ALL `
    : '';
  const select = `SELECT * FROM (${kept}SELECT store_id, date, name, value FROM ${q(fresh)})
    ${lastDay ? `WHERE date > DATE '${lastDay}'` : ''} ORDER BY store_id, date, name`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE cvc_future_next AS ${select}`);
  try {
    return (await overwrite(conn, table, 'SELECT * FROM cvc_future_next', { metadata })).version;
  } finally {
    await conn.run('DROP TABLE IF EXISTS cvc_future_next');
  }
}
