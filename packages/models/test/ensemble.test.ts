// The ensemble kind: simplex weights that minimise absolute error, shrinkage of a store toward its
// format and the chain, and a saved ensemble that reloads with its members and forecasts the same.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { StoreSeries } from '@cvc/core';
import {
  EnsembleForecaster,
  ensembleFactory,
  fitSimplexL1,
  forecasterFactory,
  learnEnsembleWeights,
  lineMinL1,
  type EnsembleSample,
} from '../src/index.js';

function sample(storeId: string, format: string, biases: number[], days = 35): EnsembleSample {
  const actual = Float64Array.from({ length: days }, (_, h) => 1000 + 300 * Math.sin(h));
  return {
    storeId,
    format,
    members: biases.map((b) => actual.map((y) => y * b)),
    actual,
    open: new Float64Array(days).fill(1),
  };
}

test('weights favour the accurate member and mix two opposite biases half and half', () => {
  const good = learnEnsembleWeights(['a', 'b'], [sample('1', 'mall', [1.01, 1.4]), sample('2', 'mall', [0.99, 1.5])]);
  expect(good.chain[0]!).toBeGreaterThan(0.9);
  const both = learnEnsembleWeights(['a', 'b'], [sample('1', 'mall', [1.2, 0.8])], { bestShrinkFolds: 0 });
  expect(both.chain[0]!).toBeCloseTo(0.5, 1);
  for (const w of [good.chain, both.chain]) {
    expect(w.every((x) => x >= 0)).toBe(true);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  }
});

test('a store with one fold is shrunk toward its format, a format with few stores toward the chain', () => {
  const mall = ['1', '2', '3', '4', '5', '6'].map((id) => sample(id, 'mall', [1.02, 1.5]));
  const odd = sample('9', 'street', [1.5, 1.02]); // the only street store prefers the other member
  const w = learnEnsembleWeights(['a', 'b'], [...mall, odd], {
    storeShrinkFolds: 2,
    formatShrinkStores: 5,
    bestShrinkFolds: 0,
    maxRelativeError: Infinity,
  });
  const own = w.stores['9']![1]!;
  // One fold against a prior worth 2: a third of its own (about 1) and two thirds of its format's, whose
  // one store against a prior worth 5 stores is a sixth of itself and five sixths of the chain's.
  const chainB = w.chain[1]!;
  expect(chainB).toBeLessThan(0.2);
  const formatB = w.formats['street']![1]!;
  expect(formatB).toBeCloseTo(1 / 6 + (5 / 6) * chainB, 1);
  expect(own).toBeCloseTo(1 / 3 + (2 / 3) * formatB, 1);
});

function store(id: string, days: number): StoreSeries {
  const sales = Float64Array.from({ length: days }, (_, i) => 100 + 10 * (i % 7) + (id === '2' ? 50 : 0));
  const future = { is_open: new Float64Array(days + 14).fill(1) };
  return { storeId: id, start: '2025-01-01', sales, past: {}, future, statics: { format: 'mall', state: 'SP' } };
}

test('an ensemble of two baselines saves, reloads and forecasts the weighted mix', async () => {
  const series = [store('1', 120), store('2', 120)];
  const members = new Map([
    ['weekday_mean', (await forecasterFactory('weekday_mean')).create({ weeks: 4 })],
    ['seasonal_naive', (await forecasterFactory('seasonal_naive')).create({})],
  ]);
  for (const m of members.values()) await m.fit(series, { horizon: 14, contextLength: 90, seed: 1 });
  const weights = {
    members: ['weekday_mean', 'seasonal_naive'],
    chain: [0.25, 0.75],
    formats: {},
    stores: { '2': [1, 0] },
  };
  const ens = new EnsembleForecaster({ weights }, members);
  const f = await ens.predict(series, 14);
  const a = await members.get('weekday_mean')!.predict(series, 14);
  const b = await members.get('seasonal_naive')!.predict(series, 14);
  expect(Array.from(f[0]!.p50)).toEqual(
    Array.from(a[0]!.p50, (v, h) => expect.closeTo(0.25 * v + 0.75 * b[0]!.p50[h]!, 9)),
  );
  expect(Array.from(f[1]!.p90)).toEqual(Array.from(a[1]!.p90, (v) => expect.closeTo(v, 9)));
  const dir = join(mkdtempSync(join(tmpdir(), 'cvc-ensemble-')), 'm');
  await ens.save(dir);
  const back = await ensembleFactory.load(dir);
  expect((await back.predict(series, 14)).map((x) => Array.from(x.p50))).toEqual(f.map((x) => Array.from(x.p50)));
  expect(() => new EnsembleForecaster({ weights: { ...weights, chain: [1] } })).toThrow(/one weight per member/);
});

