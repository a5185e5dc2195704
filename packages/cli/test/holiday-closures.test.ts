// Holiday closures learned from each store's own history: a store closed last Christmas and New Year is
// forecast closed on them by a backtest fold and by `cvc infer` at the fold's cutoff (the same numbers),
// while a store that opened on those days last year is forecast open.
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIsoDay, type LoadedConfig } from '@cvc/core';
import { runInfer, resolveBundle } from '@cvc/infer';
import { runIngest } from '@cvc/ingest';
import { scanSql } from '@cvc/lakehouse';
import { trainAndRegister } from '@cvc/train';
import { runBacktest, type BacktestResult } from '@cvc/backtest';
import { ingestedWorld } from './world.js';

const LAST_YEAR = ['2024-12-25', '2025-01-01'];
const AHEAD = ['2025-12-25', '2026-01-01'];
let world: LoadedConfig;
let bt: BacktestResult;
let shut: string;
let open: string;

describe('holiday closures in the planned is_open', () => {
  beforeAll(async () => {
    // Data to 2026-01-20: the only fold's cutoff is 2025-12-16, its window holds Christmas and New Year.
    world = await ingestedWorld({
      stores: 8,
      asOf: '2026-01-20',
      yaml: 'backtest: { folds: 1, stride: 28, gap: 0, models: [] }\n',
    });
    const db = await DuckDBInstance.create(world.paths.demoSource);
    const conn = await db.connect();
    const ids = (
      await conn.runAndReadAll(
        `SELECT store_id FROM stores WHERE opened_on < DATE '2024-06-01' AND closed_on IS NULL ORDER BY store_id`,
      )
    ).getRowObjectsJS();
    [shut, open] = [String(ids[0]!['store_id']), String(ids[1]!['store_id'])];
    const days = LAST_YEAR.map((d) => `DATE '${d}'`).join(', ');
    await conn.run(
      `UPDATE daily_sales SET is_open = false, gross_sales = 0, n_sales = 0
      WHERE store_id = $1 AND sale_date IN (${days})`,
      [Number(shut)],
    );
    await conn.run(
      `UPDATE daily_sales SET is_open = true, gross_sales = 5000, n_sales = 50
      WHERE store_id = $1 AND sale_date IN (${days})`,
      [Number(open)],
    );
    conn.closeSync();
    db.closeSync();
    await runIngest({ loaded: world, full: true });
    bt = await runBacktest({ loaded: world, models: [] });
  }, 600_000);

  it('a backtest fold and infer at its cutoff forecast the store closed last year closed, the other open', async () => {
    const fold = bt.folds[0]!;
    const on = (p50: ArrayLike<number>, day: string) => p50[parseIsoDay(day) - parseIsoDay(fold.testStart)]!;
    const forecasts = bt.outcomes.find((o) => o.model === 'weekday_mean' && o.fold === 0)!.forecasts;
    const inFold = (id: string) => forecasts.find((f) => f.storeId === id)!.p50;
    expect(AHEAD.map((d) => on(inFold(shut), d))).toEqual([0, 0]);
    expect(AHEAD.every((d) => on(inFold(open), d) > 0)).toBe(true);

    await trainAndRegister({
      loaded: world,
      from: '2000-01-01',
      to: fold.cutoff,
      models: ['weekday_mean'],
      promote: 'always',
    });
    const bundle = await resolveBundle(world, undefined);
    await runInfer({ loaded: world, ...bundle, runId: 'holidays', asOf: fold.cutoff });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const table = `${world.paths.lake}/${world.config.lake.tables.forecasts}`;
    const rows = (
      await conn.runAndReadAll(
        `SELECT store_id, yhat FROM ${await scanSql(conn, table)} t WHERE run_id = 'holidays'
        ORDER BY store_id, forecast_date`,
      )
    ).getRowObjectsJS();
    conn.closeSync();
    db.closeSync();
    const inferred = (id: string) => rows.filter((r) => String(r['store_id']) === id).map((r) => Number(r['yhat']));
    for (const id of [shut, open])
      expect(inferred(id)).toEqual(Array.from(inFold(id)).map((v) => expect.closeTo(v, 6)));
    expect(AHEAD.map((d) => on(inferred(shut), d))).toEqual([0, 0]);
    expect(AHEAD.every((d) => on(inferred(open), d) > 0)).toBe(true);
  }, 600_000);
});
