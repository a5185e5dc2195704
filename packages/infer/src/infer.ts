// `cvc infer --horizon 35`: the daily cron job. Loads a bundle, gives each open store its last
// `context` days from the feature table plus the known-future covariates of the forecast window,
// forecasts p10/p50/p90 and replaces that as-of date's rows in `bip_vprevisao_lojas_futuro`. With
// `--shard i/n` it forecasts only the stores of that shard and replaces only their rows of the date.
import { dirname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  FUTURE_COVARIATES,
  HOLIDAY_LOOKBACK_DAYS,
  InputError,
  JobError,
  addDays,
  formatIsoDay,
  inShard,
  parseIsoDay,
  type LoadedConfig,
  type Shard,
  type Logger,
  type ProgressFn,
  type StoreSeries,
} from '@cvc/core';
import { forecasterFactories } from '@cvc/models';
import {
  extendWithFuture,
  lakeTables,
  lastFeatureDay,
  openDuckDb,
  readFutureValues,
  readKnownFutureInputs,
  readStoreSeries,
  startStep,
} from '@cvc/feature-table';
import { loadSnapshot } from '@cvc/lakehouse';
import {
  bundleHistoryDays,
  missingCovariates,
  readBundle,
  readManifest,
  type BundleManifest,
  type RoutedForecast,
} from '@cvc/mlops';
import { acquireLock, inferLockPath } from './lock.js';
import { writeForecastRows } from './output.js';

export interface InferOptions {
  loaded: LoadedConfig;
  /** Bundle directory (resolved from the registry by the caller or given as a path). */
  bundleDir: string;
  /** What to record as bundle_version in the output (registry version, or the path). */
  bundleVersion: string;
  horizon?: number;
  /** Last day of data to forecast from; default the last day in the feature table. */
  asOf?: string;
  /** Fail when a store is skipped for stale data. */
  strict?: boolean;
  runId: string;
  /** Only the stores of this shard (FNV-1a of store_id mod n); their rows of the date are replaced. */
  shard?: Shard;
  log?: Logger;
  onProgress?: ProgressFn;
}

export interface SkippedStore {
  storeId: string;
  reason: 'stale' | 'closed';
  lastDataDay: string | null;
}

export interface InferResult {
  runId: string;
  asOf: string;
  horizon: number;
  storesForecast: number;
  skipped: SkippedStore[];
  byModel: Record<string, number>;
  fallbackStores: number;
  rows: number;
  table: string;
  tableVersion: number;
  /** Version of the OPTIMIZE that compacted the table's small files after the write (null: none needed). */
  optimizeVersion: number | null;
  bundleVersion: string;
  bundleId: string;
  /** `i/n` for a sharded run. */
  shard: string | null;
  seconds: number;
}

/** Last day with a known sales value, as a day number (or null). */
function lastKnownDay(s: StoreSeries): number | null {
  for (let i = s.sales.length - 1; i >= 0; i--) if (Number.isFinite(s.sales[i]!)) return parseIsoDay(s.start) + i;
  return null;
}

/**
 * The model inputs of an as-of date, as infer builds them: each open store's last `context` days (and a
 * year more for LightGBM's yearly lags) ending on `asOf`, extended with the known-future covariates of
 * the forecast window. `cvc predict` calls this too, so the pyfunc model's numbers are infer's.
 */
