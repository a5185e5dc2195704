// The Azure SQL path without a SQL Server: T-SQL query building, streaming in batches, type mapping
// and the retry policy, with a fake mssql request that behaves like the real one in stream mode.
import { EventEmitter } from 'node:events';
import { expect, test } from 'vitest';
import { join } from 'node:path';
import { parseConfig } from '@cvc/core';
import { scanSql } from '@cvc/lakehouse';
import { lakeTables } from '@cvc/feature-table';
import {
  backoffDelay,
  isTransientError,
  mssqlConnectionConfig,
  MssqlSource,
  quoteName,
  RetriesExhausted,
  salesQuery,
  scheduleQuery,
  SourceError,
  SourceUnavailableError,
  stageKindOf,
  streamQuery,
  withRetry,
  type BatchSink,
  type MssqlPoolLike,
  type StreamingRequest,
} from '../src/index.js';
import { runIngest } from '../src/index.js';
import { tempDir, withDuckDb } from './helpers.js';

const mssqlSource = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    source: {
      kind: 'mssql',
      mssql: {
        server: 'cvc.database.windows.net',
        database: 'vendas',
        user: 'cvc',
        password: 's3cret!',
        batchSize: 3,
        maxRetries: 2,
        ...extra,
      },
      tables: { sales: 'dbo.vw_vendas_diarias' },
      columns: { extra: ['visitas'] },
    },
  }).source;

test('T-SQL query: bracket-quoted names from config, bounds as parameters', () => {
  const q = salesQuery(mssqlSource(), 'tsql', { updatedAfter: '2025-01-01T03:00:00.000000', fromDate: '2024-12-01' });
  expect(q.sql).toBe(
    'SELECT [store_id] AS [store_id], [sale_date] AS [date], [gross_sales] AS [sales], [n_sales] AS [n_sales], ' +
      '[is_open] AS [is_open], ' +
      '[updated_at] AS [updated_at], [visitas] AS [visitas] FROM [dbo].[vw_vendas_diarias] ' +
      'WHERE [updated_at] > CAST(@updatedAfter AS datetime2) AND [sale_date] >= CAST(@fromDate AS date)',
  );
  expect(q.params).toEqual({ updatedAfter: '2025-01-01T03:00:00.000000', fromDate: '2024-12-01' });
  const d = salesQuery(mssqlSource(), 'duckdb', { toDate: '2025-01-31' });
  expect(d.sql).toContain(`"sale_date" <= CAST($toDate AS DATE)`);
});

test('T-SQL store schedule query: fixed columns from the configured table; none when not configured', () => {
  expect(scheduleQuery(mssqlSource(), 'tsql')).toBeNull();
  const cfg = mssqlSource();
  cfg.tables.storeSchedule = 'dbo.agenda_lojas';
  expect(scheduleQuery(cfg, 'tsql')!.sql).toBe(
    'SELECT [store_id], [weekday], [schedule_date], [is_open] FROM [dbo].[agenda_lojas]',
  );
  cfg.tables.storeSchedule = 'agenda; DROP TABLE x';
  expect(() => scheduleQuery(cfg, 'tsql')).toThrow(/storeSchedule/);
});

test('names that are not plain SQL names never reach SQL', () => {
  expect(() => quoteName('sales; DROP TABLE x', 'tsql')).toThrow(SourceError);
  expect(() => quoteName('a]b', 'tsql')).toThrow(/not a valid SQL name/);
  const cfg = mssqlSource();
  cfg.columns.sales = 'gross_sales] FROM x --';
  expect(() => salesQuery(cfg, 'tsql', {})).toThrow(/column for sales/);
});

/** A fake mssql Request in stream mode: emits recordset, rows (honouring pause/resume), then done or an error. */
class FakeRequest extends EventEmitter implements StreamingRequest {
  stream = false;
  paused = false;
  pauses = 0;
  inputs: Record<string, unknown> = {};
  sql = '';
  constructor(
    protected columns: Record<string, { index: number; name: string; type: unknown }>,
    protected rows: Record<string, unknown>[],
    private readonly failAfter: number | null = null,
    private readonly error: unknown = null,
  ) {
    super();
  }
  input(name: string, value: unknown) {
    this.inputs[name] = value;
    return this;
  }
  pause() {
    this.paused = true;
    this.pauses++;
    return true;
  }
  resume() {
    this.paused = false;
    setImmediate(() => this.pump());
    return true;
  }
  protected i = 0;
  private pump() {
    while (!this.paused && this.i < this.rows.length) {
      if (this.failAfter !== null && this.i === this.failAfter) {
        this.emit('error', this.error);
        this.emit('done');
        this.i = this.rows.length + 1;
        return;
      }
      this.emit('row', this.rows[this.i++]);
    }
    if (this.i === this.rows.length) {
      this.i++;
      this.emit('done');
    }
  }
  query(sql: string) {
    this.sql = sql;
    setImmediate(() => {
      this.emit('recordset', this.columns);
      this.pump();
    });
    return this;
  }
}

