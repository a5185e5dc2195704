// A small lake for monitor tests, written with the real Delta writer: a feature table (the columns
// monitor reads), daily forecasts with known errors, and a bundle directory whose manifest carries the
// backtest figures. Store k's forecasts are off by `errors[k]` (relative), so every WAPE is known.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { python } from '../../../test-support/python.js';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadConfig, type LoadedConfig } from '@cvc/core';
import { append, createTable, merge, type ColumnDef } from '@cvc/lakehouse';
import { lakeTables } from '@cvc/feature-table';
import { monitorTables } from '../src/tables.js';

export const FIRST_DAY = '2025-03-01';
export const HORIZON = 35;

export interface TestLake {
  loaded: LoadedConfig;
  conn: DuckDBConnection;
  bundleDir: string;
  /** Appends actuals for [from, to] (inclusive). Level 1000 + 100 * store. */
  addActuals(from: string, to: string): Promise<void>;
  /** Writes a forecast set as of `asOf` for `stores` with each store's relative error. */
  addForecasts(asOf: string, stores: number[], errors: (store: number) => number): Promise<void>;
  correct(store: number, day: string, actual: number): Promise<void>;
  /** Marks every store closed on `day` (sales 0, is_open false), as the source reports a holiday. */
  close(day: string): Promise<void>;
}

export async function testLake(yaml = ''): Promise<TestLake> {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-monitor-'));
  mkdirSync(join(dir, 'configs'));
  writeFileSync(join(dir, 'configs', 'cvc.yaml'), yaml);
  const loaded = loadConfig(join(dir, 'configs', 'cvc.yaml'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const features = lakeTables(loaded).features;
  const forecasts = monitorTables(loaded).forecasts;
  const featureCols: ColumnDef[] = [
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'date', type: 'DATE', nullable: false },
    { name: 'sales', type: 'DOUBLE' },
    { name: 'is_missing', type: 'BOOLEAN', nullable: false },
    { name: 'is_open', type: 'BOOLEAN', nullable: false },
  ];
  await createTable(conn, features, { columns: featureCols, clusterBy: ['store_id', 'date'] });
  const forecastCols: ColumnDef[] = [
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'forecast_date', type: 'DATE', nullable: false },
    { name: 'horizon_day', type: 'INTEGER', nullable: false },
    { name: 'as_of_date', type: 'DATE', nullable: false },
    { name: 'yhat', type: 'DOUBLE' },
    { name: 'yhat_lower', type: 'DOUBLE' },
    { name: 'yhat_upper', type: 'DOUBLE' },
    { name: 'model', type: 'VARCHAR' },
    { name: 'bundle_version', type: 'VARCHAR' },
    { name: 'run_id', type: 'VARCHAR', nullable: false },
  ];
  await createTable(conn, forecasts, { columns: forecastCols, clusterBy: ['as_of_date', 'store_id'] });
  const bundleDir = join(dir, 'bundle');
  mkdirSync(bundleDir);
  writeFileSync(
    join(bundleDir, 'manifest.json'),
    JSON.stringify({
      formatVersion: 1,
      bundleId: 'test',
      createdAt: '2025-03-01T00:00:00Z',
      cvcVersion: '0.1.0',
      configHash: 'x',
      horizon: HORIZON,
      context: 90,
      trainingWindow: { from: '2024-01-01', to: '2025-02-28' },
      lineage: { featureTable: features, deltaVersion: 0 },
      routing: { stores: {}, fallback: 'weekday_mean' },
      models: [{ kind: 'weekday_mean', dir: 'models/weekday_mean' }],
      backtest: {
        wape: 0.1,
        byModel: { weekday_mean: { wape: 0.1 } },
        byStore: { '1': 0.1, '2': 0.1, '3': 0.1, '4': 0.1 },
      },
      files: [],
    }),
  );
  return {
    loaded,
    conn,
    bundleDir,
    async addActuals(from, to) {
      await append(
        conn,
        features,
        `SELECT s::VARCHAR AS store_id, d::DATE AS date, 1000.0 + 100 * s AS sales, false AS is_missing, true AS is_open
        FROM range(1, 5) r(s), range(DATE '${from}', DATE '${to}' + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)`,
      );
    },
    async addForecasts(asOf, stores, errors) {
      const err = `CASE s ${stores.map((s) => `WHEN ${s} THEN ${errors(s)}`).join(' ')} END`;
      await append(
        conn,
        forecasts,
        `SELECT s::VARCHAR AS store_id, (DATE '${asOf}' + h::INTEGER)::DATE AS forecast_date, h::INTEGER AS horizon_day,
          DATE '${asOf}' AS as_of_date, (1000.0 + 100 * s) * (1 + ${err}) AS yhat,
          (1000.0 + 100 * s) * (0.9 + ${err}) AS yhat_lower, (1000.0 + 100 * s) * (1.1 + ${err}) AS yhat_upper,
          'weekday_mean' AS model, '${bundleDir}' AS bundle_version, 'infer-${asOf}' AS run_id
        FROM (VALUES ${stores.map((s) => `(${s})`).join(', ')}) v(s), range(1, ${HORIZON + 1}) r(h)`,
      );
    },
    async correct(store, day, actual) {
      await merge(
        conn,
        features,
        `SELECT '${store}' AS store_id, DATE '${day}' AS date, ${actual}::DOUBLE AS sales, false AS is_missing,
        true AS is_open`,
        { on: ['store_id', 'date'] },
      );
    },
    async close(day) {
      await merge(
        conn,
        features,
        `SELECT s::VARCHAR AS store_id, DATE '${day}' AS date, 0.0 AS sales, false AS is_missing, false AS is_open
        FROM range(1, 5) r(s)`,
        { on: ['store_id', 'date'] },
      );
    },
  };
}

/** delta-rs (Python deltalake) reads the table at its latest version: every row, key and actual. */
export function readWithDeltaRs(
  table: string,
): Promise<Array<{ store_id: string; as_of_date: string; forecast_date: string; actual: number }>> {
  const script = `import json, sys
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table(columns=["store_id", "as_of_date", "forecast_date", "actual"])
print(json.dumps(t.to_pylist(), default=str))`;
  return python(script, table);
}
