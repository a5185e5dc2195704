// Long fits report their progress (what the backtest and train progress lines show): LightGBM its
// boosting rounds, N-BEATS its epochs, each counting up to the planned total.
import { describe, expect, it } from 'vitest';
import { lgbmSynthetic } from '../../../bench/lgbm-synthetic.js';
import type { FitProgress } from '@cvc/core';
import { LgbmForecaster } from '../src/lgbm/index.js';
import { nbeatsFactory } from '../src/nbeats/index.js';
import { loadTf } from '../src/tf/backend.js';
import { fitView, syntheticStores } from './tf-synthetic.js';

function check(events: FitProgress[], unit: FitProgress['unit']): void {
  expect(events.length).toBeGreaterThan(1);
  const total = events[0]!.total;
  for (const [i, e] of events.entries()) {
    expect(e.unit).toBe(unit);
    expect(e.total).toBe(total);
    expect(e.done).toBeGreaterThan(0);
    expect(e.done).toBeLessThanOrEqual(total);
    if (i > 0) expect(e.done).toBeGreaterThanOrEqual(events[i - 1]!.done);
  }
}

describe('fit progress', () => {
  it('lgbm reports boosting rounds over every unit', async () => {
    const { history } = lgbmSynthetic({ stores: 6, days: 400, extraDays: 14, seed: 5 });
    const events: FitProgress[] = [];
    const m = new LgbmForecaster({ numOrigins: 12, validationOrigins: 2, numBoostRound: 60 });
    await m.fit(history, { horizon: 14, contextLength: 365, seed: 1, onProgress: (p) => events.push(p) });
    check(events, 'rounds');
    expect(events[0]!.total % 60).toBe(0); // units x rounds
  });

  it('nbeats reports epochs', async () => {
    await loadTf({ backend: process.env['CVC_TF_BACKEND'] ?? 'wasm' });
    const train = fitView(syntheticStores({ stores: 4, minDays: 200, maxDays: 220, extraDays: 0, seed: 3 }));
    const events: FitProgress[] = [];
    const m = nbeatsFactory.create({
      numStacks: 2,
      layerWidth: 16,
      epochs: 3,
      windowsPerEpoch: 128,
      batchSize: 64,
      patience: 10,
    });
    await m.fit(train, { horizon: 7, contextLength: 28, seed: 7, onProgress: (p) => events.push(p) });
    check(events, 'epochs');
    expect(events.map((e) => e.done)).toEqual([1, 2, 3]);
    expect(events[0]!.total).toBe(3);
  });
});
