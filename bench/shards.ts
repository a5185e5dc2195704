// A store-sharded backtest against the unsharded one on this machine: `cvc backtest` with lgbm as 1
// process, then as 2 and 4 `--shard i/n` processes started at once on the same lake, plus the
// `--shard merge`. Prints wall time (first start to last exit, merge included) and total CPU (user +
// system of every process, from GNU time), and the overhead of sharding against the single run.
//   node --conditions=source --import tsx bench/shards.ts [--stores 2000] [--folds 2] [--shards 1,2,4]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'packages/cli/dist/bin.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

interface Timed {
  wall: number;
  cpu: number;
}

/** One cvc process under GNU time: its wall seconds and user + system CPU seconds. */
function cvc(args: string[]): Promise<Timed> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%U %S', process.execPath, BIN, ...args]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`cvc ${args.join(' ')} failed (${code}): ${stderr.slice(-1500)}`));
      const [user, sys] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
      done({ wall: (performance.now() - t0) / 1000, cpu: user! + sys! });
    });
  });
}

async function sharded(q: string[], n: number, run: string): Promise<Timed & { merge: Timed }> {
  const t0 = performance.now();
  if (n === 1) {
    const one = await cvc([...q, 'backtest']);
    return { ...one, merge: { wall: 0, cpu: 0 } };
  }
  const shards = await Promise.all(
    Array.from({ length: n }, (_, i) => cvc([...q, 'backtest', '--shard', `${i}/${n}`, '--run-id', run])),
  );
  const merge = await cvc([...q, 'backtest', '--shard', 'merge', '--run-id', run]);
  return {
    wall: (performance.now() - t0) / 1000,
    cpu: shards.reduce((a, s) => a + s.cpu, 0) + merge.cpu,
    merge,
  };
}

const stores = Number(arg('stores', '2000'));
const folds = Number(arg('folds', '2'));
const counts = arg('shards', '1,2,4').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'cvc-bench-shards-'));
mkdirSync(join(dir, 'configs'));
const config = join(dir, 'configs', 'cvc.yaml');
writeFileSync(config, `demo: { stores: ${stores} }\nbacktest: { folds: ${folds}, models: [lgbm] }\n`);
const q = ['--config', config, '--log-level', 'error'];
await cvc([...q, 'demo', 'init']);
await cvc([...q, 'ingest', '--full']);
console.log(`backtest (lgbm + baselines), ${stores} stores, ${folds} folds, on ${dir}`);
console.log('shards   wall s   CPU s   merge wall/CPU s   wall vs 1   CPU overhead vs 1');
let base: Timed | undefined;
for (const n of counts) {
  const r = await sharded(q, n, `bench${n}`);
  base ??= r;
  console.log(
    `${String(n).padStart(6)} ${r.wall.toFixed(1).padStart(8)} ${r.cpu.toFixed(1).padStart(7)}   ` +
      `${r.merge.wall.toFixed(1).padStart(7)} / ${r.merge.cpu.toFixed(1).padEnd(7)}   ` +
      `${(r.wall / base.wall).toFixed(2).padStart(9)}   ${(100 * (r.cpu / base.cpu - 1)).toFixed(0).padStart(6)} %`,
  );
}
