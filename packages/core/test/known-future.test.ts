// The known-future covariates of one store, checked by hand on a short range.
import { expect, test } from 'vitest';
import { FUTURE_COVARIATES, knownFutureCovariates } from '../src/index.js';

const store = { state: 'SP', city: 'São Paulo', openedOn: '2025-01-03', closedOn: '2025-01-09' };

test('every FUTURE_COVARIATES column, day by day', () => {
  const kf = knownFutureCovariates({
    store,
    from: '2025-01-01',
    days: 10,
    promotions: [
      { startDate: '2024-12-30', endDate: '2025-01-04', discountPct: 10 },
      { startDate: '2025-01-04', endDate: '2025-01-05', discountPct: 25 },
    ],
    regionalHolidays: [
      { state: 'SP', city: 'São Paulo', name: 'teste', date: '2025-01-06' },
      { state: 'RJ', name: 'não se aplica', date: '2025-01-07' },
    ],
    pandemic: { from: '2024-12-01', to: '2025-01-02' },
    isOpen: [Number.NaN, Number.NaN, Number.NaN, Number.NaN, 0, Number.NaN, 1],
  });
  expect(Object.keys(kf).sort()).toEqual([...FUTURE_COVARIATES].sort());
  const col = (c: (typeof FUTURE_COVARIATES)[number]) => Array.from(kf[c]);
  // Closed before opening (Jan 3) and after closing (Jan 9); the source's closed day (Jan 5) respected.
  expect(col('is_open')).toEqual([0, 0, 1, 1, 0, 1, 1, 1, 1, 0]);
  expect(col('promo')).toEqual([0.1, 0.1, 0.1, 0.25, 0.25, 0, 0, 0, 0, 0]);
  expect(col('dow')).toEqual([2, 3, 4, 5, 6, 0, 1, 2, 3, 4]); // Jan 1 2025 was a Wednesday
  expect(col('dom')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(col('month')).toEqual(Array(10).fill(1));
  expect(col('woy')).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
  expect(col('days_to_month_end')).toEqual([30, 29, 28, 27, 26, 25, 24, 23, 22, 21]);
  expect(col('is_holiday')).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
  // The next holiday after 2025-01-06 is Carnival (Mar 3): capped at 30.
  expect(col('days_to_next_holiday')).toEqual([0, 4, 3, 2, 1, 0, 30, 30, 30, 30]);
  expect(col('days_since_last_holiday')).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
  expect(col('store_age_days')).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
  expect(col('is_pandemic')).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
});

test('an empty range and a store still open', () => {
  expect(knownFutureCovariates({ store, from: '2025-01-01', days: 0 }).dow.length).toBe(0);
  const open = knownFutureCovariates({ store: { state: 'RJ', openedOn: '2020-01-01' }, from: '2026-01-01', days: 3 });
  expect(Array.from(open.is_open)).toEqual([1, 1, 1]);
  expect(Array.from(open.promo)).toEqual([0, 0, 0]);
  expect(Array.from(open.is_pandemic)).toEqual([0, 0, 0]);
});

test(
  'planned is_open: the weekly pattern of the last 8 weeks, overridden by schedule weekday ' + 'then date rows',
  async () => {
    const { plannedOpen, weeklyOpenPattern } = await import('../src/index.js');
    // 2025-01-06 is a Monday; 10 weeks of history: closed on Sundays for the last 8, open before that,
    // and one odd closed Tuesday that a majority vote ignores.
    const history: number[] = Array.from({ length: 70 }, (_, i) => (i >= 14 && i % 7 === 6 ? 0 : 1));
    history[64] = 0;
    history[65] = Number.NaN;
    expect(Array.from(weeklyOpenPattern('2025-01-06', history))).toEqual([1, 1, 1, 1, 1, 1, 0]);
    const window = { start: '2025-01-06', history, from: '2025-03-17', days: 14 }; // a Monday, two weeks
    expect(Array.from(plannedOpen(window))).toEqual([1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0]);
    const schedule = [
      { weekday: 6, open: true },
      { weekday: 0, open: false },
      { date: '2025-03-24', open: true },
      { date: '2025-03-19', open: false },
    ];
    expect(Array.from(plannedOpen({ ...window, schedule }))).toEqual([0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  },
);
