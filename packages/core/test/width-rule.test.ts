// The stored width rule of the interval calibration: a model whose raw intervals are wider than the ones
// the backtest's offsets were learned on is brought back to those widths, and the offsets apply once.
import { describe, expect, it } from 'vitest';
import {
  applyIntervalCalibration,
  intervalCalibrationSchema,
  rawHalfWidths,
  widthScaleFor,
  type IntervalCalibration,
  type QuantileForecast,
} from '../src/index.js';

const forecast = (storeId: string, p50: number[], lo: number[], hi: number[]): QuantileForecast => ({
  storeId,
  start: '2025-09-01',
  p50: Float64Array.from(p50),
  p10: Float64Array.from(p50, (m, h) => m * (1 - lo[h]!)),
  p90: Float64Array.from(p50, (m, h) => m * (1 + hi[h]!)),
});

const cal: IntervalCalibration = {
  coverage: 0.8,
  chain: { lo: [0.5, 0, 0, 0], hi: [1, 0, 0, 0] },
  stores: {},
};

describe('the interval width rule', () => {
  it('measures the median relative half-width per horizon day, skipping days forecast at zero', () => {
    const w = rawHalfWidths([
      forecast('a', [100, 100, 0], [0.1, 0.2, 0.3], [0.2, 0.4, 0.6]),
      forecast('b', [200, 50, 100], [0.3, 0.2, 0.3], [0.4, 0.4, 0.6]),
      forecast('c', [100, 100, 100], [0.2, 0.2, 0.1], [0.3, 0.4, 0.2]),
    ]);
    expect(w.lo.map((x) => +x.toFixed(6))).toEqual([0.2, 0.2, 0.2]);
    expect(w.hi.map((x) => +x.toFixed(6))).toEqual([0.3, 0.4, 0.4]);
  });

  it('brings a final model three times wider back to the backtest width before the offsets, once', () => {
    const backtest = [forecast('a', [100, 100], [0.1, 0.1], [0.2, 0.2])];
    const served = [forecast('a', [100, 100], [0.3, 0.1], [0.6, 0.2])];
    const scale = widthScaleFor(rawHalfWidths(backtest), rawHalfWidths(served));
    expect(scale.hi.map((x) => +x.toFixed(6))).toEqual([1 / 3, 1].map((x) => +x.toFixed(6)));
    const anchored = applyIntervalCalibration({ ...cal, widthScale: scale }, served[0]!);
    const onBacktest = applyIntervalCalibration(cal, backtest[0]!);
    // Day 1: the backtest's 20 upper half-width plus 1 x 20, not the final model's 60 plus 1 x 60.
    expect(anchored.p90[0]).toBeCloseTo(onBacktest.p90[0]!, 9);
    expect(anchored.p90[0]).toBeCloseTo(140, 9);
    expect(anchored.p10[0]).toBeCloseTo(85, 9);
    expect(applyIntervalCalibration(cal, served[0]!).p90[0]).toBeCloseTo(220, 9);
    // A forecast from a later horizon day (firstDay 2) reads day 2's factor (1), not day 1's.
    expect(applyIntervalCalibration({ ...cal, widthScale: scale }, served[0]!, 2).p90[0]).toBeCloseTo(220, 9);
  });

  it('leaves a side it cannot measure (a point forecast) at 1 and the schema takes the rule', () => {
    const scale = widthScaleFor({ lo: [0.1], hi: [0.2] }, { lo: [0], hi: [Number.NaN] });
    expect(scale).toEqual({ lo: [1], hi: [1] });
    expect(intervalCalibrationSchema.parse({ ...cal, widthScale: scale }).widthScale).toEqual(scale);
    expect(() => intervalCalibrationSchema.parse({ ...cal, widthScale: { lo: [0], hi: [1] } })).toThrow();
  });
});
