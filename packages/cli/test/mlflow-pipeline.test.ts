// Backtest, train and infer with tracking and the registry on a real `mlflow server` (127.0.0.1),
// read back through MLflow's own Python client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '@cvc/core';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { z } from 'zod';
import { resolveBundle, runInfer, type InferResult } from '@cvc/infer';
import { cvcVersion } from '@cvc/mlops';
import { forecasterFactory } from '@cvc/models';
import { cvc } from './helpers.js';
import { trainAndRegister } from '@cvc/train';
import { runBacktestJob, type BacktestJobResult } from '@cvc/backtest';
import { py, startMlflow, type MlflowServer } from '../../mlops/test/mlflow-server.js';
import { ingestedWorld } from './world.js';
import { useOracle } from '../../../test-support/oracles.js';

let server: MlflowServer;
let world: LoadedConfig;
let bt: BacktestJobResult;
let inferred: InferResult | undefined;

describe.skipIf(!(await useOracle('mlflow')))('pipeline tracked in MLflow', () => {
  beforeAll(async () => {
    server = await startMlflow();
    world = await ingestedWorld({
      stores: 4,
      yaml: `backtest: { folds: 2, models: [] }\ntracking: { uri: "${server.uri}", experiment: cvc-e2e }\n`,
    });
    bt = await runBacktestJob({ loaded: world, runId: 'mlflow-bt' });
  }, 400_000);
  afterAll(async () => server?.stop());

  it('logs the backtest as a parent run with a child run per model, per-fold metrics and the report', async () => {
    expect(bt.trackingBackend).toBe('mlflow');
    const back = await py<{
      name: string;
      params: Record<string, string>;
      children: string[];
      steps: number[];
      artifacts: string[];
    }>(
      server.uri,
      `
parent = client.get_run(args['run'])
exp = client.get_experiment_by_name('cvc-e2e')
kids = client.search_runs([exp.experiment_id], filter_string="tags.mlflow.parentRunId = '%s'" % args['run'])
ets = [k for k in kids if k.info.run_name == 'ets'][0]
steps = sorted(m.step for m in client.get_metric_history(ets.info.run_id, 'fold/wape'))
arts = [a.path for a in client.list_artifacts(args['run'])]
print(json.dumps({"name": parent.info.run_name, "params": parent.data.params,
  "children": sorted(k.info.run_name for k in kids), "steps": steps, "artifacts": arts}))`,
      { run: bt.trackingRunId },
    );
    expect(back.name).toBe('backtest mlflow-b');
    expect(back.params['folds']).toBe('2');
    expect(back.children).toEqual(['ets', 'seasonal_naive', 'weekday_mean']);
    expect(back.steps).toEqual([0, 1]);
    expect(back.artifacts.some((a) => a.endsWith('.html'))).toBe(true);
  });

  it(
    'tracks the backtest live: the parent spans it, children carry resolved params and fold metrics; runs ' +
      'list/show read MLflow',
    async () => {
      const live = await py<{
        status: string;
        span: number;
        kids: { name: string; status: string; params: string[]; fit: number[]; start: number }[];
        start: number;
      }>(
        server.uri,
        `
p = client.get_run(args['run'])
exp = client.get_experiment_by_name('cvc-e2e')
kids = client.search_runs([exp.experiment_id], filter_string="tags.mlflow.parentRunId = '%s'" % args['run'])
print(json.dumps({"status": p.info.status, "span": p.info.end_time - p.info.start_time, "start": p.info.start_time,
  "kids": [{"name": k.info.run_name, "status": k.info.status, "params": sorted(k.data.params),
            "start": k.info.start_time,
            "fit": sorted(m.step for m in client.get_metric_history(k.info.run_id, 'fold/fit_seconds'))}
           for k in kids]}))`,
        { run: bt.trackingRunId },
      );
      expect(live.status).toBe('FINISHED');
      // Opened before the first fold ran and ended after the report: it lasts at least the backtest.
      expect(live.span).toBeGreaterThanOrEqual(bt.seconds * 1000);
      for (const k of live.kids) {
        expect(k.status).toBe('FINISHED');
        expect(k.start).toBeGreaterThanOrEqual(live.start);
        expect(k.fit).toEqual([0, 1]);
        expect(k.params).toContain('warm_start');
      }
      // Resolved params: the model's own defaults, though the config sets none for ets.
      const ets = live.kids.find((k) => k.name === 'ets')!;
      const resolved = Object.keys((await forecasterFactory('ets')).create({}).params);
      expect(resolved.length).toBeGreaterThan(0);
      for (const key of resolved) expect(ets.params).toContain(key);

      const list = await cvc(['--config', world.file, '--json', 'runs', 'list']);
      expect(list.code, list.stderr).toBe(0);
      const listed = z
        .object({
          backend: z.string(),
          runs: z.array(
            z.object({ runId: z.string(), status: z.string(), duration: z.string(), headline: z.string() }).loose(),
          ),
        })
        .parse(JSON.parse(list.stdout));
      expect(listed.backend).toBe('mlflow');
      const row = listed.runs.find((r) => r.runId === bt.trackingRunId)!;
      expect(row.status).toBe('FINISHED');
      expect(row.duration).toMatch(/^\d+(s|m\d\ds)$/);
      expect(row.headline).toMatch(/^wape_\w+=\d\.\d{4}$/);
      // The id the backtest logged and named its report after (cvc.run_id), not only MLflow's.
      const shown = await cvc(['--config', world.file, '--json', 'runs', 'show', bt.runId]);
      expect(shown.code, shown.stderr).toBe(0);
      const run = z
        .object({
          run: z
            .object({
              runId: z.string(),
              children: z.array(z.string()),
              metricsByStep: z.record(z.string(), z.array(z.unknown())),
            })
            .loose(),
        })
        .parse(JSON.parse(shown.stdout)).run;
      expect(run.runId).toBe(bt.trackingRunId);
      expect(run.children).toHaveLength(3);
    },
    120_000,
  );

  it('registers the trained bundle in the MLflow Model Registry, and infer runs the champion from it', async () => {
    const t = await trainAndRegister({ loaded: world, from: '2024-01-01', promote: 'always' });
    expect(t.registry.backend).toBe('mlflow');
    const mv = await py<{ version: string; run: string }>(
      server.uri,
      "mv = client.get_model_version_by_alias('cvc-forecaster', 'champion')\n" +
        'print(json.dumps({"version": mv.version, "run": mv.run_id}))',
    );
    expect(mv).toEqual({ version: String(t.registered.version), run: t.trackingRunId });
    const bundle = await resolveBundle(world, undefined);
    const r = await runInfer({ loaded: world, ...bundle, runId: 'mlflow-infer' });
    expect(r.bundleVersion).toBe(mv.version);
    expect(r.rows).toBe(r.storesForecast * 35);
    inferred = r;
  });

  // Needs the built CLI (dist/): the pyfunc loader runs `node packages/cli/dist/bin.js predict`.
  it(
    "the champion is an MLflow pyfunc model whose forecasts are cvc infer's, " +
      'from load_model and `mlflow models predict`',
    async () => {
      expect(inferred).toBeDefined();
      const cvcBin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
      const back = await py<{
        flavors: string[];
        cvc: Record<string, unknown>;
        inputs: string[];
        rows: number;
        infer: number;
        maxDiff: number;
        keysEqual: boolean;
        models: string[];
        versions: string[];
      }>(
        server.uri,
        `
import pandas as pd, deltalake, mlflow.pyfunc
from mlflow.models import Model
uri = 'models:/cvc-forecaster@champion'
m = mlflow.pyfunc.load_model(uri, model_config={'cvc_bin': args['bin'], 'cvc_config': args['config']})
sig = m.metadata.get_input_schema().input_names()
inf = deltalake.DeltaTable(args['table']).to_pandas()
inf = inf[inf['as_of_date'].astype(str) == args['asOf']]
stores = sorted(inf['store_id'].unique())
out = m.predict(pd.DataFrame({'store_id': stores, 'as_of_date': pd.to_datetime([args['asOf']] * len(stores))}))
key = ['store_id', 'horizon_day']
j = inf.merge(out, on=key, suffixes=('_i', '_p'))
diff = max((j[c + '_i'] - j[c + '_p']).abs().max() for c in ['yhat', 'yhat_lower', 'yhat_upper'])
same = bool((j['forecast_date_i'].astype(str) == j['forecast_date_p'].dt.strftime('%Y-%m-%d')).all()
            and (j['model_i'] == j['model_p']).all())
mm = Model.load(mlflow.artifacts.download_artifacts(uri))
print(json.dumps({"flavors": sorted(mm.flavors), "cvc": mm.flavors['cvc'], "inputs": sig, "rows": len(out),
  "infer": len(inf),
  "maxDiff": float(diff), "keysEqual": same and len(j) == len(inf), "models": sorted(out['model'].unique()),
  "versions": sorted(out['bundle_version'].unique())}))`,
        { bin: cvcBin, config: world.file, table: inferred!.table, asOf: inferred!.asOf },
      );
      expect(back.flavors).toEqual(['cvc', 'python_function']);
      expect(back.cvc['cvc_version']).toBe(cvcVersion());
      expect(back.inputs).toEqual(['store_id', 'as_of_date', 'horizon']);
      expect(back.rows).toBe(inferred!.rows);
      expect(back.infer).toBe(inferred!.rows);
      expect(back.keysEqual).toBe(true);
      expect(back.maxDiff).toBeLessThan(1e-9);
      expect(back.models).toEqual(Object.keys(inferred!.byModel).sort());
      expect(back.versions).toEqual([inferred!.bundleVersion]);

      // `mlflow models predict` on the model directory (the bundle cvc resolved), in this Python environment.
      const { bundleDir } = await resolveBundle(world, undefined);
      const dir = mkdtempSync(join(tmpdir(), 'cvc-mlflow-predict-'));
      const input = join(dir, 'input.json');
      const output = join(dir, 'out.json');
      writeFileSync(
        input,
        JSON.stringify({
          dataframe_split: { columns: ['store_id', 'as_of_date', 'horizon'], data: [['1', inferred!.asOf, 7]] },
        }),
      );
      await promisify(execFile)(
        'mlflow',
        ['models', 'predict', '-m', bundleDir, '-i', input, '-t', 'json', '-o', output, '--env-manager', 'local'],
        {
          env: { ...process.env, MLFLOW_TRACKING_URI: server.uri, CVC_BIN: cvcBin, CVC_CONFIG: world.file },
        },
      );
      const predicted = z
        .object({
          predictions: z.array(z.object({ store_id: z.string(), horizon_day: z.number(), yhat: z.number() }).loose()),
        })
        .parse(JSON.parse(readFileSync(output, 'utf8')));
      expect(predicted.predictions.map((p) => p.horizon_day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(predicted.predictions.every((p) => p.store_id === '1')).toBe(true);
      const ref = await py<number[]>(
        server.uri,
        `
import deltalake
t = deltalake.DeltaTable(args['table']).to_pandas()
t = t[(t['as_of_date'].astype(str) == args['asOf']) & (t['store_id'] == '1')].sort_values('horizon_day')
print(json.dumps([float(v) for v in t['yhat'][:7]]))`,
        { table: inferred!.table, asOf: inferred!.asOf },
      );
      predicted.predictions.forEach((p, i) => expect(p.yhat).toBeCloseTo(ref[i]!, 9));
    },
    300_000,
  );
});
