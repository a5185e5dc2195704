// Wall time and peak RSS of the pipeline's steps, each run as the CLI in a fresh process (GNU time
// reports its peak RSS): ingest, backtest (and the time --resume saves after a kill halfway), train
// (plus bundle size and load time) and infer, for a demo of N stores. Medians over --runs.
//   node --conditions=source --import tsx bench/pipeline.ts [--stores 150] [--models lgbm,nbeats,tft] [--folds 4]
//       [--runs 1] [--infer-stores 2000] [--skip-backtest] [--resume-only]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../packages/core/src/index.js';
import { forecasterFactories } from '../packages/models/src/index.js';
import { openRegistry, readBundle, readManifest, registrySettings } from '../packages/mlops/src/index.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'packages/cli/dist/bin.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Measured {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

function timed(args: string[]): Measured {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, BIN, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`cvc ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-1500)}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { seconds, peakRssMb: kb / 1024, stdout: r.stdout };
}

function world(stores: number, models: string, folds: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'cvc-bench-pipe-'));
  mkdirSync(join(dir, 'configs'));
  const config = join(dir, 'configs', 'cvc.yaml');
  writeFileSync(config, `demo: { stores: ${stores} }\nbacktest: { folds: ${folds}, models: [${models}] }\n`);
  return config;
}

function du(dir: string): number {
  return readdirSync(dir).reduce((a, f) => {
    const p = join(dir, f);
    const s = statSync(p);
    return a + (s.isDirectory() ? du(p) : s.size);
  }, 0);
}

/** Starts a backtest, kills it once half its (fold, model) pairs are checkpointed, then resumes it. */
async function killAndResume(config: string, total: number): Promise<{ full: number; resumed: number }> {
  const data = join(config, '../../data/backtest-checkpoints');
  rmSync(data, { recursive: true, force: true }); // the first full run's checkpoints would count as done
  // Baselines checkpoint every fold within seconds; "half" counts the models asked for.
  const baselines = new Set(['seasonal_naive', 'weekday_mean', 'ets']);
  const done = () => {
    try {
      return readdirSync(data)
        .flatMap((k) =>
          readdirSync(join(data, k))
            .filter((m) => !baselines.has(m))
            .flatMap((m) => readdirSync(join(data, k, m)).map((f) => join(data, k, m, f))),
        )
        .filter((fold) => readdirSync(fold).includes('forecasts.json')).length; // written last: the fold is done
    } catch {
      return 0;
    }
  };
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, '--config', config, '--log-level', 'warn', 'backtest'], {
    stdio: 'ignore',
  });
  await new Promise<void>((ok) => {
    const timer = setInterval(() => {
      if (done() >= Math.ceil(total / 2)) {
        clearInterval(timer);
        child.kill('SIGKILL');
        ok();
      }
    }, 200);
    child.on('exit', () => {
      clearInterval(timer);
      ok();
    });
  });
  const killedAfter = (performance.now() - t0) / 1000;
  const resumed = timed(['--config', config, '--log-level', 'warn', 'backtest', '--resume']).seconds;
  return { full: killedAfter, resumed };
}

async function main(): Promise<void> {
  const stores = Number(arg('stores', '150'));
  const models = arg('models', 'lgbm,nbeats,tft');
  const folds = Number(arg('folds', '4'));
  const runs = Number(arg('runs', '1'));
  const inferStores = Number(arg('infer-stores', '2000'));
  const config = world(stores, models, folds);
  const q = ['--config', config, '--log-level', 'warn'];
  console.log(`pipeline bench: ${stores} stores, models ${models} + baselines, ${folds} folds, ${runs} run(s)`);
  timed([...q, 'demo', 'init']);
  const ingest = timed([...q, 'ingest', '--full']);
  console.log(`ingest --full        ${ingest.seconds.toFixed(1)} s, peak RSS ${ingest.peakRssMb.toFixed(0)} MB`);

  if (process.argv.includes('--resume-only')) {
    // Compare the two times with a full run's time from a run without this flag.
    const kr = await killAndResume(config, models.split(',').length * folds);
    console.log(
      `backtest killed at half after ${kr.full.toFixed(1)} s; --resume finished in ${kr.resumed.toFixed(1)} s`,
    );
    return;
  }
  if (process.argv.includes('--skip-backtest')) {
    timed([...q, 'train', '--from', '2021', '--models', models.split(',')[0]!, '--promote', 'always']);
  } else {
    const bt: Measured[] = [];
    for (let i = 0; i < runs; i++) bt.push(timed([...q, '--json', 'backtest']));
    const last = JSON.parse(bt[bt.length - 1]!.stdout) as {
      timings: { model: string; fitSeconds: number; predictSeconds: number }[];
      leaderboard: { model: string; wape: number }[];
    };
    console.log(
      `backtest             ${median(bt.map((b) => b.seconds)).toFixed(1)} s (median), peak RSS ` +
        `${median(bt.map((b) => b.peakRssMb)).toFixed(0)} MB`,
    );
    for (const t of last.timings) {
      const w = last.leaderboard.find((l) => l.model === t.model)?.wape;
      console.log(
        `  ${t.model.padEnd(15)} fit ${t.fitSeconds.toFixed(1).padStart(7)} s  predict ` +
          `${t.predictSeconds.toFixed(1).padStart(6)} s  WAPE ` +
          `${w === undefined ? 'failed' : `${(w * 100).toFixed(1)}%`}`,
      );
    }
    const kr = await killAndResume(config, models.split(',').length * folds);
    console.log(
      `backtest killed at half after ${kr.full.toFixed(1)} s; --resume finished in ${kr.resumed.toFixed(1)} s (a ` +
        `full run: ${median(bt.map((b) => b.seconds)).toFixed(1)} s)`,
    );
    const tr = timed([...q, 'train', '--from', '2021', '--promote', 'always']);
    console.log(`train --from 2021    ${tr.seconds.toFixed(1)} s, peak RSS ${tr.peakRssMb.toFixed(0)} MB`);
  }
  const loaded = loadConfig(config);
  const resolved = await openRegistry(registrySettings(loaded)).resolve('champion');
  const manifest = await readManifest(resolved.bundleDir);
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await readBundle(resolved.bundleDir, await forecasterFactories(manifest.models.map((m) => m.kind)));
    loads.push((performance.now() - t0) / 1000);
  }
  console.log(
    `bundle               ${(du(resolved.bundleDir) / 1e6).toFixed(2)} MB ` +
      `(${manifest.models.map((m) => m.kind).join(', ')}), ` +
      `load + verify ${median(loads).toFixed(2)} s (median of 5)`,
  );
  const inf: Measured[] = [];
  for (let i = 0; i < Math.max(3, runs); i++) inf.push(timed([...q, 'infer', '--horizon', '35']));
  console.log(
    `infer (${stores} stores)    ${median(inf.map((m) => m.seconds)).toFixed(2)} s process start to commit ` +
      `(median of ${inf.length}), peak RSS ${median(inf.map((m) => m.peakRssMb)).toFixed(0)} MB`,
  );

  if (inferStores > 0) {
    const big = world(inferStores, models, folds);
    const b = ['--config', big, '--log-level', 'warn'];
    timed([...b, 'demo', 'init']);
    timed([...b, 'ingest', '--full']);
    timed([...b, 'train', '--from', '2024', '--models', models.split(',')[0]!, '--promote', 'always']);
    const bi: Measured[] = [];
    for (let i = 0; i < 3; i++) bi.push(timed([...b, 'infer', '--horizon', '35']));
    console.log(
      `infer (${inferStores} stores, ${models.split(',')[0]}) ${median(bi.map((m) => m.seconds)).toFixed(2)} s ` +
        `process start to commit (median of 3), peak RSS ${median(bi.map((m) => m.peakRssMb)).toFixed(0)} MB`,
    );
  }
}

await main();
