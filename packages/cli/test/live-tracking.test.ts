// Live backtest tracking on the local tables: the parent run spans the whole backtest, each model's
// child run carries every resolved hyperparameter, per-fold metrics (step = fold), fit seconds, the
// stop reason and the per-epoch train/val loss of the neural model as metric history.
import { describe, expect, it } from 'vitest';
import { runBacktestJob } from '@cvc/backtest';
import { showRun } from '@cvc/mlops';
import { ingestedWorld } from './world.js';

describe('live backtest tracking (local tables)', () => {
  it('logs the shape MLflow gets: resolved params, fold metrics, stop reasons and epoch losses', async () => {
    const world = await ingestedWorld({
      stores: 4,
      yaml:
        'backtest: { folds: 2, models: [nbeats], workers: 1 }\n' +
        'models: { nbeats: { epochs: 2, windowsPerEpoch: 128 } }\n',
    });
    const t0 = Date.now();
    const bt = await runBacktestJob({ loaded: world, runId: 'live-local' });
    const t1 = Date.now();
    const parent = await showRun(world.paths.tracking, bt.trackingRunId);
    expect(parent.status).toBe('FINISHED');
    // The id logs, report names and table run_id columns print (tag cvc.run_id) finds the same run.
    expect((await showRun(world.paths.tracking, 'live-local')).runId).toBe(bt.trackingRunId);
    // The parent was opened before the backtest ran and closed after it: it spans the backtest's seconds.
    const span = Date.parse(parent.endTime!) - Date.parse(parent.startTime);
    expect(span).toBeGreaterThanOrEqual(bt.seconds * 1000);
    expect(Date.parse(parent.startTime)).toBeGreaterThanOrEqual(t0 - 1000);
    expect(Date.parse(parent.endTime!)).toBeLessThanOrEqual(t1 + 1000);
    expect(parent.children).toHaveLength(bt.models.length);
    const kids = await Promise.all(parent.children.map((id) => showRun(world.paths.tracking, id)));
    const nbeats = kids.find((k) => k.name === 'nbeats')!;
    expect(nbeats.status).toBe('FINISHED');
    // Resolved: defaults the config never set are logged too.
    expect(nbeats.params).toMatchObject({
      model: 'nbeats',
      epochs: '2',
      windowsPerEpoch: '128',
      batchSize: '256',
      patience: '4',
      warm_start: 'false',
    });
    expect(nbeats.metricsByStep['wape']!.map((p) => p.step)).toEqual([0, 1]);
    expect(nbeats.metricsByStep['fit_seconds']!.every((p) => p.value > 0)).toBe(true);
    for (const fold of [0, 1]) {
      expect(nbeats.tags[`cvc.fold${fold}.stop_reason`]).toMatch(/^(max_epochs|patience|time_budget)$/);
      const train = nbeats.metricsByStep[`fold${fold}/train_loss`]!;
      const val = nbeats.metricsByStep[`fold${fold}/val_loss`]!;
      expect(train.map((p) => p.step)).toEqual([1, 2]);
      expect(val.length).toBe(2);
      expect(train.every((p) => Number.isFinite(p.value) && p.value > 0)).toBe(true);
    }
    expect(nbeats.metrics['wape']).toBeCloseTo(bt.leaderboard.find((l) => l.model === 'nbeats')!.wape, 9);
  }, 600_000);
});
