import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForecastInputError, type QuantileForecast } from '@cvc/core';
import { loadTf } from '../src/tf/backend.js';
import { tftFactory, TftForecaster } from '../src/tft/index.js';
import {
  coverage,
  fitView,
  naiveForecast,
  seasonalNaiveForecast,
  splitLast,
  syntheticStores,
  wape,
} from './tf-synthetic.js';

const H = 14;
const L = 28;
const all = syntheticStores({ stores: 8, minDays: 220, maxDays: 320, extraDays: 0, seed: 3 });
const { history, actual } = splitLast(all, H);
const train = fitView(history);
const small = { epochs: 5, windowsPerEpoch: 1024, batchSize: 128, learningRate: 5e-3, warmupSteps: 5 };
const ctx = { horizon: H, contextLength: L, seed: 11 };

let model: TftForecaster;
let fc: QuantileForecast[];
let dir: string;

beforeAll(async () => {
  await loadTf({ backend: process.env['CVC_TF_BACKEND'] ?? 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cvc-tft-'));
  model = tftFactory.create(small) as TftForecaster;
  await model.fit(train, ctx);
  fc = await model.predict(history, H);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tft', () => {
  it('beats naive by a wide margin on a seasonal signal with promotions', () => {
    const m = wape(
      actual,
      fc.map((f) => f.p50),
    );
    const naive = wape(actual, naiveForecast(history, H));
    const snaive = wape(actual, seasonalNaiveForecast(history, H));
    console.log(`tft WAPE ${m.toFixed(3)} naive ${naive.toFixed(3)} seasonal naive ${snaive.toFixed(3)}`);
    expect(m).toBeLessThan(0.6 * naive);
  });

  it('gives ordered quantiles with roughly right coverage and zeros on closed days', () => {
    for (const f of fc) {
      for (let k = 0; k < H; k++) {
        expect(f.p10[k]!).toBeLessThanOrEqual(f.p50[k]!);
        expect(f.p50[k]!).toBeLessThanOrEqual(f.p90[k]!);
      }
    }
    const cov = coverage(actual, fc, (i, k) => history[i]!.future['is_open']![history[i]!.sales.length + k]! > 0);
    console.log(`tft p10-p90 coverage ${cov.toFixed(3)}`);
    expect(cov).toBeGreaterThan(0.45);
    expect(cov).toBeLessThan(0.99);
    history.forEach((s, i) => {
      for (let k = 0; k < H; k++) if (s.future['is_open']![s.sales.length + k] === 0) expect(fc[i]!.p90[k]).toBe(0);
    });
  });

  it('reloads from a directory with identical predictions', async () => {
    await model.save(dir);
    const loaded = await tftFactory.load(dir);
    const again = await loaded.predict(history, H);
    for (let i = 0; i < fc.length; i++) {
      expect(Array.from(again[i]!.p10)).toEqual(Array.from(fc[i]!.p10));
      expect(Array.from(again[i]!.p50)).toEqual(Array.from(fc[i]!.p50));
      expect(Array.from(again[i]!.p90)).toEqual(Array.from(fc[i]!.p90));
    }
  });

  it('trains identically for the same seed (dropout included)', async () => {
    const p = { epochs: 1, windowsPerEpoch: 128, batchSize: 64, hiddenSize: 8, numHeads: 2 };
    const a = tftFactory.create(p);
    const b = tftFactory.create(p);
    const ra = await a.fit(train, ctx);
    const rb = await b.fit(train, ctx);
    expect(ra.metrics['valLoss']).toBe(rb.metrics['valLoss']);
    expect(Array.from((await a.predict(history, H))[2]!.p90)).toEqual(
      Array.from((await b.predict(history, H))[2]!.p90),
    );
  });

  it('fine-tunes from a warm start', async () => {
    const warm = tftFactory.create({ ...small, fineTuneEpochs: 1, windowsPerEpoch: 128 });
    const r = await warm.fit(train, { ...ctx, warmStart: model });
    expect(r.metrics['warmStart']).toBe(1);
    expect(r.metrics['valLoss']).toBeLessThan(0.2);
  });

  it('rejects bad input at predict time with ForecastInputError', async () => {
    await expect(model.predict(history, H + 1)).rejects.toBeInstanceOf(ForecastInputError);
    await expect(model.predict(train, H)).rejects.toThrow(/needs/);
    const noPromo = history.map(({ future: { promo: _p, ...rest }, ...s }) => ({ ...s, future: rest }));
    await expect(model.predict(noPromo, H)).rejects.toThrow(/"promo"/);
    const noPast = history.map((s) => ({ ...s, past: {} }));
    await expect(model.predict(noPast, H)).rejects.toBeInstanceOf(ForecastInputError);
    const noStatic = history.map((s) => ({ ...s, statics: { format: 'mall' } }));
    await expect(model.predict(noStatic, H)).rejects.toThrow(/"state"/);
  });
});
