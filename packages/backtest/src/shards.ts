// `cvc backtest --shard merge`: completes a sharded backtest. Each shard wrote its stores' rows under
// `<run>.s<i>-<n>`; the merge checks that every shard finished, picks the global best over all shards'
// metrics (stores without enough history fall back to it), moves the rows under `<run>`, rewrites the
// choice, and learns the interval calibration over every store, so `cvc train` reads one ordinary run.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InputError,
  parseIsoDay,
  formatIsoDay,
  backtestLearnedFile,
  MAX_SHARD_RUN_CHARS,
  type LoadedConfig,
  type Logger,
} from '@cvc/core';
import {
  appendModelChoice,
  moveShardRows,
  openDuckDb,
  readRunMetrics,
  readShardChoices,
  readStoreSeries,
  readUnmergedShardRuns,
  startStep,
} from '@cvc/feature-table';
import { scanSql, tableExists } from '@cvc/lakehouse';
import { leaderboard, type StoreChoice } from './choice.js';
import type { FoldOutcome } from './chain.js';
import { calibrateIntervals, calibrationOrigins } from './post.js';

export interface ShardMergeResult {
  runId: string;
  shards: number;
  stores: number;
  globalBest: string;
  choiceCounts: Record<string, number>;
  /** True when an earlier merge had already completed this run (nothing was written). */
  alreadyMerged: boolean;
  learnedFile: string | null;
}

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** A sharded run's name, from `--run-id`: short and plain, so `<run>.s<i>-<n>` fits in Delta's string stats. */
export function checkShardRunName(run: string): string {
  if (!RUN_NAME.test(run) || run.length > MAX_SHARD_RUN_CHARS) {
    throw new InputError(
      `--run-id must be 1-${MAX_SHARD_RUN_CHARS} letters, digits, '-' or '_' (starting with a letter or digit) ` +
        `for a sharded run, got "${run}"`,
    );
  }
  return run;
}

export async function mergeShardedBacktest(opts: {
  loaded: LoadedConfig;
  run: string;
  log?: Logger;
}): Promise<ShardMergeResult> {
  const run = checkShardRunName(opts.run);
  const { loaded, log, tables } = startStep(opts);
  const { conn, close } = await openDuckDb();
  try {
    const rows = await readShardChoices(conn, tables.modelChoice, `${run}.s`);
    const byShard = new Map<string, StoreChoice[]>();
    const counts = new Set<number>();
    const indices = new Set<number>();
    for (const r of rows) {
      const m = /^\.s(\d+)-(\d+)$/.exec(r.runId.slice(run.length));
      if (!m) continue;
      counts.add(Number(m[2]));
      indices.add(Number(m[1]));
      const list = byShard.get(r.runId) ?? [];
      list.push({ ...r, reason: r.reason as StoreChoice['reason'] });
      byShard.set(r.runId, list);
    }
    if (byShard.size === 0) {
      const done = await mergedStores(conn, tables.modelChoice, run);
      if (done === 0)
        throw new InputError(
          `backtest --shard merge: ${tables.modelChoice} has no shard of run "${run}"; run the shards first`,
        );
      log.info({ runId: run, stores: done }, 'sharded backtest already merged');
      return {
        runId: run,
        shards: 0,
        stores: done,
        globalBest: '',
        choiceCounts: {},
        alreadyMerged: true,
        learnedFile: null,
      };
    }
    if (counts.size !== 1)
      throw new InputError(
        `backtest --shard merge: run "${run}" has shards of different counts (${[...counts].join(', ')})`,
      );
    const n = [...counts][0]!;
    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !indices.has(i));
    if (missing.length > 0) {
      throw new InputError(
        `backtest --shard merge: run "${run}" lacks shard(s) ${missing.map((i) => `${i}/${n}`).join(', ')}; ` +
          'run them (or rerun the failed ones) before merging',
      );
    }
    const shardIds = [...byShard.keys()].sort();
    // The global best over every store's metrics: what an unsharded choice would compute from these rows.
    const scores = await readRunMetrics(conn, tables.backtestMetrics, shardIds);
    const globalBest = leaderboard(scores)[0]?.model;
    if (!globalBest) throw new InputError(`backtest --shard merge: run "${run}" has no metrics rows`);
    const choices = shardIds
      .flatMap((id) => byShard.get(id)!)
      .map((c) => (c.reason === 'global-best' ? { ...c, model: globalBest } : c))
      .sort((a, b) => (a.storeId < b.storeId ? -1 : a.storeId > b.storeId ? 1 : 0));

    // Forecasts and metrics first, the choice last: `cvc train` starts from the newest choice.
    await moveShardRows(conn, tables.backtestForecasts, run, shardIds);
    await moveShardRows(conn, tables.backtestMetrics, run, shardIds);
    const learnedFile = await learnCalibration(loaded, conn, tables, run);
    await appendModelChoice(conn, tables.modelChoice, run, choices, globalBest, { replacing: shardIds });
    const choiceCounts: Record<string, number> = {};
    for (const c of choices) choiceCounts[c.model] = (choiceCounts[c.model] ?? 0) + 1;
    log.info({ runId: run, shards: n, stores: choices.length, globalBest }, 'sharded backtest merged');
    return {
      runId: run,
      shards: n,
      stores: choices.length,
      globalBest,
      choiceCounts,
      alreadyMerged: false,
      learnedFile,
    };
  } finally {
    close();
  }
}

