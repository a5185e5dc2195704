// Recomputes the interval calibration and the coverage table of a finished backtest from its
// checkpointed out-of-fold forecasts, without refitting any model: the fast loop for calibration work.
//   node --conditions=source --import tsx bench/calibration-replay.ts [--config configs/cvc.yaml]
//     [--checkpoint <key under data/backtest-checkpoints>]  (default: the newest)
//     [--members lgbm,nbeats,tft]  (the ensemble's members; default: the config's backtest.models)
//     [--by-class]  (calibrated coverage per fold by day class and horizon bucket)
//     [--no-origins]  (baselines calibrated on their backtest folds only, without same-season origins)
// The series are read from the run's feature table; only days before each fold's window feed that
// fold's calibration, so extra days ingested after the backtest (the demo's fortnight) change nothing
// but the all-folds calibration's seasonal profile.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DAY_CLASSES,
  HORIZON_BUCKET_ENDS,
  actualWindow,
  applyIntervalCalibration,
  dayClassesOf,
  horizonBucket,
  loadConfig,
} from '../packages/core/src/index.js';
import { ensembleMembers, readReplayRun } from '../packages/backtest/src/index.js';
import { calibrationOrigins, learnFromFolds } from '../packages/backtest/src/post.js';
import { ENSEMBLE_KIND } from '../packages/models/src/index.js';
import { benchFlags } from './flags.js';

const flags = benchFlags(
  {
    config: { type: 'string', default: 'configs/cvc.yaml' },
    checkpoint: { type: 'string' },
    members: { type: 'string' },
    'by-class': { type: 'boolean', default: false },
    'no-origins': { type: 'boolean', default: false },
  },
  'calibration-replay.ts [--config <file>] [--checkpoint <key>] [--members <list>] [--by-class] [--no-origins]',
);
const loaded = loadConfig(flags.config);
const root = join(loaded.paths.data, 'backtest-checkpoints');
const newest = () =>
  readdirSync(root)
    .map((k) => ({ k, t: statSync(join(root, k)).mtimeMs }))
    .sort((a, b) => b.t - a.t)[0]?.k;
const key = flags.checkpoint ?? newest();
if (!key) throw new Error(`${root}: no backtest checkpoint`);
const t0 = performance.now();
const { outcomes, series } = await readReplayRun(loaded, join(root, key));
const t1 = performance.now();
// The ensemble, when the config's models list it, is remixed from its members' checkpoints (its weights
// learned on earlier folds, as `cvc backtest` does) and calibrated on its own out-of-fold residuals.
const present = [...new Set(outcomes.map((o) => o.model))];
const asked = flags.members?.split(',') ?? loaded.config.backtest.models;
const members = asked.includes(ENSEMBLE_KIND) || flags.members ? ensembleMembers(asked, present, () => true) : [];
const folds = [...new Set(outcomes.map((o) => o.fold))].sort((a, b) => a - b);
// --no-origins: the baselines calibrated on their backtest folds only (as before the same-season origins).
const learned = learnFromFolds(outcomes, series, members.length > 0 ? { members, folds } : null, {
  ...(flags['no-origins'] ? {} : { origins: calibrationOrigins(loaded.config.models, present) }),
});
if (learned.ensemble) outcomes.push(...learned.ensemble.outcomes);
const { report, byFold } = learned;
const t2 = performance.now();
// Raw coverage per (model, fold): how far the calibration had to move each fold.
const byStore = new Map(series.map((s) => [s.storeId, s]));
const rawByFold = new Map<string, number>();
for (const o of outcomes) {
  let inside = 0;
  let days = 0;
  for (const f of o.forecasts) {
    const a = actualWindow(byStore.get(f.storeId)!, f.start, f.p50.length);
    for (let h = 0; h < f.p50.length; h++) {
      const y = a.sales[h]!;
      if (!(a.isOpen[h]! > 0) || !Number.isFinite(y) || !Number.isFinite(f.p50[h]!)) continue;
      days++;
      if (y >= f.p10[h]! && y <= f.p90[h]!) inside++;
    }
  }
  rawByFold.set(`${o.model}|${o.fold}`, inside / days);
}
const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '   -  ' : `${(100 * x).toFixed(1)}%`);
console.log(
  `checkpoint ${key}: ${series.length} stores; read ${((t1 - t0) / 1000).toFixed(1)} s, ` +
    `calibrate ${((t2 - t1) / 1000).toFixed(1)} s`,
);
console.log('model           raw f1+  calib f1+  by fold (raw / calibrated)');
for (const r of report) {
  const byFold = Object.entries(r.calibratedByFold ?? {})
    .map(([k, v]) => `f${k} ${pct(rawByFold.get(`${r.model}|${k}`))} / ${pct(v)}`)
    .join('  ');
  console.log(`${r.model.padEnd(14)} ${pct(r.rawLater).padStart(8)} ${pct(r.calibratedLater).padStart(10)}  ${byFold}`);
}
if (flags['by-class']) {
  // Calibrated coverage per fold, by known-future day class and by horizon bucket: which days the
  // calibration misses.
  const byId = new Map(series.map((s) => [s.storeId, s]));
  for (const o of outcomes.sort((a, b) => a.model.localeCompare(b.model) || a.fold - b.fold)) {
    const cal = byFold[o.model]?.get(o.fold);
    if (!cal) continue;
    const inside = DAY_CLASSES.map(() => 0);
    const days = DAY_CLASSES.map(() => 0);
    const bucketIn = HORIZON_BUCKET_ENDS.map(() => 0);
    const bucketDays = HORIZON_BUCKET_ENDS.map(() => 0);
    for (const raw of o.forecasts) {
      const s = byId.get(raw.storeId)!;
      const cls = dayClassesOf(s, raw.start, raw.p50.length);
      const f = applyIntervalCalibration(cal, raw, 1, cls);
      const a = actualWindow(s, raw.start, raw.p50.length);
      for (let h = 0; h < raw.p50.length; h++) {
        const y = a.sales[h]!;
        if (!(a.isOpen[h]! > 0) || !Number.isFinite(y) || !Number.isFinite(raw.p50[h]!)) continue;
        days[cls[h]!]!++;
        bucketDays[horizonBucket(h + 1)]!++;
        if (y < f.p10[h]! || y > f.p90[h]!) continue;
        inside[cls[h]!]!++;
        bucketIn[horizonBucket(h + 1)]!++;
      }
    }
    const cells = DAY_CLASSES.map((c, k) => `${c} ${pct(inside[k]! / days[k]!)} (${days[k]} d)`);
    const buckets = HORIZON_BUCKET_ENDS.map((end, b) => `h<=${end} ${pct(bucketIn[b]! / bucketDays[b]!)}`);
    console.log(`${o.model.padEnd(14)} f${o.fold}  ${cells.join('  ')}  |  ${buckets.join('  ')}`);
  }
}
