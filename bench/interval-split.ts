// Where production's p10-p90 coverage comes from, factor by factor: every model of the bundle forecasts
// every store from every as-of date in [--from, --to] on the inputs infer builds (inferSeries), and its
// raw interval is scored at each step of the bundle's calibration: raw, x widthScale, + the chain /
// store offsets, + the day-class offsets, x the seasonal difficulty (= what infer serves). The backtest's
// later folds are scored at the same steps with the calibration learned on the folds before each (what
// the report's "calibrated" figure is; a fitted model's carries the factor to the earlier folds' widths
// as its widthScale), per model, fold, horizon bucket and day class. Then the spread a 14-day window's
// coverage has by chance: a bootstrap over target dates (a date's stores share one shock), beside the
// binomial spread if store-days were independent, and every 14 target dates' coverage in the backtest.
//   node --conditions=source --import tsx bench/interval-split.ts [--config configs/cvc.yaml]
//     [--run <backtest run id>] [--from 2025-12-31] [--to 2026-01-13] [--models lgbm,ets]
import {
  actualWindow,
  addDays,
  applyIntervalCalibration,
  dayClassesOf,
  formatIsoDay,
  horizonBucket,
  loadConfig,
  makeRng,
  parseIsoDay,
  weekOfYear,
  DAY_CLASSES,
  HORIZON_BUCKET_ENDS,
  type IntervalCalibration,
  type QuantileForecast,
  type StoreSeries,
} from '../packages/core/src/index.js';
import { lakeTables, openDuckDb, readStoreSeries } from '../packages/feature-table/src/index.js';
import { scanSql } from '../packages/lakehouse/src/index.js';
import { calibrateIntervals } from '../packages/backtest/src/post.js';
import type { FoldOutcome } from '../packages/backtest/src/chain.js';
import { readBacktestRawForecasts } from '../packages/train/src/interval-widths.js';
import { inferSeries, resolveBundle } from '../packages/infer/src/index.js';
import { readBundle, readManifest } from '../packages/mlops/src/index.js';
import { forecasterFactories } from '../packages/models/src/index.js';
import { benchFlags, fortnightFlags } from './flags.js';

const flags = benchFlags(
  { ...fortnightFlags, models: { type: 'string' } },
  'interval-split.ts [--config <file>] [--run <id>] [--from <day>] [--to <day>] [--models <list>]',
);
const loaded = loadConfig(flags.config);
const tables = lakeTables(loaded);
const { conn, close } = await openDuckDb();
const STEPS = ['raw', 'x widthScale', '+ offsets', '+ class offsets', 'x season'] as const;

/** The calibration cut down to its first `k` factors (STEPS[1..k]). */
function partial(cal: IntervalCalibration, k: number): IntervalCalibration {
  const zero = { lo: HORIZON_BUCKET_ENDS.map(() => 0), hi: HORIZON_BUCKET_ENDS.map(() => 0) };
  return {
    coverage: cal.coverage,
    chain: k >= 2 ? cal.chain : zero,
    stores: k >= 2 ? cal.stores : {},
    ...(k >= 1 && cal.widthScale ? { widthScale: cal.widthScale } : {}),
    ...(k >= 3 && cal.classes ? { classes: cal.classes } : {}),
    ...(k >= 4 && cal.season ? { season: cal.season } : {}),
  };
}

/** One scored store-day: its target day, the model, bucket, class, and per step (inside, p90/p50). */
interface Scored {
  source: 'backtest' | 'production';
  model: string;
  /** Backtest: the fold; production: -1. */
  fold: number;
  /** |actual - p50| / p50. */
  err: number;
  bucket: number;
  cls: number;
  target: number;
  /** Production: the as-of date and whether the bundle routes this store to this model then. */
  routedTo?: boolean;
  inside: boolean[];
  width: number[];
  hard: number;
}
const scored: Scored[] = [];

function score(
  source: Scored['source'],
  model: string,
  cal: IntervalCalibration,
  f: QuantileForecast,
  s: StoreSeries,
  horizonDays: number,
  fold: number,
  routedTo?: boolean,
): void {
  const a = actualWindow(s, f.start, Math.min(horizonDays, f.p50.length));
  const classes = dayClassesOf(s, f.start, f.p50.length);
  const steps = STEPS.map((_, k) => {
    if (k === 0) return f;
    return applyIntervalCalibration(partial(cal, k), f, 1, classes);
  });
  const d0 = parseIsoDay(f.start);
  for (let h = 0; h < a.sales.length; h++) {
    const y = a.sales[h]!;
    const m = f.p50[h]!;
    if (!(a.isOpen[h]! > 0) || !Number.isFinite(y) || !(m > 0)) continue;
    scored.push({
      source,
      model,
      fold,
      err: Math.abs(y - m) / m,
      bucket: horizonBucket(h + 1),
      cls: classes[h]!,
      target: addDays(d0, h),
      inside: steps.map((c) => y >= c.p10[h]! && y <= c.p90[h]!),
      width: steps.map((c) => c.p90[h]! / m),
      hard: cal.season?.[weekOfYear(addDays(d0, h))] ?? 1,
      ...(routedTo === undefined ? {} : { routedTo }),
    });
  }
}

