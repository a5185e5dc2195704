// The backtest progress line moves inside a fit (epochs, rounds) and names what is running now.
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '@cvc/core';
import { backtestProgress } from '../src/progress.js';

const outcome = (model: string, fold: number, error?: string) => ({
  model,
  fold,
  forecasts: [],
  fitSeconds: 0,
  predictSeconds: 0,
  metrics: {},
  resumed: false,
  ...(error ? { error } : {}),
});

describe('backtest progress', () => {
  it('counts running folds by their epochs or rounds and names them', () => {
    const seen: ProgressEvent[] = [];
    const p = backtestProgress('backtest', 8, 4, (e) => seen.push(e));
    p.onActivity({ model: 'nbeats', fold: 0, step: 'fit' });
    expect(seen.at(-1)).toEqual({ phase: 'backtest', done: 0, total: 8, detail: 'running nbeats fold 1/4 fitting' });
    p.onActivity({ model: 'nbeats', fold: 0, step: 'fit', done: 8, total: 16, unit: 'epochs' });
    p.onActivity({ model: 'lgbm', fold: 1, step: 'fit', done: 250, total: 1000, unit: 'rounds' });
    expect(seen.at(-1)).toEqual({
      phase: 'backtest',
      done: 0.75,
      total: 8,
      detail: 'running nbeats fold 1/4 epoch 8/16, lgbm fold 2/4 round 250/1000',
    });
    p.onFold(outcome('nbeats', 0));
    expect(seen.at(-1)).toEqual({
      phase: 'backtest',
      done: 1.25,
      total: 8,
      detail: 'running lgbm fold 2/4 round 250/1000',
    });
    p.onActivity({ model: 'lgbm', fold: 1, step: 'predict' });
    p.onFold(outcome('lgbm', 1, 'out of memory'));
    expect(seen.at(-1)).toEqual({ phase: 'backtest', done: 2, total: 8, detail: '1 failed' });
  });
});
