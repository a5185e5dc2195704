// Reading runs back from MLflow for `cvc runs list` / `cvc runs show`: the same RunSummary / RunDetail
// shapes the local tables give. `show` takes an MLflow run id or the cvc run id that logs, report
// file names and tables print (tag cvc.run_id).
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import type { ListRunsOptions, RunDetail, RunSummary } from '../local/query.js';
import { PARENT_RUN_TAG } from '../tracker.js';
import { isMlflowCode, type MlflowClient } from './client.js';
import { listArtifacts } from './artifacts.js';
import {
  getExperimentResponse,
  getRunResponse,
  metricHistoryResponse,
  runSchema,
  searchRunsResponse,
} from './schemas.js';

type MlflowRun = z.infer<typeof runSchema>;

const kv = (list: { key: string; value?: string | undefined }[] | undefined): Record<string, string> =>
  Object.fromEntries((list ?? []).map((t) => [t.key, t.value ?? '']));
const iso = (ms: string | number | null | undefined): string | null =>
  ms === null || ms === undefined || ms === '' ? null : new Date(Number(ms)).toISOString();

function summary(r: MlflowRun, experiment: string): RunSummary {
  const tags = kv(r.data?.tags);
  const metrics: Record<string, number> = {};
  // MLflow's latest value per key; per-fold values live under fold/<key> and are not overall figures.
  for (const m of r.data?.metrics ?? []) if (!m.key.startsWith('fold')) metrics[m.key] = m.value ?? Number.NaN;
  return {
    runId: r.info.run_id,
    experiment,
    name: r.info.run_name ?? tags['mlflow.runName'] ?? '',
    parentRunId: tags[PARENT_RUN_TAG] ?? null,
    status: r.info.status ?? 'UNKNOWN',
    startTime: iso(r.info.start_time) ?? '',
    endTime: iso(r.info.end_time),
    metrics,
  };
}

async function experimentId(client: MlflowClient, name: string): Promise<string | null> {
  try {
    return (await client.call('GET', 'experiments/get-by-name', { experiment_name: name }, getExperimentResponse))
      .experiment.experiment_id;
  } catch (err) {
    if (isMlflowCode(err, 'RESOURCE_DOES_NOT_EXIST')) return null;
    throw err;
  }
}

async function search(client: MlflowClient, expId: string, filter: string, max: number): Promise<MlflowRun[]> {
  const out: MlflowRun[] = [];
  let token: string | undefined;
  do {
    const res = await client.call(
      'POST',
      'runs/search',
      {
        experiment_ids: [expId],
        filter,
        max_results: Math.min(1000, max - out.length),
        order_by: ['attributes.start_time DESC'],
        ...(token ? { page_token: token } : {}),
      },
      searchRunsResponse,
    );
    out.push(...(res.runs ?? []));
    token = res.next_page_token || undefined;
  } while (token && out.length < max);
  return out;
}

/** Runs of the experiment newest first (top-level only unless asked); [] when the experiment does not exist. */
export async function listMlflowRuns(
  client: MlflowClient,
  experiment: string,
  opts: ListRunsOptions = {},
): Promise<RunSummary[]> {
  const expId = await experimentId(client, experiment);
  if (expId === null) return [];
  const limit = opts.limit ?? 20;
  // MLflow's filter cannot ask for "no parent tag": fetch more and drop the children here.
  const runs = await search(client, expId, '', opts.topLevelOnly ? Math.max(limit * 10, 200) : limit);
  const all = runs.map((r) => summary(r, experiment));
  return (opts.topLevelOnly ? all.filter((r) => r.parentRunId === null) : all).slice(0, limit);
}

/** One run in full, by MLflow run id or cvc run id. */
export async function showMlflowRun(client: MlflowClient, experiment: string, id: string): Promise<RunDetail> {
  let run: MlflowRun | undefined;
  if (/^[0-9a-f]{32}$/.test(id)) {
    try {
      run = (await client.call('GET', 'runs/get', { run_id: id }, getRunResponse)).run;
    } catch (err) {
      if (!isMlflowCode(err, 'RESOURCE_DOES_NOT_EXIST')) throw err;
    }
  }
  const expId = await experimentId(client, experiment);
  if (!run && expId !== null && /^[A-Za-z0-9._-]+$/.test(id)) {
    // The id cvc prints (logs, report names, run_id columns) is the run's cvc.run_id tag.
    const found = await search(client, expId, `tags.\`cvc.run_id\` = '${id}'`, 10);
    run = found.find((r) => !kv(r.data?.tags)[PARENT_RUN_TAG]) ?? found[0];
  }
  if (!run) throw new RunNotFoundError(`MLflow experiment ${experiment}`, id);
  const base = summary(run, experiment);
  const metricsByStep: RunDetail['metricsByStep'] = {};
  for (const m of run.data?.metrics ?? []) {
    if (!m.key.startsWith('fold')) continue;
    const h = await client.call(
      'GET',
      'metrics/get-history',
      { run_id: base.runId, metric_key: m.key, max_results: 25000 },
      metricHistoryResponse,
    );
    // MLflow's per-fold keys are fold/<key>; show them under <key> as the local tables do.
    const key = m.key.startsWith('fold/') ? m.key.slice(5) : m.key;
    metricsByStep[key] = (h.metrics ?? [])
      .map((p) => ({ step: Number(p.step ?? 0), value: p.value ?? Number.NaN }))
      .sort((a, b) => a.step - b.step);
  }
  const children =
    expId === null ? [] : await search(client, expId, `tags.\`${PARENT_RUN_TAG}\` = '${base.runId}'`, 1000);
  const artifactUri = run.info.artifact_uri ?? '';
  return {
    ...base,
    params: kv(run.data?.params),
    tags: kv(run.data?.tags),
    metricsByStep,
    children: children.map((c) => c.info.run_id),
    artifactDir: artifactUri,
    artifacts: artifactUri ? await listArtifacts(client, artifactUri, '').catch(() => []) : [],
  };
}
