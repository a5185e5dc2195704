// Walk-forward: train each fold from scratch vs fine-tune from the previous fold's model. Three
// folds with cutoffs 105, 70 and 35 days before the end; fold 1 trains from scratch in both chains.
// The four chains (N-BEATS and TFT, scratch and warm) run on the backtest's worker pool, two at once.
//   node --conditions=source --import tsx bench/tf-warmstart.ts [--cap 1800 (wall-time safety cap per fit, s)]
//   [--stores 40] [--backend wasm]
// The pool's workers run the built dist/: npx pnpm@12.4.2 run build
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChains } from '../packages/backtest/dist/pool.js';
import type { ChainJob, FoldOutcome } from '../packages/backtest/src/chain.js';
import { arg, baselines, benchStores, cutoffAt, H, L, originAt, score } from './tf-common.js';

const cap = Number(arg('cap', '1800'));
// Workers inherit the environment, so this forces their backend.
const backend = arg('backend', 'wasm');
process.env['CVC_TF_BACKEND'] = backend;
const all = benchStores(Number(arg('stores', '40')));
const before = [3 * H, 2 * H, H];
const folds = before.map((d) => originAt(all, d));
const dir = mkdtempSync(join(tmpdir(), 'cvc-warm-'));

const chain = (model: string, warmStart: boolean): ChainJob => ({
  model,
  params: {},
  series: all,
  folds: before.map((d, fold) => ({ fold, cutoff: cutoffAt(d), predictStores: all.map((s) => s.storeId) })),
  horizon: H,
  contextLength: L,
  // runChain seeds fold k with seed + k, the same in both chains.
  seed: 1,
  warmStart,
  checkpointDir: join(dir, `${model}-${warmStart ? 'warm' : 'scratch'}`),
  timeBudgetSec: cap,
});

const outcomes: { mode: string; o: FoldOutcome }[] = [];
try {
  const jobs = ['nbeats', 'tft'].flatMap((m) => [chain(m, false), chain(m, true)]);
  // A FoldOutcome does not say which chain it came from; run the scratch and warm chains apart.
  for (const warm of [false, true]) {
    await runChains(
      jobs.filter((j) => j.warmStart === warm),
      2,
      (o) => outcomes.push({ mode: warm ? 'warm' : 'scratch', o }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  `${all.length} synthetic stores, 3 folds of ${H} days, default sample budgets ` +
    `(scratch: epochs, warm: fineTuneEpochs after fold 1; cap ${cap} s), backend ${backend}`,
);
folds.forEach((f, i) => console.log(`fold ${i + 1}: seasonal naive WAPE ${baselines(f).seasonalNaive.toFixed(4)}`));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
for (const model of ['nbeats', 'tft']) {
  const rows = outcomes
    .filter(({ o }) => o.model === model)
    .map(({ mode, o }) => {
      if (o.error) throw new Error(`${model} ${mode} fold ${o.fold + 1}: ${o.error}`);
      const wape = score(folds[o.fold]!, o.forecasts).wape;
      return { fold: o.fold + 1, mode, wape, seconds: o.fitSeconds, epochs: o.metrics['epochs'] };
    })
    .sort((a, b) => a.fold - b.fold || a.mode.localeCompare(b.mode));
  for (const r of rows) {
    console.log(
      `${model.padEnd(7)} fold ${r.fold} ${r.mode.padEnd(8)} WAPE ${r.wape.toFixed(4)}  fit ${r.seconds.toFixed(1)} s` +
        `  epochs ${r.epochs}`,
    );
  }
  const later = (mode: string) => rows.filter((r) => r.mode === mode && r.fold > 1);
  const s = later('scratch');
  const w = later('warm');
  const secs = (xs: typeof rows) => xs.reduce((a, r) => a + r.seconds, 0).toFixed(0);
  console.log(
    `${model.padEnd(7)} folds 2-3: scratch mean WAPE ${mean(s.map((r) => r.wape)).toFixed(4)} in ${secs(s)} s;` +
      ` warm mean WAPE ${mean(w.map((r) => r.wape)).toFixed(4)} in ${secs(w)} s`,
  );
}
