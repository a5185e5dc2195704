// Train/serve parity of the known-future inputs: a backtest fold and `cvc infer` at the same cutoff give
// the same forecasts for the same model, and a store closed every Sunday is forecast closed on future
// Sundays by infer, because both read the forecast window's is_open from one planned source.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { dayOfWeek, parseIsoDay, type LoadedConfig, type QuantileForecast } from '@cvc/core';
import { forecasterFactory, modelSettings } from '@cvc/models';
import { lakeTables, readKnownFutureInputs } from '@cvc/feature-table';
import { configHash, writeBundle } from '@cvc/mlops';
import { resolveBundle, runInfer } from '@cvc/infer';
import { runIngest } from '@cvc/ingest';
import { scanSql } from '@cvc/lakehouse';
import { trainAndRegister } from '@cvc/train';
import { foldSeries, foldWindows, runBacktest, type BacktestResult } from '@cvc/backtest';
import { ingestedWorld } from './world.js';

const STRIKE = '2025-06-04'; // a Wednesday inside the only fold's window (cutoff 2025-05-26)
let world: LoadedConfig;
let bt: BacktestResult;

async function inferredRows(
  loaded: LoadedConfig,
  asOf: string,
  given?: { bundleDir: string; bundleVersion: string },
): Promise<Map<string, { date: string; p50: number }[]>> {
  const bundle = given ?? (await resolveBundle(loaded, undefined));
  await runInfer({ loaded, ...bundle, runId: `parity-${asOf}`, asOf });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const table = `${loaded.paths.lake}/${loaded.config.lake.tables.forecasts}`;
    const rows = (
      await conn.runAndReadAll(
        `SELECT store_id, forecast_date::VARCHAR AS d, yhat FROM ${await scanSql(conn, table)} t
      WHERE run_id = $1 ORDER BY store_id, forecast_date`,
        [`parity-${asOf}`],
      )
    ).getRowObjectsJS();
    const out = new Map<string, { date: string; p50: number }[]>();
    for (const r of rows) {
      const list = out.get(String(r['store_id'])) ?? [];
      list.push({ date: String(r['d']), p50: Number(r['yhat']) });
      out.set(String(r['store_id']), list);
    }
    for (const l of out.values()) l.sort((a, b) => a.date.localeCompare(b.date));
    return out;
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('known-future parity between backtest and infer', () => {
  beforeAll(async () => {
    world = await ingestedWorld({ stores: 16, yaml: 'backtest: { folds: 1, stride: 28, gap: 0, models: [] }\n' });
    // An unplanned closure of every store inside the fold's window (a strike): the actuals know it, a
    // plan made at the cutoff cannot, so neither the backtest nor infer may forecast it.
    const db = await DuckDBInstance.create(world.paths.demoSource);
    const conn = await db.connect();
    await conn.run(
      `UPDATE daily_sales SET is_open = false, gross_sales = 0, n_sales = 0 WHERE sale_date = DATE '${STRIKE}'`,
    );
    conn.closeSync();
    db.closeSync();
    await runIngest({ loaded: world, full: true });
    bt = await runBacktest({ loaded: world, models: ['lgbm'] });
  }, 600_000);

  function expectSameForecasts(inferred: Map<string, { p50: number }[]>, fold: readonly QuantileForecast[]): void {
    expect(fold.length).toBeGreaterThan(10);
    let compared = 0;
    for (const f of fold) {
      const rows = inferred.get(f.storeId);
      if (!rows) continue;
      expect(rows.map((r) => r.p50)).toEqual(Array.from(f.p50).map((v) => expect.closeTo(v, 6)));
      compared++;
    }
    expect(compared).toBeGreaterThan(10);
  }

  it('weekday_mean: the backtest fold and infer at its cutoff forecast the same numbers', async () => {
    const cutoff = bt.folds[0]!.cutoff;
    await trainAndRegister({
      loaded: world,
      from: '2000-01-01',
      to: cutoff,
      models: ['weekday_mean'],
      promote: 'always',
    });
    expectSameForecasts(
      await inferredRows(world, cutoff),
      bt.outcomes.find((o) => o.model === 'weekday_mean' && o.fold === 0)!.forecasts,
    );
  }, 600_000);

  it('lgbm: the model of a backtest fold forecasts the same numbers in the fold and through infer', async () => {
    const cfg = world.config;
    const cutoff = bt.folds[0]!.cutoff;
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const known = await readKnownFutureInputs(conn, lakeTables(world), { pandemic: cfg.ingest.pandemic });
    conn.closeSync();
    db.closeSync();
    // The fold's model, refit exactly as the backtest's chain fits it (same series, params and seed).
    const fold = { fold: 0, cutoff, predictStores: [], windows: foldWindows(known, bt.series, cutoff, 35) };
    const fitSeries = foldSeries(bt.series, fold, 35);
    const model = (await forecasterFactory('lgbm')).create(modelSettings(cfg.models, 'lgbm').params);
    await model.fit(fitSeries, { horizon: 35, contextLength: cfg.forecast.context, seed: cfg.forecast.seed });
    const inBacktest = bt.outcomes.find((o) => o.model === 'lgbm' && o.fold === 0)!.forecasts;
    const scored = new Set(inBacktest.map((f) => f.storeId));
    const again = await model.predict(
      fitSeries.filter((s) => scored.has(s.storeId)),
      35,
    );
    expect(again.map((f) => Array.from(f.p50))).toEqual(inBacktest.map((f) => Array.from(f.p50)));
    const strikeDay = parseIsoDay(STRIKE) - parseIsoDay(bt.folds[0]!.testStart);
    expect(inBacktest.filter((f) => !(f.p50[strikeDay]! > 0)).map((f) => f.storeId)).toEqual([]);

    const bundleDir = join(mkdtempSync(join(tmpdir(), 'cvc-parity-')), 'bundle');
    await writeBundle(bundleDir, {
      models: new Map([['lgbm', model]]),
      routing: { stores: {}, fallback: 'lgbm' },
      horizon: 35,
      context: cfg.forecast.context,
      trainingWindow: { from: bt.series[0]!.start, to: cutoff },
      lineage: { featureTable: 'features', deltaVersion: bt.featureVersion },
      configHash: configHash(cfg),
      backtest: { wape: null, byModel: {} },
    });
    expectSameForecasts(await inferredRows(world, cutoff, { bundleDir, bundleVersion: 'fold-0' }), inBacktest);
  }, 600_000);

  it('forecasts a store that closes every Sunday closed on the future Sundays', async () => {
    const asOf = bt.folds[0]!.testEnd;
    await trainAndRegister({ loaded: world, from: '2024-01-01', models: ['lgbm'], promote: 'always' });
    const inferred = await inferredRows(world, asOf);
    // Stores whose last 8 Sundays were all closed in the feature table.
    const closedSundays = bt.series.filter((s) => {
      const open = s.future['is_open']!;
      const end = parseIsoDay(asOf) - parseIsoDay(s.start);
      let sundays = 0;
      for (let i = end; i > end - 56 && i >= 0; i--)
        if (dayOfWeek(parseIsoDay(s.start) + i) === 6) sundays += open[i] === 0 ? 1 : -100;
      return sundays === 8;
    });
    expect(closedSundays.length).toBeGreaterThan(0);
    for (const s of closedSundays) {
      const rows = inferred.get(s.storeId)!;
      const sundays = rows.filter((r) => dayOfWeek(parseIsoDay(r.date)) === 6);
      const weekdays = rows.filter((r) => dayOfWeek(parseIsoDay(r.date)) === 2);
      expect(sundays.length).toBe(5);
      expect(sundays.map((r) => r.p50)).toEqual([0, 0, 0, 0, 0]);
      expect(weekdays.every((r) => r.p50 > 0)).toBe(true);
    }
  }, 600_000);

  it('a planned closure in source.tables.storeSchedule closes the store in the fold window and in infer', async () => {
    const cutoff = bt.folds[0]!.cutoff;
    const store = bt.series[0]!.storeId;
    const planned = '2025-06-11'; // a Wednesday inside the fold's window
    const db = await DuckDBInstance.create(world.paths.demoSource);
    const conn = await db.connect();
    await conn.run(`CREATE OR REPLACE TABLE store_schedule (store_id VARCHAR, weekday INTEGER, schedule_date DATE,
      is_open BOOLEAN)`);
    await conn.run(`INSERT INTO store_schedule VALUES ($1, NULL, DATE '${planned}', false)`, [store]);
    conn.closeSync();
    db.closeSync();
    world.config.source.tables.storeSchedule = 'store_schedule';
    await runIngest({ loaded: world });
    const mem = await DuckDBInstance.create(':memory:');
    const c = await mem.connect();
    const known = await readKnownFutureInputs(c, lakeTables(world), { pandemic: world.config.ingest.pandemic });
    c.closeSync();
    mem.closeSync();
    const day = parseIsoDay(planned) - parseIsoDay(cutoff) - 1;
    const windows = foldWindows(known, bt.series, cutoff, 35);
    expect(windows[store]!.is_open[day]).toBe(0);
    expect(windows[bt.series[1]!.storeId]!.is_open[day]).toBe(1);
    const inferred = await inferredRows(world, cutoff);
    const on = (id: string) => inferred.get(id)!.find((r) => r.date === planned)!.p50;
    expect(on(store)).toBe(0);
    expect(on(bt.series[1]!.storeId)).toBeGreaterThan(0);
  }, 600_000);
});
