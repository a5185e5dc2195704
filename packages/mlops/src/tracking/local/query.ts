// Reading the local tracking tables back, for `cvc runs list` and `cvc runs show <id>`.
import { scanSql, storageFor, tableExists } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { RunNotFoundError } from '../../errors.js';
import { PARENT_RUN_TAG } from '../tracker.js';
import { openDuck } from './tracker.js';
import { sqlLiteral, tablePath, trackingRootOf } from './tables.js';

export interface RunSummary {
  runId: string;
  experiment: string;
  name: string;
  parentRunId: string | null;
  status: string;
  startTime: string;
  endTime: string | null;
  /** Overall metrics (logged without a step). */
  metrics: Record<string, number>;
}

export interface RunDetail extends RunSummary {
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Per-step (fold) metrics: key -> [{ step, value }] sorted by step. */
  metricsByStep: Record<string, { step: number; value: number }[]>;
  children: string[];
  artifactDir: string;
  artifacts: string[];
}

export interface ListRunsOptions {
  experiment?: string;
  /** Only top-level runs (no parent). */
  topLevelOnly?: boolean;
  limit?: number;
}

const runRow = z.object({
  run_id: z.string(),
  experiment: z.string(),
  name: z.string(),
  parent_run_id: z.string().nullable(),
  status: z.string(),
  start_ms: z.number(),
  end_ms: z.number().nullable(),
  artifact_dir: z.string(),
});
const kvRow = z.object({ run_id: z.string(), key: z.string(), value: z.string() });
const metricRow = z.object({
  run_id: z.string(),
  key: z.string(),
  value: z.number().nullable(),
  step: z.number().nullable(),
});

async function rows<S extends z.ZodType>(conn: DuckDBConnection, sql: string, schema: S): Promise<z.infer<S>[]> {
  const reader = await conn.runAndReadAll(sql);
  return z.array(schema).parse(reader.getRowObjectsJS());
}

async function latestRuns(conn: DuckDBConnection, root: string, where: string): Promise<z.infer<typeof runRow>[]> {
  const scan = await scanSql(conn, tablePath(root, 'runs'));
  return rows(
    conn,
    `SELECT run_id, experiment, name, parent_run_id, status, CAST(epoch_ms(start_time) AS DOUBLE) AS start_ms,
            CAST(epoch_ms(end_time) AS DOUBLE) AS end_ms, artifact_dir
       FROM (SELECT *,
                    row_number() OVER (PARTITION BY run_id ORDER BY event_time DESC, (status <> 'RUNNING') DESC) AS rn
               FROM ${scan} r) x
      WHERE rn = 1 AND status <> 'DELETED' AND (${where})
      ORDER BY start_time DESC, run_id`,
    runRow,
  );
}

async function overallMetrics(
  conn: DuckDBConnection,
  root: string,
  runIds: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (runIds.length === 0) return out;
  const scan = await scanSql(conn, tablePath(root, 'metrics'));
  const ids = runIds.map(sqlLiteral).join(', ');
  // The last value logged for a key wins, as in MLflow's "latest metrics".
  const found = await rows(
    conn,
    `SELECT run_id, key, CAST(arg_max(value, timestamp) AS DOUBLE) AS value, NULL::DOUBLE AS step FROM ${scan} m ` +
      `WHERE step IS NULL AND run_id IN (${ids}) GROUP BY run_id, key`,
    metricRow,
  );
  for (const r of found) {
    const m = out.get(r.run_id) ?? {};
    m[r.key] = r.value ?? Number.NaN;
    out.set(r.run_id, m);
  }
  return out;
}

function summary(r: z.infer<typeof runRow>, metrics: Record<string, number> | undefined): RunSummary {
  return {
    runId: r.run_id,
    experiment: r.experiment,
    name: r.name,
    parentRunId: r.parent_run_id,
    status: r.status,
    startTime: new Date(r.start_ms).toISOString(),
    endTime: r.end_ms === null ? null : new Date(r.end_ms).toISOString(),
    metrics: metrics ?? {},
  };
}

async function withConn<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const duck = await openDuck();
  try {
    return await fn(duck.conn);
  } finally {
    duck.close();
  }
}

