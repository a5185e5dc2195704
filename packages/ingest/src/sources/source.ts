// The one interface every source meets. A source copies the rows ingest asks for into DuckDB tables
// in ingest's own connection, under canonical column names; everything after (quality gate, dedup,
// features) is SQL over those tables and does not know which source it came from.
import type { DuckDBConnection } from '@duckdb/node-api';

/** Canonical names of a staged sales row; configured extra columns keep their own names. */
export const SALES_FIELDS = ['store_id', 'date', 'sales', 'n_sales', 'is_open', 'updated_at'] as const;
export const STORE_FIELDS = ['store_id', 'store_name', 'state', 'city', 'format', 'opened_on', 'closed_on'] as const;
export const PROMOTION_FIELDS = ['promo_id', 'store_id', 'start_date', 'end_date', 'discount_pct'] as const;
export const HOLIDAY_FIELDS = ['state', 'city', 'holiday_date', 'name'] as const;
export const SCHEDULE_FIELDS = ['store_id', 'weekday', 'schedule_date', 'is_open'] as const;

/** Which sales rows to read. All bounds are optional and combine with AND. */
export interface SalesRange {
  /** Only rows with updated_at strictly after this instant (ISO). */
  updatedAfter?: string;
  /** Only rows with sale date >= this day (ISO). */
  fromDate?: string;
  /** Only rows with sale date <= this day (ISO). */
  toDate?: string;
}

export interface StageResult {
  rows: number;
}

export interface Source {
  readonly kind: 'duckdb' | 'mssql' | 'files';
  /** For logs and lineage: where the data comes from, never a secret. */
  readonly description: string;
  /** Whether rows carry updated_at (then the watermark is a timestamp, else a date). */
  readonly hasUpdatedAt: boolean;
  /**
   * Fails with a SourceError when the source is not there (a missing database file, a glob that
   * matches no file), before ingest creates any directory.
   */
  check(conn: DuckDBConnection): Promise<void>;
  /** Copies the selected sales rows into a new DuckDB table `into` (SALES_FIELDS + extra columns). */
  stageSales(conn: DuckDBConnection, into: string, range: SalesRange): Promise<StageResult>;
  stageStores(conn: DuckDBConnection, into: string): Promise<StageResult>;
  /** null when the source has no promotions table configured. */
  stagePromotions(conn: DuckDBConnection, into: string): Promise<StageResult | null>;
  /** null when the source has no state holidays table configured. */
  stageHolidays(conn: DuckDBConnection, into: string): Promise<StageResult | null>;
  /** null when the source has no planned opening schedule configured. */
  stageSchedule(conn: DuckDBConnection, into: string): Promise<StageResult | null>;
  close(): Promise<void>;
}
