import { describe, expect, it } from 'vitest';
import { chooseModels, leaderboard, type StoreFoldScore } from '../src/choice.js';

const row = (storeId: string, model: string, fold: number, wape: number): StoreFoldScore => ({
  storeId,
  model,
  fold,
  wape,
  absError: wape * 100,
  actualSum: 100,
});

describe('model choice', () => {
  const scores = [
    row('a', 'lgbm', 0, 0.1),
    row('a', 'lgbm', 1, 0.12),
    row('a', 'seasonal_naive', 0, 0.3),
    row('a', 'seasonal_naive', 1, 0.3),
    row('b', 'lgbm', 0, 0.2),
    row('b', 'lgbm', 1, 0.2),
    row('b', 'ets', 0, 0.201),
    row('b', 'ets', 1, 0.2),
    row('c', 'lgbm', 0, 0.5),
    row('c', 'seasonal_naive', 0, 0.1),
  ];

  it('ranks models by pooled WAPE', () => {
    const board = leaderboard(scores);
    expect(board[0]!.model).toBe('ets');
    expect(board.find((r) => r.model === 'lgbm')!.wape).toBeCloseTo((0.1 + 0.12 + 0.2 + 0.2 + 0.5) / 5, 12);
  });

  it('picks the best mean WAPE, gives near ties to the cheaper model and short histories to the global best', () => {
    const { choices, globalBest } = chooseModels(scores, {
      tieTolerance: 0.01,
      minFolds: 1,
      shortHistoryStores: new Set(['c']),
      allStores: ['a', 'b', 'c', 'd'],
    });
    expect(globalBest).toBe('ets');
    expect(choices).toEqual([
      { storeId: 'a', model: 'lgbm', wape: expect.closeTo(0.11, 12), folds: 2, reason: 'best' },
      { storeId: 'b', model: 'ets', wape: expect.closeTo(0.2005, 12), folds: 2, reason: 'cheaper-near-tie' },
      { storeId: 'c', model: 'ets', wape: Number.NaN, folds: 0, reason: 'global-best' },
      { storeId: 'd', model: 'ets', wape: Number.NaN, folds: 0, reason: 'global-best' },
    ]);
  });
});
