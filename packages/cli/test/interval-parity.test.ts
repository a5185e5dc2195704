// Train/serve parity of the intervals: a bundle trained through December (its final fit's validation
// origins hold Black Friday and Christmas) serves at horizons 1-7 the interval width its backtest's
// calibrated folds had (autumn folds), once the seasonal difficulty both scale by is divided out.
// Before the width rule the final fit's wider raw quantiles and the backtest's offsets stacked.
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addDays,
  calibrateStoreForecast,
  parseIsoDay,
  readBacktestLearned,
  weekOfYear,
  type IntervalCalibration,
  type LoadedConfig,
} from '@cvc/core';
import { resolveBundle, runInfer } from '@cvc/infer';
import { scanSql } from '@cvc/lakehouse';
import { trainAndRegister } from '@cvc/train';
import { runBacktest, type BacktestResult } from '@cvc/backtest';
import { ingestedWorld } from './world.js';

const AS_OF = '2024-12-31';
let world: LoadedConfig;
let bt: BacktestResult;
let cal: IntervalCalibration;

/** Median over store-days of the upper half-width over p50, divided by the day's seasonal difficulty. */
function medianWidth(rows: { day: number; p50: number; p90: number }[]): number {
  const w = rows
    .filter((r) => r.p50 > 0)
    .map((r) => (r.p90 - r.p50) / r.p50 / (cal.season?.[weekOfYear(r.day)] ?? 1))
    .sort((a, b) => a - b);
  return w[Math.floor(w.length / 2)]!;
}

describe('interval parity between the backtest and infer', () => {
  beforeAll(async () => {
    world = await ingestedWorld({
      stores: 12,
      asOf: AS_OF,
      yaml:
        'backtest: { folds: 3, stride: 28, gap: 0, models: [] }\n' +
        'models: { lgbm: { numOrigins: 20, numBoostRound: 80 } }\n',
    });
    bt = await runBacktest({ loaded: world, models: ['lgbm'] });
    cal = (await readBacktestLearned(world.paths.data, bt.runId))!.calibration['lgbm']!;
  }, 600_000);

  it('serves at horizons 1-7 the calibrated width of the backtest folds', async () => {
    // The folds' forecasts calibrated with what the bundle carries, as infer would apply it to them.
    const byId = new Map(bt.series.map((s) => [s.storeId, s]));
    const folds = bt.outcomes.filter((o) => o.model === 'lgbm' && o.fold > 0).flatMap((o) => o.forecasts);
    expect(folds.length).toBeGreaterThan(10);
    const backtestRows = folds.flatMap((f) => {
      const c = calibrateStoreForecast(cal, f, byId.get(f.storeId)!);
      return Array.from({ length: 7 }, (_, h) => ({
        day: addDays(parseIsoDay(f.start), h),
        p50: c.p50[h]!,
        p90: c.p90[h]!,
      }));
    });
    const trained = await trainAndRegister({
      loaded: world,
      from: '2021-01-01',
      to: AS_OF,
      models: ['lgbm'],
      promote: 'always',
    });
    expect(trained.manifest.calibration?.['lgbm']?.widthScale?.hi.length).toBe(35);
    await runInfer({ loaded: world, ...(await resolveBundle(world, undefined)), runId: 'widths', asOf: AS_OF });
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const table = `${world.paths.lake}/${world.config.lake.tables.forecasts}`;
    const served = (
      await conn.runAndReadAll(
        `SELECT forecast_date::VARCHAR AS d, yhat, yhat_upper FROM ${await scanSql(conn, table)} t
         WHERE run_id = 'widths' AND horizon_day <= 7`,
      )
    )
      .getRowObjectsJS()
      .map((r) => ({ day: parseIsoDay(String(r['d'])), p50: Number(r['yhat']), p90: Number(r['yhat_upper']) }));
    conn.closeSync();
    db.closeSync();
    const ratio = medianWidth(served) / medianWidth(backtestRows);
    expect(ratio).toBeGreaterThan(0.75);
    expect(ratio).toBeLessThan(1.33);
  }, 600_000);
});