export async function inferSeries(
  conn: DuckDBConnection,
  loaded: LoadedConfig,
  manifest: BundleManifest,
  opts: { asOf: string; horizon: number; stores?: ReadonlySet<string>; shard?: Shard },
): Promise<{ ready: StoreSeries[]; skipped: SkippedStore[]; withFuture: StoreSeries[]; stores: string[] }> {
  const cfg = loaded.config;
  const tables = lakeTables(loaded);
  const { asOf, horizon } = opts;
  // As many days as the bundle's most demanding model declared it reads (LightGBM's features reach a
  // year back), so a forecast sees what training saw, and never fewer than the planned-open rule looks
  // back for last year's holiday closures, so infer plans the days a backtest fold plans.
  const historyDays = Math.max(bundleHistoryDays(manifest), HOLIDAY_LOOKBACK_DAYS);
  const from = formatIsoDay(addDays(parseIsoDay(asOf), -(historyDays - 1)));
  const all = await readStoreSeries(conn, tables, { from, to: asOf });
  const series = all.filter((s) => (!opts.stores || opts.stores.has(s.storeId)) && inShard(s.storeId, opts.shard));
  if (series.length === 0 && opts.shard && all.length > 0)
    throw new InputError(
      `--shard ${opts.shard.index}/${opts.shard.count}: none of the ${all.length} stores with feature rows up to ` +
        `${asOf} falls in this shard; use fewer shards`,
    );
  if (series.length === 0)
    throw new InputError(
      `--as-of ${asOf}: no feature rows in the ${historyDays} days up to it (is it before the data?)`,
    );
  // Every store, not only the first: a number static can be missing for one store alone.
  for (const s of series) {
    const lacking = missingCovariates(manifest, s);
    if (lacking.length > 0)
      throw new InputError(
        `store ${s.storeId}: the bundle was trained with ${lacking.join(', ')} that the feature table ` +
          `${tables.features} lacks; configure it under source.columns (extra, future) or ` +
          'source.storeColumns.statics and rerun `cvc ingest --full`, or train a new bundle',
      );
  }
  const known = await readKnownFutureInputs(conn, tables, { pandemic: cfg.ingest.pandemic });
  // Configured future columns over the window: the feature table where it has the days, else the planned rows.
  const userFuture = Object.keys(series[0]?.future ?? {}).filter(
    (c) => !(FUTURE_COVARIATES as readonly string[]).includes(c),
  );
  const windowEnd = formatIsoDay(addDays(parseIsoDay(asOf), horizon));
  const inputs =
    userFuture.length === 0
      ? known
      : {
          ...known,
          futureValues: await readFutureValues(
            conn,
            tables,
            userFuture,
            formatIsoDay(addDays(parseIsoDay(asOf), 1)),
            windowEnd,
          ),
        };

  const asOfDay = parseIsoDay(asOf);
  const skipped: SkippedStore[] = [];
  const ready: StoreSeries[] = [];
  for (const s of series) {
    const facts = inputs.stores.get(s.storeId);
    const last = lastKnownDay(s);
    if (facts?.closedOn && parseIsoDay(facts.closedOn) <= asOfDay + 1) {
      skipped.push({ storeId: s.storeId, reason: 'closed', lastDataDay: last === null ? null : formatIsoDay(last) });
      continue;
    }
    if (last === null || asOfDay - last > cfg.infer.staleDays) {
      skipped.push({ storeId: s.storeId, reason: 'stale', lastDataDay: last === null ? null : formatIsoDay(last) });
      continue;
    }
    // The series must end exactly on the as-of day, so the forecast starts the day after it.
    if (parseIsoDay(s.start) + s.sales.length - 1 !== asOfDay) {
      skipped.push({ storeId: s.storeId, reason: 'stale', lastDataDay: formatIsoDay(last) });
      continue;
    }
    ready.push(s);
  }
  return {
    ready,
    skipped,
    withFuture: ready.length ? extendWithFuture(ready, horizon, inputs) : [],
    stores: series.map((s) => s.storeId),
  };
}

