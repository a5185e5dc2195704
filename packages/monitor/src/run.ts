// `cvc monitor`: update forecast_accuracy, compute rolling metrics, compare with the backtest, raise
// alerts, log the chain's figures to the tracking backend and write the monitoring page.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  addDays,
  formatIsoDay,
  parseIsoDay,
  dayFromDate,
  silentLogger,
  type LoadedConfig,
  type Logger,
} from '@cvc/core';
import { lakeTables, lastFeatureDay } from '@cvc/feature-table';
import { scanSql, tableExists } from '@cvc/lakehouse';
import { openTracker, trackingSettings } from '@cvc/mlops';
import { maxDay } from './stats.js';
import { updateAccuracy, type AccuracyUpdate } from './accuracy.js';
import { accuracyAlerts, lakeAlerts, type Alert, type Baseline, type LakeFacts } from './alerts.js';
import { loadBaseline } from './baseline.js';
import { rollingMetrics, type RollingMetrics } from './metrics.js';
import { monitorTables } from './tables.js';
import { worstStores, writeMonitorPage } from './page.js';
import { join } from 'node:path';

export interface MonitorOptions {
  loaded: LoadedConfig;
  runId: string;
  /** The day the check runs for (staleness and model age); default: today's UTC date. */
  today?: string;
  /** Log the chain metrics to the tracking backend (default true). */
  track?: boolean;
  /** Write the HTML page under data/reports/ (default true). */
  page?: boolean;
  log?: Logger;
  /** Alerts raised before monitor ran (by `cvc daily`), shown on the page; not part of the result's alerts. */
  earlierAlerts?: Alert[];
}

export interface MonitorResult {
  runId: string;
  today: string;
  table: string;
  update: AccuracyUpdate;
  window: RollingMetrics['window'];
  metrics: RollingMetrics;
  baseline: Baseline | null;
  lastFeatureDay: string | null;
  alerts: Alert[];
  trackingRunId: string | null;
  /** The monitoring page (data/reports/monitor-<today>.html), or null when not written. */
  page: string | null;
  seconds: number;
}

const RECENT_SETS_DAYS = 7;

/** The two latest as-of dates of the forecast table and the stores the latest one lost. */
async function skippedStores(
  conn: DuckDBConnection,
  forecasts: string,
): Promise<{ facts: LakeFacts['skippedStores']; bundle: string | null }> {
  if (!(await tableExists(forecasts))) return { facts: null, bundle: null };
  const newest = await maxDay(conn, forecasts, 'as_of_date');
  if (newest === null) return { facts: null, bundle: null };
  // The previous forecast set is looked for in the last RECENT_SETS_DAYS only: a store last forecast
  // longer ago than that was not "forecast yesterday".
  const recent = await scanSql(conn, forecasts, {
    filters: { as_of_date: { gte: formatIsoDay(addDays(parseIsoDay(newest), -RECENT_SETS_DAYS)) } },
  });
  const dates = (
    await conn.runAndReadAll(`SELECT DISTINCT as_of_date::VARCHAR AS d FROM ${recent} t ORDER BY 1 DESC LIMIT 2`)
  )
    .getRowObjectsJS()
    .map((r) => String(r['d']));
  const latest = dates[0] ?? newest;
  const b = (
    await conn.runAndReadAll(
      `SELECT any_value(bundle_version) AS b FROM ${recent} t WHERE as_of_date = DATE '${latest}'`,
    )
  ).getRowObjectsJS()[0]?.['b'];
  const bundle = b == null ? null : String(b);
  if (dates.length < 2) return { facts: null, bundle };
  const previous = dates[1]!;
  const lost = (
    await conn.runAndReadAll(`SELECT DISTINCT store_id FROM ${recent} t WHERE as_of_date = DATE '${previous}'
      EXCEPT SELECT DISTINCT store_id FROM ${recent} t WHERE as_of_date = DATE '${latest}'`)
  )
    .getRowObjectsJS()
    .map((r) => String(r['store_id']))
    .sort((x, y) => x.localeCompare(y, 'en', { numeric: true }));
  return { facts: { latest, previous, stores: lost }, bundle };
}

