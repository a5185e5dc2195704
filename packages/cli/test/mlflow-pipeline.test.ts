// Backtest, train and infer with tracking and the registry on a real `mlflow server` (127.0.0.1),
// read back through MLflow's own Python client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '@cvc/core';
import { resolveBundle, runInfer } from '@cvc/infer';
import { trainAndRegister } from '@cvc/train';
import { runBacktestJob, type BacktestJobResult } from '@cvc/backtest';
import { py, startMlflow, type MlflowServer } from '../../mlops/test/mlflow-server.js';
import { ingestedWorld } from './world.js';
import { useOracle } from '../../../test-support/oracles.js';

let server: MlflowServer;
let world: LoadedConfig;
let bt: BacktestJobResult;

describe.skipIf(!useOracle('mlflow'))('pipeline tracked in MLflow', () => {
  beforeAll(async () => {
    server = await startMlflow();
    world = await ingestedWorld({ stores: 4, yaml: `backtest: { folds: 2, models: [] }\ntracking: { uri: "${server.uri}", experiment: cvc-e2e }\n` });
    bt = await runBacktestJob({ loaded: world, runId: 'mlflow-bt' });
  }, 400_000);
  afterAll(async () => server?.stop());

  it('logs the backtest as a parent run with a child run per model, per-fold metrics and the report', async () => {
    expect(bt.trackingBackend).toBe('mlflow');
    const back = await py<{ name: string; params: Record<string, string>; children: string[]; steps: number[]; artifacts: string[] }>(
      server.uri,
      `
parent = client.get_run(args['run'])
exp = client.get_experiment_by_name('cvc-e2e')
kids = client.search_runs([exp.experiment_id], filter_string="tags.mlflow.parentRunId = '%s'" % args['run'])
ets = [k for k in kids if k.info.run_name == 'ets'][0]
steps = sorted(m.step for m in client.get_metric_history(ets.info.run_id, 'fold/wape'))
arts = [a.path for a in client.list_artifacts(args['run'])]
print(json.dumps({"name": parent.info.run_name, "params": parent.data.params, "children": sorted(k.info.run_name for k in kids), "steps": steps, "artifacts": arts}))`,
      { run: bt.trackingRunId },
    );
    expect(back.name).toBe('backtest mlflow-b');
    expect(back.params['folds']).toBe('2');
    expect(back.children).toEqual(['ets', 'seasonal_naive', 'weekday_mean']);
    expect(back.steps).toEqual([0, 1]);
    expect(back.artifacts.some((a) => a.endsWith('.html'))).toBe(true);
  });

  it('registers the trained bundle in the MLflow Model Registry, and infer runs the champion from it', async () => {
    const t = await trainAndRegister({ loaded: world, from: '2024-01-01', promote: 'always' });
    expect(t.registry.backend).toBe('mlflow');
    const mv = await py<{ version: string; run: string }>(
      server.uri,
      `mv = client.get_model_version_by_alias('cvc-forecaster', 'champion')\nprint(json.dumps({"version": mv.version, "run": mv.run_id}))`,
    );
    expect(mv).toEqual({ version: String(t.registered.version), run: t.trackingRunId });
    const bundle = await resolveBundle(world, undefined);
    const r = await runInfer({ loaded: world, ...bundle, runId: 'mlflow-infer' });
    expect(r.bundleVersion).toBe(mv.version);
    expect(r.rows).toBe(r.storesForecast * 35);
  });
});
