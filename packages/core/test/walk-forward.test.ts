import { describe, expect, it } from 'vitest';
import { actualWindow, planFolds, seriesAsOf } from '../src/backtest/walk-forward.js';
import type { Forecaster, StoreSeries } from '../src/forecaster.js';
import { InputError } from '../src/errors.js';

function series(n: number, start = '2024-01-01'): StoreSeries {
  const sales = Float64Array.from({ length: n }, (_, i) => i);
  const isOpen = new Float64Array(n).fill(1);
  const dow = Float64Array.from({ length: n }, (_, i) => i % 7);
  return {
    storeId: 's1',
    start,
    sales,
    past: { n_sales: sales.slice() },
    future: { is_open: isOpen, dow },
    statics: { format: 'mall' },
  };
}

describe('planFolds', () => {
  it('puts the last cutoff horizon + gap days before the last day, stride apart', () => {
    const folds = planFolds({
      lastDay: '2024-12-31',
      firstDay: '2024-01-01',
      folds: 3,
      stride: 28,
      horizon: 35,
      gap: 2,
      minHistory: 30,
    });
    expect(folds.map((f) => f.cutoff)).toEqual(['2024-09-29', '2024-10-27', '2024-11-24']);
    expect(folds[2]).toMatchObject({ testStart: '2024-11-27', testEnd: '2024-12-31' });
  });

  it('refuses folds that do not fit the history, naming the fix', () => {
    expect(() =>
      planFolds({
        lastDay: '2024-03-01',
        firstDay: '2024-01-01',
        folds: 4,
        stride: 28,
        horizon: 35,
        gap: 0,
        minHistory: 60,
      }),
    ).toThrow(InputError);
  });
});

describe('seriesAsOf', () => {
  it('cuts sales and past covariates at the cutoff and extends only future covariates', () => {
    const s = seriesAsOf(series(100), '2024-01-31', 35)!;
    expect(s.sales.length).toBe(31);
    expect(s.sales[30]).toBe(30);
    expect(s.past['n_sales']!.length).toBe(31);
    expect(s.future['dow']!.length).toBe(66);
  });

  it('keeps a fixed window when asked, and pads the future past the stored range with NaN', () => {
    const s = seriesAsOf(series(40), '2024-02-09', 5, 10)!;
    expect(s.start).toBe('2024-01-31');
    expect(Array.from(s.sales)).toEqual([30, 31, 32, 33, 34, 35, 36, 37, 38, 39]);
    expect(Number.isNaN(s.future['dow']![14]!)).toBe(true);
  });

  it('returns null for a store that opens after the cutoff', () => {
    expect(seriesAsOf(series(10, '2024-06-01'), '2024-05-01', 35)).toBeNull();
  });

  it('gives a model nothing after its cutoff (leakage check through the contract)', async () => {
    const full = series(200);
    let maxSeen = -Infinity;
    // A model that only records what it was shown (core holds no models of its own).
    const spy: Forecaster = {
      kind: 'spy',
      params: {},
      fit: async () => ({ seconds: 0, metrics: {} }),
      async predict(ss) {
        for (const s of ss) for (let i = 0; i < s.sales.length; i++) maxSeen = Math.max(maxSeen, s.sales[i]!);
        return [];
      },
      save: async () => {},
    };
    const cut = seriesAsOf(full, '2024-04-30', 35)!;
    await spy.predict([cut], 35);
    expect(maxSeen).toBe(120); // index of 2024-04-30
    expect(actualWindow(full, '2024-05-01', 3).sales[0]).toBe(121);
  });
});
