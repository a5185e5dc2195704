// Training speed of @cvc/lightgbm against Python lightgbm 4.1.0 (same C++ version) on the same
// 200k x 30 matrix: Dataset construction + 200 rounds, 63 leaves, 2 threads. Runs alternate
// (ours, python, ours, ...) to spread the noise of a shared machine; prints medians and the ratio,
// for the whole run and split into Dataset construction and boosting (CPU seconds).
// Run: node --conditions=source --import tsx bench/lgbm-train.ts [repeats] [threads] [active|passive] [col|row|auto]
// On an oversubscribed machine libgomp's spin-waiting (OMP_WAIT_POLICY=active) made Python's
// 2-thread runs 5-10x slower, so both sides run with OMP_WAIT_POLICY=passive unless told otherwise.
// Histogram layout: left alone ('auto'), LightGBM times one col-wise and one row-wise histogram pass
// when the booster is created and keeps the faster; on a shared machine that race is won at random,
// run by run and side by side, and the two layouts cost different CPU time (and give models that differ
// in the last bits). So both sides force the same layout: col-wise unless told otherwise.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Dataset, train } from '../packages/lightgbm/src/index.js';
import { regression } from '../packages/lightgbm/test/synthetic.js';

const repeats = Number(process.argv[2] ?? 3);
const nrow = 200_000;
const ncol = 30;
const rounds = 200;
const threads = Number(process.argv[3] ?? 2);
const waitPolicy = process.argv[4] ?? 'passive';
const layout = process.argv[5] ?? 'col';
if (!['col', 'row', 'auto'].includes(layout)) throw new Error(`histogram layout must be col, row or auto: ${layout}`);
// Read by libgomp when it loads: our addon loads lazily on first use, Python in its own process.
process.env['OMP_WAIT_POLICY'] = waitPolicy;
const params = {
  objective: 'regression',
  num_leaves: 63,
  learning_rate: 0.1,
  num_threads: threads,
  seed: 1,
  verbose: -1,
  ...(layout === 'col' ? { force_col_wise: true } : layout === 'row' ? { force_row_wise: true } : {}),
};
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const { X, y } = regression(nrow, ncol, 123, 0.5);
const dir = await mkdtemp(join(tmpdir(), 'lgbm-bench-'));
await writeFile(join(dir, 'X.f64'), X);
await writeFile(join(dir, 'y.f64'), y);
await writeFile(join(dir, 'spec.json'), JSON.stringify({ nrow, ncol, rounds, params }));

interface Timing {
  seconds: number;
  cpu: number;
  /** CPU seconds of Dataset construction (binning); the rest is boosting. */
  datasetCpu: number;
}

async function ours(): Promise<Timing> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const ds = Dataset.fromMatrix(X, { nrow, ncol, label: y, params });
  const cd = process.cpuUsage(c0);
  const { booster } = await train(params, ds, { numBoostRound: rounds });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  booster.free();
  ds.free();
  return { seconds, cpu: (c.user + c.system) / 1e6, datasetCpu: (cd.user + cd.system) / 1e6 };
}

function python(): Timing {
  const out = execFileSync('python3', [join(root, 'packages/lightgbm/test/bench_train.py'), dir], { encoding: 'utf8' });
  return JSON.parse(out) as Timing;
}

const median = (a: number[]) => [...a].sort((x, z) => x - z)[Math.floor(a.length / 2)]!;
const o: Timing[] = [];
const p: Timing[] = [];
console.log(
  `lgbm-train: ${nrow} x ${ncol} float64, ${rounds} rounds, 63 leaves, ${threads} thread(s), ` +
    `OMP_WAIT_POLICY=${waitPolicy}, histograms ${layout}-wise, ${repeats} alternating runs each`,
);
for (let r = 0; r < repeats; r++) {
  o.push(await ours());
  p.push(python());
  const a = o.at(-1)!;
  const b = p.at(-1)!;
  console.log(
    `  run ${r + 1}: ours ${a.seconds.toFixed(2)} s (cpu ${a.cpu.toFixed(2)}, dataset ${a.datasetCpu.toFixed(2)}), ` +
      `python ${b.seconds.toFixed(2)} s (cpu ${b.cpu.toFixed(2)}, dataset ${b.datasetCpu.toFixed(2)}), ` +
      `load ${loadavg()[0]!.toFixed(1)}`,
  );
}
const boosting = (t: Timing) => t.cpu - t.datasetCpu;
const figures = [
  ['wall', (t: Timing) => t.seconds],
  ['cpu', (t: Timing) => t.cpu],
  ['cpu dataset', (t: Timing) => t.datasetCpu],
  ['cpu boosting', boosting],
] as const;
for (const [name, f] of figures) {
  const mo = median(o.map(f));
  const mp = median(p.map(f));
  console.log(
    `median ${name.padEnd(12)}: ours ${mo.toFixed(2)} s, python ${mp.toFixed(2)} s, ratio ours/python ` +
      `${(mo / mp).toFixed(3)}`,
  );
}
// Per-run ratios of the pair run back to back: less exposed to load that changes between pairs.
const pairs = o.map((t, i) => t.cpu / p[i]!.cpu);
console.log(`median of per-pair cpu ratios: ${median(pairs).toFixed(3)}; load average now ${loadavg()[0]!.toFixed(1)}`);
await rm(dir, { recursive: true, force: true });
