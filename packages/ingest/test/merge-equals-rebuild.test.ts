// The daily MERGE (issue 13: touched files copied minus their matched rows, updated and new rows in new
// clustered files) gives row for row the feature table a full rebuild of the same source gives, on the
// demo source with new days and late corrections; delta-rs reads the merged table the same.
import { python } from '../../../test-support/python.js';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeTables } from '@cvc/feature-table';
import { history, scanSql } from '@cvc/lakehouse';
import { writeDemoSource } from '../../demo-source/src/index.js';
import { runIngest } from '../src/index.js';
import { configFor, tempDir, withDuckDb } from './helpers.js';

const { dir, cleanup } = tempDir();
afterAll(() => cleanup());

const AS_OF = '2025-06-30';

async function addDay(path: string, day: string): Promise<void> {
  await withDuckDb(path, async (c) => {
    await c.run(`INSERT INTO daily_sales SELECT store_id, DATE '${day}', gross_sales + 1, n_sales, is_open,
        TIMESTAMP '${day}' + INTERVAL 27 HOUR FROM daily_sales
      WHERE sale_date = DATE '${day}' - 1
      QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY updated_at DESC) = 1`);
    // Late corrections of the week before, written after the new day.
    await c.run(`INSERT INTO daily_sales SELECT store_id, sale_date, gross_sales + 7, n_sales, is_open,
        TIMESTAMP '${day}' + INTERVAL 28 HOUR FROM daily_sales
      WHERE sale_date BETWEEN DATE '${day}' - 7 AND DATE '${day}' - 2 AND is_open
      QUALIFY row_number() OVER (PARTITION BY store_id, sale_date ORDER BY updated_at DESC) = 1
      ORDER BY hash(store_id, sale_date) LIMIT 9`);
  });
}

async function featureRows(table: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const sql = await scanSql(conn, table);
    const r = (
      await conn.runAndReadAll(`SELECT to_json(t)::VARCHAR AS j FROM ${sql} AS t ORDER BY store_id, date`)
    ).getRowObjectsJS();
    return r.map((x) => String(x['j']));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

test('daily merges equal a full rebuild row for row on the demo source', async () => {
  const daily = join(dir, 'daily');
  const rebuilt = join(dir, 'rebuilt');
  mkdirSync(daily);
  mkdirSync(rebuilt);
  const source = join(daily, 'source.duckdb');
  await writeDemoSource({ path: source, stores: 12, from: '2025-01-01', asOf: AS_OF, seed: 42 });
  const loaded = configFor(daily);
  await runIngest({ loaded, today: AS_OF });
  let last = AS_OF;
  for (const day of ['2025-07-01', '2025-07-02']) {
    await addDay(source, day);
    const s = await runIngest({ loaded, today: day });
    expect(s).toMatchObject({ mode: 'incremental', rebuilt: false });
    expect(s.rowsMerged).toBeGreaterThan(12);
    last = day;
  }
  const table = lakeTables(loaded).features;
  expect((await history(table)).filter((h) => h.operation === 'MERGE')).toHaveLength(2);

  copyFileSync(source, join(rebuilt, 'source.duckdb'));
  const full = configFor(rebuilt);
  const r = await runIngest({ loaded: full, full: true, today: last });
  expect(r.rebuilt).toBe(true);
  const ours = await featureRows(table);
  expect(ours.length).toBeGreaterThan(12 * 100);
  expect(ours).toEqual(await featureRows(lakeTables(full).features));

  const [n, total] = python<[number, number]>(
    `import sys, json
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table()
sales = [v for v in t.column('sales').to_pylist() if v is not None]
print(json.dumps([t.num_rows, sum(sales)]))`,
    table,
  );
  expect(n).toBe(ours.length);
  const ourTotal = ours.map((j) => (JSON.parse(j) as { sales: number | null }).sales ?? 0).reduce((a, b) => a + b, 0);
  expect(total).toBeCloseTo(ourTotal, 6);
}, 300_000);
