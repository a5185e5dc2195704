// Writes the demo source to a DuckDB file with the same tables the Azure SQL source has (README.md).
// The file appears atomically: everything is written to a temp file beside it, then renamed, so a
// failure or a kill leaves either the old database or none, never half of one.
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  DOUBLE,
  DuckDBDataChunk,
  DuckDBDateValue,
  DuckDBInstance,
  INTEGER,
  UTINYINT,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { generateDemoData } from './generate.js';
import { parseWithSchema, WriteDemoOptionsSchema, type WriteDemoOptionsInput } from './options.js';
import type { BadRow, DailySalesTable } from './tables.js';

export interface WriteDemoResult {
  path: string;
  stores: number;
  dailySales: number;
  promotions: number;
  stateHolidays: number;
  badRows: BadRow[];
  generateSeconds: number;
  writeSeconds: number;
}

const SCHEMA = `
CREATE TABLE stores (
  store_id INTEGER NOT NULL PRIMARY KEY, store_name VARCHAR NOT NULL, state VARCHAR NOT NULL,
  city VARCHAR NOT NULL, format VARCHAR NOT NULL, opened_on DATE NOT NULL, closed_on DATE,
  size_m2 INTEGER NOT NULL, assortment VARCHAR NOT NULL);
CREATE TABLE daily_sales (
  store_id INTEGER NOT NULL, sale_date DATE NOT NULL, gross_sales DECIMAL(14,2) NOT NULL,
  n_sales INTEGER NOT NULL, is_open BOOLEAN NOT NULL, updated_at TIMESTAMP NOT NULL);
CREATE TABLE promotions (
  promo_id INTEGER NOT NULL PRIMARY KEY, store_id INTEGER, start_date DATE NOT NULL,
  end_date DATE NOT NULL, discount_pct DOUBLE NOT NULL);
CREATE TABLE state_holidays (state VARCHAR NOT NULL, city VARCHAR, holiday_date DATE NOT NULL, name VARCHAR NOT NULL);
`;

// One DuckDB vector: appending whole chunks is ~10x fewer native calls than cell by cell.
const CHUNK_ROWS = 2048;

/** Typed arrays index like arrays; the chunk API only reads `length` and `[i]`. */
function values(a: ArrayLike<number>): readonly DuckDBValue[] {
  return a as unknown as readonly DuckDBValue[];
}

export async function appendDailySales(con: DuckDBConnection, t: DailySalesTable): Promise<void> {
  // Staged as plain numbers (day numbers, cents, epoch seconds), converted to DATE/DECIMAL/TIMESTAMP
  // in one SQL pass: building a DuckDB value object per cell would dominate the run time.
  await con.run(`CREATE TABLE _sales_stage (store_id INTEGER, sale_day INTEGER, gross_cents DOUBLE,
    n_sales INTEGER, is_open UTINYINT, updated_s DOUBLE)`);
  const app = await con.createAppender('_sales_stage');
  const types = [INTEGER, INTEGER, DOUBLE, INTEGER, UTINYINT, DOUBLE];
  for (let off = 0; off < t.length; off += CHUNK_ROWS) {
    const end = Math.min(t.length, off + CHUNK_ROWS);
    const chunk = DuckDBDataChunk.create(types, end - off);
    chunk.setColumns([
      values(t.storeId.subarray(off, end)),
      values(t.saleDay.subarray(off, end)),
      values(t.grossCents.subarray(off, end)),
      values(t.nSales.subarray(off, end)),
      values(t.isOpen.subarray(off, end)),
      values(t.updatedAt.subarray(off, end)),
    ]);
    app.appendDataChunk(chunk);
  }
  app.flushSync();
  app.closeSync();
  await con.run(`INSERT INTO daily_sales
    SELECT store_id, DATE '1970-01-01' + sale_day, CAST(gross_cents / 100 AS DECIMAL(14,2)), n_sales,
           is_open = 1, make_timestamp(CAST(updated_s AS BIGINT) * 1000000)
    FROM _sales_stage`);
  await con.run('DROP TABLE _sales_stage');
}

const date = (day: number): DuckDBDateValue => new DuckDBDateValue(day);

async function writeTables(con: DuckDBConnection, data: ReturnType<typeof generateDemoData>): Promise<void> {
  await con.run(SCHEMA);
  const s = data.stores;
  let app = await con.createAppender('stores');
  for (let i = 0; i < s.storeId.length; i++) {
    app.appendInteger(s.storeId[i]!);
    app.appendVarchar(s.storeName[i]!);
    app.appendVarchar(s.state[i]!);
    app.appendVarchar(s.city[i]!);
    app.appendVarchar(s.format[i]!);
    app.appendDate(date(s.openedOn[i]!));
    const closed = s.closedOn[i];
    if (closed == null) app.appendNull();
    else app.appendDate(date(closed));
    app.appendInteger(s.sizeM2[i]!);
    app.appendVarchar(s.assortment[i]!);
    app.endRow();
  }
  app.closeSync();

  const p = data.promotions;
  app = await con.createAppender('promotions');
  for (let i = 0; i < p.promoId.length; i++) {
    app.appendInteger(p.promoId[i]!);
    const store = p.storeId[i];
    if (store == null) app.appendNull();
    else app.appendInteger(store);
    app.appendDate(date(p.startDay[i]!));
    app.appendDate(date(p.endDay[i]!));
    app.appendDouble(p.discountPct[i]!);
    app.endRow();
  }
  app.closeSync();

  const h = data.stateHolidays;
  app = await con.createAppender('state_holidays');
  for (let i = 0; i < h.state.length; i++) {
    app.appendVarchar(h.state[i]!);
    const city = h.city[i];
    if (city == null) app.appendNull();
    else app.appendVarchar(city);
    app.appendDate(date(h.holidayDay[i]!));
    app.appendVarchar(h.name[i]!);
    app.endRow();
  }
  app.closeSync();

  await appendDailySales(con, data.dailySales);
  await con.run('CHECKPOINT');
}

function removeDatabaseFiles(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
}

/** Generates the demo source and writes it to `path` (a DuckDB file), replacing any file there. */
export async function writeDemoSource(input: WriteDemoOptionsInput): Promise<WriteDemoResult> {
  const o = parseWithSchema(WriteDemoOptionsSchema, input);
  const path = resolve(o.path);
  const t0 = performance.now();
  const data = generateDemoData(o);
  const t1 = performance.now();

  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const instance = await DuckDBInstance.create(tmp);
    try {
      const con = await instance.connect();
      try {
        await writeTables(con, data);
      } finally {
        con.closeSync();
      }
    } finally {
      instance.closeSync();
    }
    // A WAL left by an older database at `path` would be replayed against the new file.
    rmSync(`${path}.wal`, { force: true });
    renameSync(tmp, path);
  } catch (err) {
    removeDatabaseFiles(tmp);
    throw err;
  }
  rmSync(`${tmp}.wal`, { force: true });
  return {
    path,
    stores: data.stores.storeId.length,
    dailySales: data.dailySales.length,
    promotions: data.promotions.promoId.length,
    stateHolidays: data.stateHolidays.state.length,
    badRows: data.badRows,
    generateSeconds: (t1 - t0) / 1000,
    writeSeconds: (performance.now() - t1) / 1000,
  };
}
