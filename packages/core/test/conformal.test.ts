// Conformal interval calibration: too-narrow intervals are widened to the nominal coverage on data
// the calibration did not see, per horizon bucket, and a noisier store gets wider offsets of its own.
import { expect, test } from 'vitest';
import {
  DAY_CLASSES,
  applyIntervalCalibration,
  dayClassesOf,
  horizonBucket,
  intervalCoverage,
  learnIntervalCalibration,
  parseIsoDay,
  seasonalDifficulty,
  weekOfYear,
  type CalibrationSample,
  type StoreSeries,
} from '../src/index.js';
import { makeRng as rng } from '../src/random.js';

const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** Stores forecast at p50 = level with a +-5 % interval; actuals spread `sigma(h)` x level around it. */
function samples(seed: number, n: number, sigma: (store: number, h: number) => number): CalibrationSample[] {
  const r = rng(seed);
  const out: CalibrationSample[] = [];
  for (let k = 0; k < n; k++) {
    const store = k % 10;
    const level = 1000 * (1 + store);
    const p50 = new Float64Array(35).fill(level);
    const actual = Float64Array.from(p50, (m, h) => Math.max(0, m * (1 + sigma(store, h) * gauss(r))));
    const open = new Float64Array(35).fill(1);
    open[6] = 0; // a closed day is neither learned from nor counted
    out.push({
      storeId: String(store),
      p10: p50.map((m) => m * 0.95),
      p50,
      p90: p50.map((m) => m * 1.05),
      actual,
      open,
    });
  }
  return out;
}

const calibrate = (cal: ReturnType<typeof learnIntervalCalibration>, s: readonly CalibrationSample[]) =>
  s.map((x) => {
    const raw = {
      storeId: x.storeId,
      start: x.start ?? '2025-01-01',
      p10: Float64Array.from(x.p10),
      p50: Float64Array.from(x.p50),
      p90: Float64Array.from(x.p90),
    };
    const f = applyIntervalCalibration(cal, raw, 1, x.dayClass);
    return { ...x, p10: f.p10, p90: f.p90 };
  });

test('horizon buckets 1-7, 8-14, 15-28, 29-35', () => {
  expect([1, 7, 8, 14, 15, 28, 29, 35, 40].map(horizonBucket)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 3]);
});

test('too-narrow intervals reach 80 % +- 3 on unseen data, in every horizon bucket', () => {
  const sigma = (_s: number, h: number) => 0.1 + 0.01 * h; // the error grows with the horizon
  const learnOn = samples(1, 400, sigma);
  const judgeOn = samples(2, 400, sigma);
  expect(intervalCoverage(judgeOn).coverage).toBeLessThan(0.45);
  const cal = learnIntervalCalibration(learnOn, { coverage: 0.8 });
  const after = calibrate(cal, judgeOn);
  expect(intervalCoverage(after).coverage).toBeGreaterThan(0.77);
  expect(intervalCoverage(after).coverage).toBeLessThan(0.83);
  for (const [from, to] of [
    [0, 7],
    [7, 14],
    [14, 28],
    [28, 35],
  ] as const) {
    const part = after.map((s) => ({
      ...s,
      p10: Array.from(s.p10).slice(from, to),
      p50: Array.from(s.p50).slice(from, to),
      p90: Array.from(s.p90).slice(from, to),
      actual: Array.from(s.actual).slice(from, to),
      open: Array.from(s.open).slice(from, to),
    }));
    expect(Math.abs(intervalCoverage(part).coverage - 0.8)).toBeLessThan(0.04);
  }
  // Later buckets need wider offsets; p10 never goes below zero and p50 is untouched.
  expect(cal.chain.hi[3]!).toBeGreaterThan(cal.chain.hi[0]!);
  for (const s of after) expect(Math.min(...s.p10)).toBeGreaterThanOrEqual(0);
});

test('day classes from known-future inputs: a promotion day, else a holiday or a day next to one, else plain', () => {
  expect(DAY_CLASSES).toEqual(['plain', 'promo', 'holiday']);
  const n = 10;
  const col = (v: number[]) => Float64Array.from(v);
  const s: StoreSeries = {
    storeId: '1',
    start: '2025-01-01',
    sales: new Float64Array(4),
    past: {},
    future: {
      promo: col([0, 0, 0, 0, 0.2, 0.2, 0, 0, 0, 0]),
      is_holiday: col([0, 0, 0, 0, 0, 1, 0, 0, 1, 0]),
      days_to_next_holiday: col([5, 4, 3, 2, 1, 0, 2, 1, 0, 30]),
      days_since_last_holiday: col([30, 30, 30, 30, 30, 0, 1, 2, 0, 1]),
    },
    statics: {},
  };
  // From 2025-01-03 (index 2) on: beyond the series' inputs a day is plain.
  expect(Array.from(dayClassesOf(s, '2025-01-03', n))).toEqual([0, 0, 1, 1, 2, 2, 2, 2, 0, 0]);
});

