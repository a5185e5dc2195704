// Small hand-checkable sources written with SQL into a temp directory, and a config pointing at them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, parseConfig, type LoadedConfig, type Logger } from '@cvc/core';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export function tempDir(prefix = 'cvc-ingest-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function withDuckDb<T>(path: string, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export const SOURCE_SCHEMA = `
CREATE TABLE stores (store_id INTEGER, store_name VARCHAR, state VARCHAR, city VARCHAR, format VARCHAR,
  opened_on DATE, closed_on DATE);
CREATE TABLE daily_sales (store_id INTEGER, sale_date DATE, gross_sales DECIMAL(14,2), n_sales INTEGER,
  is_open BOOLEAN, updated_at TIMESTAMP);
CREATE TABLE promotions (promo_id INTEGER, store_id INTEGER, start_date DATE, end_date DATE, discount_pct DOUBLE);
CREATE TABLE state_holidays (state VARCHAR, city VARCHAR, holiday_date DATE, name VARCHAR);
`;

/**
 * Two stores in SP and RJ, open all of 2025-01-01 .. 2025-01-10, one row a day each loaded the next
 * day at 03:00; sales = 100 * store + day of month. Store 2 is closed on Jan 5 (sales 0).
 */
export async function writeSmallSource(path: string, extraSql = ''): Promise<void> {
  await withDuckDb(path, async (c) => {
    await c.run(SOURCE_SCHEMA);
    await c.run(`INSERT INTO stores VALUES
      (1, 'Loja 1', 'SP', 'São Paulo', 'mall', DATE '2024-06-01', NULL),
      (2, 'Loja 2', 'RJ', 'Rio de Janeiro', 'street', DATE '2024-06-01', NULL)`);
    await c.run(`INSERT INTO daily_sales
      SELECT s, d::DATE, CASE WHEN s = 2 AND d = DATE '2025-01-05' THEN 0 ELSE 100 * s + day(d) END, 10,
             NOT (s = 2 AND d = DATE '2025-01-05'),
             d + INTERVAL 1 DAY + INTERVAL 3 HOUR
      FROM range(1, 3) t(s), range(DATE '2025-01-01', DATE '2025-01-11', INTERVAL 1 DAY) r(d)`);
    await c.run(`INSERT INTO promotions VALUES (1, NULL, DATE '2025-01-03', DATE '2025-01-04', 10),
      (2, 1, DATE '2025-01-04', DATE '2025-01-06', 25),
      (3, NULL, DATE '2025-02-01', DATE '2025-02-05', 30)`);
    await c.run(
      `INSERT INTO state_holidays VALUES ('SP', 'São Paulo', DATE '2025-01-25', 'Aniversário de São Paulo'), ` +
        `('RJ', NULL, DATE '2025-01-08', 'Feriado teste')`,
    );
    if (extraSql) await c.run(extraSql);
  });
}

export function configFor(
  dir: string,
  source: Record<string, unknown> = {},
  ingest: Record<string, unknown> = {},
): LoadedConfig {
  const config = parseConfig(
    { source: { kind: 'duckdb', ...source }, ingest, lake: { root: join(dir, 'lake') } },
    join(dir, 'cvc.yaml'),
  );
  return {
    file: join(dir, 'cvc.yaml'),
    config,
    paths: {
      lake: join(dir, 'lake'),
      tracking: join(dir, 'tracking'),
      registry: join(dir, 'registry'),
      demoSource: join(dir, 'source.duckdb'),
      data: dir,
    },
  };
}

export async function query(sql: string): Promise<Record<string, unknown>[]> {
  return withDuckDb(
    ':memory:',
    async (c) => (await c.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[],
  );
}

/** A real logger whose JSON lines are kept: the warnings a run gives. */
export function capturingLogger(): { log: Logger; warnings: () => string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger({ command: 'ingest', runId: 'test', level: 'info', destination, pretty: false });
  const warnings = () =>
    lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((l) => l.level === 40)
      .map((l) => l.msg);
  return { log, warnings };
}
