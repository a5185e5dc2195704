// The quality gate for sales rows, as SQL over the staged rows, fused with deduplication so the
// millions of valid rows are materialised once: each row is typed (TRY_CAST, so a non-numeric value
// is caught instead of failing the run) and given the first reason it fails. Failing rows go to the
// quarantine rows with their original values as JSON; the rest are deduplicated (latest updated_at
// wins; on a tie the larger sales, so the choice is repeatable).
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteName } from '../names.js';
import { SALES_FIELDS } from '../sources/source.js';
import type { QuarantineReason } from './reasons.js';

export interface SalesGateOptions {
  /** Rows dated after this day (ISO) are future dates. */
  today: string;
  maxDailySales: number;
  maxNSales: number;
  extra: readonly string[];
}

export interface SalesGateResult {
  read: number;
  valid: number;
  /** Rows in `latest`: one per (store, date). */
  unique: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  /** Largest updated_at read (valid or quarantined) that is not in the future, ISO in UTC; null if none. */
  maxUpdatedAt: string | null;
}

const q = (n: string) => quoteName(n, 'duckdb');
/** Typed copies get a prefix no configured column can have (sqlName forbids a leading digit, not this). */
const T = (n: string) => q(`cvc__${n}`);

/** Columns of `latest`: keys as integers for fast joins, then the observation. */
export function latestColumns(extra: readonly string[]): string[] {
  return ['store_idx', 'store_id', 'date', 'day', 'sales', 'n_sales', 'is_open', 'updated_at', ...extra];
}

/**
 * Reads `raw` (SALES_FIELDS + extra, source types) and `stores` (store_idx, store_id, opened_on,
 * closed_on); creates `latest` and inserts refused rows into `quarantine`.
 */
const INTEGER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
]);

/**
 * Reads `raw` (SALES_FIELDS + extra, source types) and `stores` (store_idx, store_id, opened_on,
 * closed_on); creates `latest` and inserts refused rows into `quarantine`.
 */
