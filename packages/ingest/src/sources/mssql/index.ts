// Azure SQL through the mssql package. Deliberately thin: the SELECTs come from the shared builder
// (select.ts, T-SQL dialect), rows stream in batches into a DuckDB staging table, and everything
// after is the same code the other sources use. Each staging call is retried as a whole on a
// transient error (the staging table is recreated, so a retry never duplicates rows).
import { JobError, type CvcConfig, type Logger } from '@cvc/core';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { SourceError, SourceUnavailableError } from '../../errors.js';
import { quoteName } from '../../names.js';
import { holidaysQuery, promotionsQuery, salesQuery, scheduleQuery, storesQuery, type BuiltQuery } from '../select.js';
import { SCHEDULE_FIELDS, type SalesRange, type Source, type StageResult } from '../source.js';
import { describeMssql, mssqlConnectionConfig, type MssqlSettings } from './connection.js';
import { RetriesExhausted, withRetry, type RetryHooks, type RetryPolicy } from './retry.js';
import { streamQuery, type BatchSink, type StreamingRequest } from './stream.js';
import { appendValue, stageColumns, type ColumnMetadataLike, type StageColumn } from './types.js';

/** What the source needs from a connection pool; `connectMssql` gives the real one, tests a fake. */
export interface MssqlPoolLike {
  request(): StreamingRequest;
  close(): Promise<void>;
}
export type MssqlConnect = () => Promise<MssqlPoolLike>;

/** Opens a real pool with the mssql package (loaded lazily: only Azure runs pay for it). */
export function connectMssql(settings: MssqlSettings, env: NodeJS.ProcessEnv = process.env): MssqlConnect {
  const cfg = mssqlConnectionConfig(settings, env);
  return async () => {
    const mssql = (await import('mssql')).default;
    const pool = new mssql.ConnectionPool(cfg);
    await pool.connect();
    return { request: () => pool.request() as unknown as StreamingRequest, close: () => pool.close() };
  };
}

/** A DuckDB sink: creates the staging table from the result's metadata and appends each batch. */
export class DuckDbBatchSink implements BatchSink {
  private columns: StageColumn[] = [];
  private appender: DuckDBAppender | null = null;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly into: string,
    /** Column names used when the result has no metadata (no result set at all). */
    private readonly fallback: readonly string[],
  ) {}

  async begin(meta: Record<string, ColumnMetadataLike>): Promise<void> {
    this.columns = stageColumns(meta);
    await this.create();
  }

  private async create(): Promise<void> {
    const cols = this.columns.map((c) => `${quoteName(c.name, 'duckdb')} ${c.kind}`).join(', ');
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteName(this.into, 'duckdb')} (${cols})`);
    this.appender = await this.conn.createAppender(this.into);
  }

  async write(rows: Record<string, unknown>[]): Promise<void> {
    if (!this.appender) throw new JobError('mssql: a batch of rows arrived before the result metadata');
    const app = this.appender;
    for (const row of rows) {
      for (const c of this.columns) appendValue(app, c.kind, row[c.name]);
      app.endRow();
    }
    app.flushSync();
  }

  async finish(): Promise<void> {
    if (!this.appender) {
      this.columns = this.fallback.map((name) => ({ name, kind: 'VARCHAR', sqlType: 'unknown' }));
      await this.create();
    }
    this.appender!.closeSync();
    this.appender = null;
  }
}

export interface MssqlSourceOptions {
  connect?: MssqlConnect;
  retry?: Partial<RetryPolicy>;
  hooks?: RetryHooks;
  log?: Logger;
  env?: NodeJS.ProcessEnv;
}

export class MssqlSource implements Source {
  readonly kind = 'mssql' as const;
  readonly description: string;
  readonly hasUpdatedAt: boolean;
  private readonly connect: MssqlConnect;
  private readonly policy: RetryPolicy;
  private pool: MssqlPoolLike | null = null;

  constructor(
    private readonly config: CvcConfig['source'],
    private readonly opts: MssqlSourceOptions = {},
  ) {
    const s = config.mssql;
    if (!s) throw new SourceError('mssql', 'source.mssql is required when source.kind is mssql');
    this.description = describeMssql(s);
    this.hasUpdatedAt = config.columns.updatedAt !== null;
    this.connect = opts.connect ?? connectMssql(s, opts.env);
    this.policy = { maxRetries: s.maxRetries, baseDelayMs: 1_000, maxDelayMs: 30_000, ...opts.retry };
  }

  private get batchSize(): number {
    return this.config.mssql?.batchSize ?? 20_000;
  }

  /** One query into one staging table, retried as a whole on transient errors. */
  private async stage(
    conn: DuckDBConnection,
    into: string,
    query: BuiltQuery,
    fields: readonly string[],
  ): Promise<StageResult> {
    try {
      return await withRetry(
        async () => {
          try {
            this.pool ??= await this.connect();
            const sink = new DuckDbBatchSink(conn, into, fields);
            const rows = await streamQuery(this.pool.request(), query.sql, query.params, this.batchSize, sink);
            await sink.finish();
            return { rows };
          } catch (err) {
            // A broken connection is not reused by the next attempt.
            const pool = this.pool;
            this.pool = null;
            await pool?.close().catch(() => undefined);
            throw err;
          }
        },
        this.policy,
        {
          ...this.opts.hooks,
          onRetry: (attempt, delayMs, err) => {
            this.opts.log?.warn(
              { attempt, delayMs, err: (err as Error).message },
              'transient Azure SQL error, retrying',
            );
            this.opts.hooks?.onRetry?.(attempt, delayMs, err);
          },
        },
      );
    } catch (err) {
      if (err instanceof RetriesExhausted)
        throw new SourceUnavailableError(this.description, err.message, err.attempts);
      throw new SourceError(this.description, (err as Error).message);
    }
  }

  stageSales(conn: DuckDBConnection, into: string, range: SalesRange): Promise<StageResult> {
    const fields = ['store_id', 'date', 'sales', 'n_sales', 'is_open', 'updated_at'];
    fields.push(...this.config.columns.extra, ...this.config.columns.future);
    return this.stage(conn, into, salesQuery(this.config, 'tsql', range), fields);
  }

  stageStores(conn: DuckDBConnection, into: string): Promise<StageResult> {
    return this.stage(conn, into, storesQuery(this.config, 'tsql'), [
      'store_id',
      'store_name',
      'state',
      'city',
      'format',
      'opened_on',
      'closed_on',
      ...this.config.storeColumns.statics.map((st) => st.column),
    ]);
  }

  async stagePromotions(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const q = promotionsQuery(this.config, 'tsql');
    return q && this.stage(conn, into, q, ['promo_id', 'store_id', 'start_date', 'end_date', 'discount_pct']);
  }

  async stageHolidays(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const q = holidaysQuery(this.config, 'tsql');
    return q && this.stage(conn, into, q, ['state', 'city', 'holiday_date', 'name']);
  }

  async stageSchedule(conn: DuckDBConnection, into: string): Promise<StageResult | null> {
    const q = scheduleQuery(this.config, 'tsql');
    return q && this.stage(conn, into, q, [...SCHEDULE_FIELDS]);
  }

  /** Nothing to look for before connecting: the first staging query connects (and retries). */
  async check(): Promise<void> {}

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }
}
