// deploy/: the Kubernetes Indexed Job and the Databricks job are rendered, and the commands they
// would run are run here: each index with its env var / {{input}} set, all at once as the orchestrator
// starts them, then the merge; the sharded run ends with a choice for every store. The daily infer
// shards (a CronJob of an Indexed Job, a scheduled Databricks for-each) leave every store's forecast.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardOfStore, type LoadedConfig } from '@cvc/core';
import { lakeTables, openDuckDb, readLatestBacktestChoice } from '@cvc/feature-table';
import { trainAndRegister } from '@cvc/train';
import { BIN, deltaRows, type CliRun } from './helpers.js';
import { runChild } from '../../../test-support/child.js';
import { ingestedWorld } from './world.js';

const ROOT = resolve(__dirname, '../../..');
let world: LoadedConfig;
/** A PATH entry holding `cvc`, as the image would. */
let binDir: string;

interface K8sContainer {
  command: string[];
  args: string[];
  env: { name: string; value?: string }[];
}
interface K8sJobSpec {
  completionMode?: string;
  completions?: number;
  parallelism?: number;
  template: { spec: { containers: K8sContainer[] } };
}
interface K8sJob {
  metadata: { name: string };
  spec: K8sJobSpec;
}

async function k8sDocs<T>(file: string): Promise<T[]> {
  const yaml = await runChild(
    'python3',
    ['-c', 'import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))'],
    { input: readFileSync(join(ROOT, file), 'utf8') },
  );
  expect(yaml.status).toBe(0);
  return JSON.parse(yaml.stdout) as T[];
}

/** Every store of the world has its 35 forecast rows of the as-of date, each written by its shard's run. */
async function forecastRunsByStore(): Promise<Map<string, Set<string>>> {
  const table = join(world.paths.lake, world.config.lake.tables.forecasts);
  const rows = await deltaRows(table, ['store_id', 'forecast_date'], { keep: ['run_id'] });
  const runs = new Map<string, Set<string>>();
  for (const r of rows) {
    const set = runs.get(String(r['store_id'])) ?? new Set<string>();
    set.add(String(r['run_id']));
    runs.set(String(r['store_id']), set);
  }
  expect(rows.length).toBe(6 * 35);
  return runs;
}