export async function runMonitor(opts: MonitorOptions): Promise<MonitorResult> {
  const t0 = performance.now();
  const log = opts.log ?? silentLogger;
  const { loaded } = opts;
  const cfg = loaded.config.monitor;
  const today = opts.today ?? formatIsoDay(dayFromDate(new Date()));
  const tables = { ...monitorTables(loaded), features: lakeTables(loaded).features };
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const update = await updateAccuracy(conn, tables, { runId: opts.runId, lookbackDays: cfg.lookbackDays });
    log.info(
      { added: update.added, updated: update.updated, version: update.version },
      'monitor: forecast_accuracy updated',
    );
    const metrics =
      update.version === null ? await emptyMetrics() : await rollingMetrics(conn, tables.accuracy, cfg.windowDays);
    const { facts: skipped, bundle } = await skippedStores(conn, tables.forecasts);
    const baseline = bundle === null ? null : await loadBaseline(loaded, bundle, log);
    const last = await lastFeatureDay(conn, tables);
    const thresholds = { ...cfg };
    const alerts = [
      ...lakeAlerts({ today, lastFeatureDay: last, skippedStores: skipped }, baseline, thresholds),
      ...accuracyAlerts(metrics, baseline, thresholds),
    ];
    for (const a of alerts) log.warn({ alert: a.kind, stores: a.stores.length, chain: a.chain }, a.message);
    let page: string | null = null;
    if (opts.page !== false) {
      const worst = update.version === null ? [] : await worstStores(conn, tables.accuracy, metrics, cfg.minDays);
      page = await writeMonitorPage(join(loaded.paths.data, 'reports', `monitor-${today}.html`), {
        today,
        runId: opts.runId,
        metrics,
        baseline,
        alerts: [...(opts.earlierAlerts ?? []), ...alerts],
        worst,
      });
    }
    const trackingRunId = opts.track === false ? null : await track(loaded, opts.runId, today, metrics, alerts, log);
    return {
      runId: opts.runId,
      today,
      table: tables.accuracy,
      update,
      window: metrics.window,
      metrics,
      baseline,
      lastFeatureDay: last,
      alerts,
      trackingRunId,
      page,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

async function emptyMetrics(): Promise<RollingMetrics> {
  const a = { n: 0, days: 0, absError: 0, actual: 0, error: 0, inInterval: 0, wape: NaN, bias: NaN, coverage: NaN };
  return {
    window: null,
    rows: [],
    byStore: new Map(),
    storeDays: new Map(),
    chain: a,
    chainByBucket: {},
    daily: [],
    closed: 0,
  };
}

/** One monitoring run per call, named after the day, with the chain's rolling figures. */
async function track(
  loaded: LoadedConfig,
  runId: string,
  today: string,
  m: RollingMetrics,
  alerts: Alert[],
  log: Logger,
): Promise<string> {
  const tracker = await openTracker(trackingSettings(loaded), { log });
  try {
    const run = await tracker.startRun({
      name: `monitor ${today}`,
      tags: { 'cvc.command': 'monitor', 'cvc.runId': runId, 'cvc.day': today },
    });
    const metrics: Record<string, number> = { alerts: alerts.length, stores: m.byStore.size };
    const put = (prefix: string, a: { wape: number; bias: number; coverage: number }) => {
      if (Number.isFinite(a.wape)) metrics[`${prefix}wape`] = a.wape;
      if (Number.isFinite(a.bias)) metrics[`${prefix}bias`] = a.bias;
      if (Number.isFinite(a.coverage)) metrics[`${prefix}coverage`] = a.coverage;
    };
    put('', m.chain);
    for (const [bucket, a] of Object.entries(m.chainByBucket)) put(`h${bucket}/`, a);
    await run.logParams({
      windowDays: loaded.config.monitor.windowDays,
      windowFrom: m.window?.from ?? null,
      windowTo: m.window?.to ?? null,
    });
    await run.logMetrics(metrics);
    await run.end('FINISHED');
    return run.runId;
  } finally {
    await tracker.close();
  }
}
