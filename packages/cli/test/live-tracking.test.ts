// Live backtest tracking on the local tables: the parent run spans the whole backtest, each model's
// child run carries every resolved hyperparameter, per-fold metrics (step = fold), fit seconds, the
// stop reason and the per-epoch train/val loss of the neural model as metric history, readable while the
// backtest runs; LightGBM its stop reason and last-fold feature importance.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runBacktestJob } from '@cvc/backtest';
import { listRuns, showRun } from '@cvc/mlops';
import { ingestedWorld } from './world.js';

describe('live backtest tracking (local tables)', () => {
  it('logs the shape MLflow gets: resolved params, fold metrics, stop reasons and epoch losses', async () => {
    const world = await ingestedWorld({
      stores: 4,
      yaml:
        'backtest: { folds: 2, models: [nbeats, lgbm], workers: 1 }\n' +
        'models: { nbeats: { epochs: 2, windowsPerEpoch: 128 } }\n',
    });
    const t0 = Date.now();
    const job = runBacktestJob({ loaded: world, runId: 'live-local' });
    let ended = false;
    void job.finally(() => (ended = true)).catch(() => {});
    // A reader while the backtest runs: some child's fold metrics are there, with the child RUNNING, before
    // the report (written when every fold is done) exists.
    const report = join(world.paths.data, 'reports', 'backtest-live-local.html');
    let seenLive: { name: string; steps: number[] } | undefined;
    while (!ended && !seenLive) {
      await sleep(300);
      if (existsSync(report)) break;
      const running = (await listRuns(world.paths.tracking, { topLevelOnly: true })).find(
        (r) => r.status === 'RUNNING',
      );
      if (!running) continue;
      for (const id of (await showRun(world.paths.tracking, running.runId)).children) {
        const kid = await showRun(world.paths.tracking, id);
        const steps = kid.metricsByStep['wape']?.map((p) => p.step) ?? [];
        if (kid.status === 'RUNNING' && steps.length && !existsSync(report)) seenLive = { name: kid.name, steps };
      }
    }
    const bt = await job;
    const t1 = Date.now();
    expect(seenLive, 'no fold metrics visible while the backtest ran').toBeDefined();
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

    // LightGBM: why boosting stopped, per fold; the last fold's feature importance as artifacts.
    const lgbm = kids.find((k) => k.name === 'lgbm')!;
    for (const fold of [0, 1])
      expect(lgbm.tags[`cvc.fold${fold}.stop_reason`]).toMatch(/^(early_stopping|num_rounds)$/);
    expect(lgbm.artifacts).toEqual([
      'importance/lgbm_feature_importance.json',
      'importance/lgbm_gain.svg',
      'importance/lgbm_split.svg',
    ]);
    expect(bt.lgbmImportance!.fold).toBe(1);
    expect(bt.lgbmImportance!.features.some((f) => f.gain > 0 && f.split > 0)).toBe(true);
    expect(parent.artifacts.filter((a) => a.startsWith('store-charts/'))).toHaveLength(4);
  }, 600_000);
});
