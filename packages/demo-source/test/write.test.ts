import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { DemoOptionsError, generateDemoData, writeDemoSource } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cvc-demo-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function query(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const con = await instance.connect();
    const rows = (await con.runAndReadAll(sql)).getRowObjectsJson();
    con.closeSync();
    return rows as Record<string, unknown>[];
  } finally {
    instance.closeSync();
  }
}

describe('writeDemoSource', () => {
  const opts = { stores: 20, from: '2019-01-01', asOf: '2021-06-30', seed: 3, badRows: 4 };

  it('writes the four source tables with the documented schema and returns counts', async () => {
    const path = join(dir, 'data', 'demo.duckdb');
    const r = await writeDemoSource({ path, ...opts });
    expect(r.stores).toBe(20);
    const counts = await query(
      path,
      `SELECT (SELECT count(*) FROM stores) s, (SELECT count(*) FROM daily_sales) d,
              (SELECT count(*) FROM promotions) p, (SELECT count(*) FROM state_holidays) h`,
    );
    expect(counts[0]).toEqual({
      s: '20',
      d: String(r.dailySales),
      p: String(r.promotions),
      h: String(r.stateHolidays),
    });
    const schema = await query(
      path,
      `SELECT table_name, column_name, data_type FROM information_schema.columns ORDER BY table_name, ordinal_position`,
    );
    const cols = (t: string) => schema.filter((c) => c.table_name === t).map((c) => `${c.column_name} ${c.data_type}`);
    expect(cols('stores')).toEqual([
      'store_id INTEGER',
      'store_name VARCHAR',
      'state VARCHAR',
      'city VARCHAR',
      'format VARCHAR',
      'opened_on DATE',
      'closed_on DATE',
      'size_m2 INTEGER',
      'assortment VARCHAR',
    ]);
    expect(cols('daily_sales')).toEqual([
      'store_id INTEGER',
      'sale_date DATE',
      'gross_sales DECIMAL(14,2)',
      'n_sales INTEGER',
      'is_open BOOLEAN',
      'updated_at TIMESTAMP',
    ]);
    expect(cols('promotions')).toEqual([
      'promo_id INTEGER',
      'store_id INTEGER',
      'start_date DATE',
      'end_date DATE',
      'discount_pct DOUBLE',
    ]);
    expect(cols('state_holidays')).toEqual(['state VARCHAR', 'city VARCHAR', 'holiday_date DATE', 'name VARCHAR']);
    expect(readdirSync(join(dir, 'data'))).toEqual(['demo.duckdb']);
  });

  it('stores the same values as the pure generator, bad rows included', async () => {
    const path = join(dir, 'values.duckdb');
    const r = await writeDemoSource({ path, ...opts });
    const d = generateDemoData(opts);
    const sums = await query(
      path,
      `SELECT sum(gross_sales)::VARCHAR g, sum(n_sales)::VARCHAR n, sum(is_open::INT)::VARCHAR o FROM daily_sales`,
    );
    const cents = d.dailySales.grossCents.reduce((a, b) => a + b, 0);
    expect(sums[0]!.g).toBe((cents / 100).toFixed(2));
    expect(sums[0]!.n).toBe(String(d.dailySales.nSales.reduce((a, b) => a + b, 0)));
    expect(sums[0]!.o).toBe(String(d.dailySales.isOpen.reduce((a, b) => a + b, 0)));
    for (const b of r.badRows) {
      const rows = await query(
        path,
        `SELECT gross_sales::DOUBLE g FROM daily_sales
         WHERE store_id = ${b.storeId} AND sale_date = DATE '${b.saleDate}'
           AND updated_at = make_timestamp(${b.updatedAt}::BIGINT * 1000000)`,
      );
      expect(rows).toHaveLength(1);
    }
    const neg = await query(path, `SELECT count(*)::INT c FROM daily_sales WHERE gross_sales < 0`);
    expect(neg[0]!.c).toBe(r.badRows.filter((b) => b.kind === 'negative_sales').length);
    const future = await query(path, `SELECT count(*)::INT c FROM daily_sales WHERE sale_date > DATE '${opts.asOf}'`);
    expect(future[0]!.c).toBe(r.badRows.filter((b) => b.kind === 'future_date').length);
    const orphans = await query(path, `SELECT count(*)::INT c FROM daily_sales d ANTI JOIN stores s USING (store_id)`);
    expect(orphans[0]!.c).toBe(r.badRows.filter((b) => b.kind === 'unknown_store').length);
    const closed = await query(
      path,
      `SELECT count(*)::INT c FROM daily_sales WHERE NOT is_open AND (gross_sales <> 0 OR n_sales <> 0)`,
    );
    expect(closed[0]!.c).toBe(0);
  });

  it('replaces an existing database', async () => {
    const path = join(dir, 'replace.duckdb');
    await writeDemoSource({ path, ...opts });
    const r = await writeDemoSource({ path, ...opts, stores: 5 });
    expect(r.stores).toBe(5);
    expect((await query(path, 'SELECT count(*)::INT c FROM stores'))[0]!.c).toBe(5);
  });

  it('leaves nothing behind when the write fails', async () => {
    const sub = join(dir, 'fail');
    const path = join(sub, 'demo.duckdb');
    mkdirSync(join(path, 'blocker'), { recursive: true }); // a non-empty directory where the file should go
    await expect(writeDemoSource({ path, ...opts })).rejects.toThrow();
    expect(readdirSync(sub)).toEqual(['demo.duckdb']);
    expect(readdirSync(path)).toEqual(['blocker']);
  });

  it('validates options before touching the disk', async () => {
    const path = join(dir, 'never', 'demo.duckdb');
    await expect(writeDemoSource({ path, from: '2025-01-01', asOf: '2024-12-31' })).rejects.toThrow(DemoOptionsError);
    await expect(writeDemoSource({ path: '' })).rejects.toThrow(/path/);
    expect(readdirSync(dir)).not.toContain('never');
  });
});
