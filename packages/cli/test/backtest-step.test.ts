// The backtest job on a small ingested demo world: tables, choice, tracking, resume, and a model
// that fails on every fold without stopping the others.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '@cvc/core';
import { listRuns, showRun } from '@cvc/mlops';
import { runBacktestJob, type BacktestJobResult } from '@cvc/backtest';
import { ingestedWorld } from './world.js';
import { python } from './helpers.js';

let world: LoadedConfig;
let first: BacktestJobResult;

describe('backtest job', () => {
  beforeAll(async () => {
    world = await ingestedWorld({
      stores: 6,
      yaml: 'backtest: { folds: 2, stride: 14, models: [] }\nmodels: { lgbm: { numLeaves: "many" } }\n',
    });
    first = await runBacktestJob({ loaded: world, runId: 'bt-1', models: ['lgbm'] });
  }, 300_000);

  it('scores the baselines on every fold and picks a model per store', () => {
    expect(first.folds).toHaveLength(2);
    expect(first.leaderboard.map((l) => l.model).sort()).toEqual(['ets', 'seasonal_naive', 'weekday_mean']);
    expect(first.choices).toHaveLength(first.stores);
    for (const l of first.leaderboard) expect(l.wape).toBeGreaterThan(0);
    expect(first.wapeByHorizonDay['ets']).toHaveLength(35);
  });

  it('reports a model that fails on every fold and goes on with the others', () => {
    expect(first.failures.map((f) => f.model)).toEqual(['lgbm', 'lgbm']);
    expect(first.failures[0]!.error).toMatch(/numLeaves/);
    expect(first.timings.find((t) => t.model === 'lgbm')).toMatchObject({ foldsOk: 0, foldsFailed: 2 });
  });

  it('writes Delta tables that delta-rs reads, one choice row per store', async () => {
    const out = await python(`
import json
from deltalake import DeltaTable
c = DeltaTable(${JSON.stringify(first.tables.choice)}).to_pandas()
m = DeltaTable(${JSON.stringify(first.tables.metrics)}).to_pandas()
f = DeltaTable(${JSON.stringify(first.tables.forecasts)}).to_pandas()
print(json.dumps({"choice": len(c[c.run_id == "bt-1"]), "metrics_models": sorted(m.model.unique().tolist()),
  "h": int(f.horizon_day.max()), "cutoffs": sorted(f.cutoff.astype(str).unique().tolist())}))`);
    const r = JSON.parse(out) as { choice: number; metrics_models: string[]; h: number; cutoffs: string[] };
    expect(r.choice).toBe(first.stores);
    expect(r.metrics_models).toEqual(['ets', 'seasonal_naive', 'weekday_mean']);
    expect(r.h).toBe(35);
    expect(r.cutoffs).toEqual(first.folds.map((f) => f.cutoff));
  });

  it('tracks a parent run and a child run per model locally, with per-fold metrics and the report', async () => {
    const runs = await listRuns(world.paths.tracking, { topLevelOnly: true });
    const parent = runs.find((r) => r.runId === first.trackingRunId)!;
    expect(parent.name).toBe('backtest bt-1');
    const detail = await showRun(world.paths.tracking, parent.runId);
    expect(detail.children).toHaveLength(4);
    expect(detail.artifacts.some((a) => a.endsWith('.html'))).toBe(true);
    const ets = await showRun(
      world.paths.tracking,
      (await listRuns(world.paths.tracking)).find((r) => r.parentRunId === parent.runId && r.name === 'ets')!.runId,
    );
    expect(ets.metricsByStep['wape']?.map((p) => p.step)).toEqual([0, 1]);
    expect(readFileSync(first.reportPath, 'utf8')).toContain('data-chart="store-forecast"');
  });

  it('resumes from the checkpoints of finished (fold, model) pairs with identical results', async () => {
    const again = await runBacktestJob({ loaded: world, runId: 'bt-2', models: ['lgbm'], resume: true });
    for (const t of again.timings.filter((x) => x.model !== 'lgbm')) expect(t.foldsResumed).toBe(2);
    expect(again.leaderboard).toEqual(first.leaderboard);
    const fresh = await runBacktestJob({ loaded: world, runId: 'bt-3', models: [] });
    for (const t of fresh.timings) expect(t.foldsResumed).toBe(0);
  });
});