export async function runInfer(opts: InferOptions): Promise<InferResult> {
  const { loaded, cfg, log, progress, tables, t0 } = startStep(opts);
  const outTable = tables.forecasts;

  // Cheap checks first: a bad bundle or horizon fails before anything waits on the lock.
  const manifest = await readManifest(opts.bundleDir);
  const horizon = opts.horizon ?? cfg.forecast.horizon;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > manifest.horizon) {
    throw new InputError(
      `--horizon ${horizon}: the bundle ${opts.bundleVersion} was trained for 1..${manifest.horizon} days`,
    );
  }
  const factories = await forecasterFactories(manifest.models.map((m) => m.kind));
  const forecaster = await readBundle(opts.bundleDir, factories, { signingKey: cfg.registry.signingKey });

  // One lock per shard: shards of a date run side by side, two runs of one shard do not.
  const shardTag = opts.shard ? `${opts.shard.index}/${opts.shard.count}` : null;
  const lockPath = inferLockPath(loaded, opts.shard);
  await mkdir(dirname(lockPath), { recursive: true });
  const lock = await acquireLock(lockPath, {
    runId: opts.runId,
    timeoutSec: cfg.infer.lockTimeoutSec,
    maxAgeSec: cfg.infer.lockMaxAgeSec,
    onWait: (owner) => log.warn({ owner }, 'another infer run holds the lock; waiting'),
  });
  const { conn, close } = await openDuckDb();
  try {
    const lastDay = await lastFeatureDay(conn, tables);
    if (!lastDay)
      throw new InputError(`infer: the feature table ${tables.features} is empty; run \`cvc ingest\` first`);
    const asOf = opts.asOf ?? lastDay;
    if (asOf > lastDay)
      throw new InputError(
        `--as-of ${asOf}: the feature table ends ${lastDay}; run \`cvc ingest\` first or pick an earlier date`,
      );
    const { ready, skipped, withFuture, stores } = await inferSeries(conn, loaded, manifest, {
      asOf,
      horizon,
      ...(opts.shard ? { shard: opts.shard } : {}),
    });
    const stale = skipped.filter((s) => s.reason === 'stale');
    if (stale.length > 0)
      log.warn(
        { stores: stale.map((s) => s.storeId), staleDays: cfg.infer.staleDays },
        'stores skipped: no recent data',
      );
    if (opts.strict && stale.length > 0) {
      throw new JobError(
        `--strict: ${stale.length} store(s) have no data in the last ${cfg.infer.staleDays} days: ${stale
          .slice(0, 10)
          .map((s) => s.storeId)
          .join(', ')}`,
      );
    }
    if (ready.length === 0) throw new JobError(`infer: no store has data up to ${asOf}; nothing to forecast`);

    progress({ phase: 'infer', done: 0, total: ready.length, detail: 'forecasting' });
    const forecasts: RoutedForecast[] = await forecaster.predict({ series: withFuture, horizon });
    progress({ phase: 'infer', done: ready.length, total: ready.length, detail: 'writing' });

    const byModel: Record<string, number> = {};
    let fallbackStores = 0;
    for (const f of forecasts) {
      byModel[f.modelKind] = (byModel[f.modelKind] ?? 0) + 1;
      if (f.route !== 'routed') fallbackStores++;
    }
    const featureVersion = (await loadSnapshot(tables.features)).version;
    const written = await writeForecastRows(conn, outTable, forecasts, {
      targetFileSizeBytes: opts.loaded.config.lake.targetFileSizeMb * 2 ** 20,
      asOf,
      horizon,
      bundleVersion: opts.bundleVersion,
      runId: opts.runId,
      lineage: {
        bundleId: manifest.bundleId,
        featureTable: tables.features,
        featureVersion,
        ...(shardTag ? { shard: shardTag } : {}),
      },
      ...(opts.shard ? { shardStores: stores } : {}),
      onReplan: (attempt, error) =>
        log.warn({ shard: shardTag, attempt, error: error.message }, 'forecast write conflicted; re-planning'),
      onOptimizeSkipped: (error) =>
        log.warn({ error: error.message }, 'compaction lost a race to a shard; skipped (the next run compacts)'),
    });
    const { rows, commit, optimizeVersion } = written;
    log.info(
      { asOf, stores: forecasts.length, skipped: skipped.length, rows, version: commit.version },
      'forecasts written',
    );
    return {
      runId: opts.runId,
      asOf,
      horizon,
      storesForecast: forecasts.length,
      skipped,
      byModel,
      fallbackStores,
      rows,
      table: outTable,
      tableVersion: commit.version,
      optimizeVersion,
      bundleVersion: opts.bundleVersion,
      bundleId: manifest.bundleId,
      shard: shardTag,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    close();
    await lock.release();
  }
}
