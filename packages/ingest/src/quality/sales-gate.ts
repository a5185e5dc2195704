// The quality gate for sales rows, as SQL over the staged rows: each row is typed (TRY_CAST, so a
// non-numeric value is caught instead of failing the run), given the first reason it fails, and
// goes either to the valid set or to the new quarantine rows with its original values as JSON.
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteName } from '../names.js';
import type { QuarantineReason } from './reasons.js';

export interface SalesGateOptions {
  /** Rows dated after this day (ISO) are future dates. */
  today: string;
  maxDailySales: number;
  maxNSales: number;
  extra: readonly string[];
}

export interface SalesGateResult {
  valid: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
}

const q = (n: string) => quoteName(n, 'duckdb');

/**
 * Reads `raw` (SALES_FIELDS + extra columns, source types) and `stores` (store_id, opened_on,
 * closed_on); creates `valid` (typed rows that passed) and inserts the rest into `quarantine`
 * (source_table, reason, store_id, date, updated_at, original).
 */
export async function runSalesGate(conn: DuckDBConnection, raw: string, stores: string, valid: string, quarantine: string, opts: SalesGateOptions): Promise<SalesGateResult> {
  const extraCols = opts.extra.map((e) => `, TRY_CAST(r.${q(e)} AS DOUBLE) AS ${q(e)}`).join('');
  const extraBad = opts.extra.map((e) => `((t.r).${q(e)} IS NOT NULL AND t.${q(e)} IS NULL)`);

  // A row updated before its sale day ended cannot be a real day's sales either: the date is in the
  // future as seen from when the source wrote it.
  // A CTE used by both statements rather than a view: views cannot hold bound parameters.
  const checked = `(WITH typed AS (
      SELECT r,
        NULLIF(trim(CAST(r.store_id AS VARCHAR)), '') AS store_id,
        TRY_CAST(r.date AS DATE) AS date,
        TRY_CAST(r.sales AS DOUBLE) AS sales,
        TRY_CAST(r.n_sales AS DOUBLE) AS n_sales,
        TRY_CAST(r.is_open AS BOOLEAN) AS is_open,
        TRY_CAST(r.updated_at AS TIMESTAMPTZ) AS updated_at
        ${extraCols}
      FROM ${q(raw)} r
    )
    SELECT t.*, CASE
      WHEN t.store_id IS NULL THEN 'missing_store_id'
      WHEN (t.r).date IS NULL THEN 'missing_date'
      WHEN t.date IS NULL THEN 'invalid_date'
      WHEN (t.r).sales IS NOT NULL AND (t.sales IS NULL OR NOT isfinite(t.sales)) THEN 'non_numeric_sales'
      WHEN (t.r).sales IS NULL AND coalesce(t.is_open, true) THEN 'missing_sales'
      WHEN t.sales < 0 THEN 'negative_sales'
      WHEN t.date > CAST($today AS DATE) OR t.date > CAST(t.updated_at AS DATE) THEN 'future_date'
      WHEN s.store_id IS NULL THEN 'unknown_store'
      WHEN t.date < s.opened_on OR t.date > s.closed_on THEN 'outside_open_life'
      WHEN t.sales > $maxSales THEN 'sales_out_of_bounds'
      WHEN ((t.r).n_sales IS NOT NULL AND t.n_sales IS NULL) OR t.n_sales < 0 OR t.n_sales > $maxN THEN 'n_sales_out_of_bounds'
      WHEN (t.r).is_open IS NOT NULL AND t.is_open IS NULL THEN 'invalid_is_open'
      WHEN (t.r).updated_at IS NOT NULL AND t.updated_at IS NULL THEN 'invalid_updated_at'
      ${extraBad.length ? `WHEN ${extraBad.join(' OR ')} THEN 'non_numeric_extra'` : ''}
    END AS reason
    FROM typed t LEFT JOIN ${q(stores)} s ON s.store_id = t.store_id)`;
  const params = { today: opts.today, maxSales: opts.maxDailySales, maxN: opts.maxNSales };
  const cols = ['store_id', 'date', 'sales', 'n_sales', 'is_open', 'updated_at', ...opts.extra].map(q).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(valid)} AS SELECT ${cols} FROM ${checked} c WHERE reason IS NULL`, params);
  await conn.run(`INSERT INTO ${q(quarantine)} (source_table, reason, store_id, date, updated_at, original)
    SELECT 'sales', reason, store_id, date, updated_at, CAST(to_json(r) AS VARCHAR) FROM ${checked} c WHERE reason IS NOT NULL`, params);
  const counts = (await conn.runAndReadAll(`SELECT reason, count(*)::BIGINT AS n FROM ${q(quarantine)} WHERE source_table = 'sales' GROUP BY reason`)).getRowObjectsJS();
  const n = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${q(valid)}`)).getRowObjectsJS();
  const quarantined: Partial<Record<QuarantineReason, number>> = {};
  for (const r of counts) quarantined[String(r['reason']) as QuarantineReason] = Number(r['n']);
  return { valid: Number(n[0]?.['n'] ?? 0), quarantined };
}
