// Training throughput of N-BEATS (with and without covariates) and TFT: one fit per model with its
// default epoch budget and early stopping, in this thread, on synthetic stores. Prints samples
// (training windows) per second of wall time and per CPU second (the second barely moves when other
// work shares the machine), the epochs reached of the budget and why training stopped.
//   node --conditions=source --import tsx bench/tf-train.ts [--models nbeats,nbeats-pure,tft] [--backend wasm]
//   [--stores 40] [--epochs N (override the budget)] [--cap 1800 (wall-time safety cap, s)]
//   [--params '{"batchSize":256}' (other parameters)]
import { loadavg } from 'node:os';
import { loadTf } from '../packages/models/src/tf/backend.js';
import { nbeatsFactory, NBEATS_DEFAULTS } from '../packages/models/src/nbeats/index.js';
import { tftFactory, TFT_DEFAULTS } from '../packages/models/src/tft/index.js';
import { fitView, syntheticStores } from '../packages/models/test/tf-synthetic.js';
import { arg, H, L } from './tf-common.js';

const MODELS = {
  nbeats: { factory: nbeatsFactory, params: {}, defaults: NBEATS_DEFAULTS },
  'nbeats-pure': { factory: nbeatsFactory, params: { covariates: false }, defaults: NBEATS_DEFAULTS },
  tft: { factory: tftFactory, params: {}, defaults: TFT_DEFAULTS },
} as const;

const { backend } = await loadTf({ backend: arg('backend', 'wasm') });
const stores = Number(arg('stores', '40'));
const series = fitView(syntheticStores({ stores, minDays: 500, maxDays: 900, extraDays: 0, seed: 1 }));
console.log(`tf training: ${stores} synthetic stores, context ${L}, horizon ${H}, backend ${backend}, 1 thread`);
console.log(
  `load average at start: ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
console.log('model        samples  epochs/budget  stopped by      wall s   cpu s  samples/s  samples/cpu-s');
for (const name of arg('models', 'nbeats,nbeats-pure,tft').split(',') as (keyof typeof MODELS)[]) {
  const m = MODELS[name];
  if (!m) throw new Error(`--models: unknown model "${name}" (expected ${Object.keys(MODELS).join(', ')})`);
  const epochs = Number(arg('epochs', String(m.defaults.epochs)));
  const extra = JSON.parse(arg('params', '{}')) as Record<string, unknown>;
  const model = m.factory.create({ ...m.params, ...extra, epochs });
  const stopped: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await model.fit(series, {
    horizon: H,
    contextLength: L,
    seed: 1,
    timeBudgetSec: Number(arg('cap', '1800')),
    log: (msg) => msg.startsWith('training stopped') && stopped.push('time cap'),
  });
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  const x = r.metrics;
  const why = x['earlyStopped'] ? 'early stopping' : x['timeBudgetHit'] ? 'time cap' : 'epoch budget';
  console.log(
    `${name.padEnd(12)} ${String(x['samples']).padStart(7)}  ${`${x['epochs']}/${epochs}`.padStart(13)}  ` +
      `${why.padEnd(14)} ${wall.toFixed(0).padStart(7)} ${cpu.toFixed(0).padStart(7)} ` +
      `${(x['samples']! / wall).toFixed(0).padStart(10)} ${(x['samples']! / cpu).toFixed(0).padStart(14)}`,
  );
}