test('with one fold behind it the chain leans on the best single member', () => {
  // One calm fold where a mix looks best: the chain keeps three quarters on the best single member.
  const all = { maxRelativeError: Infinity };
  const w = learnEnsembleWeights(['a', 'b'], [sample('1', 'mall', [1.25, 0.8]), sample('2', 'mall', [1.25, 0.8])], all);
  const mixed = learnEnsembleWeights(['a', 'b'], [sample('1', 'mall', [1.25, 0.8])], { ...all, bestShrinkFolds: 0 });
  expect(mixed.chain[1]!).toBeCloseTo(5 / 9, 1); // 1.25 w + 0.8 (1 - w) = 1
  expect(w.chain[1]!).toBeCloseTo(3 / 4 + mixed.chain[1]! / 4, 2);
});

test('a member much worse than the best over the chain gets no weight anywhere', () => {
  const w = learnEnsembleWeights(
    ['a', 'b', 'c'],
    [sample('1', 'mall', [1.1, 0.9, 1.5]), sample('2', 'street', [1.12, 0.9, 0.7])],
  );
  for (const v of [w.chain, ...Object.values(w.formats), ...Object.values(w.stores)]) expect(v[2]).toBe(0);
  expect(w.stores['2']![0]! + w.stores['2']![1]!).toBeCloseTo(1, 9);
});

test('the fit reaches the least absolute error on the simplex (a fine grid), never above the best member', () => {
  // Three members with different biases and day-to-day noise: the optimum is an interior mix.
  const samples = ['1', '2', '3', '4'].map((id, i): EnsembleSample => {
    const actual = Float64Array.from({ length: 35 }, (_, h) => 1000 + 300 * Math.sin(h + i));
    const f = (bias: number, wobble: number) => actual.map((y, h) => y * bias + wobble * Math.cos(3 * h + i));
    return {
      storeId: id,
      format: 'mall',
      members: [f(1.04, 60), f(0.97, 90), f(1.0, 150)],
      actual,
      open: new Float64Array(35).fill(1),
    };
  });
  const loss = (w: readonly number[]) => {
    let l = 0;
    for (const s of samples)
      for (let h = 0; h < 35; h++) l += Math.abs(s.actual[h]! - w.reduce((a, x, k) => a + x * s.members[k]![h]!, 0));
    return l;
  };
  let grid = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= 100; i++)
    for (let j = 0; i + j <= 100; j++) grid = Math.min(grid, loss([i / 100, j / 100, 1 - (i + j) / 100]));
  const w = fitSimplexL1(samples, 3);
  expect(w.every((x) => x >= 0)).toBe(true);
  expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  expect(loss(w)).toBeLessThanOrEqual(grid * (1 + 1e-9));
  for (const k of [0, 1, 2]) expect(loss(w)).toBeLessThanOrEqual(loss([0, 1, 2].map((j) => (j === k ? 1 : 0))));
});

test('a line search finds the weighted median of r / a, clamped to its interval', () => {
  // Loss |1 - t| + |2 - t| + 3 |3 - t|: ratios 1, 2, 3 with weights 1, 1, 3 put the median at 3.
  expect(lineMinL1([1, 2, 9], [1, 1, 3], -10, 10)).toBe(3);
  expect(lineMinL1([1, 2, 9], [1, 1, 3], 0, 1)).toBe(1);
  expect(lineMinL1([1, 2], [0, 0], 0, 1)).toBe(0);
});
