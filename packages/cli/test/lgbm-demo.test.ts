// On the demo data, the LightGBM forecaster beats the seasonal-naive floor in walk-forward WAPE over
// 35 days, by a margin measured here (the run prints the figures).
import { describe, expect, it } from 'vitest';
import { runBacktest } from '@cvc/backtest';
import { ingestedWorld } from './world.js';

describe('lgbm on the demo data', () => {
  it('beats seasonal naive by more than 10% of its WAPE', async () => {
    const world = await ingestedWorld({ stores: 20, yaml: 'backtest: { folds: 3, stride: 28 }\n' });
    const r = await runBacktest({ loaded: world, models: ['lgbm'], workers: 1 });
    const wape = (m: string) => r.leaderboard.find((l) => l.model === m)!.wape;
    console.log(
      `demo backtest, 20 stores x 3 folds: lgbm WAPE ${wape('lgbm').toFixed(4)}, seasonal naive ` +
        `${wape('seasonal_naive').toFixed(4)}, ratio ${(wape('lgbm') / wape('seasonal_naive')).toFixed(3)}`,
    );
    expect(r.failures).toEqual([]);
    expect(wape('lgbm')).toBeLessThan(0.9 * wape('seasonal_naive'));
  }, 600_000);
});
