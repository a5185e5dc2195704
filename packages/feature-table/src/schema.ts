// The Delta schemas of the tables ingest maintains and backtest, train and infer read: the feature
// table (one row per store and calendar day of its open life) and the reference tables infer needs
// to rebuild the known-future covariates of the forecast window (stores, promotions, state holidays).
import { FUTURE_COVARIATES, PAST_COVARIATES, TARGET_COLUMN, type FutureCovariate, type StaticColumn } from '@cvc/core';
import type { ColumnDef } from '@cvc/lakehouse';

/** Liquid clustering keys of the feature table: readers select by store and date range. */
export const FEATURE_CLUSTER_BY = ['store_id', 'date'] as const;

/** Future covariates stored as BOOLEAN (read back as 0/1); the other ones are numbers. */
export const BOOLEAN_FUTURE_COVARIATES: readonly FutureCovariate[] = ['is_open', 'is_holiday', 'is_pandemic'];
const DOUBLE_FUTURE_COVARIATES: readonly FutureCovariate[] = ['promo'];

/** Columns that are neither a covariate nor the target: keys, store facts and lineage. */
export const FEATURE_META_COLUMNS = [
  'store_id',
  'date',
  'is_missing',
  'state',
  'city',
  'format',
  'updated_at',
] as const;

function futureType(c: FutureCovariate): ColumnDef['type'] {
  if (BOOLEAN_FUTURE_COVARIATES.includes(c)) return 'BOOLEAN';
  return DOUBLE_FUTURE_COVARIATES.includes(c) ? 'DOUBLE' : 'INTEGER';
}

/** Every column name the feature table reserves; configured extra columns may not reuse them. */
export function reservedFeatureColumns(): string[] {
  return [...FEATURE_META_COLUMNS, TARGET_COLUMN, ...PAST_COVARIATES, ...FUTURE_COVARIATES];
}

/**
 * The feature table's columns. `extra` are configured source columns carried as past covariates
 * (DOUBLE, null where unknown). `statics` are store-master attributes (source.storeColumns.statics),
 * repeated on each row like format: DOUBLE for a number, VARCHAR for a category. `updated_at` is the
 * source row's timestamp, null on missing days: it is what makes a late correction win over an older
 * value and a re-sent row change nothing.
 */
export function featureTableColumns(extra: readonly string[] = [], statics: readonly StaticColumn[] = []): ColumnDef[] {
  return [
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'date', type: 'DATE', nullable: false },
    { name: TARGET_COLUMN, type: 'DOUBLE', comment: 'gross sales (BRL); null on a missing day, 0 on a closed day' },
    { name: 'n_sales', type: 'DOUBLE' },
    { name: 'is_missing', type: 'BOOLEAN', nullable: false, comment: 'no row in the source for this open day' },
    ...FUTURE_COVARIATES.map((c): ColumnDef => ({ name: c, type: futureType(c), nullable: false })),
    { name: 'state', type: 'VARCHAR', nullable: false },
    { name: 'city', type: 'VARCHAR' },
    { name: 'format', type: 'VARCHAR', nullable: false },
    ...statics.map((st): ColumnDef => ({
      name: st.column,
      type: st.kind === 'number' ? 'DOUBLE' : 'VARCHAR',
      comment: `store static (${st.kind})`,
    })),
    ...extra.map((name): ColumnDef => ({ name, type: 'DOUBLE', comment: 'configured extra source column' })),
    { name: 'updated_at', type: 'TIMESTAMPTZ', comment: "source row's updated_at (null when missing)" },
  ];
}

export const STORES_COLUMNS: ColumnDef[] = [
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'store_name', type: 'VARCHAR' },
  { name: 'state', type: 'VARCHAR', nullable: false },
  { name: 'city', type: 'VARCHAR' },
  { name: 'format', type: 'VARCHAR', nullable: false },
  { name: 'opened_on', type: 'DATE', nullable: false },
  { name: 'closed_on', type: 'DATE' },
];

export const PROMOTIONS_COLUMNS: ColumnDef[] = [
  { name: 'promo_id', type: 'VARCHAR', nullable: false },
  { name: 'store_id', type: 'VARCHAR', comment: 'null = every store' },
  { name: 'start_date', type: 'DATE', nullable: false },
  { name: 'end_date', type: 'DATE', nullable: false },
  { name: 'discount_pct', type: 'DOUBLE', nullable: false },
];

/** The planned opening schedule: one row per store and weekday (every week) or per date. */
/** Values of the configured future columns on days after the last observed day (long format). */
export const FUTURE_COVARIATE_COLUMNS: ColumnDef[] = [
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'date', type: 'DATE', nullable: false },
  { name: 'name', type: 'VARCHAR', nullable: false, comment: 'the source column (source.columns.future)' },
  { name: 'value', type: 'DOUBLE' },
];

export const SCHEDULE_COLUMNS: ColumnDef[] = [
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'weekday', type: 'INTEGER', comment: '0 = Monday .. 6 = Sunday; null on a date row' },
  { name: 'schedule_date', type: 'DATE', comment: 'null on a weekday row' },
  { name: 'is_open', type: 'BOOLEAN', nullable: false },
];

export const HOLIDAYS_COLUMNS: ColumnDef[] = [
  { name: 'state', type: 'VARCHAR', nullable: false },
  { name: 'city', type: 'VARCHAR', comment: 'null = the whole state' },
  { name: 'holiday_date', type: 'DATE', nullable: false },
  { name: 'name', type: 'VARCHAR', nullable: false },
];

/** Rows ingest's quality gate refused, keyed by a hash of (source table, reason, original row). */
export const QUARANTINE_COLUMNS: ColumnDef[] = [
  { name: 'row_key', type: 'VARCHAR', nullable: false, comment: 'md5 of source_table, reason and original' },
  { name: 'source_table', type: 'VARCHAR', nullable: false },
  { name: 'reason', type: 'VARCHAR', nullable: false },
  { name: 'store_id', type: 'VARCHAR' },
  { name: 'date', type: 'DATE' },
  { name: 'updated_at', type: 'TIMESTAMPTZ' },
  { name: 'original', type: 'VARCHAR', nullable: false, comment: 'the source row as JSON' },
  { name: 'run_id', type: 'VARCHAR', nullable: false },
  { name: 'quarantined_at', type: 'TIMESTAMPTZ', nullable: false },
];