export async function runSalesGate(
  conn: DuckDBConnection,
  raw: string,
  stores: string,
  latest: string,
  quarantine: string,
  opts: SalesGateOptions,
): Promise<SalesGateResult> {
  // In the queries below, t.<name> is the raw source value and t.cvc__<name> its typed copy.
  const R = (n: string) => `t.${q(n)}`;
  const TT = (n: string) => `t.${T(n)}`;
  // Integer store ids (the usual case) are matched as integers: casting millions of them to text
  // just to join with the store master would dominate the gate.
  const rawType = String(
    (await conn.runAndReadAll(`SELECT typeof(store_id) AS t FROM ${q(raw)} LIMIT 1`)).getRowObjectsJS()[0]?.['t'] ??
      'VARCHAR',
  );
  const native = INTEGER_TYPES.has(rawType);
  const keys = `${stores}_keys`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(keys)} AS SELECT store_idx, store_id, opened_on, closed_on,
    ${native ? `TRY_CAST(store_id AS ${rawType})` : 'store_id'} AS k FROM ${q(stores)}`);
  const storeKey = native ? R('store_id') : `NULLIF(trim(CAST(${R('store_id')} AS VARCHAR)), '')`;
  const extraBad = opts.extra.map((e) => `(${R(e)} IS NOT NULL AND ${TT(e)} IS NULL)`);
  // A row updated before its sale day ended cannot hold that day's sales: its date is in the future
  // as seen from when the source wrote it.
  const reason = `CASE
      WHEN ${storeKey} IS NULL THEN 'missing_store_id'
      WHEN ${R('date')} IS NULL THEN 'missing_date'
      WHEN ${TT('date')} IS NULL THEN 'invalid_date'
      WHEN ${R('sales')} IS NOT NULL AND (${TT('sales')} IS NULL OR NOT isfinite(${TT('sales')}))
        THEN 'non_numeric_sales'
      WHEN ${R('sales')} IS NULL AND coalesce(${TT('is_open')}, true) THEN 'missing_sales'
      WHEN ${TT('sales')} < 0 THEN 'negative_sales'
      WHEN ${TT('date')} > CAST($today AS DATE) OR ${TT('date')} > CAST(${TT('updated_at')} AS DATE) THEN 'future_date'
      WHEN s.store_idx IS NULL THEN 'unknown_store'
      WHEN ${TT('date')} < s.opened_on OR ${TT('date')} > s.closed_on THEN 'outside_open_life'
      WHEN ${TT('sales')} > $maxSales THEN 'sales_out_of_bounds'
      WHEN (${R('n_sales')} IS NOT NULL AND ${TT('n_sales')} IS NULL)
        OR ${TT('n_sales')} < 0 OR ${TT('n_sales')} > $maxN THEN 'n_sales_out_of_bounds'
      WHEN ${R('is_open')} IS NOT NULL AND ${TT('is_open')} IS NULL THEN 'invalid_is_open'
      WHEN ${R('updated_at')} IS NOT NULL AND ${TT('updated_at')} IS NULL THEN 'invalid_updated_at'
      ${extraBad.length ? `WHEN ${extraBad.join(' OR ')} THEN 'non_numeric_extra'` : ''}
    END`;
  const packed = [...SALES_FIELDS, ...opts.extra].map((f) => `${q(f)} := ${R(f)}`).join(', ');
  const original = `CAST(to_json(struct_pack(${packed})) AS VARCHAR)`;
  const typedCols = ['date', 'sales', 'n_sales', 'is_open', 'updated_at', ...opts.extra];
  const checked = `${raw}_checked`;
  // One pass over the rows: typed values and the reason; the original row (as JSON) only when refused.
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${q(checked)} AS
    WITH typed AS (
      SELECT r.*,
        TRY_CAST(r.date AS DATE) AS ${T('date')},
        TRY_CAST(r.sales AS DOUBLE) AS ${T('sales')},
        TRY_CAST(r.n_sales AS DOUBLE) AS ${T('n_sales')},
        TRY_CAST(r.is_open AS BOOLEAN) AS ${T('is_open')},
        TRY_CAST(r.updated_at AS TIMESTAMPTZ) AS ${T('updated_at')}
        ${opts.extra.map((e) => `, TRY_CAST(r.${q(e)} AS DOUBLE) AS ${T(e)}`).join('')}
      FROM ${q(raw)} r
    )
    SELECT s.store_idx, s.store_id AS known_id, ${typedCols.map((c) => TT(c)).join(', ')}, ${reason} AS cvc__reason,
      CASE WHEN cvc__reason IS NOT NULL THEN CAST(${storeKey} AS VARCHAR) END AS bad_store_id,
      CASE WHEN cvc__reason IS NOT NULL THEN ${original} END AS original
    FROM typed t LEFT JOIN ${q(keys)} s ON s.k = ${storeKey}`,
    { today: opts.today, maxSales: opts.maxDailySales, maxN: opts.maxNSales },
  );
  await conn.run(`INSERT INTO ${q(quarantine)} (source_table, reason, store_id, date, updated_at, original)
    SELECT 'sales', cvc__reason, bad_store_id, ${T('date')}, ${T('updated_at')}, original
    FROM ${q(checked)} WHERE cvc__reason IS NOT NULL`);
  const cols = [
    'store_idx',
    'known_id AS store_id',
    `${T('date')} AS date`,
    `(${T('date')} - DATE '1970-01-01')::INTEGER AS day`,
    ...['sales', 'n_sales', 'is_open', 'updated_at', ...opts.extra].map((f) => `${T(f)} AS ${q(f)}`),
  ];
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(latest)} AS
    SELECT ${cols.join(', ')} FROM ${q(checked)} WHERE cvc__reason IS NULL
    QUALIFY row_number() OVER (PARTITION BY store_idx, ${T('date')}
      ORDER BY ${T('updated_at')} DESC NULLS LAST, ${T('sales')} DESC NULLS LAST,
        ${T('n_sales')} DESC NULLS LAST) = 1`);
  // The watermark's candidate, from the typed copy every read row has (valid or quarantined): a
  // second TRY_CAST of millions of raw timestamps would cost a pass of its own.
  const maxRow = (
    await conn.runAndReadAll(
      `SELECT strftime(max(${T('updated_at')}) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS v
      FROM ${q(checked)} WHERE ${T('updated_at')} <= now()`,
    )
  ).getRowObjectsJS()[0]?.['v'];
  await conn.run(`DROP TABLE ${q(checked)}`);
  await conn.run(`DROP TABLE ${q(keys)}`);
  const one = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRowObjectsJS()[0]?.['n'] ?? 0);
  const read = await one(`SELECT count(*)::BIGINT AS n FROM ${q(raw)}`);
  const unique = await one(`SELECT count(*)::BIGINT AS n FROM ${q(latest)}`);
  const counts = (
    await conn.runAndReadAll(
      `SELECT reason, count(*)::BIGINT AS n FROM ${q(quarantine)} WHERE source_table = 'sales' GROUP BY reason`,
    )
  ).getRowObjectsJS();
  const quarantined: Partial<Record<QuarantineReason, number>> = {};
  let bad = 0;
  for (const r of counts) {
    quarantined[String(r['reason']) as QuarantineReason] = Number(r['n']);
    bad += Number(r['n']);
  }
  return { read, valid: read - bad, unique, quarantined, maxUpdatedAt: maxRow == null ? null : String(maxRow) };
}
