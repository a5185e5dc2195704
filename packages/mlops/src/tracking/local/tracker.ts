// The default Tracker: runs, params, metrics and tags in Delta tables under the tracking root, and
// artifacts copied into <root>/artifacts/<run_id>/ through the lakehouse Storage layer (a local folder,
// or blobs when tracking.root is an Azure URL). Every call is written as it is made (one small append
// per call), as MLflow logs them, so a reader sees a RUNNING run's params, fold metrics and tags live.
import { isRemoteLake, maskUserinfo } from '@cvc/core';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { append, scanSql, storageFor } from '@cvc/lakehouse';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MlopsInputError } from '../../errors.js';
import { filesBelow } from '../../files.js';
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
import { artifactsRoot, ensureTables, tablePath, trackingRootOf, valuesSelect, type SqlValue } from './tables.js';

export async function openDuck(): Promise<{ conn: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return {
    conn,
    close: () => {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Artifact paths are relative and stay inside the run's folder. */
function safeArtifactPath(p: string): string {
  const parts = p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (parts.length === 0 || parts.includes('..'))
    throw new MlopsInputError(`artifact path "${p}": expected a relative path without ".."`);
  return parts.join('/');
}

/** A failed write(fd) (ENOSPC) carries no path: name the table or root being written. */
function namePath(path: string): (err: unknown) => never {
  return (err) => {
    const e = err as NodeJS.ErrnoException;
    if (e instanceof Error && typeof e.code === 'string' && !e.path) e.path = path;
    throw err;
  };
}

export async function createLocalTracker(root: string, experiment: string): Promise<Tracker> {
  const trackingRoot = trackingRootOf(root);
  if (!isRemoteLake(trackingRoot)) await mkdir(trackingRoot, { recursive: true });
  const store = storageFor(trackingRoot);
  const duck = await openDuck();
  await ensureTables(duck.conn, trackingRoot).catch(namePath(trackingRoot));
  // One DuckDB connection runs one statement at a time; chain the writes of all runs.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const write = (table: 'runs' | 'params' | 'metrics' | 'tags', rows: Record<string, SqlValue>[], runId: string) => {
    if (rows.length === 0) return Promise.resolve();
    const path = tablePath(trackingRoot, table);
    const metadata = { source: 'cvc tracking', runId };
    return serial(() => append(duck.conn, path, valuesSelect(table, rows), { metadata })).catch(namePath(path));
  };

  return {
    backend: 'local',
    experiment,
    async startRun(opts: StartRunOptions): Promise<TrackedRun> {
      const runId = randomUUID().replaceAll('-', '');
      const start = new Date();
      const artifactDir = `${artifactsRoot(trackingRoot)}/${runId}`;
      const parent = parentId(opts.parent);
      const runRow = {
        run_id: runId,
        experiment,
        name: opts.name,
        parent_run_id: parent ?? null,
        artifact_dir: artifactDir,
        start_time: start,
      };
      await write('runs', [{ ...runRow, status: 'RUNNING', end_time: null, event_time: start }], runId);
      const params = new Map<string, string>();
      const tags = new Map<string, string>([[RUN_NAME_TAG, opts.name]]);
      for (const [k, v] of Object.entries(opts.tags ?? {})) tags.set(k, maskUserinfo(v));
      if (parent) tags.set(PARENT_RUN_TAG, parent);
      // The start tags (owner pid/host among them) are readable while the run is RUNNING, so a later run
      // can tell a killed one from a live one.
      await write(
        'tags',
        [...tags].map(([key, value]) => ({ run_id: runId, key, value, event_time: start })),
        runId,
      );
      let ended = false;
      return {
        runId,
        experimentId: experiment,
        name: opts.name,
        artifactUri: artifactDir,
        async logParams(p) {
          const fresh: Record<string, SqlValue>[] = [];
          for (const [k, v] of Object.entries(p)) {
            const value = paramValue(v);
            const had = params.get(k);
            // Same rule as MLflow: a param is written once; logging the same value again is fine.
            if (had !== undefined && had !== value)
              throw new MlopsInputError(
                `run ${runId}: param "${k}" already logged as "${had}", cannot change it to "${value}"`,
              );
            if (had === undefined) fresh.push({ run_id: runId, key: k, value });
          }
          // Checked before anything is written, so a refused batch leaves no part of itself behind.
          for (const r of fresh) params.set(String(r.key), String(r.value));
          await write('params', fresh, runId);
        },
        async logMetrics(m, step) {
          const timestamp = new Date();
          const rows = Object.entries(m).map(([key, value]) => ({ run_id: runId, key, value, step, timestamp }));
          await write('metrics', rows, runId);
        },
        async logMetricHistory(key, points) {
          const timestamp = new Date();
          const rows = points.map((p) => ({ run_id: runId, key, value: p.value, step: p.step, timestamp }));
          await write('metrics', rows, runId);
        },
        async setTags(t) {
          const now = new Date();
          const rows = Object.entries(t).map(([key, v]) => ({
            run_id: runId,
            key,
            value: maskUserinfo(v),
            event_time: now,
          }));
          await write('tags', rows, runId);
        },
        async logArtifact(localPath, artifactPath) {
          const dest = `artifacts/${runId}/${safeArtifactPath(artifactPath ?? basename(localPath))}`;
          const isDir = (await stat(localPath)).isDirectory();
          const files = isDir ? await filesBelow(localPath) : [''];
          await store.mkdirs('');
          for (const rel of files) {
            const to = rel === '' ? dest : `${dest}/${rel}`;
            await store.mkdirs(to.slice(0, to.lastIndexOf('/')));
            await store.put(to, await readFile(rel === '' ? localPath : join(localPath, ...rel.split('/'))));
          }
        },
        async end(status: RunStatus = 'FINISHED') {
          if (ended) return;
          ended = true;
          const now = new Date();
          await write('runs', [{ ...runRow, status, end_time: now, event_time: now }], runId);
        },
        async discard() {
          if (ended) return;
          ended = true;
          const now = new Date();
          await write('runs', [{ ...runRow, status: 'DELETED', end_time: now, event_time: now }], runId);
        },
      };
    },
    async runningRuns() {
      return serial(async () => {
        const runs = await scanSql(duck.conn, tablePath(trackingRoot, 'runs'));
        const tagScan = await scanSql(duck.conn, tablePath(trackingRoot, 'tags'));
        const reader = await duck.conn.runAndReadAll(
          `SELECT r.run_id, r.name, t.key, t.value
             FROM (SELECT *,
                     row_number() OVER (PARTITION BY run_id ORDER BY event_time DESC, (status <> 'RUNNING') DESC) AS rn
                     FROM ${runs}) r
             LEFT JOIN ${tagScan} t ON t.run_id = r.run_id
            WHERE r.rn = 1 AND r.status = 'RUNNING' AND r.experiment = $1`,
          [experiment],
        );
        const out = new Map<string, { runId: string; name: string; tags: Record<string, string> }>();
        for (const row of reader.getRowObjectsJS() as {
          run_id: string;
          name: string;
          key: string | null;
          value: string | null;
        }[]) {
          const r = out.get(row.run_id) ?? { runId: row.run_id, name: row.name, tags: {} };
          if (row.key !== null) r.tags[row.key] = row.value ?? '';
          out.set(row.run_id, r);
        }
        return [...out.values()];
      });
    },
    async markFailed(runId) {
      const found = await serial(async () => {
        const runs = await scanSql(duck.conn, tablePath(trackingRoot, 'runs'));
        const reader = await duck.conn.runAndReadAll(
          `SELECT run_id, experiment, name, parent_run_id, artifact_dir, start_time FROM ${runs}
           WHERE run_id = $1 ORDER BY event_time LIMIT 1`,
          [runId],
        );
        return reader.getRowObjectsJS()[0] as
          | { experiment: string; name: string; parent_run_id: string | null; artifact_dir: string; start_time: Date }
          | undefined;
      });
      if (!found) throw new MlopsInputError(`run ${runId}: not in the local tracking tables`);
      const now = new Date();
      await write(
        'tags',
        [{ run_id: runId, key: 'cvc.abandoned', value: 'the process that ran it is gone', event_time: now }],
        runId,
      );
      await write(
        'runs',
        [
          {
            run_id: runId,
            experiment: found.experiment,
            name: found.name,
            parent_run_id: found.parent_run_id,
            artifact_dir: found.artifact_dir,
            start_time: new Date(found.start_time),
            status: 'FAILED',
            end_time: now,
            event_time: now,
          },
        ],
        runId,
      );
    },
    async close() {
      await queue;
      duck.close();
    },
  };
}
