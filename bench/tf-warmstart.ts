// Walk-forward: train each fold from scratch vs fine-tune from the previous fold's model. Three
// folds with origins 105, 70 and 35 days before the end; fold 1 is shared. N-BEATS and TFT chains
// run side by side on 2 worker threads.
//   node --conditions=source --import tsx bench/tf-warmstart.ts [--cap 1800 (wall-time safety cap per fit, s)]
//   [--stores 40] [--backend wasm]
// Needs the compiled worker: npx tsc -b packages/models
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTfJobsInWorkers, type TfJob, type TfJobResult } from '../packages/models/src/tf/index.js';
import { arg, baselines, benchStores, H, L, originAt, score } from './tf-common.js';

const cap = Number(arg('cap', '1800'));
// Fine-tuning gets a third of the time: the point of warm starts is a cheaper walk-forward.
const backend = arg('backend', 'wasm');
const all = benchStores(Number(arg('stores', '40')));
const folds = [3 * H, 2 * H, H].map((d) => originAt(all, d));
const dir = mkdtempSync(join(tmpdir(), 'cvc-warm-'));

async function run(job: TfJob): Promise<TfJobResult> {
  return (await runTfJobsInWorkers([job], { workers: 1, backend }))[0]!;
}

async function chain(kind: 'nbeats' | 'tft') {
  const job = (f: number, tag: string, warmStartDir?: string): TfJob => ({
    id: `${kind}-${tag}-${f}`,
    kind,
    params: {},
    series: folds[f]!.fit,
    fit: { horizon: H, contextLength: L, seed: 1, timeBudgetSec: cap, warmStartDir },
    predict: { horizon: H, series: folds[f]!.predict },
    saveDir: join(dir, `${kind}-${tag}-${f}`),
  });
  const rows: { fold: number; mode: string; wape: number; seconds: number; epochs: number }[] = [];
  let prev: string | undefined;
  for (let f = 0; f < folds.length; f++) {
    const scratch = await run(job(f, 'scratch'));
    rows.push({ fold: f + 1, mode: 'scratch', wape: score(folds[f]!, scratch.forecasts!).wape, seconds: scratch.report.seconds, epochs: scratch.report.metrics['epochs']! });
    if (f === 0) {
      prev = scratch.savedDir;
      continue;
    }
    const warm = await run(job(f, 'warm', prev));
    prev = warm.savedDir;
    rows.push({ fold: f + 1, mode: 'warm', wape: score(folds[f]!, warm.forecasts!).wape, seconds: warm.report.seconds, epochs: warm.report.metrics['epochs']! });
  }
  return { kind, rows };
}

try {
  const out = await Promise.all([chain('nbeats'), chain('tft')]);
  console.log(
    `${all.length} synthetic stores, 3 folds of ${H} days, default sample budgets ` +
      `(scratch: epochs, warm: fineTuneEpochs; cap ${cap} s), backend ${backend}`,
  );
  folds.forEach((f, i) => console.log(`fold ${i + 1}: seasonal naive WAPE ${baselines(f).seasonalNaive.toFixed(4)}`));
  for (const { kind, rows } of out) {
    for (const r of rows) console.log(`${kind.padEnd(7)} fold ${r.fold} ${r.mode.padEnd(8)} WAPE ${r.wape.toFixed(4)}  fit ${r.seconds.toFixed(1)} s  epochs ${r.epochs}`);
    const sum = (mode: string) => rows.filter((r) => r.mode === mode && r.fold > 1);
    const s = sum('scratch');
    const w = sum('warm');
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(
      `${kind.padEnd(7)} folds 2-3: scratch mean WAPE ${mean(s.map((r) => r.wape)).toFixed(4)} in ${s.reduce((a, r) => a + r.seconds, 0).toFixed(0)} s; warm mean WAPE ${mean(w.map((r) => r.wape)).toFixed(4)} in ${w.reduce((a, r) => a + r.seconds, 0).toFixed(0)} s`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