/**
 * The first step of `cvc train`: merges every sharded backtest newer than the last complete choice,
 * oldest first, so train starts from the sharded run rather than an older one. A run with a shard
 * missing is an InputError naming it (train must not quietly fall back to an older choice).
 */
export async function mergeFinishedShards(opts: { loaded: LoadedConfig; log?: Logger }): Promise<ShardMergeResult[]> {
  const { tables } = startStep(opts);
  const { conn, close } = await openDuckDb();
  let runs: string[];
  try {
    runs = await readUnmergedShardRuns(conn, tables);
  } finally {
    close();
  }
  const merged: ShardMergeResult[] = [];
  for (const run of runs.reverse()) merged.push(await mergeShardedBacktest({ ...opts, run }));
  return merged;
}

async function mergedStores(conn: Parameters<typeof readShardChoices>[0], table: string, run: string): Promise<number> {
  if (!(await tableExists(table))) return 0;
  const scan = await scanSql(conn, table, { filters: { run_id: run } });
  const r = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${scan} t WHERE run_id = $1`, [run]);
  return Number(r.getRowObjectsJS()[0]?.['n'] ?? 0);
}

/**
 * Interval calibration per model over every store, from the merged forecasts (the scored windows,
 * after the gap; with the default gap of 0 these are exactly the windows an unsharded run calibrates on).
 */
async function learnCalibration(
  loaded: LoadedConfig,
  conn: Parameters<typeof readShardChoices>[0],
  tables: ReturnType<typeof startStep>['tables'],
  run: string,
): Promise<string> {
  const series = (await readStoreSeries(conn, tables)).filter((s) => s.sales.length > 0);
  const scan = await scanSql(conn, tables.backtestForecasts, { filters: { run_id: run } });
  const rows = (
    await conn.runAndReadAll(
      `SELECT model, fold, store_id, min(forecast_date)::VARCHAR AS start,
         list(p10 ORDER BY horizon_day) AS p10, list(p50 ORDER BY horizon_day) AS p50,
         list(p90 ORDER BY horizon_day) AS p90
       FROM ${scan} t WHERE run_id = $1 GROUP BY model, fold, store_id ORDER BY model, fold, store_id`,
      [run],
    )
  ).getRowObjectsJS();
  const outcomes = new Map<string, FoldOutcome>();
  for (const r of rows) {
    const key = `${String(r['model'])}|${Number(r['fold'])}`;
    const o = outcomes.get(key) ?? {
      model: String(r['model']),
      fold: Number(r['fold']),
      forecasts: [],
      fitSeconds: 0,
      predictSeconds: 0,
      metrics: {},
      resumed: false,
    };
    outcomes.set(key, o);
    const arr = (v: unknown) => Float64Array.from(v as (number | null)[], (x) => (x === null ? Number.NaN : x));
    o.forecasts.push({
      storeId: String(r['store_id']),
      start: formatIsoDay(parseIsoDay(String(r['start']))),
      p10: arr(r['p10']),
      p50: arr(r['p50']),
      p90: arr(r['p90']),
    });
  }
  const models = [...new Set([...outcomes.values()].map((o) => o.model))];
  const { calibration } = calibrateIntervals([...outcomes.values()], series, {
    origins: calibrationOrigins(loaded.config.models, models),
  });
  const file = backtestLearnedFile(loaded.paths.data, run);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(`${file}.tmp`, `${JSON.stringify({ runId: run, calibration, ensemble: null })}\n`);
  await rename(`${file}.tmp`, file);
  return file;
}
