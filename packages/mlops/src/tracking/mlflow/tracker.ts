// The Tracker over MLflow's REST API: experiment by name (created when missing), runs with
// mlflow.parentRunId for nesting, params/metrics/tags through log-batch split to MLflow's limits,
// artifacts through the mlflow-artifacts proxy.
import { maskUserinfo } from '@cvc/core';
import type { MlflowClient } from './client.js';
import { isMlflowCode } from './client.js';
import {
  MAX_PARAM_VALUE,
  MAX_TAG_VALUE,
  metricJson,
  splitBatches,
  type KeyValue,
  type LogBatch,
  type MetricItem,
} from './batch.js';
import { uploadArtifacts } from './artifacts.js';
import {
  createExperimentResponse,
  emptyResponse,
  getExperimentResponse,
  runResponse,
  searchRunsResponse,
} from './schemas.js';
import {
  PARENT_RUN_TAG,
  RUN_NAME_TAG,
  paramValue,
  parentId,
  type RunStatus,
  type StartRunOptions,
  type TrackedRun,
  type Tracker,
} from '../tracker.js';

/** The experiment id for `name`, creating the experiment if it does not exist (race-safe). */
export async function ensureExperiment(client: MlflowClient, name: string): Promise<string> {
  const get = async () =>
    (await client.call('GET', 'experiments/get-by-name', { experiment_name: name }, getExperimentResponse)).experiment
      .experiment_id;
  try {
    return await get();
  } catch (err) {
    if (!isMlflowCode(err, 'RESOURCE_DOES_NOT_EXIST')) throw err;
  }
  try {
    return (await client.call('POST', 'experiments/create', { name }, createExperimentResponse)).experiment_id;
  } catch (err) {
    // Another process created it between our get and create.
    if (isMlflowCode(err, 'RESOURCE_ALREADY_EXISTS')) return get();
    throw err;
  }
}

async function logBatch(client: MlflowClient, runId: string, batch: LogBatch): Promise<void> {
  for (const b of splitBatches(batch)) {
    await client.call(
      'POST',
      'runs/log-batch',
      { run_id: runId, metrics: b.metrics.map(metricJson), params: b.params, tags: b.tags },
      emptyResponse,
    );
  }
}

/** The MLflow key of a per-fold (stepped) metric. The local backend keeps the key and a step column. */
export const foldMetricKey = (key: string): string => `fold/${key}`;

// Tags and params never store a URI's password (an error message in a tag may quote one).
const kv = (entries: Record<string, string>, max: number): KeyValue[] =>
  Object.entries(entries).map(([key, value]) => ({ key, value: maskUserinfo(value).slice(0, max) }));

export function mlflowRun(
  client: MlflowClient,
  info: { runId: string; experimentId: string; name: string; artifactUri: string },
): TrackedRun {
  return {
    ...info,
    async logParams(params) {
      const values = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, paramValue(v)]));
      await logBatch(client, info.runId, { metrics: [], params: kv(values, MAX_PARAM_VALUE), tags: [] });
    },
    async logMetrics(metrics, step) {
      const timestamp = Date.now();
      // MLflow's "latest" value of a key is the one with the highest step, so per-fold values under the
      // same key as the overall figure would hide it in the runs table; they go under fold/<key>.
      const items: MetricItem[] = Object.entries(metrics).map(([key, value]) =>
        step === undefined ? { key, value, timestamp, step: 0 } : { key: foldMetricKey(key), value, timestamp, step },
      );
      await logBatch(client, info.runId, { metrics: items, params: [], tags: [] });
    },
    async logMetricHistory(key, points) {
      const timestamp = Date.now();
      await logBatch(client, info.runId, {
        metrics: points.map((p) => ({ key, value: p.value, timestamp, step: p.step })),
        params: [],
        tags: [],
      });
    },
    async setTags(tags) {
      await logBatch(client, info.runId, { metrics: [], params: [], tags: kv(tags, MAX_TAG_VALUE) });
    },
    async logArtifact(localPath, artifactPath) {
      await uploadArtifacts(client, info.artifactUri, localPath, artifactPath);
    },
    async end(status: RunStatus = 'FINISHED') {
      await client.call('POST', 'runs/update', { run_id: info.runId, status, end_time: Date.now() }, emptyResponse);
    },
    async discard() {
      await client.call('POST', 'runs/delete', { run_id: info.runId }, emptyResponse);
    },
  };
}

export async function createMlflowTracker(client: MlflowClient, experiment: string): Promise<Tracker> {
  const experimentId = await ensureExperiment(client, experiment);
  return {
    backend: 'mlflow',
    experiment,
    async startRun(opts: StartRunOptions) {
      const tags: Record<string, string> = {
        ...opts.tags,
        [RUN_NAME_TAG]: opts.name,
        'mlflow.source.name': 'cvc',
        'mlflow.source.type': 'JOB',
      };
      const parent = parentId(opts.parent);
      if (parent) tags[PARENT_RUN_TAG] = parent;
      const res = await client.call(
        'POST',
        'runs/create',
        { experiment_id: experimentId, run_name: opts.name, start_time: Date.now(), tags: kv(tags, MAX_TAG_VALUE) },
        runResponse,
      );
      return mlflowRun(client, {
        runId: res.run.info.run_id,
        experimentId,
        name: opts.name,
        artifactUri: res.run.info.artifact_uri ?? '',
      });
    },
    async runningRuns() {
      const out: { runId: string; name: string; tags: Record<string, string> }[] = [];
      let token: string | undefined;
      do {
        const res = await client.call(
          'POST',
          'runs/search',
          {
            experiment_ids: [experimentId],
            filter: "attributes.status = 'RUNNING'",
            max_results: 1000,
            ...(token ? { page_token: token } : {}),
          },
          searchRunsResponse,
        );
        for (const r of res.runs ?? []) {
          // Checked here too: a server that ignores the filter must not get FINISHED runs re-marked.
          if (r.info.status !== 'RUNNING') continue;
          const tags = Object.fromEntries((r.data?.tags ?? []).map((t) => [t.key, t.value ?? '']));
          out.push({ runId: r.info.run_id, name: r.info.run_name ?? '', tags });
        }
        token = res.next_page_token || undefined;
      } while (token);
      return out;
    },
    async markFailed(runId) {
      await logBatch(client, runId, {
        metrics: [],
        params: [],
        tags: [{ key: 'cvc.abandoned', value: 'the process that ran it is gone' }],
      });
      await client.call(
        'POST',
        'runs/update',
        { run_id: runId, status: 'FAILED', end_time: Date.now() },
        emptyResponse,
      );
    },
    async close() {},
  };
}
