// The LightGBM forecaster against the shared contract, on synthetic stores with promotions,
// holidays and closures: it must beat seasonal-naive by a clear margin and round-trip save/load.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coverage, lgbmSynthetic, seasonalNaive, wape } from '../../../bench/lgbm-synthetic.js';
import { ForecastInputError, type QuantileForecast } from '@cvc/core';
import { LgbmForecaster, lgbmFactory } from '../src/lgbm/index.js';
import { summarizeStops } from '../src/lgbm/forecaster.js';
import { runChild } from '../../../test-support/child.js';
import { useOracle } from '../../../test-support/oracles.js';

const H = 35;
const data = lgbmSynthetic({ stores: 24, days: 800, extraDays: H, seed: 3 });
const dirs: string[] = [];
let model: LgbmForecaster;
let forecast: QuantileForecast[];

beforeAll(async () => {
  model = new LgbmForecaster({ numOrigins: 40 });
  await model.fit(data.history, { horizon: H, contextLength: 365, seed: 1 });
  forecast = await model.predict(data.history, H);
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('lgbm forecaster', () => {
  it('beats seasonal-naive WAPE over 35 days by a clear margin', () => {
    const ours = wape(
      data.actual,
      forecast.map((f) => f.p50),
    );
    const naive = wape(
      data.actual,
      data.history.map((s) => seasonalNaive(s, H)),
    );
    console.log(
      `lgbm WAPE ${ours.toFixed(4)} vs seasonal-naive ${naive.toFixed(4)} (ratio ${(ours / naive).toFixed(3)})`,
    );
    // Measured: 0.080 vs 0.216 (ratio 0.37); the 8% noise alone puts the floor near 0.065.
    expect(ours).toBeLessThan(0.5 * naive);
    expect(ours).toBeLessThan(0.12);
  });

  it('returns ordered quantiles, zero on closed days, dates after the history', () => {
    for (const [s, f] of forecast.entries()) {
      const series = data.history[s]!;
      expect(f.storeId).toBe(series.storeId);
      expect(f.p50.length).toBe(H);
      for (let h = 0; h < H; h++) {
        expect(f.p10[h]!).toBeLessThanOrEqual(f.p50[h]!);
        expect(f.p50[h]!).toBeLessThanOrEqual(f.p90[h]!);
        expect(f.p10[h]!).toBeGreaterThanOrEqual(0);
        if (series.future['is_open']![series.sales.length + h] === 0) expect(f.p90[h]).toBe(0);
      }
    }
    const first = forecast[0]!;
    const start = new Date(Date.parse(`${data.history[0]!.start}T00:00:00Z`) + 800 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    expect(first.start).toBe(start);
  });

  it('covers roughly 80% of actuals between p10 and p90', () => {
    const c = coverage(data.actual, forecast);
    console.log(`lgbm p10-p90 coverage ${c.toFixed(3)}`);
    expect(c).toBeGreaterThan(0.65);
    expect(c).toBeLessThan(0.95);
  });

  it('saves LightGBM text models plus a JSON, and reloads to identical forecasts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lgbm-fc-'));
    dirs.push(dir);
    await model.save(dir);
    expect((await readdir(dir)).sort()).toEqual(['lgbm.json', 'model.txt']);
    // A fixed histogram layout: left to LightGBM's timing race, the model would depend on the load.
    expect(await readFile(join(dir, 'model.txt'), 'utf8')).toContain('[force_col_wise: 1]');
    const loaded = await lgbmFactory.load(dir);
    expect(loaded.kind).toBe('lgbm');
    const again = await loaded.predict(data.history, H);
    for (const [s, f] of again.entries()) {
      expect(Array.from(f.p50)).toEqual(Array.from(forecast[s]!.p50));
      expect(Array.from(f.p90)).toEqual(Array.from(forecast[s]!.p90));
    }
  });

  it('rejects a horizon longer than trained and series without the covariates', async () => {
    await expect(model.predict(data.history, H + 1)).rejects.toThrow(ForecastInputError);
    const short = data.history.map((s) => ({
      ...s,
      future: { ...s.future, promo: s.future['promo']!.slice(0, s.sales.length) },
    }));
    await expect(model.predict(short, H)).rejects.toThrow(/promo/);
    expect(() => lgbmFactory.create({ numLeavez: 3 })).toThrow(/unknown parameter/);
  });
});

