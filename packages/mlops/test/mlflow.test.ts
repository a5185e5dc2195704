// MLflow tracking and Model Registry against a real server, read back with MLflow's Python client.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMlflowClient,
  mlflowRegistry,
  openRegistry,
  openTracker,
  readBundle,
  UnknownAliasError,
  type MlflowClient,
} from './imports.js';
import { factories, makeBundle, tempDir } from './fixtures.js';
import { py, startMlflow, type MlflowServer } from './mlflow-server.js';
import { useOracle } from '../../../test-support/oracles.js';
import { checkAbandoned } from './abandoned.js';

let server: MlflowServer;
let client: MlflowClient;

beforeAll(async () => {
  server = await startMlflow();
  client = createMlflowClient({ uri: server.uri, maxRetries: 2, retryBaseMs: 50 });
}, 240_000);
afterAll(async () => {
  await server?.stop();
});

describe.skipIf(!(await useOracle('mlflow')))('MLflow tracking', () => {
  it('logs a parent run with child runs, big batches and artifacts that MLflow reads back', async () => {
    const tracker = await openTracker(
      { uri: null, experiment: 'cvc-validate', root: '/nonexistent' },
      { env: { MLFLOW_TRACKING_URI: server.uri } },
    );
    expect(tracker.backend).toBe('mlflow');
    const parent = await tracker.startRun({ name: 'validate-2025-06-30', tags: { 'cvc.step': 'validate' } });
    const child = await tracker.startRun({ name: 'lgbm', parent, tags: { model: 'lgbm' } });
    // 150 params and 2500 metrics: several log-batch requests each.
    const params: Record<string, unknown> = { long: 'x'.repeat(6000), nested: { a: [1, 2] } };
    for (let i = 0; i < 148; i++) params[`p${i}`] = i;
    await child.logParams(params);
    for (let fold = 0; fold < 4; fold++) {
      const m: Record<string, number> = { wape: 0.1 + fold / 100 };
      for (let s = 0; s < 624; s++) m[`wape_store_${s}`] = s / 1000 + fold;
      await child.logMetrics(m, fold);
    }
    await child.logMetrics({ wape: 0.125, coverage80: 0.81 });
    await child.setTags({ chosen: 'true' });
    const art = join(await tempDir(), 'report');
    await mkdir(join(art, 'plots'), { recursive: true });
    await writeFile(join(art, 'summary.json'), '{"wape":0.125}');
    await writeFile(join(art, 'plots', 'fold 1.txt'), 'fold one');
    await child.logArtifact(art, 'report');
    await child.end('FINISHED');
    const failed = await tracker.startRun({ name: 'nbeats', parent });
    await failed.end('FAILED');
    await parent.logMetrics({ wape: 0.125 });
    await parent.end();
    await tracker.close();

    const back = await py<{
      exp: string;
      children: string[];
      status: string;
      nparams: number;
      long: number;
      nested: string;
      wape: number[][];
      latest: number;
      nmetrics: number;
      tags: Record<string, string>;
      artifacts: string[];
      content: string;
      parentStatus: string;
      failed: string;
    }>(
      server.uri,
      `
exp = client.get_experiment_by_name('cvc-validate')
kids = client.search_runs([exp.experiment_id], filter_string="tags.mlflow.parentRunId = '%s'" % args['parent'])
r = client.get_run(args['child'])
hist = client.get_metric_history(args['child'], 'fold/wape') + client.get_metric_history(args['child'], 'wape')
arts = ([a.path for a in client.list_artifacts(args['child'], 'report')]
        + [a.path for a in client.list_artifacts(args['child'], 'report/plots')])
p = client.download_artifacts(args['child'], 'report/plots/fold 1.txt')
print(json.dumps({
  'exp': exp.name,
  'children': sorted(k.info.run_name for k in kids),
  'status': r.info.status,
  'nparams': len(r.data.params),
  'long': len(r.data.params['long']),
  'nested': r.data.params['nested'],
  'wape': sorted([m.step, m.value] for m in hist),
  'latest': r.data.metrics['wape'],
  'nmetrics': len(r.data.metrics),
  'tags': {k: v for k, v in r.data.tags.items() if not k.startswith('mlflow.source')},
  'artifacts': sorted(arts),
  'content': open(p).read(),
  'parentStatus': client.get_run(args['parent']).info.status,
  'failed': client.get_run(args['failed']).info.status,
}))
`,
      { parent: parent.runId, child: child.runId, failed: failed.runId },
    );
    expect(back.exp).toBe('cvc-validate');
    expect(back.children).toEqual(['lgbm', 'nbeats']);
    expect(back.status).toBe('FINISHED');
    expect(back.parentStatus).toBe('FINISHED');
    expect(back.failed).toBe('FAILED');
    expect(back.nparams).toBe(150);
    expect(back.long).toBe(6000);
    expect(back.nested).toBe('{"a":[1,2]}');
    expect(back.wape.map(([s, v]) => [s, Math.round(v! * 1000) / 1000])).toEqual([
      [0, 0.1],
      [0, 0.125],
      [1, 0.11],
      [2, 0.12],
      [3, 0.13],
    ]);
    expect(back.latest).toBe(0.125);
    expect(back.nmetrics).toBe(625 + 2); // fold/wape + 624 fold/wape_store_* keys, wape, coverage80
    expect(back.tags).toEqual({
      'mlflow.runName': 'lgbm',
      'mlflow.parentRunId': parent.runId,
      model: 'lgbm',
      chosen: 'true',
    });
    expect(back.artifacts).toEqual(['report/plots', 'report/plots/fold 1.txt', 'report/summary.json']);
    expect(back.content).toBe('fold one');
  });

  it(
    'marks FAILED a run whose process on this host is gone (runs/search RUNNING, ' + 'runs/update), and only that one',
    async () => {
      const tracker = await openTracker(
        { uri: null, experiment: 'cvc-abandoned', root: '/nonexistent' },
        { env: { MLFLOW_TRACKING_URI: server.uri } },
      );
      await checkAbandoned(tracker, async (id) =>
        py<{ status: string; end: number | null }>(
          server.uri,
          `i = client.get_run(args['id']).info\nprint(json.dumps({"status": i.status, "end": i.end_time}))`,
          { id },
        ),
      );
      await tracker.close();
    },
  );

  it('reuses an existing experiment and reports MLflow errors with their code', async () => {
    const t1 = await openTracker({ uri: server.uri, experiment: 'same', root: '' }, { env: {} });
    const t2 = await openTracker({ uri: server.uri, experiment: 'same', root: '' }, { env: {} });
    const a = await t1.startRun({ name: 'a' });
    const b = await t2.startRun({ name: 'b' });
    expect(a.experimentId).toBe(b.experimentId);
    await a.logParams({ k: 1 });
    await expect(a.logParams({ k: 2 })).rejects.toThrow(/INVALID_PARAMETER_VALUE/);
    await a.end();
    await b.end();
  });
});