test('Mondrian offsets: promotion days whose errors are 3x larger reach 80 % +- 3, and so do plain days', () => {
  // Every fifth day is a promotion a model does not see: its errors are three times the plain days'.
  const promoDay = (h: number) => h % 5 === 2;
  const withClasses = (x: CalibrationSample[]) =>
    x.map((s) => ({ ...s, dayClass: Uint8Array.from(s.p50, (_, h) => (promoDay(h) ? 1 : 0)) }));
  const sigma = (_s: number, h: number) => (promoDay(h) ? 0.3 : 0.1);
  const learnOn = withClasses(samples(21, 400, sigma));
  const judgeOn = withClasses(samples(22, 400, sigma));
  // Coverage of the days of one class only (the others masked as closed).
  const coverageOf = (x: readonly CalibrationSample[], cls: number) =>
    intervalCoverage(
      x.map((s) => ({ ...s, open: Float64Array.from(s.open, (o, h) => (s.dayClass![h] === cls ? o : 0)) })),
    ).coverage;
  const pooled = learnIntervalCalibration(learnOn.map(({ dayClass: _c, ...x }) => x));
  expect(pooled.classes).toBeUndefined();
  const pooledAfter = calibrate(pooled, judgeOn);
  expect(coverageOf(pooledAfter, 1)).toBeLessThan(0.65);
  expect(coverageOf(pooledAfter, 0)).toBeGreaterThan(0.85);

  const mondrian = learnIntervalCalibration(learnOn);
  expect(mondrian.classes).toHaveLength(3);
  expect(mondrian.classes![2]).toEqual({ lo: [0, 0, 0, 0], hi: [0, 0, 0, 0] }); // no holiday residuals: no shift
  const after = calibrate(mondrian, judgeOn);
  for (const cls of [0, 1]) {
    expect(coverageOf(after, cls)).toBeGreaterThan(0.77);
    expect(coverageOf(after, cls)).toBeLessThan(0.83);
  }
  // The class offsets need the days' classes: applying them blind is an error, not a silent plain day.
  const [first] = judgeOn;
  const bare = { storeId: first!.storeId, start: '2025-01-01', p10: first!.p10, p50: first!.p50, p90: first!.p90 };
  expect(() => applyIntervalCalibration(mondrian, bare as never)).toThrow(/day's class/);
});

test('a day class with few residuals is shrunk toward the pooled offset', () => {
  // Only one forecast's day 3 is a promotion (and a wild miss): it must not move every promotion day far.
  const sigma = () => 0.1;
  const base = samples(23, 200, sigma).map((s) => ({ ...s, dayClass: new Uint8Array(35) }));
  base[0]!.dayClass[2] = 1;
  (base[0]!.actual as Float64Array)[2] = (base[0]!.p50[2] as number) * 3;
  const cal = learnIntervalCalibration(base);
  const full = 2 / 0.05 - 1 - cal.chain.hi[0]!; // the promotion's own offset minus the pooled one
  expect(cal.classes![1]!.hi[0]!).toBeGreaterThan(0);
  expect(cal.classes![1]!.hi[0]!).toBeLessThan(full / 5);
});

test('a noisier store gets its own wider offsets, the others the chain-level ones', () => {
  const sigma = (store: number) => (store === 3 ? 0.4 : 0.1);
  const cal = learnIntervalCalibration(samples(3, 300, sigma), { coverage: 0.8, minStorePoints: 20 });
  expect(cal.stores['3']!.hi[0]!).toBeGreaterThan(cal.stores['4']!.hi[0]! * 2);
  const judge = samples(4, 300, sigma).filter((s) => s.storeId === '3');
  const chainOnly = { ...cal, stores: {} };
  expect(intervalCoverage(calibrate(cal, judge)).coverage).toBeGreaterThan(
    intervalCoverage(calibrate(chainOnly, judge)).coverage + 0.1,
  );
});

test('too-wide intervals narrow in full when every fold behind them agrees', () => {
  const wide = samples(5, 300, () => 0.01); // +-5 % intervals around a 1 % spread: far too wide
  const full = learnIntervalCalibration(wide);
  const oneFold = learnIntervalCalibration(wide.map((x) => ({ ...x, fold: 0 })));
  expect(full.chain.lo[0]!).toBeLessThan(-0.5);
  expect(oneFold.chain).toEqual(full.chain);
});

test('across folds, the interval narrows no further than the fold that needs the least narrowing', () => {
  // A long calm fold (1 % spread inside +-5 % intervals) and a short fold whose errors need slightly
  // wider intervals: pooled, the residuals say narrow; the second fold says that would under-cover.
  const withFold = (s: CalibrationSample[], fold: number) => s.map((x) => ({ ...x, fold }));
  const calm = withFold(
    samples(11, 300, () => 0.01),
    0,
  );
  const rough = withFold(
    samples(12, 100, () => 0.045),
    1,
  );
  const pooled = learnIntervalCalibration([...calm, ...rough]);
  const anonymous = learnIntervalCalibration([...calm, ...rough].map(({ fold: _f, ...x }) => x));
  expect(Math.min(...anonymous.chain.hi)).toBeLessThan(-0.1); // without folds: narrowed
  expect(pooled.chain.hi).toEqual([0, 0, 0, 0]);
  expect(pooled.chain.lo).toEqual([0, 0, 0, 0]);
  const judge = samples(13, 200, () => 0.045);
  expect(intervalCoverage(calibrate(pooled, judge)).coverage).toBeGreaterThan(
    intervalCoverage(calibrate(anonymous, judge)).coverage + 0.1,
  );
  // Two folds that both over-cover still narrow, as far as the less calm of them allows.
  const calmer = withFold(
    samples(14, 300, () => 0.02),
    1,
  );
  const both = learnIntervalCalibration([...calm, ...calmer]);
  const alone = learnIntervalCalibration(calmer);
  for (let b = 0; b < 4; b++) {
    expect(both.chain.hi[b]!).toBeLessThan(-0.1);
    expect(both.chain.hi[b]!).toBeCloseTo(Math.max(alone.chain.hi[b]!, both.chain.hi[b]!), 9);
  }
});

test('a calibration learned on calm weeks covers 80 % +- 3 of a held-out fold in a hard season', () => {
  // Five years of 100 stores whose day-to-day noise is 2.5x larger in weeks 42-50 of every year; the
  // forecasts are the store's level with a +-5 % interval. Calibrated on two calm folds (August,
  // September), judged on a 35-day fold from 1 November that the calibration has not seen.
  const r = rng(7);
  const start = parseIsoDay('2021-01-01');
  const days = parseIsoDay('2026-01-01') - start;
  const hard = (day: number) => weekOfYear(day) >= 42 && weekOfYear(day) <= 50;
  const series: StoreSeries[] = [];
  for (let k = 0; k < 100; k++) {
    const level = 1000 * (1 + (k % 7));
    const noise = (t: number) => (hard(start + t) ? 0.25 : 0.1) * gauss(r);
    const sales = Float64Array.from({ length: days }, (_, t) => Math.max(0, level * (1 + noise(t))));
    const future = { is_open: new Float64Array(days).fill(1) };
    series.push({ storeId: String(k), start: '2021-01-01', sales, past: {}, future, statics: {} });
  }
  // `aware`: a model whose raw intervals already follow the season (its 10 % and 90 % quantiles).
  const fold = (from: string, aware = false): CalibrationSample[] =>
    series.map((s) => {
      const t = parseIsoDay(from) - start;
      const level = 1000 * (1 + (Number(s.storeId) % 7));
      const p50 = new Float64Array(35).fill(level);
      const open = new Float64Array(35).fill(1);
      const spread = (h: number) => (aware ? 1.2816 * (hard(parseIsoDay(from) + h) ? 0.25 : 0.1) : 0.05);
      const p10 = p50.map((m, h) => m * (1 - spread(h)));
      const p90 = p50.map((m, h) => m * (1 + spread(h)));
      return { storeId: s.storeId, start: from, p10, p50, p90, actual: s.sales.slice(t, t + 35), open };
    });
  const learnOn = [...fold('2025-08-01'), ...fold('2025-09-05')];
  const heldOut = fold('2025-11-01');
  const season = seasonalDifficulty(series, parseIsoDay('2025-11-01'));
  expect(season[45]!).toBeGreaterThan(1.5);
  const coverageWith = (opts: Parameters<typeof learnIntervalCalibration>[1]) =>
    intervalCoverage(calibrate(learnIntervalCalibration(learnOn, opts), heldOut)).coverage;
  const withSeason = coverageWith({ season });
  const without = coverageWith({});
  expect(without).toBeLessThan(0.7);
  expect(withSeason).toBeGreaterThan(0.77);
  expect(withSeason).toBeLessThan(0.83);
  // The profile travels with the calibration, so infer widens the same November days.
  expect(learnIntervalCalibration(learnOn, { season }).season).toEqual(season);

  // Learned on a hard fold a year earlier and two calm ones: the fixed +-5 % model's errors follow the
  // season (exponent near 1), the aware model's do not (near 0), and neither over- nor under-covers.
  const mixed = (aware: boolean) => [
    ...fold('2024-10-20', aware),
    ...fold('2025-08-01', aware),
    ...fold('2025-09-05', aware),
  ];
  for (const aware of [false, true]) {
    const cal = learnIntervalCalibration(mixed(aware), { season });
    const exponent = Math.log(cal.season![45]!) / Math.log(season[45]!);
    if (aware) expect(exponent).toBeLessThan(0.3);
    else expect(exponent).toBeGreaterThan(0.7);
    const covered = intervalCoverage(calibrate(cal, fold('2025-11-01', aware))).coverage;
    expect(covered).toBeGreaterThan(0.77);
    expect(covered).toBeLessThan(0.83);
  }
});