describe('lgbm forecaster on uneven data', () => {
  it('fits and predicts finite values with short stores, missing days and a new store', async () => {
    const { history } = lgbmSynthetic({ stores: 8, days: 400, extraDays: H, seed: 4 });
    const uneven = history.map((s, k) => {
      const cut = k === 0 ? 330 : k === 1 ? 60 : 0; // store 1 opened 60 days ago
      const sales = s.sales.slice(cut);
      if (k === 2) sales.fill(NaN, 100, 130); // a month of missing data
      const slice = (r: Record<string, Float64Array>) =>
        Object.fromEntries(Object.entries(r).map(([n, v]) => [n, v.slice(cut)]));
      return { ...s, sales, past: slice(s.past), future: slice(s.future) };
    });
    const m = new LgbmForecaster({ numOrigins: 20, validationOrigins: 2 });
    const rep = await m.fit(uneven, { horizon: H, contextLength: 365, seed: 1 });
    expect(rep.metrics['rows']).toBeGreaterThan(0);
    const fc = await m.predict(uneven, H);
    for (const f of fc) for (const v of [...f.p10, ...f.p50, ...f.p90]) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('lgbm stop reason', () => {
  const small = lgbmSynthetic({ stores: 6, days: 400, extraDays: H, seed: 5 }).history;
  const fit = (params: Record<string, unknown>) =>
    new LgbmForecaster({ numOrigins: 20, validationOrigins: 2, ...params }).fit(small, {
      horizon: H,
      contextLength: 365,
      seed: 1,
    });

  it('says num_rounds when the round budget ran out and early_stopping when validation stopped it', async () => {
    const capped = await fit({ numBoostRound: 3, earlyStoppingRounds: 30 });
    expect(capped.stopReason).toBe('num_rounds');
    expect(capped.metrics['models_early_stopped']).toBe(0);
    // A high learning rate overfits fast, so validation loss stops improving long before 2000 rounds.
    const stopped = await fit({ numBoostRound: 2000, earlyStoppingRounds: 3, learningRate: 0.9 });
    expect(stopped.stopReason).toBe('early_stopping');
    expect(stopped.metrics['models_early_stopped']).toBe(1);
    expect(stopped.metrics['best_iteration_mean']).toBeLessThan(2000);
  });

  it('gives the shared reason, a cut-short one first, or each reason with its count', () => {
    expect(summarizeStops(['early_stopping', 'early_stopping'])).toBe('early_stopping');
    expect(summarizeStops(['early_stopping', 'time_budget', 'num_rounds'])).toBe('time_budget');
    expect(summarizeStops(['early_stopping', 'num_rounds', 'early_stopping'])).toBe(
      'early_stopping 2/3, num_rounds 1/3',
    );
  });
});

describe.skipIf(!(await useOracle('python-lightgbm')))('saved model in Python', () => {
  it('opens with lightgbm.Booster(model_file=...)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lgbm-fc-py-'));
    dirs.push(dir);
    await model.save(dir);
    const script = join(dir, 'open.py');
    await writeFile(
      script,
      'import json,sys,lightgbm as lgb\n' +
        'b=lgb.Booster(model_file=sys.argv[1]+"/model.txt")\n' +
        'meta=json.load(open(sys.argv[1]+"/lgbm.json"))\n' +
        'print(json.dumps({"features": b.feature_name(), "names": meta["layout"]["names"]}))\n',
    );
    const r = await runChild('python3', [script, dir]);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      features: string[];
      names: string[];
    };
    expect(out.features).toEqual(out.names);
  });
});