describe.skipIf(!(await useOracle('mlflow')))('MLflow Model Registry', () => {
  it('registers bundles from run artifacts, promotes by WAPE, rolls back and resolves for infer', async () => {
    const tmp = await tempDir();
    const tracker = await openTracker({ uri: server.uri, experiment: 'cvc-train', root: '' }, { env: {} });
    const reg = openRegistry(
      { name: 'cvc-forecaster', root: join(tmp, 'registry'), trackingUri: server.uri },
      { env: {} },
    );
    expect(reg.backend).toBe('mlflow');
    const versions: number[] = [];
    for (const [i, wape] of [0.3, 0.2, 0.25].entries()) {
      const run = await tracker.startRun({ name: `train-${i}` });
      const bundle = await makeBundle(join(tmp, `b${i}`), wape);
      // The first run leaves the upload to register(); the others log the bundle themselves.
      if (i > 0) await run.logArtifact(bundle, 'bundle');
      const r = await reg.register(bundle, { runId: run.runId, promote: 'better-wape' });
      versions.push(r.version);
      expect(r.promoted).toBe(i < 2);
      await run.end();
    }
    expect(versions).toEqual([1, 2, 3]);
    await reg.setAlias('challenger', 3);

    const back = await py<{
      champion: string;
      challenger: string;
      source: string;
      manifest: boolean;
      tags: Record<string, string>;
    }>(
      server.uri,
      `
import os
mv = client.get_model_version_by_alias('cvc-forecaster', 'champion')
ch = client.get_model_version_by_alias('cvc-forecaster', 'challenger')
d = mlflow.artifacts.download_artifacts('models:/cvc-forecaster@champion')
print(json.dumps({'champion': mv.version, 'challenger': ch.version, 'source': mv.source,
                  'manifest': os.path.exists(os.path.join(d, 'manifest.json')), 'tags': mv.tags}))
`,
    );
    expect(back.champion).toBe('2');
    expect(back.challenger).toBe('3');
    expect(back.source).toMatch(/^mlflow-artifacts:\/.*\/artifacts\/bundle$/);
    expect(back.manifest).toBe(true);
    expect(back.tags['cvc.wape']).toBe('0.2');
    expect(JSON.parse(back.tags['cvc.routes']!)).toEqual({
      stores: { lgbm: 1, seasonal_naive: 1 },
      fallback: 'seasonal_naive',
    });

    const list = await reg.list();
    expect(list.map((v) => [v.version, v.aliases, v.wape])).toEqual([
      [1, [], 0.3],
      [2, ['champion'], 0.2],
      [3, ['challenger'], 0.25],
    ]);
    expect(list[0]!.routes).toEqual({ stores: { lgbm: 1, seasonal_naive: 1 }, fallback: 'seasonal_naive' });
    await reg.promote(3);
    expect(await reg.rollback()).toEqual({ from: 3, to: 2 });
    expect(await reg.rollback()).toEqual({ from: 2, to: 1 });
    await expect(reg.rollback()).rejects.toBeInstanceOf(UnknownAliasError);
    await expect(reg.resolve('nope')).rejects.toThrow(/unknown alias "nope"/);

    const resolved = await reg.resolve('challenger');
    expect(resolved.version).toBe(3);
    const uf = await readBundle(resolved.bundleDir, factories);
    expect(uf.manifest.backtest.wape).toBe(0.25);
    // Second resolve hits the verified cache.
    expect((await reg.resolve(3)).bundleDir).toBe(resolved.bundleDir);
    expect(JSON.parse(await readFile(join(resolved.bundleDir, 'manifest.json'), 'utf8'))).toMatchObject({
      formatVersion: 4,
    });
    await tracker.close();
  });

  it('refuses to register without a run id', async () => {
    const reg = mlflowRegistry({ client, name: 'x', cacheDir: await tempDir() });
    await expect(reg.register(await makeBundle(join(await tempDir(), 'b')))).rejects.toThrow(/needs the run id/);
  });
});
