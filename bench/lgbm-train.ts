// Training speed of @cvc/lightgbm against Python lightgbm 4.1.0 (same C++ version) on the same
// 200k x 30 matrix: Dataset construction + 200 rounds, 63 leaves, 2 threads. Runs alternate
// (ours, python, ours, ...) to spread the noise of a shared machine; prints medians and the ratio.
// Run: node --conditions=source --import tsx bench/lgbm-train.ts [repeats] [threads] [active|passive]
// On an oversubscribed machine libgomp's spin-waiting (OMP_WAIT_POLICY=active) made Python's
// 2-thread runs 5-10x slower, so both sides run with OMP_WAIT_POLICY=passive unless told otherwise.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
// Read by libgomp when it loads: our addon loads lazily on first use, Python in its own process.
process.env['OMP_WAIT_POLICY'] = waitPolicy;
const params = {
  objective: 'regression',
  num_leaves: 63,
  learning_rate: 0.1,
  num_threads: threads,
  seed: 1,
  verbose: -1,
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
}

async function ours(): Promise<Timing> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const ds = Dataset.fromMatrix(X, { nrow, ncol, label: y, params });
  const { booster } = await train(params, ds, { numBoostRound: rounds });
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  booster.free();
  ds.free();
  return { seconds, cpu: (c.user + c.system) / 1e6 };
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
    `OMP_WAIT_POLICY=${waitPolicy}, ${repeats} alternating runs each`,
);
for (let r = 0; r < repeats; r++) {
  o.push(await ours());
  p.push(python());
  const a = o.at(-1)!;
  const b = p.at(-1)!;
  console.log(
    `  run ${r + 1}: ours ${a.seconds.toFixed(2)} s (cpu ${a.cpu.toFixed(2)}), python ${b.seconds.toFixed(2)} s ` +
      `(cpu ${b.cpu.toFixed(2)})`,
  );
}
for (const k of ['seconds', 'cpu'] as const) {
  const mo = median(o.map((t) => t[k]));
  const mp = median(p.map((t) => t[k]));
  console.log(
    `median ${k === 'seconds' ? 'wall' : 'cpu '}: ours ${mo.toFixed(2)} s, python ${mp.toFixed(2)} s, ratio ` +
      `ours/python ${(mo / mp).toFixed(3)}`,
  );
}
await rm(dir, { recursive: true, force: true });
