// Train/serve skew of the intervals: per model and horizon bucket, the median p90/p50 and the p10-p90
// coverage of the backtest's later folds (raw, and calibrated on the folds before each, as the report
// shows) beside production's: the forecasts infer wrote for as-of dates in [--from, --to], scored on the
// actuals the monitor stored (forecast_accuracy), per bundle version.
//   node --conditions=source --import tsx bench/interval-skew.ts [--config configs/cvc.yaml]
//     [--run <backtest run id>] [--from 2025-12-31] [--to 2026-01-13]
import {
  actualWindow,
  applyIntervalCalibration,
  dayClassesOf,
  horizonBucket,
  loadConfig,
  HORIZON_BUCKET_ENDS,
  type QuantileForecast,
} from '../packages/core/src/index.js';
import { lakeTables, openDuckDb, readStoreSeries } from '../packages/feature-table/src/index.js';
import { scanSql } from '../packages/lakehouse/src/index.js';
import { calibrateIntervals } from '../packages/backtest/src/post.js';
import type { FoldOutcome } from '../packages/backtest/src/chain.js';
import { readBacktestRawForecasts } from '../packages/train/src/interval-widths.js';
import { benchFlags, fortnightFlags } from './flags.js';

const flags = benchFlags(fortnightFlags, 'interval-skew.ts [--config <file>] [--run <id>] [--from <day>] [--to <day>]');
const loaded = loadConfig(flags.config);
const tables = lakeTables(loaded);
const from = flags.from;
const to = flags.to;
const { conn, close } = await openDuckDb();
const bucketName = (b: number) => `${b === 0 ? 1 : HORIZON_BUCKET_ENDS[b - 1]! + 1}-${HORIZON_BUCKET_ENDS[b]}`;

/** Per (label, model, bucket): the p90/p50 ratios, and the covered / scored day counts. */
const cells = new Map<string, { r: number[]; h1: number[]; inside: number; n: number }>();
function add(label: string, model: string, day: number, p10: number, p50: number, p90: number, y: number): void {
  if (!(p50 > 0) || !Number.isFinite(y)) return;
  const key = `${label}|${model}|${horizonBucket(day)}`;
  const c = cells.get(key) ?? { r: [], h1: [], inside: 0, n: 0 };
  cells.set(key, c);
  c.r.push(p90 / p50);
  if (day === 1) c.h1.push(p90 / p50);
  c.n++;
  if (y >= p10 && y <= p90) c.inside++;
}

// The backtest: its raw out-of-fold forecasts from the lake, calibrated as its report calibrates them.
const runSql = `SELECT run_id FROM ${await scanSql(conn, tables.modelChoice)} t ORDER BY created_at DESC LIMIT 1`;
const run = flags.run ?? String((await conn.runAndReadAll(runSql)).getRowObjectsJS()[0]?.['run_id']);
const raw = await readBacktestRawForecasts(conn, tables.backtestForecasts, run);
const series = (await readStoreSeries(conn, tables)).filter((s) => s.sales.length > 0);
const byId = new Map(series.map((s) => [s.storeId, s]));
const outcomes: FoldOutcome[] = [];
for (const [model, r] of raw) {
  const cutoffs = [...r.gaps.keys()].sort();
  for (const [fold, cutoff] of cutoffs.entries()) {
    const forecasts: QuantileForecast[] = r.forecasts
      .filter((f) => f.cutoff === cutoff)
      .map((f) => {
        const start = new Date(Date.parse(`${cutoff}T00:00:00Z`) + (r.gaps.get(cutoff)! + 1) * 86_400_000);
        return { storeId: f.storeId, start: start.toISOString().slice(0, 10), p10: f.p10, p50: f.p50, p90: f.p90 };
      });
    outcomes.push({ model, fold, forecasts, fitSeconds: 0, predictSeconds: 0, metrics: {}, resumed: true });
  }
}
const { byFold } = calibrateIntervals(
  outcomes.filter((o) => o.model !== 'ensemble'),
  series,
);
for (const o of outcomes) {
  if (o.fold === 0) continue;
  const cal = byFold[o.model]?.get(o.fold);
  for (const f of o.forecasts) {
    const s = byId.get(f.storeId)!;
    const a = actualWindow(s, f.start, f.p50.length);
    const c = cal
      ? applyIntervalCalibration(cal, f, 1, cal.classes ? dayClassesOf(s, f.start, f.p50.length) : undefined)
      : f;
    for (let h = 0; h < f.p50.length; h++) {
      if (!(a.isOpen[h]! > 0)) continue;
      add('backtest raw', o.model, h + 1, f.p10[h]!, f.p50[h]!, f.p90[h]!, a.sales[h]!);
      if (cal) add('backtest calibrated', o.model, h + 1, c.p10[h]!, c.p50[h]!, c.p90[h]!, a.sales[h]!);
    }
  }
}
// Production: infer's rows for the as-of dates, scored on the monitor's actuals (open days only).
const prodSql = `SELECT f.bundle_version, f.model, f.horizon_day, f.yhat, f.yhat_lower, f.yhat_upper, a.actual
  FROM ${await scanSql(conn, tables.forecasts)} f
  JOIN (SELECT DISTINCT store_id, forecast_date, actual, is_open
        FROM ${await scanSql(conn, tables.forecastAccuracy)} x) a
    ON a.store_id = f.store_id AND a.forecast_date = f.forecast_date
  WHERE f.as_of_date BETWEEN $1::DATE AND $2::DATE AND a.is_open`;
for (const r of (await conn.runAndReadAll(prodSql, [from, to])).getRowObjectsJS()) {
  const n = (k: string) => Number(r[k]);
  add(
    `production v${String(r['bundle_version'])}`,
    String(r['model']),
    n('horizon_day'),
    n('yhat_lower'),
    n('yhat'),
    n('yhat_upper'),
    n('actual'),
  );
}
close();

const median = (v: number[]) => {
  if (v.length === 0) return Number.NaN;
  const s = Float64Array.from(v).sort();
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
console.log(`backtest run ${run}; production as-of ${from}..${to}`);
console.log('source                 model           bucket   days  p90/p50 h1  p90/p50  coverage');
for (const [key, c] of [...cells].sort(([a], [b]) => a.localeCompare(b))) {
  const [label, model, b] = key.split('|');
  console.log(
    `${label!.padEnd(22)} ${model!.padEnd(15)} ${bucketName(Number(b)).padEnd(6)} ${String(c.n).padStart(6)}` +
      `  ${median(c.h1).toFixed(3).padStart(10)}  ${median(c.r).toFixed(3).padStart(7)}  ` +
      `${((100 * c.inside) / c.n).toFixed(1).padStart(7)} %`,
  );
}
