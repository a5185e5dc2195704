// The demo's level-shift scenario: from the first simulated day on, stores 2 and 5 lose 40 % of their
// sales (`cvc demo --shift-stores 2,5`, default factor 0.6). Ten simulated days of `cvc daily` must
// raise accuracy_drift for exactly those stores with the default monitor.driftRatio (1.5), and not at all
// when the same days arrive without the shift.
//
// The scenario sits where the backtest is representative of the monitored days: as of 2025-08-31 the two
// folds cover July and August (the July travel peak and the August dip), and the days monitored are the
// calm first half of September. Right after a June as-of date, the July peak alone pushed the baseline
// models to 1.7x their May-June backtest WAPE: a season, not drift, so that scenario proved nothing.
import { describe, expect, it } from 'vitest';
import { simulateDays } from '../src/simulate.js';
import { runBacktestJob } from '@cvc/backtest';
import { trainAndRegister } from '@cvc/train';
import { ingestedWorld } from './world.js';

const AS_OF = '2025-08-31';

/** A world whose bundle carries backtest figures: baselines backtested, then trained on the choice. */
async function backtestedWorld() {
  const loaded = await ingestedWorld({ stores: 6, asOf: AS_OF });
  expect(loaded.config.monitor.driftRatio).toBe(1.5);
  await runBacktestJob({ loaded, runId: 'bt', models: [], folds: 2 });
  await trainAndRegister({ loaded, from: '2024-01-01', promote: 'always' });
  return loaded;
}

const SOURCE = { stores: 6, from: '2019-01-01', asOf: AS_OF, seed: 42 };

function driftStores(results: Awaited<ReturnType<typeof simulateDays>>): string[] | undefined {
  const last = results.at(-1)!;
  expect(last.exitCode).toBe(0);
  return last.monitor!.alerts.find((a) => a.kind === 'accuracy_drift')?.stores;
}

describe('level-shift scenario', () => {
  it('fires accuracy_drift for exactly the shifted stores', async () => {
    const world = await backtestedWorld();
    const r = await simulateDays({ loaded: world, source: SOURCE, days: 10, shift: { stores: [2, 5], factor: 0.6 } });
    expect(r.map((d) => d.steps.map((s) => s.outcome).join())).toEqual(Array(10).fill('ok,ok,ok'));
    expect(r.at(-1)!.infer!.asOf).toBe('2025-09-10');
    expect(driftStores(r)).toEqual(['2', '5']);
  }, 600_000);

  it('does not fire without the shift', async () => {
    const world = await backtestedWorld();
    const r = await simulateDays({ loaded: world, source: SOURCE, days: 10 });
    expect(r.every((d) => !d.alerts.some((a) => a.kind === 'stale_data' || a.kind === 'stores_skipped'))).toBe(true);
    expect(driftStores(r)).toBeUndefined();
  }, 600_000);
});
