import { describe, expect, it } from 'vitest';
import { errorByHorizonDay, pinballLoss, scoreWindow, weeklyNaiveScale } from '../src/backtest/metrics.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

describe('scoreWindow', () => {
  it('computes WAPE, MAE, RMSE, bias on a hand-checkable window', () => {
    const m = scoreWindow({ actual: f64([10, 20, 30]), p50: f64([12, 18, 30]) }, 2);
    expect(m.n).toBe(3);
    expect(m.wape).toBeCloseTo(4 / 60, 12);
    expect(m.mae).toBeCloseTo(4 / 3, 12);
    expect(m.rmse).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(m.bias).toBeCloseTo(0, 12);
    expect(m.mase).toBeCloseTo(4 / 3 / 2, 12);
  });

  it('excludes closed and unknown days and never divides by zero', () => {
    const m = scoreWindow({ actual: f64([0, Number.NaN, 5]), p50: f64([3, 1, 5]), isOpen: f64([0, 1, 1]) }, 1);
    expect(m.n).toBe(1);
    expect(m.wape).toBe(0);
    const zero = scoreWindow({ actual: f64([0, 0]), p50: f64([0, 1]) }, 0);
    expect(Number.isNaN(zero.wape)).toBe(true);
    expect(Number.isNaN(zero.mase)).toBe(true);
    expect(zero.smape).toBeCloseTo(1, 12); // 0/0 counts as 0, |1-0|*2/1 = 2 -> mean 1
  });

  it('scores quantiles with pinball loss and 80% coverage', () => {
    const m = scoreWindow({ actual: f64([10, 30]), p50: f64([10, 20]), p10: f64([5, 15]), p90: f64([15, 25]) }, 1);
    expect(m.coverage80).toBe(0.5);
    expect(pinballLoss(30, 25, 0.9)).toBeCloseTo(4.5, 12);
    expect(pinballLoss(10, 15, 0.9)).toBeCloseTo(0.5, 12);
  });

  it('scales MASE by the in-sample weekly naive error', () => {
    const h = f64([1, 2, 3, 4, 5, 6, 7, 3, 2, 3, 4, 5, 6, 7]);
    expect(weeklyNaiveScale(h)).toBeCloseTo(2 / 7, 12);
  });

  it('gives per-day absolute errors and actuals, zero on closed and unknown days', () => {
    const e = errorByHorizonDay({
      actual: f64([10, 5, Number.NaN, 8]),
      p50: f64([12, 0, 3, 8]),
      isOpen: f64([1, 0, 1, 1]),
    });
    expect(Array.from(e.absErr)).toEqual([2, 0, 0, 0]);
    expect(Array.from(e.actual)).toEqual([10, 0, 0, 8]);
  });
});
