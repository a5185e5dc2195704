// Training throughput of N-BEATS (with and without covariates) and TFT with 1 and 2 wasm threads:
// each fit runs in its own process (the thread count is fixed when a process loads TensorFlow.js),
// with the model's default epoch budget and early stopping, on synthetic stores. Prints, per model and
// thread count, medians over --repeat fits of samples (training windows) per second of wall time and
// CPU seconds per 1,000 samples (the second barely moves when other work shares the machine; the
// first is what a 2-core speed-up shows in), the ratio of 2 threads to 1, the epochs reached of the
// budget and why training stopped, and whether the forecasts were bit-identical across every fit.
//   node --conditions=source --import tsx bench/tf-train.ts [--models nbeats,nbeats-pure,tft] [--threads 1,2]
//   [--repeat 3] [--stores 40] [--epochs N (override the budget)] [--cap 1800 (wall-time cap, s)]
//   [--params '{"batchSize":256}' (other parameters)] [--backend wasm]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../packages/models/src/tf/backend.js';
import { wasmThreadsInUse } from '../packages/models/src/tf/wasm-threads.js';
import { nbeatsFactory, NBEATS_DEFAULTS } from '../packages/models/src/nbeats/index.js';
import { tftFactory, TFT_DEFAULTS } from '../packages/models/src/tft/index.js';
import { syntheticStores } from '../packages/models/test/tf-synthetic.js';
import { arg, H, L, originAt } from './tf-common.js';

const MODELS = {
  nbeats: { factory: nbeatsFactory, params: {}, defaults: NBEATS_DEFAULTS },
  'nbeats-pure': { factory: nbeatsFactory, params: { covariates: false }, defaults: NBEATS_DEFAULTS },
  tft: { factory: tftFactory, params: {}, defaults: TFT_DEFAULTS },
} as const;
type ModelName = keyof typeof MODELS;

interface FitFigures {
  threads: number;
  samples: number;
  epochs: number;
  budget: number;
  why: string;
  wall: number;
  cpu: number;
  hash: string;
}

/** One fit in this process; prints its figures as one JSON line. */
async function child(name: ModelName): Promise<void> {
  const threads = Number(arg('threads', '1'));
  const { backend } = await loadTf({ backend: arg('backend', 'wasm'), threads });
  const m = MODELS[name];
  const o = originAt(
    syntheticStores({ stores: Number(arg('stores', '40')), minDays: 500, maxDays: 900, extraDays: 0, seed: 1 }),
    H,
  );
  const epochs = Number(arg('epochs', String(m.defaults.epochs)));
  const extra = JSON.parse(arg('params', '{}')) as Record<string, unknown>;
  const model = m.factory.create({ ...m.params, ...extra, epochs });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await model.fit(o.fit, {
    horizon: H,
    contextLength: L,
    seed: 1,
    timeBudgetSec: Number(arg('cap', '1800')),
  });
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(cpu0);
  const fc = await model.predict(o.predict, H);
  const hash = createHash('sha256');
  for (const f of fc) hash.update(Float64Array.from([...f.p10, ...f.p50, ...f.p90]));
  const x = r.metrics;
  const out: FitFigures = {
    threads: backend === 'wasm' ? wasmThreadsInUse() : threads,
    samples: x['samples']!,
    epochs: x['epochs']!,
    budget: epochs,
    why: x['earlyStopped'] ? 'early stopping' : x['timeBudgetHit'] ? 'time cap' : 'epoch budget',
    wall,
    cpu: (used.user + used.system) / 1e6,
    hash: hash.digest('hex').slice(0, 12),
  };
  console.log(JSON.stringify(out));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function runChild(name: ModelName, threads: number): FitFigures {
  const pass = ['stores', 'epochs', 'cap', 'params', 'backend'].flatMap((k) => {
    const i = process.argv.indexOf(`--${k}`);
    return i >= 0 ? [`--${k}`, process.argv[i + 1]!] : [];
  });
  const script = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, script, '--child', name, '--threads', String(threads), ...pass];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) throw new Error(`${name} with ${threads} threads failed:\n${r.stderr}`);
  return JSON.parse(line) as FitFigures;
}

async function main(): Promise<void> {
  const childModel = arg('child', '');
  if (childModel) return child(childModel as ModelName);
  const names = arg('models', 'nbeats,nbeats-pure,tft').split(',') as ModelName[];
  for (const n of names)
    if (!MODELS[n]) throw new Error(`--models: unknown model "${n}" (expected ${Object.keys(MODELS).join(', ')})`);
  const threadCounts = arg('threads', '1,2').split(',').map(Number);
  const repeat = Number(arg('repeat', '3'));
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  console.log(`tf training: ${arg('stores', '40')} synthetic stores, context ${L}, horizon ${H}, ${repeat} fits each`);
  console.log(`load average at start: ${load()} (2 cores)`);
  console.log(
    'model        threads samples  epochs/budget  stopped by      wall s   cpu s  samples/s  cpu-s/1k  forecast',
  );
  for (const name of names) {
    const byThreads = new Map<number, FitFigures[]>(threadCounts.map((t) => [t, []]));
    // Interleaved so a change in the machine's load hits every thread count alike.
    for (let r = 0; r < repeat; r++)
      for (const t of threadCounts) {
        const f = runChild(name, t);
        byThreads.get(t)!.push(f);
        console.log(
          `  fit ${name} threads ${f.threads}: ${f.samples} samples, wall ${f.wall.toFixed(1)} s, ` +
            `cpu ${f.cpu.toFixed(1)} s, forecast ${f.hash}, load ${load()}`,
        );
      }
    const hashes = new Set([...byThreads.values()].flat().map((f) => f.hash));
    const rate = new Map<number, { sps: number; cpk: number }>();
    for (const [t, fits] of byThreads) {
      const f = fits[0]!;
      const sps = median(fits.map((x) => x.samples / x.wall));
      const cpk = median(fits.map((x) => (1000 * x.cpu) / x.samples));
      rate.set(t, { sps, cpk });
      const same = new Set(fits.map((x) => x.hash)).size === 1 ? 'same' : 'DIFFERENT';
      console.log(
        `${name.padEnd(12)} ${String(f.threads).padStart(7)} ${String(f.samples).padStart(7)}  ` +
          `${`${f.epochs}/${f.budget}`.padStart(13)}  ${f.why.padEnd(14)} ` +
          `${median(fits.map((x) => x.wall))
            .toFixed(0)
            .padStart(7)} ${median(fits.map((x) => x.cpu))
            .toFixed(0)
            .padStart(7)} ` +
          `${sps.toFixed(0).padStart(10)} ${cpk.toFixed(2).padStart(9)}  ${f.hash} (${same} in ${fits.length} fits)`,
      );
    }
    const [a, b] = [rate.get(threadCounts[0]!)!, rate.get(threadCounts[threadCounts.length - 1]!)!];
    console.log(
      `${name.padEnd(12)} ${threadCounts.at(-1)} vs ${threadCounts[0]} threads: ` +
        `samples/s x${(b.sps / a.sps).toFixed(2)}, ` +
        `cpu-s/sample x${(b.cpk / a.cpk).toFixed(2)}; forecasts ${hashes.size === 1 ? 'bit-identical' : 'DIFFER'} ` +
        `across all ${repeat * threadCounts.length} fits`,
    );
  }
  console.log(`load average at end: ${load()}`);
}

await main();
