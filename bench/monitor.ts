// cvc monitor and cvc daily at chain size.
//  monitor: 2,000 stores with a year of daily forecast sets (35 days each, one Delta commit per day) and
//    their actuals; prints the backfill (first run over the whole year) and the steady daily run (one new
//    forecast set and one new day of actuals), median of --runs days, with local tracking and the page.
//  daily: the demo source at 2,000 stores, ingested, baselines backtested and trained; then the source
//    gains one day and runDaily (ingest -> infer -> monitor) runs; median of --runs days.
// Usage: node --conditions=source --import tsx bench/monitor.ts [--stores 2000] [--days 365] [--runs 3]
//   [--only monitor|daily]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { addDays, formatIsoDay, parseIsoDay, type LoadedConfig } from '../packages/core/src/index.js';
import { append, createTable, type ColumnDef } from '../packages/lakehouse/src/index.js';
import { lakeTables } from '../packages/feature-table/src/index.js';
import { monitorTables, runMonitor } from '../packages/monitor/src/index.js';
import { appendDemoSales, demoDaysAfter } from '../packages/demo-source/src/index.js';
import { runIngest } from '../packages/ingest/src/index.js';
import { runBacktestJob } from '../packages/backtest/src/index.js';
import { trainAndRegister } from '../packages/train/src/index.js';
import { runDaily } from '../packages/cli/src/commands/daily.js';
import { benchConfig, DEMO_AS_OF, demoSource, median, withPeakRss } from './ingest-common.js';
const { DuckDBInstance } = createRequire(new URL('../packages/monitor/package.json', import.meta.url))(
  '@duckdb/node-api',
) as typeof import('@duckdb/node-api');

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const STORES = Number(arg('--stores') ?? 2000);
const DAYS = Number(arg('--days') ?? 365);
const RUNS = Number(arg('--runs') ?? 3);
const only = arg('--only');
const H = 35;
const s = (t0: number) => (performance.now() - t0) / 1000;

async function monitorBench(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'cvc-bench-monitor-'));
  const loaded: LoadedConfig = benchConfig('/unused', join(root, 'lake'));
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const features = lakeTables(loaded).features;
  const forecasts = monitorTables(loaded).forecasts;
  // The columns monitor reads; the values are a weekly pattern per store with multiplicative noise.
  const featureCols: ColumnDef[] = [
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'date', type: 'DATE', nullable: false },
    { name: 'sales', type: 'DOUBLE' },
    { name: 'is_missing', type: 'BOOLEAN', nullable: false },
    { name: 'is_open', type: 'BOOLEAN', nullable: false },
  ];
  const forecastCols: ColumnDef[] = [
    { name: 'store_id', type: 'VARCHAR', nullable: false },
    { name: 'forecast_date', type: 'DATE', nullable: false },
    { name: 'horizon_day', type: 'INTEGER', nullable: false },
    { name: 'as_of_date', type: 'DATE', nullable: false },
    { name: 'yhat', type: 'DOUBLE' },
    { name: 'yhat_lower', type: 'DOUBLE' },
    { name: 'yhat_upper', type: 'DOUBLE' },
    { name: 'model', type: 'VARCHAR' },
    { name: 'bundle_version', type: 'VARCHAR' },
    { name: 'run_id', type: 'VARCHAR', nullable: false },
  ];
  await createTable(conn, features, { columns: featureCols, clusterBy: ['store_id', 'date'] });
  // A bundle directory whose manifest carries the backtest figures monitor compares with.
  const bundleDir = join(root, 'bundle');
  mkdirSync(bundleDir);
  writeFileSync(
    join(bundleDir, 'manifest.json'),
    JSON.stringify({
      formatVersion: 1,
      bundleId: 'bench',
      createdAt: new Date().toISOString(),
      cvcVersion: '0.1.0',
      configHash: 'bench',
      horizon: H,
      context: 90,
      trainingWindow: { from: '2023-01-01', to: '2024-12-31' },
      lineage: { featureTable: features, deltaVersion: 0 },
      routing: { stores: {}, fallback: 'lgbm' },
      models: [{ kind: 'lgbm', dir: 'models/lgbm' }],
      backtest: { wape: 0.05, byModel: { lgbm: { wape: 0.05 } } },
      files: [],
    }),
  );
  await createTable(conn, forecasts, { columns: forecastCols, clusterBy: ['as_of_date', 'store_id'] });
  const level = (col: string, day: string) =>
    `(1000 + 7 * ${col}) * (1 + 0.3 * sin(2 * pi() * (${day} - DATE '2000-01-03') / 7))`;
  const actuals = (from: string, to: string) =>
    append(
      conn,
      features,
      `SELECT s::VARCHAR AS store_id, d::DATE AS date,
      ${level('s', 'd::DATE')} * (1 + 0.15 * (hash(s, d) % 1000 / 1000.0 - 0.5)) AS sales,
      false AS is_missing, true AS is_open
    FROM range(1, ${STORES + 1}) r(s), range(DATE '${from}', DATE '${to}' + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)`,
    );
  const forecastSet = (asOf: string) =>
    append(
      conn,
      forecasts,
      `SELECT s::VARCHAR AS store_id, (DATE '${asOf}' + h::INTEGER)::DATE AS forecast_date,
      h::INTEGER AS horizon_day, DATE '${asOf}' AS as_of_date, ${level('s', `(DATE '${asOf}' + h::INTEGER)`)} AS yhat,
      ${level('s', `(DATE '${asOf}' + h::INTEGER)`)} * 0.85 AS yhat_lower,
      ${level('s', `(DATE '${asOf}' + h::INTEGER)`)} * 1.15 AS yhat_upper,
      'lgbm' AS model, '${bundleDir}' AS bundle_version, 'infer-${asOf}' AS run_id
    FROM range(1, ${STORES + 1}) r(s), range(1, ${H + 1}) t(h) ORDER BY store_id, forecast_date`,
      { metadata: { operation: 'infer' } },
    );
  const start = '2025-01-01';
  const last = formatIsoDay(addDays(parseIsoDay(start), DAYS - 1));
  let t0 = performance.now();
  await actuals('2024-10-01', last);
  for (let k = 0; k < DAYS; k++) await forecastSet(formatIsoDay(addDays(parseIsoDay(start), k)));
  console.log(
    `setup: ${STORES} stores, ${DAYS} forecast sets (${(STORES * DAYS * H).toLocaleString('en-US')} forecast ` +
      `rows) in ${s(t0).toFixed(1)} s`,
  );

  t0 = performance.now();
  const backfill = await withPeakRss(() =>
    runMonitor({ loaded, runId: 'backfill', today: formatIsoDay(addDays(parseIsoDay(last), 1)) }),
  );
  console.log(
    `monitor backfill (whole year): ${s(t0).toFixed(2)} s, ` +
      `${backfill.result.update.added.toLocaleString('en-US')} rows added, ` +
      `peak RSS ${backfill.peakMiB.toFixed(0)} MiB`,
  );
  const times: number[] = [];
  let day = last;
  for (let k = 0; k < RUNS; k++) {
    const next = formatIsoDay(addDays(parseIsoDay(day), 1));
    await actuals(next, next);
    await forecastSet(next);
    day = next;
    t0 = performance.now();
    const r = await runMonitor({ loaded, runId: `day-${k}`, today: formatIsoDay(addDays(parseIsoDay(day), 1)) });
    times.push(s(t0));
    console.log(
      `  daily monitor ${day}: ${times.at(-1)!.toFixed(2)} s (${r.update.added} rows added, ${r.update.updated} ` +
        `updated, ${r.alerts.length} alerts)`,
    );
  }
  console.log(
    `monitor daily run, ${STORES} stores x ${H} days x ${DAYS} daily runs: median ${median(times).toFixed(2)} s ` +
      `over ${RUNS} days (target <= 5 s)`,
  );
  conn.closeSync();
  db.closeSync();
  rmSync(root, { recursive: true, force: true });
}

