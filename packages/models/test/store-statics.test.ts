// Store statics (source.storeColumns.statics) reach every model. Each model scales a store by its own
// sales level, so a static that only multiplies a store's sales (big stores sell 3x) tells it nothing
// its history does not; here the statics decide what history cannot show: how much a store sells on
// a promotion day (assortment 'a' stores respond strongly, 'b' stores hardly; the response grows with
// size_m2). LightGBM and TFT forecast the held-out window clearly better with the statics than
// without; N-BEATS takes them in its input block; LightGBM's category map survives save/load.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Forecaster, StoreSeries } from '@cvc/core';
import { lgbmFactory } from '../src/lgbm/index.js';
import { nbeatsFactory } from '../src/nbeats/index.js';
import { loadTf } from '../src/tf/backend.js';
import { tftFactory } from '../src/tft/index.js';
import { buildFeatureSpec } from '../src/tft/features.js';
import { fitView, splitLast, syntheticStores, wape } from './tf-synthetic.js';

const H = 14;

/** Promotion-day sales times the store's response: (a: 2.4, b: 0.4) x size_m2 / 1000. */
function withStatics(series: StoreSeries[]): StoreSeries[] {
  return series.map((s, k) => {
    const assortment = k % 2 === 0 ? 'a' : 'b';
    const size = 600 + ((k * 7) % 12) * 150;
    const response = (assortment === 'a' ? 2.4 : 0.4) * (size / 1000);
    const promo = s.future['promo']!;
    const sales = Float64Array.from(s.sales, (v, i) => (promo[i] ? v * response : v));
    return { ...s, sales, statics: { ...s.statics, assortment }, numericStatics: { size_m2: size } };
  });
}

const without = (series: StoreSeries[]): StoreSeries[] =>
  series.map((s) => {
    const statics = { ...s.statics };
    delete statics['assortment'];
    const { numericStatics: _dropped, ...rest } = s;
    return { ...rest, statics };
  });

const all = withStatics(syntheticStores({ stores: 12, minDays: 300, maxDays: 360, extraDays: 0, seed: 7 }));
const { history, actual } = splitLast(all, H);

async function score(model: Forecaster, series: StoreSeries[], contextLength: number): Promise<number> {
  await model.fit(fitView(series), { horizon: H, contextLength, seed: 3 });
  const fc = await model.predict(series, H);
  return wape(
    actual,
    fc.map((f) => f.p50),
  );
}

beforeAll(async () => {
  await loadTf({ backend: process.env['CVC_TF_BACKEND'] ?? 'wasm' });
});

describe('store statics that set the promotion response', () => {
  it('the held-out window has promotion days in both assortments (the test can tell the models apart)', () => {
    const promoDays = (k: number) => history[k]!.future['promo']!.subarray(history[k]!.sales.length);
    const count = (par: number) =>
      history.reduce((n, _, k) => (k % 2 === par ? n + promoDays(k).reduce((a, b) => a + b, 0) : n), 0);
    expect(count(0)).toBeGreaterThan(5);
    expect(count(1)).toBeGreaterThan(5);
  });

  it('lgbm reads the category as a categorical feature and the number as a feature', async () => {
    const p = { numBoostRound: 150 };
    const w = await score(lgbmFactory.create(p), history, 365);
    const wo = await score(lgbmFactory.create(p), without(history), 365);
    const categoryOnly = history.map(({ numericStatics: _n, ...rest }) => rest);
    const wc = await score(lgbmFactory.create(p), categoryOnly, 365);
    console.log(`lgbm WAPE with statics ${w.toFixed(3)}, category only ${wc.toFixed(3)}, without ${wo.toFixed(3)}`);
    expect(w).toBeLessThan(0.8 * wo);
    // The number static adds what the category cannot: the response grows with size_m2.
    expect(w).toBeLessThan(0.9 * wc);
  }, 120_000);

  it('tft reads them through its static covariate encoders', async () => {
    const p = { epochs: 12, windowsPerEpoch: 1024, batchSize: 128, learningRate: 5e-3, warmupSteps: 5 };
    const w = await score(tftFactory.create(p), history, 28);
    const wo = await score(tftFactory.create(p), without(history), 28);
    console.log(`tft WAPE with statics ${w.toFixed(3)}, without ${wo.toFixed(3)}`);
    // Training is sample-budgeted and seeded: the figures repeat (seed 3: 0.284 with, 0.335 without).
    expect(w).toBeLessThan(0.9 * wo);
  }, 1_800_000);

  it('the neural input spec standardises number statics with the fit moments; N-BEATS takes them in', async () => {
    const spec = buildFeatureSpec(fitView(history), 28);
    expect(spec.statics.find((s) => s.name === 'assortment')?.vocab).toEqual(['<unseen>', 'a', 'b']);
    const sizes = history.map((s) => s.numericStatics!['size_m2']!);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(spec.numericStatics).toHaveLength(1);
    expect(spec.numericStatics![0]!.name).toBe('size_m2');
    expect(spec.numericStatics![0]!.mean).toBeCloseTo(mean, 6);
    const model = nbeatsFactory.create({ epochs: 1, windowsPerEpoch: 128, batchSize: 64 });
    await model.fit(fitView(history), { horizon: H, contextLength: 28, seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'cvc-nbeats-statics-'));
    try {
      await model.save(dir);
      const loaded = await nbeatsFactory.load(dir);
      const a = await model.predict(history, H);
      const b = await loaded.predict(history, H);
      expect(Array.from(b[0]!.p50)).toEqual(Array.from(a[0]!.p50));
      // Another size changes the forecast: the number reaches the network.
      const bigger = history.map((s) => ({ ...s, numericStatics: { size_m2: 5 * s.numericStatics!['size_m2']! } }));
      const c = await loaded.predict(bigger, H);
      expect(Array.from(c[0]!.p50)).not.toEqual(Array.from(a[0]!.p50));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('lgbm category map', () => {
  it('a saved model encodes with its own map, whatever stores it predicts; unseen has one code', async () => {
    const model = lgbmFactory.create({ numBoostRound: 40 });
    await model.fit(fitView(history), { horizon: H, contextLength: 365, seed: 3 });
    const dir = mkdtempSync(join(tmpdir(), 'cvc-lgbm-statics-'));
    try {
      await model.save(dir);
      const loaded = await lgbmFactory.load(dir);
      const full = await model.predict(history, H);
      // Only 'b' stores: a map rebuilt from these stores would give 'b' code 0 (it is 1).
      const bStores = history.filter((_, k) => k % 2 === 1);
      const sub = await loaded.predict(bStores, H);
      sub.forEach((f) => expect(Array.from(f.p50)).toEqual(Array.from(full.find((x) => x.storeId === f.storeId)!.p50)));
      const unseenA = await loaded.predict(
        bStores.map((s) => ({ ...s, statics: { ...s.statics, assortment: 'zz' } })),
        H,
      );
      const unseenB = await loaded.predict(
        bStores.map((s) => ({ ...s, statics: { ...s.statics, assortment: 'yy' } })),
        H,
      );
      expect(unseenA.map((f) => Array.from(f.p50))).toEqual(unseenB.map((f) => Array.from(f.p50)));
      expect(unseenA.every((f) => f.p50.every(Number.isFinite))).toBe(true);
      // A store without its number static is refused, naming store and static.
      const { numericStatics: _n, ...noSize } = bStores[0]!;
      await expect(loaded.predict([noSize], H)).rejects.toThrow(
        /store S\d+ lacks a number for static covariate "size_m2"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
