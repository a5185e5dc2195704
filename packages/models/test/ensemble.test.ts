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
  forecasterFactory,
  learnEnsembleWeights,
  type EnsembleSample,
} from '../src/index.js';

function sample(storeId: string, format: string, biases: number[], days = 35, fold = 0): EnsembleSample {
  const actual = Float64Array.from({ length: days }, (_, h) => 1000 + 300 * Math.sin(h));
  return {
    storeId,
    format,
    fold,
    members: biases.map((b) => actual.map((y) => y * b)),
    actual,
    open: new Float64Array(days).fill(1),
  };
}

test('weights favour the accurate member and mix two opposite biases half and half', () => {
  const good = learnEnsembleWeights(['a', 'b'], [sample('1', 'mall', [1.01, 1.4]), sample('2', 'mall', [0.99, 1.5])]);
  expect(good.chain[0]!).toBeGreaterThan(0.9);
  const both = learnEnsembleWeights(['a', 'b'], [sample('1', 'mall', [1.2, 0.8])]);
  expect(both.chain[0]!).toBeCloseTo(0.5, 1);
  for (const w of [good.chain, both.chain]) {
    expect(w.every((x) => x >= 0)).toBe(true);
    expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  }
});

test('a store is shrunk toward its format by its store-folds, a format toward the chain by its own', () => {
  const mall = ['1', '2', '3', '4', '5', '6'].map((id) => sample(id, 'mall', [1.02, 1.5]));
  const odd = sample('9', 'street', [1.5, 1.02]); // the only street store prefers the other member
  const w = learnEnsembleWeights(['a', 'b'], [...mall, odd], { storeShrinkStoreFolds: 2, formatShrinkStoreFolds: 5 });
  const own = w.stores['9']![1]!;
  // One store-fold against a prior worth 2: a third of its own (about 1) and two thirds of its format's,
  // whose one store-fold against a prior worth 5 is a sixth of itself and five sixths of the chain's.
  const chainB = w.chain[1]!;
  expect(chainB).toBeLessThan(0.2);
  const formatB = w.formats['street']![1]!;
  expect(formatB).toBeCloseTo(1 / 6 + (5 / 6) * chainB, 1);
  expect(own).toBeCloseTo(1 / 3 + (2 / 3) * formatB, 1);
  // By default the prior counts every store-fold behind it: 1 street store-fold against the chain's 7.
  const d = learnEnsembleWeights(['a', 'b'], [...mall, odd]);
  expect(d.formats['street']![1]!).toBeCloseTo(1 / 8 + (7 / 8) * d.chain[1]!, 1);
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

test('the chain mix hedges between members that lead different folds, by the worst regret', () => {
  // Member b is 2 % low on folds 0 and 1 and 25 % low on fold 2; a is 10 % high throughout. b is best
  // on folds 0 and 1, a on fold 2. With weight t on a, fold 0's error is |1 - 6t| times b's there and
  // fold 2's (2.5 - 3.5t) times a's: the worst of those is least at t = 7/19 (1.21 times each fold's
  // best). Anchored on b, the pooled best, the mix stopped at 2/7.4, 1.71 times a's error on fold 2.
  const folds = [0.98, 0.98, 0.75].flatMap((b, fold) => ['1', '2'].map((id) => sample(id, 'mall', [1.1, b], 35, fold)));
  const w = learnEnsembleWeights(['a', 'b'], folds);
  expect(w.chain[0]!).toBeCloseTo(7 / 19, 2);
  const foldError = (fold: number, v: readonly number[]) =>
    folds
      .filter((s) => s.fold === fold)
      .reduce((acc, s) => {
        let e = 0;
        for (let h = 0; h < 35; h++)
          e += Math.abs(s.actual[h]! - v[0]! * s.members[0]![h]! - v[1]! * s.members[1]![h]!);
        return acc + e;
      }, 0);
  for (const fold of [0, 1, 2]) {
    const best = Math.min(foldError(fold, [1, 0]), foldError(fold, [0, 1]));
    expect(foldError(fold, w.chain) / best).toBeLessThan(1.22);
  }
  // Each store's folds are the chain's here: its own mix is the chain's.
  expect(w.stores['1']![0]!).toBeCloseTo(w.chain[0]!, 2);
});

test('a member that leads only the first week still earns weight: horizon buckets are cells too', () => {
  // One fold: a is 2 % high on days 1-7 and 10 % high after, b 20 % high on days 1-7 and 1 % after.
  // b has the least error over the fold, and any weight on a adds to it; but a leads days 1-7. The
  // worst regret, (10 - 9t) on days 1-7 against (1 + 9t) on the later buckets, is least at t = 1/2.
  const days = 35;
  const actual = Float64Array.from({ length: days }, (_, h) => 1000 + 300 * Math.sin(h));
  const one: EnsembleSample = {
    storeId: '1',
    format: 'mall',
    fold: 0,
    members: [actual.map((y, h) => y * (h < 7 ? 1.02 : 1.1)), actual.map((y, h) => y * (h < 7 ? 1.2 : 1.01))],
    actual,
    open: new Float64Array(days).fill(1),
  };
  expect(learnEnsembleWeights(['a', 'b'], [one]).chain[0]!).toBeCloseTo(0.5, 2);
});

test('a member that only makes some earlier fold worse gets no weight', () => {
  // c helps fold 0 (opposite bias to a) but is far off on fold 1: any weight on it loses fold 1.
  const w = learnEnsembleWeights(
    ['a', 'c'],
    [sample('1', 'mall', [1.1, 0.9], 35, 0), sample('1', 'mall', [1.0, 1.6], 35, 1)],
  );
  // fold 1's a is exact, so a's error there is 0 and any c makes that fold worse
  expect(w.chain[1]!).toBeLessThan(1e-3);
});