const type = (declaration: string) => Object.assign(() => ({}), { declaration });
const SALES_META = {
  store_id: { index: 0, name: 'store_id', type: type('nvarchar') },
  date: { index: 1, name: 'date', type: type('date') },
  sales: { index: 2, name: 'sales', type: type('decimal') },
  n_sales: { index: 3, name: 'n_sales', type: type('int') },
  is_open: { index: 4, name: 'is_open', type: type('bit') },
  updated_at: { index: 5, name: 'updated_at', type: type('datetime2') },
  visitas: { index: 6, name: 'visitas', type: type('nvarchar') },
};
const salesRows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    store_id: `L${i % 3}`,
    date: new Date(Date.UTC(2025, 0, 1 + i)),
    sales: 1234.56 + i,
    n_sales: i,
    is_open: i % 2 === 0,
    updated_at: new Date(Date.UTC(2025, 0, 2 + i, 3, 0, 0)),
    visitas: i === 0 ? null : String(10 * i),
  }));

test('type mapping: DATE, DECIMAL, NVARCHAR and friends', () => {
  expect(stageKindOf('date')).toBe('DATE');
  expect(stageKindOf('decimal')).toBe('DOUBLE');
  expect(stageKindOf('numeric')).toBe('DOUBLE');
  expect(stageKindOf('nvarchar')).toBe('VARCHAR');
  expect(stageKindOf('datetime2')).toBe('TIMESTAMP');
  expect(stageKindOf('datetimeoffset')).toBe('TIMESTAMPTZ');
  expect(stageKindOf('bit')).toBe('BOOLEAN');
  expect(stageKindOf('int')).toBe('INTEGER');
  expect(stageKindOf('geography')).toBe('VARCHAR');
});

test('rows stream in batches with the request paused while each batch is written', async () => {
  const req = new FakeRequest(SALES_META, salesRows(10));
  const batches: number[] = [];
  let sawPausedDuringWrite = true;
  const sink: BatchSink = {
    begin: async () => undefined,
    write: async (rows) => {
      batches.push(rows.length);
      if (rows.length === 4 && !req.paused) sawPausedDuringWrite = false;
      await new Promise((r) => setTimeout(r, 5));
    },
  };
  const n = await streamQuery(req, 'SELECT 1', { fromDate: '2025-01-01' }, 4, sink);
  expect(n).toBe(10);
  expect(batches).toEqual([4, 4, 2]);
  expect(req.pauses).toBe(2);
  expect(sawPausedDuringWrite).toBe(true);
  expect(req.stream).toBe(true);
  expect(req.inputs).toEqual({ fromDate: '2025-01-01' });
});

function fakePool(requests: FakeRequest[]): { connect: () => Promise<MssqlPoolLike>; opened: number; closed: number } {
  const state = {
    opened: 0,
    closed: 0,
    connect: async (): Promise<MssqlPoolLike> => {
      state.opened++;
      return { request: () => requests.shift()!, close: async () => void state.closed++ };
    },
  };
  return state;
}

test('MssqlSource stages typed rows into DuckDB, retrying a transient failure from scratch', async () => {
  const transient = Object.assign(new Error('Database is not currently available'), { number: 40613 });
  const pool = fakePool([
    new FakeRequest(SALES_META, salesRows(7), 5, transient),
    new FakeRequest(SALES_META, salesRows(7)),
  ]);
  const delays: number[] = [];
  const source = new MssqlSource(mssqlSource(), {
    connect: pool.connect,
    hooks: { sleep: async (ms) => void delays.push(ms), random: () => 1 },
  });
  await withDuckDb(':memory:', async (conn) => {
    const r = await source.stageSales(conn, 'raw', { fromDate: '2025-01-01' });
    expect(r.rows).toBe(7);
    const rows = (
      await conn.runAndReadAll(`SELECT store_id, date::VARCHAR AS d, sales, n_sales, is_open, updated_at::VARCHAR AS u,
      visitas,
      typeof(date) AS td, typeof(sales) AS ts, typeof(store_id) AS tv FROM raw ORDER BY date`)
    ).getRowObjectsJS();
    expect(rows).toHaveLength(7); // the 5 rows of the failed attempt were not kept
    expect(rows[0]).toEqual({
      store_id: 'L0',
      d: '2025-01-01',
      sales: 1234.56,
      n_sales: 0,
      is_open: true,
      u: '2025-01-02 03:00:00',
      visitas: null,
      td: 'DATE',
      ts: 'DOUBLE',
      tv: 'VARCHAR',
    });
  });
  expect(delays).toEqual([1000]);
  expect(pool.opened).toBe(2);
  await source.close();
});

