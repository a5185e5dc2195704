// The daily MERGE (issue 13: a touched file with few matched rows gets a deletion vector, one with many is
// copied minus its matched rows; updated and new rows go to new clustered files) gives row for row the
// feature table a full rebuild of the same source gives, on the demo source with new days and late
// corrections; delta-rs reads the merged table the same at every version.
import { python } from '../../../test-support/python.js';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { lakeTables } from '@cvc/feature-table';
import { history, loadSnapshot, scanSql } from '@cvc/lakehouse';
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

async function featureRows(table: string, version?: number): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const sql = await scanSql(conn, table, { version });
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
  const merges = (await history(table)).filter((h) => h.operation === 'MERGE');
  expect(merges).toHaveLength(2);
  // The late corrections touch few rows of the big file: both merges mark them in a deletion vector.
  for (const h of merges) expect(Number(h.operationMetrics['numDeletionVectorsAdded'])).toBeGreaterThan(0);
  const dvVersion = merges[0]!.version;
  expect((await loadSnapshot(table, { version: dvVersion })).files.some((f) => f.dv !== undefined)).toBe(true);

  copyFileSync(source, join(rebuilt, 'source.duckdb'));
  const full = configFor(rebuilt);
  const r = await runIngest({ loaded: full, full: true, today: last });
  expect(r.rebuilt).toBe(true);
  const ours = await featureRows(table);
  expect(ours.length).toBeGreaterThan(12 * 100);
  expect(ours).toEqual(await featureRows(lakeTables(full).features));

  // delta-rs through its DataFusion reader (which honours DVs; its pyarrow path refuses the feature), at
  // every version of the merged table: the same row count and sales total as our reader.
  const latest = (await loadSnapshot(table)).version;
  const versions = Array.from({ length: latest }, (_, i) => i + 1);
  const theirs = await python<Array<[number, number]>>(
    `import sys, json
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
out = []
for v in json.loads(sys.argv[2]):
    r = QueryBuilder().register('t', DeltaTable(sys.argv[1], version=v)).execute(
        'select count(*) as n, coalesce(sum(sales), 0) as s from t').read_all()
    r = pa.table(r).to_pylist()[0]
    out.append([r['n'], r['s']])
print(json.dumps(out))`,
    table,
    JSON.stringify(versions),
  );
  for (const v of versions) {
    const rowsAt = v === latest ? ours : await featureRows(table, v);
    const total = rowsAt.map((j) => (JSON.parse(j) as { sales: number | null }).sales ?? 0).reduce((a, b) => a + b, 0);
    expect(theirs[v - 1]![0]).toBe(rowsAt.length);
    expect(theirs[v - 1]![1]).toBeCloseTo(total, 6);
  }
}, 300_000);