/** Runs newest first, each with its overall metrics. An empty or missing tracking root gives []. */
export async function listRuns(trackingRoot: string, opts: ListRunsOptions = {}): Promise<RunSummary[]> {
  const root = trackingRootOf(trackingRoot);
  if (!(await tableExists(tablePath(root, 'runs')))) return [];
  return withConn(async (conn) => {
    const conds = ['TRUE'];
    if (opts.experiment) conds.push(`experiment = ${sqlLiteral(opts.experiment)}`);
    if (opts.topLevelOnly) conds.push('parent_run_id IS NULL');
    let runs = await latestRuns(conn, root, conds.join(' AND '));
    if (opts.limit !== undefined) runs = runs.slice(0, opts.limit);
    const metrics = await overallMetrics(
      conn,
      root,
      runs.map((r) => r.run_id),
    );
    return runs.map((r) => summary(r, metrics.get(r.run_id)));
  });
}

/** The run's artifact files, through the same storage layer as the tables (local folder or Azure prefix). */
async function listArtifactFiles(dir: string): Promise<string[]> {
  try {
    return (await storageFor(dir).listRecursive('')).map((f) => f.path).sort();
  } catch {
    return [];
  }
}

/** One run in full. `id` may be a unique prefix (at least 6 characters) of the run id. */
export async function showRun(trackingRoot: string, id: string): Promise<RunDetail> {
  const root = trackingRootOf(trackingRoot);
  if (!(await tableExists(tablePath(root, 'runs'))))
    throw new RunNotFoundError(
      root,
      id,
      `no runs tracked yet (no table at ${tablePath(root, 'runs')}); run \`cvc backtest\` or \`cvc demo\` first`,
    );
  return withConn(async (conn) => {
    const where =
      id.length >= 6 && id.length < 32 ? `starts_with(run_id, ${sqlLiteral(id)})` : `run_id = ${sqlLiteral(id)}`;
    let found = await latestRuns(conn, root, where);
    if (found.length === 0) {
      // The id cvc prints (logs, report file names, run_id columns) is the run's cvc.run_id tag.
      const tagScan = await scanSql(conn, tablePath(root, 'tags'));
      found = (
        await latestRuns(
          conn,
          root,
          `run_id IN (SELECT run_id FROM ${tagScan} t WHERE key = 'cvc.run_id' AND value = ${sqlLiteral(id)})`,
        )
      ).filter((r, _i, all) => all.length === 1 || r.parent_run_id === null);
    }
    if (found.length === 0) throw new RunNotFoundError(root, id);
    if (found.length > 1)
      throw new RunNotFoundError(root, id, `run id prefix "${id}" matches ${found.length} runs; give more characters`);
    const run = found[0]!;
    const rid = sqlLiteral(run.run_id);
    const params = await rows(
      conn,
      `SELECT run_id, key, value FROM ${await scanSql(conn, tablePath(root, 'params'))} p WHERE run_id = ${rid}`,
      kvRow,
    );
    const tags = await rows(
      conn,
      'SELECT run_id, key, arg_max(value, event_time) AS value FROM ' +
        `${await scanSql(conn, tablePath(root, 'tags'))} t WHERE run_id = ${rid} GROUP BY run_id, key`,
      kvRow,
    );
    const metricScan = await scanSql(conn, tablePath(root, 'metrics'));
    const stepped = await rows(
      conn,
      `SELECT run_id, key, CAST(value AS DOUBLE) AS value, CAST(step AS DOUBLE) AS step FROM ${metricScan} m
        WHERE run_id = ${rid} AND step IS NOT NULL ORDER BY key, step, timestamp`,
      metricRow,
    );
    const metricsByStep: RunDetail['metricsByStep'] = {};
    for (const m of stepped) (metricsByStep[m.key] ??= []).push({ step: m.step ?? 0, value: m.value ?? Number.NaN });
    const children = await latestRuns(conn, root, `parent_run_id = ${rid}`);
    const overall = await overallMetrics(conn, root, [run.run_id]);
    const tagMap = Object.fromEntries(tags.map((t) => [t.key, t.value]));
    return {
      ...summary(run, overall.get(run.run_id)),
      parentRunId: run.parent_run_id ?? tagMap[PARENT_RUN_TAG] ?? null,
      params: Object.fromEntries(params.map((p) => [p.key, p.value])),
      tags: tagMap,
      metricsByStep,
      children: children.map((c) => c.run_id),
      artifactDir: run.artifact_dir,
      artifacts: await listArtifactFiles(run.artifact_dir),
    };
  });
}
