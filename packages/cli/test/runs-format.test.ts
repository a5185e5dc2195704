// What `cvc runs list` / `runs show` print for a run: the headline figure and the per-fold tags.
import { describe, expect, it } from 'vitest';
import { foldTagLines, headlineMetric, runDuration } from '../src/commands/runs.js';

describe('runs list and show lines', () => {
  it('heads a model run by wape, a training run by its backtest WAPE, a backtest by its best model', () => {
    expect(headlineMetric({ wape: 0.17821, fit_seconds: 3 })).toBe('wape=0.1782');
    expect(headlineMetric({ backtest_wape: 0.1662, seconds: 2.7 })).toBe('backtest_wape=0.1662');
    expect(headlineMetric({ wape_ets: 0.2, wape_lgbm: 0.18, seconds: 11 })).toBe('wape_lgbm=0.1800');
    expect(headlineMetric({ seconds: 1 })).toBe('-');
  });

  it('gives a finished run its span and a running one its time so far', () => {
    const start = '2026-01-01T00:00:00.000Z';
    expect(runDuration({ startTime: start, endTime: '2026-01-01T00:01:05.000Z' })).toBe('1m05s');
    expect(runDuration({ startTime: start, endTime: null }, Date.parse(start) + 9000)).toBe('9s+');
  });

  it('shows each fold tag kind on one line, folds in order', () => {
    const tags = {
      'cvc.fold1.stop_reason': 'num_rounds',
      'cvc.fold0.stop_reason': 'early_stopping',
      'cvc.fold10.stop_reason': 'time_budget',
      'cvc.fold1.error': 'out of memory',
      'cvc.model': 'lgbm',
    };
    expect(foldTagLines(tags)).toEqual([
      '  error by fold: 1=out of memory',
      '  stop_reason by fold: 0=early_stopping 1=num_rounds 10=time_budget',
    ]);
  });
});