async function dailyBench(): Promise<void> {
  const source = await demoSource(STORES);
  const root = mkdtempSync(join(tmpdir(), 'cvc-bench-daily-'));
  // runDaily appends to the source: work on a copy so the cached source stays as generated.
  const copy = join(root, 'source.duckdb');
  const { copyFileSync } = await import('node:fs');
  copyFileSync(source, copy);
  const loaded = benchConfig(copy, join(root, 'lake'));
  let t0 = performance.now();
  await runIngest({ loaded, today: DEMO_AS_OF });
  await runBacktestJob({ loaded, runId: 'bench-bt', models: [], folds: 1 });
  await trainAndRegister({ loaded, from: '2024-01-01', promote: 'always' });
  await runDaily({ loaded, runId: 'bench-day-0', today: formatIsoDay(addDays(parseIsoDay(DEMO_AS_OF), 1)) });
  console.log(
    `daily setup: ${STORES} stores ingested, baselines backtested and trained, first daily run, in ` +
      `${s(t0).toFixed(1)} s`,
  );
  const next = demoDaysAfter({ stores: STORES, asOf: DEMO_AS_OF, seed: 42 }, RUNS);
  const times: number[] = [];
  for (const day of next.days) {
    await appendDemoSales(copy, next.feedOf(day));
    t0 = performance.now();
    const r = await withPeakRss(() =>
      runDaily({ loaded, runId: `bench-${day}`, today: formatIsoDay(addDays(parseIsoDay(day), 1)) }),
    );
    times.push(s(t0));
    console.log(
      `  daily ${day}: ${times.at(-1)!.toFixed(2)} s ` +
        `(${r.result.steps.map((x) => `${x.step} ${x.outcome} ${x.seconds.toFixed(2)} s`).join(', ')}), ` +
        `peak RSS ${r.peakMiB.toFixed(0)} MiB`,
    );
  }
  console.log(
    `cvc daily, ${STORES} stores, one new day: median ${median(times).toFixed(2)} s over ${RUNS} days (target <= 10 s)`,
  );
  rmSync(root, { recursive: true, force: true });
}

if (only !== 'daily') await monitorBench();
if (only !== 'monitor') await dailyBench();
