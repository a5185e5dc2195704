// The demo's level-shift scenario: after the as-of date, stores 2 and 5 lose 55 % of their sales. A
// simulated fortnight of `cvc daily` must raise accuracy_drift for exactly those stores, and not at all
// when the same days arrive without the shift.
import { describe, expect, it } from 'vitest';
import { simulateDays } from '../src/simulate.js';
import { runBacktestJob } from '@cvc/backtest';
import { trainAndRegister } from '@cvc/train';
import { AS_OF, ingestedWorld } from './world.js';

/** A world whose bundle carries backtest figures: baselines backtested, then trained on the choice. */
async function backtestedWorld(yaml: string) {
  const loaded = await ingestedWorld({ stores: 6, yaml });
  await runBacktestJob({ loaded, runId: 'bt', models: [], folds: 2 });
  await trainAndRegister({ loaded, from: '2024-01-01', promote: 'always' });
  return loaded;
}

const SOURCE = { stores: 6, from: '2019-01-01', asOf: AS_OF, seed: 42 };
// The days after 2025-06-30 run into July's travel season, which the May-June backtest folds of these
// baseline models never saw: without a shift the worst store reaches 1.7x its backtest WAPE, with it
// the shifted stores reach 4x and more. A ratio of 2.5 separates a season from a competitor.
const YAML = 'monitor: { minDays: 7, driftRatio: 2.5 }\n';

function driftStores(results: Awaited<ReturnType<typeof simulateDays>>): string[] | undefined {
  const last = results.at(-1)!;
  expect(last.exitCode).toBe(0);
  return last.monitor!.alerts.find((a) => a.kind === 'accuracy_drift')?.stores;
}

describe('level-shift scenario', () => {
  it('fires accuracy_drift for exactly the shifted stores', async () => {
    const world = await backtestedWorld(YAML);
    const r = await simulateDays({ loaded: world, source: SOURCE, days: 10, shift: { stores: [2, 5], factor: 0.45 } });
    expect(r.map((d) => d.steps.map((s) => s.outcome).join())).toEqual(Array(10).fill('ok,ok,ok'));
    expect(r.at(-1)!.infer!.asOf).toBe('2025-07-10');
    expect(driftStores(r)).toEqual(['2', '5']);
  }, 600_000);

  it('does not fire without the shift', async () => {
    const world = await backtestedWorld(YAML);
    const r = await simulateDays({ loaded: world, source: SOURCE, days: 10 });
    expect(driftStores(r)).toBeUndefined();
  }, 600_000);
});
