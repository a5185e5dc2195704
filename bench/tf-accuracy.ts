// WAPE of N-BEATS and TFT after their default sample budgets, against seasonal naive, on synthetic
// multi-store data (last 35 days held out). Both models train at once on 2 worker threads.
//   node --conditions=source --import tsx bench/tf-accuracy.ts [--cap 1800 (wall-time safety cap, s)]
//   [--stores 40] [--backend wasm]
// Needs the compiled worker: npx tsc -b packages/models
import { runTfJobsInWorkers, type TfJob } from '../packages/models/src/tf/index.js';
import { arg, baselines, benchStores, H, L, originAt, score } from './tf-common.js';

const cap = Number(arg('cap', '1800'));
const all = benchStores(Number(arg('stores', '40')));
const o = originAt(all, H);
const jobs: TfJob[] = (['nbeats', 'tft'] as const).map((kind) => ({
  id: kind,
  kind,
  params: {},
  series: o.fit,
  fit: { horizon: H, contextLength: L, seed: 1, timeBudgetSec: cap },
  predict: { horizon: H, series: o.predict },
}));
const res = await runTfJobsInWorkers(jobs, { workers: 2, backend: arg('backend', 'wasm') });
const b = baselines(o);
console.log(
  `${all.length} synthetic stores, horizon ${H}, context ${L}, default sample budgets (cap ${cap} s), ` +
    `2 workers (${res[0]!.backend})`,
);
console.log(`seasonal naive WAPE ${b.seasonalNaive.toFixed(4)}   naive (last value) WAPE ${b.naive.toFixed(4)}`);
for (const r of res) {
  const s = score(o, r.forecasts!);
  const m = r.report.metrics;
  console.log(
    `${r.kind.padEnd(7)} WAPE ${s.wape.toFixed(4)} (x${(s.wape / b.seasonalNaive).toFixed(2)} of seasonal naive)` +
      `  p10-p90 coverage ${s.coverage.toFixed(3)}  epochs ${m['epochs']}  samples ${m['samples']}` +
      `  cap hit ${m['timeBudgetHit']}  fit ${r.report.seconds.toFixed(0)} s`,
  );
}