// The backtest's later folds, each calibrated on the folds before it (no width rule: these raw widths
// are the ones the offsets were learned on).
const runSql = `SELECT run_id FROM ${await scanSql(conn, tables.modelChoice)} t ORDER BY created_at DESC LIMIT 1`;
const run = flags.run ?? String((await conn.runAndReadAll(runSql)).getRowObjectsJS()[0]?.['run_id']);
const only = flags.models ? new Set(flags.models.split(',')) : null;
const raw = await readBacktestRawForecasts(conn, tables.backtestForecasts, run);
const series = (await readStoreSeries(conn, tables)).filter((s) => s.sales.length > 0);
const byId = new Map(series.map((s) => [s.storeId, s]));
const outcomes: FoldOutcome[] = [];
for (const [model, r] of raw) {
  if (only && !only.has(model)) continue;
  for (const [fold, cutoff] of [...r.gaps.keys()].sort().entries()) {
    const start = formatIsoDay(addDays(parseIsoDay(cutoff), r.gaps.get(cutoff)! + 1));
    const forecasts = r.forecasts
      .filter((f) => f.cutoff === cutoff)
      .map((f) => ({ storeId: f.storeId, start, p10: f.p10, p50: f.p50, p90: f.p90 }));
    outcomes.push({ model, fold, forecasts, fitSeconds: 0, predictSeconds: 0, metrics: {}, resumed: true });
  }
}
const { byFold, report } = calibrateIntervals(outcomes, series);
for (const o of outcomes) {
  const cal = byFold[o.model]?.get(o.fold);
  if (!cal || o.model === 'ensemble') continue;
  for (const f of o.forecasts) score('backtest', o.model, cal, f, byId.get(f.storeId)!, f.p50.length, o.fold);
}
for (const r of report) {
  const byFoldPct = Object.entries(r.calibratedByFold ?? {}).map(([k, v]) => `${k}: ${(100 * v).toFixed(1)}`);
  console.log(
    `${r.model.padEnd(15)} backtest calibrated, folds 1.., all horizons: ${(100 * r.calibratedLater).toFixed(1)} % ` +
      `(by fold ${byFoldPct.join(', ')})`,
  );
}

// Production: the bundle's models on infer's inputs, every store, every as-of date.
const bundle = await resolveBundle(loaded, undefined);
const head = await readManifest(bundle.bundleDir);
const forecaster = await readBundle(bundle.bundleDir, await forecasterFactories(head.models.map((m) => m.kind)));
const manifest = forecaster.manifest;
for (let day = parseIsoDay(flags.from); day <= parseIsoDay(flags.to); day++) {
  const asOf = formatIsoDay(day);
  const { withFuture } = await inferSeries(conn, loaded, manifest, { asOf, horizon: manifest.horizon });
  const routes = forecaster.routes(withFuture);
  for (const [kind, model] of forecaster.models) {
    if (only && !only.has(kind)) continue;
    const cal = manifest.calibration?.[kind];
    if (!cal) continue;
    const forecasts = await model.predict(withFuture, manifest.horizon);
    for (const f of forecasts) {
      const to = routes.get(f.storeId)?.kind === kind;
      score('production', kind, cal, f, byId.get(f.storeId)!, manifest.horizon, -1, to);
    }
  }
  process.stderr.write(`production ${asOf} done\n`);
}
close();

