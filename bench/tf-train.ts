// Training throughput and peak RSS of N-BEATS and TFT on the wasm and cpu backends, with 1 and 2
// worker threads (2 identical jobs each: run one after the other on 1 worker, side by side on 2).
// Each configuration runs in a fresh child process so peak RSS is its own.
//   node --conditions=source --import tsx bench/tf-train.ts [--models nbeats,tft] [--backends wasm,cpu] [--stores 40] [--seconds 40]
// Needs the compiled worker: npx tsc -b packages/core
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTfJobsInWorkers, type TfJob } from '../packages/core/src/models/tf/index.js';
import { fitView, syntheticStores } from '../packages/core/test/tf-synthetic.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const H = 35;
const L = 90;
// Each job trains for a fixed wall time (many epochs, no early stopping); samples/s = samples / time.
const SECONDS = Number(arg('seconds', '40'));

async function one(model: 'nbeats' | 'tft', backend: string, workers: number): Promise<void> {
  const series = fitView(syntheticStores({ stores: Number(arg('stores', '40')), minDays: 500, maxDays: 900, extraDays: 0, seed: 1 }));
  const jobs: TfJob[] = [0, 1].map((i) => ({
    id: `${model}-${i}`,
    kind: model,
    params: { epochs: 1000, windowsPerEpoch: 1024, patience: 1000 },
    series,
    fit: { horizon: H, contextLength: L, seed: i + 1, timeBudgetSec: SECONDS },
  }));
  const t0 = performance.now();
  const res = await runTfJobsInWorkers(jobs, { workers, backend });
  const wall = (performance.now() - t0) / 1000;
  const samples = res.reduce((n, r) => n + r.report.metrics['samples']!, 0);
  const perJob = res.map((r) => r.report.metrics['samplesPerSec']!);
  console.log(
    JSON.stringify({
      model,
      backend: res[0]!.backend,
      workers,
      samplesPerSec: samples / wall,
      perJobSamplesPerSec: perJob,
      wallSec: wall,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}

if (process.argv.includes('--one')) {
  const [model, backend, workers] = process.argv.slice(process.argv.indexOf('--one') + 1);
  await one(model as 'nbeats' | 'tft', backend!, Number(workers));
} else {
  const self = fileURLToPath(import.meta.url);
  const models = arg('models', 'nbeats,tft').split(',');
  const backends = arg('backends', 'wasm,cpu').split(',');
  console.log(`tf training benchmark: context ${L}, horizon ${H}, default model sizes, 2 jobs per row of ${arg('seconds', '40')} s training each`);
  console.log(`load average at start: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('model   backend  workers  samples/s (total)  per job          wall s  peak RSS MB');
  for (const model of models) {
    for (const backend of backends) {
      for (const workers of [1, 2]) {
        const out = execFileSync(process.execPath, ['--conditions=source', '--import', 'tsx', self, '--one', model, backend, String(workers), '--stores', arg('stores', '40'), '--seconds', arg('seconds', '40')], {
          encoding: 'utf8',
        });
        const r = JSON.parse(out.trim().split('\n').pop()!);
        console.log(
          `${model.padEnd(7)} ${String(r.backend).padEnd(8)} ${String(workers).padEnd(8)} ${r.samplesPerSec.toFixed(0).padStart(17)}  ${r.perJobSamplesPerSec.map((x: number) => x.toFixed(0)).join(' / ').padEnd(15)}  ${r.wallSec.toFixed(1).padStart(6)}  ${r.peakRssMB.toFixed(0).padStart(11)}`,
        );
      }
    }
  }
}
