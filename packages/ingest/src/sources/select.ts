// The SELECTs every source runs, built once from the config's table and column mapping for either
// dialect (DuckDB for the embedded and file sources, T-SQL for Azure SQL). Identifiers are validated
// and quoted; bounds are parameters (DuckDB $name, T-SQL @name), never spliced text.
import type { CvcConfig } from '@cvc/core';
import { quoteName, type Dialect } from '../names.js';
import { SCHEDULE_FIELDS, type SalesRange } from './source.js';

export interface BuiltQuery {
  sql: string;
  /** Parameter values by name (without the $ or @). */
  params: Record<string, string>;
}

type SourceConfig = CvcConfig['source'];

function param(dialect: Dialect, name: string): string {
  return dialect === 'tsql' ? `@${name}` : `$${name}`;
}

function col(name: string | null, alias: string, dialect: Dialect): string {
  const a = quoteName(alias, dialect);
  return name === null ? `NULL AS ${a}` : `${quoteName(name, dialect, `column for ${alias}`)} AS ${a}`;
}

export interface SalesQueryOptions {
  /**
   * The columns are text as read (CSV files): bounds compare the parsed value, and a row whose
   * bound column does not parse is read anyway, so the quality gate quarantines it.
   */
  text?: boolean;
}

/** `from` is a table name from config or, for files, an already-built DuckDB table function. */
export function salesQuery(
  source: SourceConfig,
  dialect: Dialect,
  range: SalesRange,
  from?: string,
  opts: SalesQueryOptions = {},
): BuiltQuery {
  const c = source.columns;
  const list = [
    col(c.storeId, 'store_id', dialect),
    col(c.date, 'date', dialect),
    col(c.sales, 'sales', dialect),
    col(c.nSales, 'n_sales', dialect),
    col(c.isOpen, 'is_open', dialect),
    col(c.updatedAt, 'updated_at', dialect),
    ...c.extra.map((e) => col(e, e, dialect)),
    ...c.future.map((e) => col(e, e, dialect)),
  ];
  const where: string[] = [];
  const params: Record<string, string> = {};
  const dateCol = quoteName(c.date, dialect);
  // Casting the parameter (not the column) keeps the predicate sargable on SQL Server indexes.
  const asDate = (p: string) => (dialect === 'tsql' ? `CAST(${p} AS date)` : `CAST(${p} AS DATE)`);
  const text = opts.text === true && dialect === 'duckdb';
  const bound = (column: string, type: 'DATE' | 'TIMESTAMP', op: string, value: string) => {
    if (!text) return `${column} ${op} ${value}`;
    const parsed = `TRY_CAST(${column} AS ${type})`;
    return `(${parsed} ${op} ${value} OR (${column} IS NOT NULL AND ${parsed} IS NULL))`;
  };
  if (range.updatedAfter !== undefined && c.updatedAt !== null) {
    const after = param(dialect, 'updatedAfter');
    const p = dialect === 'tsql' ? `CAST(${after} AS datetime2)` : `CAST(${after} AS TIMESTAMP)`;
    where.push(bound(quoteName(c.updatedAt, dialect), 'TIMESTAMP', '>', p));
    params['updatedAfter'] = range.updatedAfter;
  }
  if (range.fromDate !== undefined) {
    where.push(bound(dateCol, 'DATE', '>=', asDate(param(dialect, 'fromDate'))));
    params['fromDate'] = range.fromDate;
  }
  if (range.toDate !== undefined) {
    where.push(bound(dateCol, 'DATE', '<=', asDate(param(dialect, 'toDate'))));
    params['toDate'] = range.toDate;
  }
  const table = from ?? quoteName(source.tables.sales, dialect, 'source.tables.sales');
  return {
    sql: `SELECT ${list.join(', ')} FROM ${table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
    params,
  };
}

export function storesQuery(source: SourceConfig, dialect: Dialect, from?: string): BuiltQuery {
  const c = source.storeColumns;
  const list = [
    col(c.storeId, 'store_id', dialect),
    col(c.name, 'store_name', dialect),
    col(c.state, 'state', dialect),
    col(c.city, 'city', dialect),
    col(c.format, 'format', dialect),
    col(c.openedOn, 'opened_on', dialect),
    col(c.closedOn, 'closed_on', dialect),
    ...c.statics.map((st) => col(st.column, st.column, dialect)),
  ];
  return {
    sql: `SELECT ${list.join(', ')} FROM ${from ?? quoteName(source.tables.stores, dialect, 'source.tables.stores')}`,
    params: {},
  };
}

/** Promotions and holidays have fixed column names (see the demo source README). */
export function promotionsQuery(source: SourceConfig, dialect: Dialect, from?: string): BuiltQuery | null {
  const table =
    from ??
    (source.tables.promotions === null
      ? null
      : quoteName(source.tables.promotions, dialect, 'source.tables.promotions'));
  if (table === null) return null;
  const cols = ['promo_id', 'store_id', 'start_date', 'end_date', 'discount_pct'].map((n) => quoteName(n, dialect));
  return { sql: `SELECT ${cols.join(', ')} FROM ${table}`, params: {} };
}

/** The planned opening schedule: fixed column names (store_id, weekday, schedule_date, is_open). */
export function scheduleQuery(source: SourceConfig, dialect: Dialect, from?: string): BuiltQuery | null {
  const configured = source.tables.storeSchedule;
  const table = from ?? (configured === null ? null : quoteName(configured, dialect, 'source.tables.storeSchedule'));
  if (table === null) return null;
  const cols = SCHEDULE_FIELDS.map((n) => quoteName(n, dialect));
  return { sql: `SELECT ${cols.join(', ')} FROM ${table}`, params: {} };
}

export function holidaysQuery(source: SourceConfig, dialect: Dialect, from?: string): BuiltQuery | null {
  const table =
    from ??
    (source.tables.holidays === null ? null : quoteName(source.tables.holidays, dialect, 'source.tables.holidays'));
  if (table === null) return null;
  const cols = ['state', 'city', 'holiday_date', 'name'].map((n) => quoteName(n, dialect));
  return { sql: `SELECT ${cols.join(', ')} FROM ${table}`, params: {} };
}
