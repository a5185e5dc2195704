// `cvc train` with its fits one after the other (--workers 1) against side by side (--workers 2): wall,
// CPU seconds (user + system of the whole process, its worker threads included), peak RSS and the
// 1-minute load when each run starts, per run and as medians; runs alternate so load drifts hit both.
// Also checks that every run's bundle holds the same model files (sha256 in the manifest).
// Needs a project whose lake holds a finished backtest (e.g. a copy of a demo's data/):
//   node --conditions=source --import tsx bench/train-workers.ts --config <project>/configs/cvc.yaml
//       [--runs 3] [--workers 1,2] [--from 2021] [--models lgbm,nbeats,tft]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../packages/core/src/index.js';
import { openRegistry, readManifest, registrySettings } from '../packages/mlops/src/index.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'packages/cli/dist/bin.js');

const { values: flags } = parseArgs({
  options: {
    config: { type: 'string' },
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1,2' },
    from: { type: 'string', default: '2021' },
    models: { type: 'string' },
  },
});
if (!flags.config) throw new Error('--config <project>/configs/cvc.yaml is required (a project with a backtest)');
const config = resolve(flags.config);
const runs = Number(flags.runs);
const workerCounts = flags.workers.split(',').map(Number);

interface Run {
  workers: number;
  wall: number;
  cpu: number;
  rssMb: number;
  load: number;
  fits: Record<string, number>;
  modelFiles: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function train(workers: number): Promise<Run> {
  const load = loadavg()[0]!;
  const args = ['train', '--config', config, '--from', flags.from, '--workers', String(workers)];
  if (flags.models) args.push('--models', flags.models);
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%e %U %S %M', process.execPath, BIN, ...args, '--promote', 'manual', '--json'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    },
  );
  if (r.status !== 0) throw new Error(`cvc ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  const [wall, user, sys, rssKb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const out = JSON.parse(r.stdout) as { version: number; models: { kind: string; fitSeconds: number }[] };
  const { bundleDir } = await openRegistry(registrySettings(loadConfig(config))).resolve(out.version);
  const manifest = await readManifest(bundleDir);
  return {
    workers,
    wall,
    cpu: user + sys,
    rssMb: rssKb / 1024,
    load,
    fits: Object.fromEntries(out.models.map((m) => [m.kind, m.fitSeconds])),
    modelFiles: JSON.stringify(manifest.files.filter((f) => f.path.startsWith('models/'))),
  };
}

const all: Run[] = [];
for (let i = 0; i < runs; i++) {
  for (const w of workerCounts) {
    const run = await train(w);
    all.push(run);
    const fits = Object.entries(run.fits)
      .filter(([, s]) => s >= 0.5)
      .map(([k, s]) => `${k} ${s.toFixed(0)} s`)
      .join(', ');
    console.log(
      `run ${i + 1} workers ${w}: wall ${run.wall.toFixed(1)} s, CPU ${run.cpu.toFixed(1)} s ` +
        `(${(run.cpu / run.wall).toFixed(2)} cores), peak RSS ${run.rssMb.toFixed(0)} MB, ` +
        `load ${run.load.toFixed(1)}; fits: ${fits}`,
    );
  }
}
console.log('\nworkers | wall s (median) | CPU s (median) | cores used | load at start (median)');
const base = all.filter((r) => r.workers === workerCounts[0]);
for (const w of workerCounts) {
  const rs = all.filter((r) => r.workers === w);
  const wall = median(rs.map((r) => r.wall));
  const cpu = median(rs.map((r) => r.cpu));
  console.log(
    `${w} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${median(rs.map((r) => r.cpu / r.wall)).toFixed(2)} | ` +
      `${median(rs.map((r) => r.load)).toFixed(1)}`,
  );
  if (w !== workerCounts[0]) {
    // Per pair of runs next to each other, so both met about the same load.
    const ratios = (of: (r: Run) => number) => rs.map((r, i) => of(r) / of(base[i]!));
    const show = (xs: number[]) => `x${median(xs).toFixed(3)} (pairs ${xs.map((x) => x.toFixed(3)).join(', ')})`;
    console.log(`  vs ${workerCounts[0]}: wall ${show(ratios((r) => r.wall))}, CPU ${show(ratios((r) => r.cpu))}`);
  }
}
const identical = all.every((r) => r.modelFiles === all[0]!.modelFiles);
console.log(`model files identical in every bundle: ${identical ? 'yes' : 'NO'}`);
if (!identical) process.exitCode = 1;
