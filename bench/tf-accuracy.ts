// WAPE of N-BEATS and TFT after their default sample budgets, against seasonal naive, on synthetic
// multi-store data (last 35 days held out). Both models train at once on the backtest's worker pool.
//   node --conditions=source --import tsx bench/tf-accuracy.ts [--cap 1800 (wall-time safety cap, s)]
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
process.env['CVC_TF_BACKEND'] = arg('backend', 'wasm');
const all = benchStores(Number(arg('stores', '40')));
const o = originAt(all, H);
const dir = mkdtempSync(join(tmpdir(), 'cvc-tf-accuracy-'));
const jobs: ChainJob[] = ['nbeats', 'tft'].map((model) => ({
  model,
  params: {},
  series: all,
  folds: [{ fold: 0, cutoff: cutoffAt(H), predictStores: all.map((s) => s.storeId) }],
  horizon: H,
  contextLength: L,
  seed: 1,
  warmStart: false,
  checkpointDir: join(dir, model),
  timeBudgetSec: cap,
}));
const res: FoldOutcome[] = [];
try {
  await runChains(jobs, 2, (r) => res.push(r));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const b = baselines(o);
console.log(
  `${all.length} synthetic stores, horizon ${H}, context ${L}, default sample budgets (cap ${cap} s), ` +
    `2 workers (${process.env['CVC_TF_BACKEND']})`,
);
console.log(`seasonal naive WAPE ${b.seasonalNaive.toFixed(4)}   naive (last value) WAPE ${b.naive.toFixed(4)}`);
for (const r of res) {
  if (r.error) throw new Error(`${r.model}: ${r.error}`);
  const s = score(o, r.forecasts);
  const m = r.metrics;
  console.log(
    `${r.model.padEnd(7)} WAPE ${s.wape.toFixed(4)} (x${(s.wape / b.seasonalNaive).toFixed(2)} of seasonal naive)` +
      `  p10-p90 coverage ${s.coverage.toFixed(3)}  epochs ${m['epochs']}  samples ${m['samples']}` +
      `  cap hit ${m['timeBudgetHit']}  fit ${r.fitSeconds.toFixed(0)} s`,
  );
}
