// The ensemble's out-of-fold forecasts learn only from what was known at each fold's cutoff: with a
// stride shorter than the horizon an earlier fold's last days fall after the next cutoff.
import { expect, test } from 'vitest';
import { addDays, formatIsoDay, parseIsoDay, type StoreSeries } from '@cvc/core';
import { ensembleMembers, ensembleOutcomes, type FoldOutcome } from '../src/index.js';

const START = '2025-01-01';
const DAYS = 120;
const day = (i: number) => formatIsoDay(addDays(parseIsoDay(START), i));

function series(id: string, late: number): StoreSeries {
  // Days 63-69 (after fold 1's cutoff, inside fold 0's window) scaled by `late`.
  const sales = Float64Array.from({ length: DAYS }, (_, i) => (100 + 10 * (i % 7)) * (i >= 63 && i < 70 ? late : 1));
  return {
    storeId: id,
    start: START,
    sales,
    past: {},
    future: { is_open: new Float64Array(DAYS).fill(1) },
    statics: { format: 'mall' },
  };
}

// Member a is 10 % high, b 10 % low; b is right on days 63-69 when those days are 20 % lower.
function outcomes(fold: number, from: number): FoldOutcome[] {
  const make = (model: string, f: (i: number) => number): FoldOutcome => ({
    model,
    fold,
    forecasts: ['1', '2', '3'].map((storeId) => {
      const p50 = Float64Array.from({ length: 35 }, (_, h) => f(from + h) * (100 + 10 * ((from + h) % 7)));
      return { storeId, start: day(from), p10: p50.map((v) => 0.8 * v), p50, p90: p50.map((v) => 1.2 * v) };
    }),
    fitSeconds: 0,
    predictSeconds: 0,
    metrics: {},
    resumed: false,
  });
  return [make('a', () => 1.1), make('b', (i) => (i >= 63 && i < 70 ? 0.8 : 0.9))];
}

test("fold k's weights ignore an earlier fold's days after fold k's cutoff", () => {
  // Fold 0 forecasts days 35-69, fold 1 days 63-97: they share days 63-69.
  const all = [...outcomes(0, 35), ...outcomes(1, 63)];
  const run = (late: number) =>
    ensembleOutcomes(
      all,
      ['a', 'b'],
      [0, 1],
      ['1', '2', '3'].map((id) => series(id, late)),
    );
  const calm = run(1);
  const dip = run(0.8);
  const p50 = (r: ReturnType<typeof run>) => Array.from(r.outcomes.find((o) => o.fold === 1)!.forecasts[0]!.p50);
  // What fold 1 mixes was learned on fold 0's days 35-62 only: the same whatever days 63-69 turn out to be.
  expect(p50(dip)).toEqual(p50(calm));
  expect(calm.outcomes.find((o) => o.fold === 1)!.metrics['learned_samples']).toBe(3);
  // The weights kept for training learn every fold's days: there the dip counts.
  expect(dip.weights).not.toEqual(calm.weights);
});

test('the ensemble mixes the models asked for; the baselines join only when fewer than two were asked', () => {
  const run = ['weekday_mean', 'ets', 'seasonal_naive', 'lgbm', 'nbeats', 'tft', 'ensemble'];
  const ok = (m: string) => m !== 'tft'; // tft failed on every fold
  expect(ensembleMembers(['lgbm', 'nbeats', 'tft', 'ensemble'], run, ok)).toEqual(['lgbm', 'nbeats']);
  expect(ensembleMembers(['lgbm', 'ensemble'], run, ok)).toEqual([
    'weekday_mean',
    'ets',
    'seasonal_naive',
    'lgbm',
    'nbeats',
  ]);
  expect(ensembleMembers(['weekday_mean', 'lgbm', 'ensemble'], run, ok)).toEqual(['weekday_mean', 'lgbm']);
});
