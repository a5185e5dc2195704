// A model's registry entry says how many days of history it reads (historyDays): given only those
// days, every kind forecasts what it forecasts from the whole history.
import { describe, expect, it } from 'vitest';
import { addDays, formatIsoDay, parseIsoDay, type StoreSeries } from '@cvc/core';
import { forecasterFactory, modelHistoryDays } from '../src/index.js';
import { syntheticStores } from './tf-synthetic.js';

const H = 35;
const CONTEXT = 90;
// Synthetic stores with 35 days of future covariates past their history, at least 900 days long.
const stores = syntheticStores({ stores: 4, minDays: 900, maxDays: 1000, extraDays: H, seed: 11 });

/** The series cut to its last `days` days of history (future covariates kept through the horizon). */
function lastDays(s: StoreSeries, days: number): StoreSeries {
  const from = s.sales.length - days;
  const cut = (a: Float64Array) => a.slice(from);
  return {
    ...s,
    start: formatIsoDay(addDays(parseIsoDay(s.start), from)),
    sales: cut(s.sales),
    past: Object.fromEntries(Object.entries(s.past).map(([k, v]) => [k, cut(v)])),
    future: Object.fromEntries(Object.entries(s.future).map(([k, v]) => [k, cut(v)])),
  };
}

const tiny: Record<string, Record<string, unknown>> = {
  seasonal_naive: {},
  weekday_mean: { weeks: 4 },
  ets: {},
  lgbm: { numOrigins: 16, numBoostRound: 20, numThreads: 1 },
  nbeats: { numStacks: 2, layerWidth: 32, epochs: 1, windowsPerEpoch: 256, batchSize: 128 },
  tft: { hiddenSize: 8, numHeads: 2, epochs: 1, windowsPerEpoch: 128, batchSize: 64 },
};

describe('historyDays', () => {
  for (const [kind, params] of Object.entries(tiny)) {
    it(`${kind}: forecasts from its declared history equal those from the whole history`, async () => {
      process.env['CVC_TF_BACKEND'] ??= 'wasm';
      const model = (await forecasterFactory(kind)).create(params);
      await model.fit(stores, { horizon: H, contextLength: CONTEXT, seed: 1 });
      const days = modelHistoryDays(kind, model.params, { context: CONTEXT, horizon: H });
      expect(days).toBeLessThan(stores[0]!.sales.length);
      const full = await model.predict(stores, H);
      const cut = await model.predict(
        stores.map((s) => lastDays(s, days)),
        H,
      );
      // LightGBM's window means run over running sums from the series' first day, so where the series
      // starts moves the last bits of a float; every other kind gives the very same numbers.
      const tolerance = kind === 'lgbm' ? 1e-9 : 0;
      for (let i = 0; i < full.length; i++) {
        for (const q of ['p10', 'p50', 'p90'] as const) {
          const a = full[i]![q];
          const b = cut[i]![q];
          expect(b.length).toBe(a.length);
          for (let h = 0; h < a.length; h++) {
            expect(Math.abs(b[h]! - a[h]!)).toBeLessThanOrEqual(tolerance * Math.abs(a[h]!));
          }
        }
      }
    });
  }
});
