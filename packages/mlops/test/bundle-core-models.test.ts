// The bundle with real core models (baselines and LightGBM): what the bundle loads predicts exactly
// what the fitted models predicted before saving.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Forecaster, type StoreSeries } from '@cvc/core';
import { lgbmFactory, seasonalNaiveFactory, weekdayMeanFactory } from '@cvc/models';
import { bundleHistoryDays, exportBundle, historyDays, importBundle, readBundle, writeBundle } from './imports.js';
import { tempDir } from './fixtures.js';

function storeSeries(storeId: string, days: number, horizon: number, level: number): StoreSeries {
  const sales = new Float64Array(days);
  for (let t = 0; t < days; t++) sales[t] = level * (1 + 0.3 * Math.sin((2 * Math.PI * t) / 7)) + (t % 5);
  const dow = new Float64Array(days + horizon).map((_, t) => t % 7);
  return { storeId, start: '2024-01-01', sales, past: {}, future: { dow }, statics: {} };
}

describe('bundle with core models', () => {
  it('round-trips fitted baselines through write, export, import and load', async () => {
    const horizon = 14;
    const series = ['1', '2', '3'].map((id, i) => storeSeries(id, 200, horizon, 100 * (i + 1)));
    const sn = seasonalNaiveFactory.create({});
    const wm = weekdayMeanFactory.create({ weeks: 4 });
    const lg = lgbmFactory.create({ numOrigins: 8, numBoostRound: 20, numThreads: 1 });
    const models = new Map<string, Forecaster>([
      ['seasonal_naive', sn],
      ['weekday_mean', wm],
      ['lgbm', lg],
    ]);
    for (const m of models.values()) await m.fit(series, { horizon, contextLength: 56, seed: 1 });
    const tmp = await tempDir();
    await writeBundle(join(tmp, 'b'), {
      models,
      routing: { stores: { '1': 'seasonal_naive', '2': 'weekday_mean', '3': 'lgbm' }, fallback: 'seasonal_naive' },
      horizon,
      context: 56,
      trainingWindow: { from: '2024-01-01', to: '2024-07-18' },
      lineage: { featureTable: 'features', deltaVersion: 3 },
      configHash: 'x',
      backtest: { wape: 0.1, byModel: {} },
      historyDays: { seasonal_naive: 140, weekday_mean: 112, lgbm: 56 + 371 },
    });
    await exportBundle(join(tmp, 'b'), join(tmp, 'b.tar.gz'));
    await importBundle(join(tmp, 'b.tar.gz'), join(tmp, 'c'));
    const uf = await readBundle(join(tmp, 'c'), [seasonalNaiveFactory, weekdayMeanFactory, lgbmFactory]);
    const out = await uf.predict({ series, horizon });
    const direct = [
      ...(await sn.predict([series[0]!], horizon)),
      ...(await wm.predict([series[1]!], horizon)),
      ...(await lg.predict([series[2]!], horizon)),
    ];
    expect(out.map((f) => f.modelKind)).toEqual(['seasonal_naive', 'weekday_mean', 'lgbm']);
    expect(uf.manifest.files.some((f) => f.path.startsWith('models/lgbm/'))).toBe(true);
    // What each model reads is recorded; infer reads the most any of them needs.
    expect(uf.manifest.models.map((m) => [m.kind, m.historyDays])).toEqual([
      ['lgbm', 427],
      ['seasonal_naive', 140],
      ['weekday_mean', 112],
    ]);
    expect(bundleHistoryDays(uf.manifest)).toBe(427);
    // A bundle written before models declared it: what infer always read, the context plus 371 days.
    const legacy = { ...uf.manifest, models: uf.manifest.models.map(({ historyDays: _h, ...m }) => m) };
    expect(bundleHistoryDays(legacy)).toBe(56 + 371);
    out.forEach((f, i) => {
      expect(f.storeId).toBe(direct[i]!.storeId);
      expect([...f.p50]).toEqual([...direct[i]!.p50]);
      expect([...f.p10]).toEqual([...direct[i]!.p10]);
      expect([...f.p90]).toEqual([...direct[i]!.p90]);
    });
  });

  it('counts history from the first observed day', () => {
    expect(historyDays(new Float64Array([NaN, NaN, 1, NaN, 2]))).toBe(3);
    expect(historyDays(new Float64Array([NaN]))).toBe(0);
    expect(historyDays(new Float64Array([1, 2]))).toBe(2);
  });
});
