// The backtest tables through their typed writer and reader: the routed WAPE that drives train's
// default promotion rule pools, for the latest run only, each store's rows of the model chosen for it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { METRIC_NAMES, type Metrics } from '@cvc/core';
import { loadSnapshot } from '@cvc/lakehouse';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  BACKTEST_METRICS,
  MODEL_CHOICE,
  appendBacktestMetrics,
  appendModelChoice,
  readLatestBacktestChoice,
  type BacktestMetricRow,
} from '../src/index.js';

let dir: string;
let conn: DuckDBConnection;
let instance: DuckDBInstance;
let tables: { modelChoice: string; backtestMetrics: string };

function row(
  model: string,
  fold: number,
  storeId: string,
  absError: number,
  actualSum: number,
  n = 7,
): BacktestMetricRow {
  const metrics = Object.fromEntries(METRIC_NAMES.map((m) => [m, m === 'wape' ? absError / actualSum : 0.5]));
  return { model, fold, storeId, format: 'mall', absError, actualSum, metrics: { ...metrics, n } as Metrics };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cvc-bt-tables-'));
  tables = { modelChoice: join(dir, 'model_choice'), backtestMetrics: join(dir, 'backtest_metrics') };
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});

afterAll(() => {
  conn?.closeSync();
  instance?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

test('no backtest yet reads as null', async () => {
  expect(await readLatestBacktestChoice(conn, tables)).toBeNull();
});

test('routed WAPE pools each store on its chosen model, latest run only, scored rows only', async () => {
  // An older run whose rows must not count.
  await appendBacktestMetrics(conn, tables.backtestMetrics, 'old', [row('lgbm', 0, 's1', 90, 100)]);
  await appendModelChoice(
    conn,
    tables.modelChoice,
    'old',
    [{ storeId: 's1', model: 'lgbm', wape: 0.9, folds: 1, reason: 'best' }],
    'lgbm',
  );
  await new Promise((r) => setTimeout(r, 5)); // created_at orders runs

  await appendBacktestMetrics(conn, tables.backtestMetrics, 'new', [
    row('lgbm', 0, 's1', 10, 100),
    row('lgbm', 1, 's1', 20, 100),
    row('ets', 0, 's1', 50, 100),
    row('ets', 1, 's1', 50, 100),
    row('lgbm', 0, 's2', 40, 200),
    row('lgbm', 1, 's2', 40, 200),
    row('ets', 0, 's2', 5, 200),
    row('ets', 1, 's2', 15, 200),
    row('ets', 2, 's2', 999, 1, 0), // nothing scored (n = 0): left out
  ]);
  await appendModelChoice(
    conn,
    tables.modelChoice,
    'new',
    [
      { storeId: 's1', model: 'lgbm', wape: 0.15, folds: 2, reason: 'best' },
      { storeId: 's2', model: 'ets', wape: 0.05, folds: 2, reason: 'best' },
    ],
    'lgbm',
  );

  const c = await readLatestBacktestChoice(conn, tables);
  expect(c).not.toBeNull();
  expect(c!.runId).toBe('new');
  expect(c!.stores).toEqual({ s1: 'lgbm', s2: 'ets' });
  expect(c!.globalBest).toBe('lgbm');
  expect(c!.byStore).toEqual({ s1: 0.15, s2: 0.05 });
  // (10 + 20 + 5 + 15) / (100 + 100 + 200 + 200)
  expect(c!.wape).toBeCloseTo(50 / 600, 12);
  // Per model, pooled over every store: lgbm (10 + 20 + 40 + 40) / 600, ets (50 + 50 + 5 + 15) / 600.
  expect(c!.byModel['lgbm']!['wape']).toBeCloseTo(110 / 600, 12);
  expect(c!.byModel['ets']!['wape']).toBeCloseTo(120 / 600, 12);
  expect(c!.folds).toBe(2);
});

test('the tables are created from their declarations', async () => {
  for (const [path, spec] of [
    [tables.backtestMetrics, BACKTEST_METRICS],
    [tables.modelChoice, MODEL_CHOICE],
  ] as const) {
    const snap = await loadSnapshot(path);
    expect(snap.schema.map((f) => f.name)).toEqual(spec.columns.map((c) => c.name));
    expect(snap.clusteringColumns).toEqual([...spec.clusterBy]);
  }
});

test("a shard's partial choice is never the latest run train reads", async () => {
  await new Promise((r) => setTimeout(r, 5));
  const choice = [{ storeId: 's2', model: 'ets', wape: 0.05, folds: 2, reason: 'best' }];
  await appendModelChoice(conn, tables.modelChoice, 'bt1.s1-4', choice, 'ets', { shard: true });
  expect((await readLatestBacktestChoice(conn, tables))!.runId).toBe('new');
  // A run that only looks like a shard at the start of its id is an ordinary run.
  await appendModelChoice(conn, tables.modelChoice, 'bt1.s1-4x', choice, 'ets');
  expect((await readLatestBacktestChoice(conn, tables))!.runId).toBe('bt1.s1-4x');
});
