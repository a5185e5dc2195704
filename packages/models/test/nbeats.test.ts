import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForecastInputError, type QuantileForecast } from '@cvc/core';
import { nbeatsFactory, NBeatsForecaster } from '../src/nbeats/index.js';
import { loadTf } from '../src/tf/backend.js';
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
const L = 56;
const all = syntheticStores({ stores: 8, minDays: 220, maxDays: 320, extraDays: 0, seed: 3 });
const { history, actual } = splitLast(all, H);
const train = fitView(history);
const small = { numStacks: 3, layerWidth: 64, epochs: 12, windowsPerEpoch: 2048, batchSize: 128, patience: 4 };
const ctx = { horizon: H, contextLength: L, seed: 7 };

let model: NBeatsForecaster;
let fc: QuantileForecast[];
let dir: string;

beforeAll(async () => {
  await loadTf({ backend: process.env['CVC_TF_BACKEND'] ?? 'wasm' });
  dir = await mkdtemp(join(tmpdir(), 'cvc-nbeats-'));
  model = nbeatsFactory.create(small) as NBeatsForecaster;
  await model.fit(train, ctx);
  fc = await model.predict(history, H);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nbeats', () => {
  it('beats naive by a wide margin on a seasonal signal', () => {
    const m = wape(
      actual,
      fc.map((f) => f.p50),
    );
    const naive = wape(actual, naiveForecast(history, H));
    const snaive = wape(actual, seasonalNaiveForecast(history, H));
    console.log(`nbeats WAPE ${m.toFixed(3)} naive ${naive.toFixed(3)} seasonal naive ${snaive.toFixed(3)}`);
    expect(m).toBeLessThan(0.6 * naive);
    expect(m).toBeLessThan(snaive * 1.05);
  });

  it('gives ordered quantiles with roughly right coverage and zeros on closed days', () => {
    for (const f of fc) {
      expect(f.p50.length).toBe(H);
      for (let k = 0; k < H; k++) {
        expect(f.p10[k]!).toBeLessThanOrEqual(f.p50[k]!);
        expect(f.p50[k]!).toBeLessThanOrEqual(f.p90[k]!);
      }
    }
    const cov = coverage(actual, fc, (i, k) => history[i]!.future['is_open']![history[i]!.sales.length + k]! > 0);
    console.log(`nbeats p10-p90 coverage ${cov.toFixed(3)}`);
    expect(cov).toBeGreaterThan(0.55);
    expect(cov).toBeLessThan(0.98);
    history.forEach((s, i) => {
      for (let k = 0; k < H; k++) if (s.future['is_open']![s.sales.length + k] === 0) expect(fc[i]!.p90[k]).toBe(0);
    });
    expect(fc[0]!.start > history[0]!.start).toBe(true);
  });

  it('reloads from a directory with identical predictions', async () => {
    await model.save(dir);
    const loaded = await nbeatsFactory.load(dir);
    expect(loaded.kind).toBe('nbeats');
    const again = await loaded.predict(history, H);
    for (let i = 0; i < fc.length; i++) {
      expect(Array.from(again[i]!.p50)).toEqual(Array.from(fc[i]!.p50));
      expect(Array.from(again[i]!.p10)).toEqual(Array.from(fc[i]!.p10));
      expect(Array.from(again[i]!.p90)).toEqual(Array.from(fc[i]!.p90));
    }
  });

  it('trains identically for the same seed (interpretable stacks)', async () => {
    const p = {
      architecture: 'interpretable',
      numBlocks: 1,
      layerWidth: 32,
      epochs: 2,
      windowsPerEpoch: 512,
      batchSize: 128,
    };
    const a = nbeatsFactory.create(p);
    const b = nbeatsFactory.create(p);
    const ra = await a.fit(train, ctx);
    const rb = await b.fit(train, ctx);
    expect(ra.metrics['valLoss']).toBe(rb.metrics['valLoss']);
    const fa = await a.predict(history, H);
    const fb = await b.predict(history, H);
    expect(Array.from(fa[3]!.p50)).toEqual(Array.from(fb[3]!.p50));
  });

  it('fine-tunes from a warm start', async () => {
    const warm = nbeatsFactory.create({ ...small, fineTuneEpochs: 2 });
    const r = await warm.fit(train, { ...ctx, warmStart: model });
    expect(r.metrics['warmStart']).toBe(1);
    expect(r.metrics['epochs']).toBeLessThanOrEqual(2);
    await expect(
      nbeatsFactory.create({ ...small, layerWidth: 32 }).fit(train, { ...ctx, warmStart: model }),
    ).rejects.toThrow(/architecture/);
  });

  it('stops at the time budget and keeps what it learned', async () => {
    const m = nbeatsFactory.create({ ...small, epochs: 1000 });
    const r = await m.fit(train, { ...ctx, timeBudgetSec: 1.5 });
    expect(r.metrics['timeBudgetHit']).toBe(1);
    expect(r.seconds).toBeLessThan(10);
    expect(r.metrics['samples']).toBeGreaterThan(0);
  });

  it('N-BEATSx reads known-future promotions; pure N-BEATS (covariates: false) ignores them', async () => {
    const withPromo = (on: number) =>
      history.map((s) => {
        const promo = Float64Array.from(s.future['promo']!);
        promo.fill(on, s.sales.length);
        return { ...s, future: { ...s.future, promo } };
      });
    const openSum = async (m: NBeatsForecaster, on: number) =>
      (await m.predict(withPromo(on), H)).reduce((n, f) => n + f.p50.reduce((a, v) => a + v, 0), 0);
    const lift = (await openSum(model, 1)) / (await openSum(model, 0)) - 1;
    console.log(`nbeatsx forecast with promotions on every forecast day vs none: ${(100 * lift).toFixed(1)} % higher`);
    // The synthetic stores sell 20-35 % more on promotion days.
    expect(lift).toBeGreaterThan(0.08);
    const pure = nbeatsFactory.create({ ...small, covariates: false, epochs: 1 }) as NBeatsForecaster;
    await pure.fit(train, ctx);
    expect(await openSum(pure, 1)).toBe(await openSum(pure, 0));
    // A saved pure model reloads as pure.
    const pureDir = join(dir, 'pure');
    await pure.save(pureDir);
    expect((await nbeatsFactory.load(pureDir)).params['covariates']).toBe(false);
  });

  it('a model saved before the day effect (no multiplicativeCovariates) reloads as the additive model', async () => {
    const old = nbeatsFactory.create({ ...small, multiplicativeCovariates: false, epochs: 1 }) as NBeatsForecaster;
    await old.fit(train, ctx);
    const before = await old.predict(history, H);
    const oldDir = join(dir, 'additive');
    await old.save(oldDir);
    // Bundles written before the switch existed carry neither it nor dayEffectWidth.
    const file = join(oldDir, 'model.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { modelTopology: { params: Record<string, unknown> } };
    delete manifest.modelTopology.params['multiplicativeCovariates'];
    delete manifest.modelTopology.params['dayEffectWidth'];
    await writeFile(file, JSON.stringify(manifest));
    const loaded = await nbeatsFactory.load(oldDir);
    expect(loaded.params['multiplicativeCovariates']).toBe(false);
    const after = await loaded.predict(history, H);
    for (let i = 0; i < before.length; i++) expect(Array.from(after[i]!.p50)).toEqual(Array.from(before[i]!.p50));
    // The default model has the day effect, and its weights are saved and reloaded with it.
    expect(model.params['multiplicativeCovariates']).toBe(true);
  });

  it('gives the same weights with or without a wall-time cap that does not fire', async () => {
    // A long epoch budget that early stopping cuts short: a schedule that also followed the share of
    // the cap already used (it did) would lower the learning rate as soon as a few seconds pass.
    const p = { ...small, numStacks: 1, layerWidth: 32, epochs: 400, windowsPerEpoch: 256, batchSize: 256 };
    p.patience = 1;
    const a = await nbeatsFactory.create(p).fit(train, ctx);
    const b = await nbeatsFactory.create(p).fit(train, { ...ctx, timeBudgetSec: 120 });
    expect(b.metrics['timeBudgetHit']).toBe(0);
    expect(b.metrics['valLoss']).toBe(a.metrics['valLoss']);
  });

  it('rejects bad input at predict time with ForecastInputError', async () => {
    await expect(model.predict(history, H + 1)).rejects.toBeInstanceOf(ForecastInputError);
    await expect(model.predict(train, H)).rejects.toThrow(/is_open.*needs/);
    const noOpen = history.map((s) => ({ ...s, future: { promo: s.future['promo']! } }));
    await expect(model.predict(noOpen, H)).rejects.toBeInstanceOf(ForecastInputError);
    expect(() => nbeatsFactory.create({ layerWidht: 3 })).toThrow(/unknown parameter/);
  });
});
