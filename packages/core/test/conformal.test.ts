// Conformal interval calibration: too-narrow intervals are widened to the nominal coverage on data
// the calibration did not see, per horizon bucket, and a noisier store gets wider offsets of its own.
import { expect, test } from 'vitest';
import {
  applyIntervalCalibration,
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
    const f = applyIntervalCalibration(cal, {
      storeId: x.storeId,
      start: x.start ?? '2025-01-01',
      p10: Float64Array.from(x.p10),
      p50: Float64Array.from(x.p50),
      p90: Float64Array.from(x.p90),
    });
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

test('too-wide intervals narrow, by less when few folds are behind the estimate; widening is never shrunk', () => {
  const wide = samples(5, 300, () => 0.01); // +-5 % intervals around a 1 % spread: far too wide
  const full = learnIntervalCalibration(wide);
  const oneFold = learnIntervalCalibration(wide, { folds: 1 });
  expect(full.chain.lo[0]!).toBeLessThan(-0.5);
  expect(oneFold.chain.lo[0]!).toBeCloseTo(full.chain.lo[0]! / 3, 9);
  const narrow = samples(6, 300, () => 0.3);
  expect(learnIntervalCalibration(narrow, { folds: 1 }).chain.hi).toEqual(learnIntervalCalibration(narrow).chain.hi);
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
  const pooled = learnIntervalCalibration([...calm, ...rough], { folds: 2 });
  const anonymous = learnIntervalCalibration(
    [...calm, ...rough].map(({ fold: _f, ...x }) => x),
    { folds: 2 },
  );
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
  const both = learnIntervalCalibration([...calm, ...calmer], { folds: 2 });
  const alone = learnIntervalCalibration(calmer, { folds: 2 });
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
  const withSeason = coverageWith({ folds: 2, season });
  const without = coverageWith({ folds: 2 });
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
    const cal = learnIntervalCalibration(mixed(aware), { folds: 3, season });
    const exponent = Math.log(cal.season![45]!) / Math.log(season[45]!);
    if (aware) expect(exponent).toBeLessThan(0.3);
    else expect(exponent).toBeGreaterThan(0.7);
    const covered = intervalCoverage(calibrate(cal, fold('2025-11-01', aware))).coverage;
    expect(covered).toBeGreaterThan(0.77);
    expect(covered).toBeLessThan(0.83);
  }
});