const pct = (rows: Scored[], k: number) => (100 * rows.filter((r) => r.inside[k]).length) / rows.length;
const median = (v: number[]) => {
  const s = Float64Array.from(v).sort();
  return (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2;
};
const bucketName = (b: number) => `${b === 0 ? 1 : HORIZON_BUCKET_ENDS[b - 1]! + 1}-${HORIZON_BUCKET_ENDS[b]}`;
const table = (title: string, keyOf: (r: Scored) => string | null) => {
  const groups = new Map<string, Scored[]>();
  for (const r of scored) {
    const k = keyOf(r);
    if (k === null) continue;
    const g = groups.get(k) ?? [];
    groups.set(k, g);
    g.push(r);
  }
  console.log(`\n${title}: coverage % after each step; median p90/p50 after x widthScale and after the last;`);
  console.log('median difficulty (hard) and |actual - p50| / p50 (err)');
  const head = `${'key'.padEnd(46)} ${'days'.padStart(6)} ${STEPS.map((s) => s.padStart(14)).join('')}`;
  console.log(`${head}  w scaled   w last   hard    err`);
  for (const [k, rows] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const cells = STEPS.map((_, i) => pct(rows, i).toFixed(1).padStart(14)).join('');
    const w = (i: number) =>
      median(rows.map((r) => r.width[i]!))
        .toFixed(3)
        .padStart(7);
    const hard = median(rows.map((r) => r.hard)).toFixed(2);
    const err = median(rows.map((r) => r.err)).toFixed(3);
    console.log(
      `${k.padEnd(46)} ${String(rows.length).padStart(6)} ${cells}  ${w(1)}  ${w(STEPS.length - 1)}  ${hard}  ${err}`,
    );
  }
};
// Production scores h1-14 (the fortnight's actuals); the backtest's folds are compared on those buckets.
const near = (r: Scored) => r.bucket <= 1;
console.log(`backtest run ${run}; production as-of ${flags.from}..${flags.to}; buckets 1-7 and 8-14`);
table('per model', (r) => (near(r) ? `${r.source} ${r.model}` : null));
table('per model and fold', (r) => (near(r) ? `${r.source} ${r.model} fold ${r.fold < 0 ? '-' : r.fold}` : null));
table('per model and bucket', (r) => (near(r) ? `${r.source} ${r.model} h${bucketName(r.bucket)}` : null));
table('per model and day class', (r) => (near(r) ? `${r.source} ${r.model} ${DAY_CLASSES[r.cls]}` : null));
table('all models, per class', (r) => (near(r) ? `${r.source} ${DAY_CLASSES[r.cls]}` : null));
// What infer served: each store's routed model only (the fortnight's monitor figure).
table('production, routed model only', (r) =>
  r.routedTo && near(r) ? `routed ${r.model} h${bucketName(r.bucket)}` : null,
);
table('production, routed, all models', (r) => (r.routedTo && near(r) ? `routed h${bucketName(r.bucket)}` : null));

// Chance: how far one fortnight's coverage strays from the rate it is drawn at.
const rng = makeRng(7);
const byTarget = (rows: Scored[], k: number) => {
  const m = new Map<number, { inside: number; n: number }>();
  for (const r of rows) {
    const c = m.get(r.target) ?? { inside: 0, n: 0 };
    c.inside += r.inside[k] ? 1 : 0;
    c.n++;
    m.set(r.target, c);
  }
  return [...m].sort(([a], [b]) => a - b).map(([, c]) => c);
};
const q = (v: number[], p: number) => Float64Array.from(v).sort()[Math.floor(p * (v.length - 1))]!;
console.log('\nchance spread of the last step, h1-14: production bootstrap over target dates (2,000 draws);');
console.log('backtest: coverage of every 14 consecutive target dates in folds 1.. (p5 / median / p95)');
const models = [...new Set(scored.map((r) => r.model))].sort();
for (const model of models) {
  const last = STEPS.length - 1;
  const prod = byTarget(
    scored.filter((r) => r.source === 'production' && r.model === model && near(r)),
    last,
  );
  const draws: number[] = [];
  for (let i = 0; prod.length > 0 && i < 2000; i++) {
    let inside = 0;
    let n = 0;
    for (let j = 0; j < prod.length; j++) {
      const c = prod[Math.floor(rng() * prod.length)]!;
      inside += c.inside;
      n += c.n;
    }
    draws.push((100 * inside) / n);
  }
  const bt = byTarget(
    scored.filter((r) => r.source === 'backtest' && r.model === model && near(r)),
    last,
  );
  const windows: number[] = [];
  for (let i = 0; i + 14 <= bt.length; i++) {
    const w = bt.slice(i, i + 14);
    windows.push((100 * w.reduce((a, c) => a + c.inside, 0)) / w.reduce((a, c) => a + c.n, 0));
  }
  const fmt = (v: number[]) => (v.length === 0 ? '-' : [0.05, 0.5, 0.95].map((p) => q(v, p).toFixed(1)).join(' / '));
  const n = prod.reduce((a, c) => a + c.n, 0);
  const binomial = n > 0 ? `+-${(164.5 * Math.sqrt(0.16 / n)).toFixed(1)}` : '-';
  console.log(
    `${model.padEnd(15)} production ${fmt(draws)} (independent days: ${binomial})   ` +
      `backtest windows (${windows.length}) ${fmt(windows)}`,
  );
}
