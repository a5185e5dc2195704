// The readers against a small feature table written with the lakehouse, as ingest would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FUTURE_COVARIATES } from '@cvc/core';
import { append, createTable } from '@cvc/lakehouse';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  buildKnownFutureInputs,
  extendWithFuture,
  FEATURE_CLUSTER_BY,
  featureTableColumns,
  FeatureTableError,
  HOLIDAYS_COLUMNS,
  lastFeatureDay,
  PROMOTIONS_COLUMNS,
  readKnownFutureInputs,
  readStoreSeries,
  STORES_COLUMNS,
  type LakeTables,
} from '../src/index.js';

let dir: string;
let conn: DuckDBConnection;
let instance: DuckDBInstance;
let tables: LakeTables;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cvc-ft-'));
  tables = {
    features: join(dir, 'features'),
    quarantine: join(dir, 'q'),
    stores: join(dir, 'stores'),
    promotions: join(dir, 'promotions'),
    holidays: join(dir, 'holidays'),
    backtestForecasts: join(dir, 'bf'),
    backtestMetrics: join(dir, 'bm'),
    modelChoice: join(dir, 'mc'),
    forecasts: join(dir, 'fc'),
    forecastAccuracy: join(dir, 'fa'),
    storeSchedule: join(dir, 'ss'),
    futureCovariates: join(dir, 'fc'),
  };
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await createTable(conn, tables.features, {
    columns: featureTableColumns(['visitas']),
    clusterBy: [...FEATURE_CLUSTER_BY],
  });
  const future = FUTURE_COVARIATES.map((c) =>
    c === 'is_open'
      ? `NOT (s = 'B' AND i = 1) AS is_open`
      : c.startsWith('is_')
        ? `false AS ${c}`
        : c === 'promo'
          ? '0.0 AS promo'
          : `i AS ${c}`,
  ).join(', ');
  // Store A: Jan 1-3 with Jan 2 missing; store B: Jan 2-3, closed on Jan 2 (sales 0).
  await append(
    conn,
    tables.features,
    `SELECT s AS store_id, DATE '2025-01-01' + i AS date,
      CASE WHEN s = 'A' AND i = 1 THEN NULL WHEN s = 'B' AND i = 1 THEN 0 ELSE 10 * i + 1 END AS sales,
      CASE WHEN s = 'A' AND i = 1 THEN NULL ELSE 2 END AS n_sales, s = 'A' AND i = 1 AS is_missing,
      ${future}, 'SP' AS state, 'São Paulo' AS city, 'mall' AS format, i * 1.5 AS visitas,
      NULL::TIMESTAMPTZ AS updated_at
    FROM (VALUES ('A'), ('B')) v(s), (SELECT range::INTEGER AS i FROM range(3)) r WHERE NOT (s = 'B' AND i = 0)`,
  );
  await createTable(conn, tables.stores, { columns: STORES_COLUMNS });
  await append(
    conn,
    tables.stores,
    `SELECT * FROM (VALUES ('A', 'a', 'SP', 'São Paulo', 'mall', DATE '2024-01-01', NULL::DATE),
    ('B', 'b', 'SP', 'Campinas', 'street', DATE '2025-01-02', DATE '2025-01-05'))
    v(store_id, store_name, state, city, format, opened_on, closed_on)`,
  );
  await createTable(conn, tables.promotions, { columns: PROMOTIONS_COLUMNS });
  await append(
    conn,
    tables.promotions,
    `SELECT '1' AS promo_id, 'A' AS store_id, DATE '2025-01-04' AS start_date, DATE '2025-01-05' AS end_date, ` +
      '20.0 AS discount_pct',
  );
  await createTable(conn, tables.holidays, { columns: HOLIDAYS_COLUMNS });
});

afterAll(() => {
  conn.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

test(
  'readStoreSeries: typed arrays per store, NaN where missing, booleans as 0/1, extra ' + 'columns as past covariates',
  async () => {
    const [a, b] = await readStoreSeries(conn, tables);
    expect(a!.storeId).toBe('A');
    expect(a!.start).toBe('2025-01-01');
    expect(Array.from(a!.sales)).toEqual([1, Number.NaN, 21]);
    expect(Array.from(a!.past['n_sales']!)).toEqual([2, Number.NaN, 2]);
    expect(Array.from(a!.past['visitas']!)).toEqual([0, 1.5, 3]);
    expect(Object.keys(a!.future).sort()).toEqual([...FUTURE_COVARIATES].sort());
    expect(b!.start).toBe('2025-01-02');
    expect(Array.from(b!.sales)).toEqual([0, 21]);
    expect(Array.from(b!.future['is_open']!)).toEqual([0, 1]);
    expect(b!.statics).toEqual({ format: 'mall', state: 'SP', city: 'São Paulo' });

    const only = await readStoreSeries(conn, tables, { from: '2025-01-03', storeIds: ['B'] });
    expect(only.map((s) => [s.storeId, s.start, s.sales.length])).toEqual([['B', '2025-01-03', 1]]);
    expect(await lastFeatureDay(conn, tables)).toBe('2025-01-03');
  },
);

test('extendWithFuture appends the forecast window from the reference tables', async () => {
  const inputs = await readKnownFutureInputs(conn, tables, { pandemic: null });
  const series = await readStoreSeries(conn, tables);
  const [a, b] = extendWithFuture(series, 3, inputs);
  expect(a!.sales.length).toBe(3);
  expect(Array.from(a!.future['promo']!)).toEqual([0, 0, 0, 0.2, 0.2, 0]);
  expect(Array.from(a!.future['dom']!.subarray(3))).toEqual([4, 5, 6]);
  // Store B closes on Jan 5: closed on Jan 6 of its window.
  expect(Array.from(b!.future['is_open']!)).toEqual([0, 1, 1, 1, 0]);
  expect(Array.from(b!.future['store_age_days']!.subarray(2))).toEqual([2, 3, 4]);
  // Extending again does not stack windows.
  expect(extendWithFuture([a!], 3, inputs)[0]!.future['promo']!.length).toBe(6);
  expect(() => extendWithFuture([{ ...a!, storeId: 'Z' }], 3, buildKnownFutureInputs([], [], [], null))).toThrow(
    FeatureTableError,
  );
});

test('a missing feature table is an InputError telling to run ingest', async () => {
  await expect(readStoreSeries(conn, { features: join(dir, 'nope') })).rejects.toThrow(/run `cvc ingest` first/);
});
