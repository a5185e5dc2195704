import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  etsFactory,
  exponentialSmoothing,
  seasonalNaive,
  seasonalNaiveFactory,
  weekdayMean,
  weekdayMeanFactory,
} from '../src/baselines/index.js';
import { scoreWindow, type StoreSeries } from '@cvc/core';

const weekly = [100, 120, 110, 130, 150, 200, 60];

function store(days: number, horizon: number, noise = 0): StoreSeries {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  const sales = Float64Array.from({ length: days }, (_, i) => weekly[i % 7]! + noise * rand());
  const isOpen = new Float64Array(days + horizon).fill(1);
  isOpen[days + 3] = 0; // a planned closed day in the forecast window
  return { storeId: 'a', start: '2024-01-01', sales, past: {}, future: { is_open: isOpen }, statics: {} };
}

describe('baseline point methods', () => {
  it('seasonal naive repeats last week and skips a missing day', () => {
    const s = Float64Array.from({ length: 21 }, (_, i) => weekly[i % 7]!);
    s[20] = Number.NaN;
    const f = seasonalNaive(s, 21, 8);
    expect(Array.from(f)).toEqual([...weekly, weekly[0]!]);
  });

  it('weekday mean averages the same weekday over k weeks', () => {
    const s = Float64Array.from({ length: 14 }, (_, i) => (i < 7 ? 0 : 10) + (i % 7));
    expect(Array.from(weekdayMean(s, 14, 7, { weeks: 2 }))).toEqual([5, 6, 7, 8, 9, 10, 11]);
  });

  it('exponential smoothing recovers a clean weekly pattern', () => {
    const s = Float64Array.from({ length: 140 }, (_, i) => weekly[i % 7]!);
    const f = exponentialSmoothing(s, 140, 14, {});
    for (let h = 0; h < 14; h++) expect(f[h]).toBeCloseTo(weekly[h % 7]!, 6);
  });
});

describe('baseline forecasters', () => {
  it('zero closed days, order quantiles, and cover roughly 80% on noisy data', async () => {
    for (const factory of [seasonalNaiveFactory, weekdayMeanFactory, etsFactory]) {
      const s = store(400, 35, 20);
      const [fc] = await factory.create({}).predict([s], 35);
      expect(fc!.p50[3]).toBe(0);
      for (let h = 0; h < 35; h++) {
        expect(fc!.p10[h]).toBeLessThanOrEqual(fc!.p50[h]!);
        expect(fc!.p50[h]).toBeLessThanOrEqual(fc!.p90[h]!);
      }
      // Score on fresh noise with the same pattern.
      const future = store(435, 0, 20).sales.subarray(400);
      const m = scoreWindow(
        { actual: future, p50: fc!.p50, p10: fc!.p10, p90: fc!.p90, isOpen: s.future['is_open']!.subarray(400) },
        1,
      );
      expect(m.coverage80).toBeGreaterThan(0.5);
      expect(m.wape).toBeLessThan(0.2);
    }
  });

  it('save and load give identical predictions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cvc-baseline-'));
    const model = weekdayMeanFactory.create({ weeks: 3 });
    await model.save(dir);
    const loaded = await weekdayMeanFactory.load(dir);
    expect(loaded.params).toEqual({ weeks: 3 });
    const s = store(100, 35, 5);
    expect(await loaded.predict([s], 35)).toEqual(await model.predict([s], 35));
    await expect(etsFactory.load(dir)).rejects.toThrow(/not a saved ets model/);
  });
});