function run(cmd: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function storesInChoice(runId: string): Promise<number> {
  const { conn, close } = await openDuckDb();
  try {
    const c = await readLatestBacktestChoice(conn, lakeTables(world));
    expect(c?.runId).toBe(runId);
    return Object.keys(c!.stores).length;
  } finally {
    close();
  }
}

describe('deploy manifests', () => {
  beforeAll(async () => {
    world = await ingestedWorld({ stores: 6, yaml: 'backtest: { folds: 1, models: [] }\n' });
    binDir = mkdtempSync(join(tmpdir(), 'cvc-bin-'));
    writeFileSync(join(binDir, 'cvc'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(binDir, 'cvc'), 0o755);
    await trainAndRegister({ loaded: world, from: '2024-01-01', models: ['weekday_mean'], promote: 'always' });
  }, 300_000);

  it('Kubernetes: the Indexed Job maps JOB_COMPLETION_INDEX to --shard; its pods and the merge Job run', async () => {
    const [shards, merge] = (await k8sDocs<K8sJob>('deploy/kubernetes/backtest-shards.yaml')) as [K8sJob, K8sJob];
    expect(shards.spec.completionMode).toBe('Indexed');
    const n = shards.spec.completions!;
    expect(shards.spec.parallelism).toBe(n);
    const envOf = (c: K8sContainer): Record<string, string> => {
      const e: Record<string, string> = {};
      for (const v of c.env) if (v.value !== undefined) e[v.name] = v.value;
      return { ...e, CVC_CONFIG: world.file, PATH: `${binDir}:${process.env['PATH']}` };
    };
    const pod = shards.spec.template.spec.containers[0]!;
    expect(envOf(pod)['CVC_SHARDS']).toBe(String(n));
    const runs = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        run([...pod.command, ...pod.args], { ...envOf(pod), JOB_COMPLETION_INDEX: String(i) }),
      ),
    );
    const run_ = envOf(pod)['CVC_RUN']!;
    runs.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`pod ${i} failed: ${r.stderr.slice(-1500)}`);
      expect((JSON.parse(r.stdout) as { runId: string }).runId).toBe(`${run_}.s${i}-${n}`);
    });
    const m = merge.spec.template.spec.containers[0]!;
    const merged = await run([...m.command, ...m.args], envOf(m));
    if (merged.code !== 0) throw new Error(`merge failed: ${merged.stderr.slice(-1500)}`);
    expect(JSON.parse(merged.stdout)).toMatchObject({ runId: run_, shards: n, stores: 6 });
    expect(await storesInChoice(run_)).toBe(6);
  });

  it('Databricks: the for-each task over shards and the merge task run their parameters', async () => {
    const job = JSON.parse(readFileSync(join(ROOT, 'deploy/databricks/backtest-shards.job.json'), 'utf8')) as {
      tasks: {
        task_key: string;
        depends_on?: { task_key: string }[];
        for_each_task?: { inputs: string; concurrency: number; task: { spark_python_task: PyTask } };
        spark_python_task?: PyTask;
      }[];
    };
    type PyTask = { python_file: string; parameters: string[] };
    const [each, merge] = job.tasks;
    expect(merge!.depends_on).toEqual([{ task_key: each!.task_key }]);
    const inputs = JSON.parse(each!.for_each_task!.inputs) as number[];
    const jobRunId = '7301';
    // The Databricks dynamic values, as the job run would fill them; the workspace paths, as local ones.
    const render = (t: PyTask, input?: number) => [
      'python3',
      join(ROOT, 'deploy/databricks', t.python_file.split('/').at(-1)!),
      ...t.parameters.map((p) =>
        p
          .replaceAll('{{input}}', String(input))
          .replaceAll('{{job.run_id}}', jobRunId)
          .replace(/^\/Workspace\/.*\.yaml$/, world.file),
      ),
    ];
    const env = { PATH: `${binDir}:${process.env['PATH']}` };
    const runs = await Promise.all(inputs.map((i) => run(render(each!.for_each_task!.task.spark_python_task, i), env)));
    runs.forEach((r, i) => {
      if (r.code !== 0) throw new Error(`iteration ${i} failed: ${r.stderr.slice(-1500)}`);
    });
    const merged = await run(render(merge!.spark_python_task!), env);
    if (merged.code !== 0) throw new Error(`merge failed: ${merged.stderr.slice(-1500)}`);
    expect(JSON.parse(merged.stdout)).toMatchObject({ runId: `db${jobRunId}`, shards: inputs.length, stores: 6 });
    expect(await storesInChoice(`db${jobRunId}`)).toBe(6);
    // A failing cvc fails the task: the wrapper passes the exit code on.
    const bad = await run(['python3', join(ROOT, 'deploy/databricks/run_cvc.py'), 'backtest', '--shard', 'x'], env);
    expect(bad.code).toBe(2);
  });

  it('Kubernetes: the infer CronJob runs an Indexed Job; its pods each write their shard of the forecast', async () => {
    const [cron] = await k8sDocs<{ kind: string; spec: { jobTemplate: { spec: K8sJobSpec } } }>(
      'deploy/kubernetes/infer-shards.yaml',
    );
    expect(cron!.kind).toBe('CronJob');
    const spec = cron!.spec.jobTemplate.spec;
    expect(spec.completionMode).toBe('Indexed');
    const n = spec.completions!;
    const pod = spec.template.spec.containers[0]!;
    const env: Record<string, string> = {};
    for (const v of pod.env) if (v.value !== undefined) env[v.name] = v.value;
    Object.assign(env, { CVC_CONFIG: world.file, PATH: `${binDir}:${process.env['PATH']}` });
    const runs = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        run([...pod.command, ...pod.args], { ...env, JOB_COMPLETION_INDEX: String(i) }),
      ),
    );
    const ids = runs.map((r, i) => {
      if (r.code !== 0) throw new Error(`infer pod ${i} failed: ${r.stderr.slice(-1500)}`);
      const s = JSON.parse(r.stdout) as { shard: string; runId: string };
      expect(s.shard).toBe(`${i}/${n}`);
      return s.runId;
    });
    const byStore = await forecastRunsByStore();
    expect(byStore.size).toBe(6);
    for (const [store, set] of byStore) expect([...set]).toEqual([ids[shardOfStore(store, n)]]);
    // The compaction CronJob after the shards (shards never compact): the shard files become one, same rows.
    const compact = (
      await k8sDocs<{ spec: { jobTemplate: { spec: K8sJobSpec } } }>('deploy/kubernetes/infer-shards.yaml')
    )[1];
    const c = compact!.spec.jobTemplate.spec.template.spec.containers[0]!;
    const done = await run([...c.command, ...c.args], env);
    if (done.code !== 0) throw new Error(`compaction failed: ${done.stderr.slice(-1500)}`);
    const result = JSON.parse(done.stdout) as { tables: { filesRemoved: number; filesAdded: number }[] };
    expect(result.tables[0]!.filesRemoved).toBeGreaterThanOrEqual(n);
    expect(result.tables[0]!.filesAdded).toBe(1);
    expect(await forecastRunsByStore()).toEqual(byStore);
  });

  it('Databricks: the scheduled infer for-each task runs one shard per input', async () => {
    const job = JSON.parse(readFileSync(join(ROOT, 'deploy/databricks/infer-shards.job.json'), 'utf8')) as {
      schedule: { quartz_cron_expression: string };
      tasks: {
        for_each_task?: { inputs: string; task: { spark_python_task: { python_file: string; parameters: string[] } } };
        depends_on?: { task_key: string }[];
        spark_python_task?: { python_file: string; parameters: string[] };
      }[];
    };
    expect(job.schedule.quartz_cron_expression).toBeTruthy();
    const each = job.tasks[0]!.for_each_task!;
    const inputs = JSON.parse(each.inputs) as number[];
    const t = each.task.spark_python_task;
    const env = { PATH: `${binDir}:${process.env['PATH']}` };
    const runs = await Promise.all(
      inputs.map((i) =>
        run(
          [
            'python3',
            join(ROOT, 'deploy/databricks', t.python_file.split('/').at(-1)!),
            ...t.parameters.map((p) =>
              p.replaceAll('{{input}}', String(i)).replace(/^\/Workspace\/.*\.yaml$/, world.file),
            ),
          ],
          env,
        ),
      ),
    );
    const ids = runs.map((r, i) => {
      if (r.code !== 0) throw new Error(`infer iteration ${i} failed: ${r.stderr.slice(-1500)}`);
      return (JSON.parse(r.stdout) as { runId: string }).runId;
    });
    const byStore = await forecastRunsByStore();
    for (const [store, set] of byStore) expect([...set]).toEqual([ids[shardOfStore(store, inputs.length)]]);
    // The compaction task runs after every shard (shards never compact); it keeps the rows as they are.
    const compact = job.tasks[1]!;
    expect(compact.depends_on).toEqual([{ task_key: 'infer_shards' }]);
    const params = compact.spark_python_task!.parameters.map((p) => p.replace(/^\/Workspace\/.*\.yaml$/, world.file));
    const done = await run(['python3', join(ROOT, 'deploy/databricks/run_cvc.py'), ...params], env);
    if (done.code !== 0) throw new Error(`compaction failed: ${done.stderr.slice(-1500)}`);
    expect((JSON.parse(done.stdout) as { tables: { filesAdded: number }[] }).tables[0]!.filesAdded).toBe(1);
    expect(await forecastRunsByStore()).toEqual(byStore);
  });
});
