// p10-p90 coverage alerts on both sides of the nominal 80 %: too narrow (below monitor.minCoverage) and
// too wide (above monitor.maxCoverage), judged the same way: per store once it has minDays observed
// days, and for the chain.
import { describe, expect, it } from 'vitest';
import { accuracyAlerts, binomialTail, type Accuracy, type DayAccuracy, type RollingMetrics } from '../src/index.js';

/** A store (or the chain) with `inside` of `n` forecasts covered, over `days` observed days. */
const acc = (inside: number, n: number, days: number): Accuracy => ({
  n,
  days,
  absError: 50 * n,
  actual: 1000 * n,
  error: 0,
  inInterval: inside,
  wape: 0.05,
  bias: 0,
  coverage: inside / n,
});

/** Days of ten forecasts each, the first `inside[k]` of them covered. */
const days = (inside: number[]): DayAccuracy[] =>
  inside.map((x, k) => ({
    date: `2025-03-${String(k + 1).padStart(2, '0')}`,
    n: 10,
    absError: 500,
    actual: 10_000,
    error: 0,
    inInterval: x,
  }));

const thresholds = {
  driftRatio: 1.5,
  minCoverage: 0.65,
  maxCoverage: 0.95,
  coverageAlpha: 0.05,
  maxBias: 0.1,
  minDays: 7,
  maxStaleDays: 3,
  maxModelAgeDays: 90,
};

function metrics(stores: Record<string, { a: Accuracy; d: DayAccuracy[] }>, chain: Accuracy): RollingMetrics {
  return {
    window: { from: '2025-03-01', to: '2025-03-08' },
    rows: [],
    byStore: new Map(Object.entries(stores).map(([id, s]) => [id, { ...s.a, model: 'lgbm' }])),
    storeDays: new Map(Object.entries(stores).map(([id, s]) => [id, s.d])),
    chain,
    chainByBucket: {},
    daily: [],
    closed: 0,
  };
}

describe('coverage alerts', () => {
  // Store L covers 60 % (too narrow), H 97.5 % (too wide), N 80 %, over 20 days each; S 100 % on only 3
  // days (not judged yet).
  const stores = {
    L: { a: acc(120, 200, 20), d: days(Array<number>(20).fill(6)) },
    H: { a: acc(195, 200, 20), d: days([...Array<number>(15).fill(10), ...Array<number>(5).fill(9)]) },
    N: { a: acc(160, 200, 20), d: days(Array<number>(20).fill(8)) },
    S: { a: acc(30, 30, 3), d: days([10, 10, 10]) },
  };

  it('fires on the low side for a store under minCoverage and on the high side for one over maxCoverage', () => {
    const kinds = Object.fromEntries(
      accuracyAlerts(metrics(stores, acc(220, 270, 8)), null, thresholds).map((a) => [a.kind, a]),
    );
    expect(kinds['coverage']).toMatchObject({ stores: ['L'], chain: false });
    expect(kinds['coverage']!.numbers['L']).toEqual({ coverage: 0.6, minCoverage: 0.65, days: 20 });
    expect(kinds['coverage_high']).toMatchObject({ stores: ['H'], chain: false });
    expect(kinds['coverage_high']!.numbers['H']).toEqual({ coverage: 0.975, maxCoverage: 0.95, days: 20 });
    expect(kinds['coverage_high']!.message).toMatch(/^p10-p90 coverage above 0.95 for 1 store\(s\); top: H \(97.5 %/);
    // The days that carry the over-coverage are those with every forecast inside.
    expect(kinds['coverage_high']!.top![0]!.days.map((d) => d.date)).toEqual([
      '2025-03-01',
      '2025-03-02',
      '2025-03-03',
    ]);
  });

  it('judges the chain on both sides too, and nothing inside the band', () => {
    const wide = accuracyAlerts(metrics({ N: stores.N }, acc(960, 1000, 8)), null, thresholds).map((a) => [
      a.kind,
      a.chain,
      a.stores,
    ]);
    expect(wide).toEqual([['coverage_high', true, []]]);
    const narrow = accuracyAlerts(metrics({ N: stores.N }, acc(600, 1000, 8)), null, thresholds).map((a) => [
      a.kind,
      a.chain,
    ]);
    expect(narrow).toEqual([['coverage', true]]);
    expect(accuracyAlerts(metrics({ N: stores.N }, acc(800, 1000, 8)), null, thresholds)).toEqual([]);
  });

  it("needs a store's days to be unlikely under the nominal 80 %, not only past the threshold", () => {
    const fired = (a: Accuracy, d: DayAccuracy[]) =>
      accuracyAlerts(metrics({ X: { a, d } }, acc(800, 1000, 8)), null, thresholds).map((x) => x.kind);
    // Every day of 8 covered: a calibrated store does that with probability 0.8^8 = 17 %.
    expect(fired(acc(80, 80, 8), days(Array<number>(8).fill(10)))).toEqual([]);
    // Every day of 14: 0.8^14 = 4.4 %, below coverageAlpha 0.05.
    expect(fired(acc(140, 140, 14), days(Array<number>(14).fill(10)))).toEqual(['coverage_high']);
    // 60 % of 8 days (5 covered): 20 % likely; 25 % (2 covered): 0.1 %.
    expect(fired(acc(48, 80, 8), days(Array<number>(8).fill(6)))).toEqual([]);
    expect(fired(acc(20, 80, 8), days(Array<number>(8).fill(2.5)))).toEqual(['coverage']);
    expect(binomialTail(8, 8, 0.8, 'high')).toBeCloseTo(0.8 ** 8, 12);
    expect(binomialTail(2, 8, 0.8, 'low')).toBeCloseTo(0.2 ** 8 + 8 * 0.8 * 0.2 ** 7 + 28 * 0.8 ** 2 * 0.2 ** 6, 12);
  });
});
