// Accuracy of every model on the demo's walk-forward backtest, as a table: WAPE, its ratio to
// weekday_mean and to lgbm, WAPE on the later folds (the ones the ensemble and the interval
// calibration are judged on), and p10-p90 coverage raw and calibrated on earlier folds.
//   node --conditions=source --import tsx bench/accuracy.ts [--stores 150] [--folds 4]
//     [--models lgbm,nbeats,tft,ensemble]
//     [--seed 42] [--as-of 2026-01-20] [--workers 2] [--per-fold] [--keep]
//     [--yaml 'models: { nbeats: { closureFeatures: true } }']  (a YAML line added to the config)
// Defaults are the default demo's (150 stores, 4 folds, the config's models plus ensemble). A check line
// says whether the ensemble is at or below the best single model (every fold, and folds 1..).
// Needs dist/ for the workers:
// npx pnpm@12.4.2 run build
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actualWindow, loadConfig, type QuantileForecast } from '../packages/core/src/index.js';
import { writeDemoSource } from '../packages/demo-source/src/index.js';
import { runIngest } from '../packages/ingest/src/index.js';
import { runBacktest } from '../packages/backtest/src/index.js';

const argv = process.argv.slice(2);
const arg = (name: string, dflt?: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const stores = Number(arg('stores', '150'));
const folds = arg('folds');
const seed = Number(arg('seed', '42'));
const models = arg('models')?.split(',').filter(Boolean);

const asOf = arg('as-of') ? `, asOf: "${arg('as-of')}"` : '';
const backtest = folds ? `backtest: { folds: ${folds} }\n` : '';
const dir = mkdtempSync(join(tmpdir(), 'cvc-accuracy-'));
mkdirSync(join(dir, 'configs'));
writeFileSync(
  join(dir, 'configs', 'cvc.yaml'),
  `demo: { stores: ${stores}, seed: ${seed}${asOf} }\n${backtest}${arg('yaml', '')}\n`,
);
const loaded = loadConfig(join(dir, 'configs', 'cvc.yaml'));
const t0 = performance.now();
await writeDemoSource({
  path: loaded.paths.demoSource,
  stores,
  from: loaded.config.demo.from,
  asOf: loaded.config.demo.asOf,
  seed,
});
await runIngest({ loaded, today: loaded.config.demo.asOf });
const t1 = performance.now();
const asked = models ?? [...new Set([...loaded.config.backtest.models, 'ensemble'])];
const bt = await runBacktest({ loaded, models: asked, ...(arg('workers') ? { workers: Number(arg('workers')) } : {}) });
const t2 = performance.now();

// Pooled raw coverage from the forecasts themselves, so the figure means the same before and after
// the calibration existed.
const byId = new Map(bt.series.map((s) => [s.storeId, s]));
const cover = new Map<string, { inside: number; days: number }>();
for (const o of bt.outcomes) {
  const c = cover.get(o.model) ?? { inside: 0, days: 0 };
  cover.set(o.model, c);
  for (const f of o.forecasts as QuantileForecast[]) {
    const a = actualWindow(byId.get(f.storeId)!, f.start, f.p50.length);
    for (let h = 0; h < f.p50.length; h++) {
      const y = a.sales[h]!;
      if (!(a.isOpen[h]! > 0) || !Number.isFinite(y) || !Number.isFinite(f.p50[h]!)) continue;
      c.days++;
      if (y >= f.p10[h]! && y <= f.p90[h]!) c.inside++;
    }
  }
}
const later = new Map<string, { err: number; act: number }>();
for (const s of bt.scores) {
  if (s.fold === 0) continue;
  const l = later.get(s.model) ?? { err: 0, act: 0 };
  l.err += s.absError;
  l.act += s.actualSum;
  later.set(s.model, l);
}
const wape = new Map(bt.leaderboard.map((l) => [l.model, l.wape]));
const calibrated = new Map(bt.coverage.map((c) => [c.model, c]));
const f4 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '   -  ' : x.toFixed(4));
const f2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '  -  ' : x.toFixed(3));
const pct = (x: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? '   -  ' : `${(100 * x).toFixed(1)}%`.padStart(6);

console.log(
  `demo ${bt.stores} stores, folds ${bt.folds.map((f) => f.cutoff).join(' ')}, seed ${seed}; ingest ` +
    `${((t1 - t0) / 1000).toFixed(0)} s, backtest ${((t2 - t1) / 1000).toFixed(0)} s`,
);
console.log('model           WAPE    x wkday  x lgbm   WAPE f1+  cov raw  cov f1+ raw  cov f1+ calib  stores chosen');
for (const l of bt.leaderboard) {
  const lw = later.get(l.model);
  const c = cover.get(l.model);
  const cal = calibrated.get(l.model);
  console.log(
    [
      l.model.padEnd(14),
      f4(l.wape),
      f2(l.wape / wape.get('weekday_mean')!).padStart(7),
      f2(l.wape / (wape.get('lgbm') ?? Number.NaN)).padStart(7),
      f4(lw && lw.act > 0 ? lw.err / lw.act : undefined).padStart(9),
      pct(c && c.days > 0 ? c.inside / c.days : undefined).padStart(8),
      pct(cal?.rawLater).padStart(12),
      pct(cal?.calibratedLater).padStart(14),
      String(bt.choiceCounts[l.model] ?? 0).padStart(14),
    ].join(' '),
  );
}
// The issue's target: the ensemble at or below the best single model, over every fold (as the table's
// WAPE) and over folds 1.. (fold 0 mixes with equal weights, the later folds with learned ones).
const laterWape = (m: string) => {
  const l = later.get(m);
  return l && l.act > 0 ? l.err / l.act : Number.NaN;
};
if (wape.has('ensemble')) {
  const singles = bt.leaderboard.filter((l) => l.model !== 'ensemble').map((l) => l.model);
  for (const [label, of] of [
    ['every fold', (m: string) => wape.get(m)!],
    ['folds 1..', laterWape],
  ] as const) {
    const best = singles.reduce((a, b) => (of(b) < of(a) ? b : a));
    const e = of('ensemble');
    console.log(
      `check ensemble <= best single model (${label}): ${f4(e)} vs ${best} ${f4(of(best))} ` +
        `(${(e / of(best)).toFixed(3)}x) ${e <= of(best) ? 'ok' : 'MISSED'}`,
    );
  }
}
if (argv.includes('--per-fold')) {
  // Per fold: WAPE and raw coverage, to see how much the folds differ (season) before calibrating.
  const per = new Map<string, { err: number; act: number; inside: number; days: number }>();
  for (const o of bt.outcomes) {
    for (const f of o.forecasts as QuantileForecast[]) {
      const a = actualWindow(byId.get(f.storeId)!, f.start, f.p50.length);
      const k = `${o.model}|${o.fold}`;
      const e = per.get(k) ?? { err: 0, act: 0, inside: 0, days: 0 };
      per.set(k, e);
      for (let h = 0; h < f.p50.length; h++) {
        const y = a.sales[h]!;
        if (!(a.isOpen[h]! > 0) || !Number.isFinite(y) || !Number.isFinite(f.p50[h]!)) continue;
        e.err += Math.abs(y - f.p50[h]!);
        e.act += Math.abs(y);
        e.days++;
        if (y >= f.p10[h]! && y <= f.p90[h]!) e.inside++;
      }
    }
  }
  for (const l of bt.leaderboard) {
    const cells = bt.folds.map((f) => {
      const e = per.get(`${l.model}|${f.fold}`);
      const cal = calibrated.get(l.model)?.calibratedByFold?.[f.fold];
      return e
        ? `fold ${f.fold}: WAPE ${(e.err / e.act).toFixed(4)} cov ${pct(e.inside / e.days)}` +
            (cal === undefined ? '' : ` calib ${pct(cal)}`)
        : `fold ${f.fold}: -`;
    });
    console.log(`${l.model.padEnd(14)} ${cells.join('   ')}`);
  }
  const w = (bt as { ensembleWeights?: { members: string[]; chain: number[] } | null }).ensembleWeights;
  if (w) console.log(`ensemble chain weights: ${w.members.map((m, k) => `${m} ${w.chain[k]!.toFixed(3)}`).join(', ')}`);
}
for (const f of bt.failures) console.log(`failed: ${f.model} fold ${f.fold}: ${f.error}`);
if (!argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