test('retries are bounded; non-transient errors fail at once', async () => {
  const busy = Object.assign(new Error('service busy'), { number: 40501 });
  let calls = 0;
  const sleeps: number[] = [];
  const err = await withRetry(
    async () => {
      calls++;
      throw busy;
    },
    { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 250 },
    { sleep: async (ms) => void sleeps.push(ms), random: () => 1 },
  ).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(RetriesExhausted);
  expect(calls).toBe(4);
  expect(sleeps).toEqual([100, 200, 250]);

  calls = 0;
  const syntax = Object.assign(new Error("Invalid column name 'x'"), { number: 207 });
  await expect(
    withRetry(
      async () => {
        calls++;
        throw syntax;
      },
      { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 1 },
    ),
  ).rejects.toBe(syntax);
  expect(calls).toBe(1);

  for (const n of [40613, 40501, 40197, 49918, 10928, 10929]) expect(isTransientError({ number: n })).toBe(true);
  expect(isTransientError({ code: 'ESOCKET' })).toBe(true);
  expect(isTransientError({ originalError: { info: { number: 40197 } } })).toBe(true);
  expect(isTransientError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
  expect(isTransientError({ number: 207 })).toBe(false);
  expect(backoffDelay(1, { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 30_000 }, () => 0)).toBe(500);
});

test('an Azure SQL source that stays down is a SourceUnavailableError after the configured retries', async () => {
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  const pool = fakePool([0, 1, 2].map(() => new FakeRequest(SALES_META, salesRows(3), 0, reset)));
  const source = new MssqlSource(mssqlSource(), { connect: pool.connect, hooks: { sleep: async () => undefined } });
  await withDuckDb(':memory:', async (conn) => {
    const err = await source.stageSales(conn, 'raw', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceUnavailableError);
    expect((err as Error).message).toMatch(
      /mssql:\/\/cvc.database.windows.net:1433\/vendas: read ECONNRESET \(after 3 attempts\)/,
    );
  });
});

test('connection settings: encryption on, secrets from the environment, Azure AD token option', () => {
  const sql = mssqlConnectionConfig(
    { ...mssqlSource().mssql!, password: undefined },
    { CVC_MSSQL_PASSWORD: 'from-env' },
  );
  expect(sql).toMatchObject({
    server: 'cvc.database.windows.net',
    user: 'cvc',
    password: 'from-env',
    options: { encrypt: true, trustServerCertificate: false },
  });
  const ad = mssqlConnectionConfig(
    { ...mssqlSource({ authentication: 'azure-ad-token', user: undefined, password: undefined }).mssql! },
    { CVC_MSSQL_TOKEN: 'eyJ0' },
  );
  expect(ad.authentication).toEqual({ type: 'azure-active-directory-access-token', options: { token: 'eyJ0' } });
  expect(ad.password).toBeUndefined();
  expect(() => mssqlConnectionConfig({ ...mssqlSource().mssql!, password: undefined }, {})).toThrow(
    /CVC_MSSQL_PASSWORD/,
  );
});

/** Answers each query with the table its FROM names, like a database would. */
class RoutingRequest extends FakeRequest {
  constructor(
    private readonly tables: Record<
      string,
      { meta: Record<string, { index: number; name: string; type: unknown }>; rows: Record<string, unknown>[] }
    >,
  ) {
    super({}, []);
  }
  override query(sql: string) {
    const name = /FROM \[dbo\]\.\[(\w+)\]|FROM \[(\w+)\]/.exec(sql)!;
    const t = this.tables[name[1] ?? name[2]!]!;
    this.columns = t.meta;
    // Azure SQL compares datetime2 values; the parameter is UTC without a zone suffix.
    this.rows = t.rows.filter(
      (r) =>
        !this.inputs['updatedAfter'] ||
        (r['updated_at'] as Date).getTime() > Date.parse(`${String(this.inputs['updatedAfter'])}Z`),
    );
    return super.query(sql);
  }
}

test(
  'runIngest end to end on the mssql source (fake server): same gate, dedup and features as ' + 'the other sources',
  async () => {
    const { dir, cleanup } = tempDir();
    try {
      const meta = (cols: Array<[string, string]>) =>
        Object.fromEntries(cols.map(([n, t], index) => [n, { index, name: n, type: type(t) }]));
      const storeRows = [
        {
          store_id: 'L0',
          store_name: 'Loja 0',
          state: 'SP',
          city: 'Santos',
          format: 'mall',
          opened_on: new Date(Date.UTC(2024, 0, 1)),
          closed_on: null,
        },
        {
          store_id: 'L1',
          store_name: 'Loja 1',
          state: 'RJ',
          city: 'Niterói',
          format: 'street',
          opened_on: new Date(Date.UTC(2024, 0, 1)),
          closed_on: null,
        },
        {
          store_id: 'L2',
          store_name: 'Loja 2',
          state: 'MG',
          city: 'Uberaba',
          format: 'airport',
          opened_on: new Date(Date.UTC(2024, 0, 1)),
          closed_on: null,
        },
      ];
      const sales = salesRows(9).map((r) => ({ ...r, sales: r.store_id === 'L2' && r.n_sales === 5 ? -1 : r.sales }));
      const tables = {
        stores: {
          meta: meta([
            ['store_id', 'nvarchar'],
            ['store_name', 'nvarchar'],
            ['state', 'char'],
            ['city', 'nvarchar'],
            ['format', 'nvarchar'],
            ['opened_on', 'date'],
            ['closed_on', 'date'],
          ]),
          rows: storeRows,
        },
        promotions: {
          meta: meta([
            ['promo_id', 'int'],
            ['store_id', 'nvarchar'],
            ['start_date', 'date'],
            ['end_date', 'date'],
            ['discount_pct', 'decimal'],
          ]),
          rows: [],
        },
        state_holidays: {
          meta: meta([
            ['state', 'char'],
            ['city', 'nvarchar'],
            ['holiday_date', 'date'],
            ['name', 'nvarchar'],
          ]),
          rows: [],
        },
        vw_vendas_diarias: { meta: SALES_META, rows: sales },
      };
      let opened = 0;
      const connect = async (): Promise<MssqlPoolLike> => {
        opened++;
        return { request: () => new RoutingRequest(tables), close: async () => undefined };
      };
      const cfg = parseConfig(
        {
          source: {
            kind: 'mssql',
            mssql: { server: 's', database: 'd', user: 'u', password: 'p', batchSize: 4 },
            tables: { sales: 'dbo.vw_vendas_diarias' },
            columns: { extra: ['visitas'] },
          },
          lake: { root: join(dir, 'lake') },
        },
        join(dir, 'cvc.yaml'),
      );
      const loaded = {
        file: join(dir, 'cvc.yaml'),
        config: cfg,
        paths: { lake: join(dir, 'lake'), tracking: '', registry: '', demoSource: '', data: dir },
      };
      const s = await runIngest({ loaded, today: '2025-01-31', mssql: { connect } });
      expect(s).toMatchObject({
        rowsRead: 9,
        rowsValid: 8,
        quarantinedByReason: { negative_sales: 1 },
        stores: 3,
        firstDay: '2025-01-01',
        lastDay: '2025-01-09',
      });
      expect(s.source).toBe('mssql://s:1433/d');
      expect(opened).toBe(1);
      const rows = await withDuckDb(':memory:', async (c) =>
        (
          await c.runAndReadAll(`SELECT store_id, count(*)::INTEGER AS n, count(sales)::INTEGER AS with_sales,
      sum(sales) AS total FROM ${await scanSql(c, lakeTables(loaded).features)} f GROUP BY store_id ORDER BY store_id`)
        ).getRowObjectsJS(),
      );
      expect(rows.map((r) => [r['store_id'], r['n'], r['with_sales']])).toEqual([
        ['L0', 9, 3],
        ['L1', 9, 3],
        ['L2', 9, 2],
      ]);
      // Rerun: the watermark is bound as @updatedAfter, nothing new comes back.
      const again = await runIngest({ loaded, today: '2025-01-31', mssql: { connect } });
      expect(again).toMatchObject({ mode: 'incremental', rowsRead: 0, rowsMerged: 0 });
    } finally {
      cleanup();
    }
  },
);
