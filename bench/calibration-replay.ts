// Recomputes the interval calibration and the coverage table of a finished backtest from its
// checkpointed out-of-fold forecasts, without refitting any model: the fast loop for calibration work.
//   node --conditions=source --import tsx bench/calibration-replay.ts [--config configs/cvc.yaml]
//     [--checkpoint <key under data/backtest-checkpoints>]  (default: the newest)
// The series are read from the run's feature table; only days before each fold's window feed that
// fold's calibration, so extra days ingested after the backtest (the demo's fortnight) change nothing
// but the all-folds calibration's seasonal profile.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../packages/core/src/index.js';
import { lakeTables, openDuckDb, readStoreSeries } from '../packages/feature-table/src/index.js';
import { calibrateIntervals } from '../packages/backtest/src/post.js';
import type { FoldOutcome } from '../packages/backtest/src/chain.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt?: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const loaded = loadConfig(arg('config', 'configs/cvc.yaml')!);
const root = join(loaded.paths.data, 'backtest-checkpoints');
const newest = () =>
  readdirSync(root)
    .map((k) => ({ k, t: statSync(join(root, k)).mtimeMs }))
    .sort((a, b) => b.t - a.t)[0]?.k;
const key = arg('checkpoint') ?? newest();
if (!key) throw new Error(`${root}: no backtest checkpoint`);
const t0 = performance.now();
const outcomes: FoldOutcome[] = [];
for (const model of readdirSync(join(root, key)).sort()) {
  for (const dir of readdirSync(join(root, key, model))) {
    const file = join(root, key, model, dir, 'forecasts.json');
    if (!existsSync(file)) continue;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      forecasts: { storeId: string; start: string; p10: number[]; p50: number[]; p90: number[] }[];
    };
    outcomes.push({
      model,
      fold: Number(dir.replace('fold-', '')),
      forecasts: saved.forecasts.map((f) => ({
        storeId: f.storeId,
        start: f.start,
        p10: Float64Array.from(f.p10),
        p50: Float64Array.from(f.p50),
        p90: Float64Array.from(f.p90),
      })),
      fitSeconds: 0,
      predictSeconds: 0,
      metrics: {},
      resumed: true,
    });
  }
}
const { conn, close } = await openDuckDb();
const series = (await readStoreSeries(conn, lakeTables(loaded))).filter((s) => s.sales.length > 0);
close();
const t1 = performance.now();
const { report } = calibrateIntervals(outcomes, series);
const t2 = performance.now();
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '   -  ' : `${(100 * x).toFixed(1)}%`);
console.log(
  `checkpoint ${key}: ${series.length} stores; read ${((t1 - t0) / 1000).toFixed(1)} s, ` +
    `calibrate ${((t2 - t1) / 1000).toFixed(1)} s`,
);
console.log('model           raw f1+  calib f1+  by fold (calibrated)');
for (const r of report) {
  const byFold = Object.entries(r.calibratedByFold ?? {})
    .map(([k, v]) => `f${k} ${pct(v)}`)
    .join('  ');
  console.log(`${r.model.padEnd(14)} ${pct(r.rawLater).padStart(8)} ${pct(r.calibratedLater).padStart(10)}  ${byFold}`);
}
