// Crash consistency: SIGKILLs each step of the pipeline at random moments and checks what a reader sees.
// A small demo world (stores, lgbm + baselines, few folds) is built once through the CLI, timing each
// step. Every trial copies that world, starts one step, kills its process group at a moment drawn from
// a seeded RNG between 0 and the step's measured duration, then
//   1. reads every Delta table under data/ with delta-rs (Python `deltalake`): commit versions
//      contiguous, the latest and previous versions readable, no duplicate keys;
//   2. reruns the step (backtest with --resume), which must exit 0;
//   3. reads every table again.
// Prints `step, trials, consistent, failed` per step (plus how many kills landed before the step
// ended) and exits 1 if any trial failed; a failed trial's world is kept and its path printed.
// --self-check first damages copies of the base world (a duplicated data file, a lost commit file, a
// lost data file) and exits 1 unless the check reports each one.
//   node --conditions=source --import tsx bench/crash.ts [--trials 5] [--seed 1] [--stores 10] [--folds 2]
//       [--steps ingest,backtest,train,infer] [--self-check]
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURE_CLUSTER_BY } from '../packages/feature-table/src/index.js';
import { makeRng as rng } from '../packages/core/src/index.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'packages/cli/dist/bin.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

// The key of every table the pipeline writes, relative to data/. A table found on disk that is not
// listed here is still checked for contiguous, readable versions.
const KEYS: Record<string, readonly string[]> = {
  'lake/features': FEATURE_CLUSTER_BY, // ingest merges on it
  'lake/quarantine': ['row_key'], // ingest merges on it
  'lake/stores': ['store_id'],
  'lake/promotions': ['promo_id'],
  'lake/state_holidays': ['state', 'city', 'holiday_date', 'name'],
  'lake/backtest_forecasts': ['run_id', 'model', 'fold', 'store_id', 'forecast_date'],
  'lake/backtest_metrics': ['run_id', 'model', 'fold', 'store_id'],
  'lake/model_choice': ['run_id', 'store_id'],
  'lake/bip_vprevisao_lojas_futuro': ['as_of_date', 'store_id', 'forecast_date'], // infer replaces an as-of date
  'tracking/params': ['run_id', 'key'],
};

// Reads each table given as argv JSON [{path, key}] and prints one JSON line of problems per table.
const CHECK_PY = `
import json, os, re, sys
from deltalake import DeltaTable
import pyarrow.compute as pc
out = []
for t in json.loads(sys.argv[1]):
    path, key, problems = t['path'], t['key'], []
    try:
        log = os.path.join(path, '_delta_log')
        versions = sorted(int(f[:20]) for f in os.listdir(log) if re.fullmatch(r'\\d{20}\\.json', f))
        if not versions:
            problems.append('no commit in _delta_log')
        else:
            gaps = [v for v in range(versions[0], versions[-1] + 1) if v not in set(versions)]
            if versions[0] != 0 or gaps:
                problems.append(f'commit versions not contiguous from 0: first {versions[0]}, missing {gaps[:5]}')
            dt = DeltaTable(path)
            if dt.version() != versions[-1]:
                problems.append(f'delta-rs reads version {dt.version()}, newest commit file is {versions[-1]}')
            table = dt.to_pyarrow_table()
            if key:
                groups = table.group_by(key).aggregate([([], 'count_all')])
                dups = groups.filter(pc.greater(groups['count_all'], 1))
                if dups.num_rows:
                    e = dups.slice(0, 2).to_pylist()
                    problems.append(f'{dups.num_rows} duplicate keys ({",".join(key)}), e.g. {e}')
            if dt.version() > 0:
                DeltaTable(path, version=dt.version() - 1).to_pyarrow_table()
    except Exception as e:
        problems.append(f'{type(e).__name__}: {str(e)[:300]}')
    out.append({'path': path, 'problems': problems})
print(json.dumps(out))
sys.stdout.flush()
os._exit(0)
`;

/** Every Delta table under `data`: a directory holding a _delta_log. */
function deltaTables(data: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    const names = readdirSync(dir);
    if (names.includes('_delta_log')) {
      found.push(dir);
      return;
    }
    for (const n of names) if (statSync(join(dir, n)).isDirectory()) walk(join(dir, n));
  };
  walk(data);
  return found.sort();
}

/** What delta-rs finds wrong with the world's tables: one line per problem, empty when consistent. */
function checkTables(world: string): string[] {
  const data = join(world, 'data');
  const tables = deltaTables(data).map((path) => ({ path, key: KEYS[relative(data, path)] ?? null }));
  const r = spawnSync('python3', ['-c', CHECK_PY, JSON.stringify(tables)], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return [`delta-rs check did not run (exit ${r.status}): ${r.stderr.slice(-500)}`];
  const seen = JSON.parse(r.stdout) as { path: string; problems: string[] }[];
  return seen.flatMap((t) => t.problems.map((p) => `${relative(data, t.path)}: ${p}`));
}

const tail = (text: string) => text.trim().slice(-600);
const cliArgs = (world: string, args: string[]) => [
  BIN,
  '--config',
  join(world, 'configs/cvc.yaml'),
  '--log-level',
  'warn',
  ...args,
];

function cvc(world: string, args: string[]): { code: number | null; seconds: number; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, cliArgs(world, args), { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, seconds: (performance.now() - t0) / 1000, stderr: r.stderr };
}

/** Runs the step and SIGKILLs its process group after `ms`; true when the kill landed before it exited. */
function killAt(world: string, args: string[], ms: number): Promise<boolean> {
  const child = spawn(process.execPath, cliArgs(world, args), {
    stdio: 'ignore',
    detached: true, // its own process group, so a kill reaches anything it started
  });
  return new Promise((done) => {
    let exited = false;
    const timer = setTimeout(() => {
      try {
        if (!exited) process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // it exited between the check and the kill
      }
    }, ms);
    child.on('exit', (_code, signal) => {
      exited = true;
      clearTimeout(timer);
      done(signal === 'SIGKILL');
    });
  });
}

const commitFile = (table: string, v: number) => join(table, '_delta_log', `${String(v).padStart(20, '0')}.json`);

/** Damages copies of `base` in three ways; returns what the check missed (nothing when it sees them all). */
function selfCheck(scratch: string, base: string): string[] {
  const copy = (name: string) => {
    const world = join(scratch, `self-check-${name}`);
    cpSync(base, world, { recursive: true });
    return world;
  };
  const stores = (world: string) => join(world, 'data/lake/stores');
  const latest = (table: string) => {
    const commits = readdirSync(join(table, '_delta_log')).filter((f) => /^\d{20}\.json$/.test(f));
    return Math.max(...commits.map((f) => Number(f.slice(0, 20))));
  };
  const adds = (table: string) =>
    readFileSync(commitFile(table, latest(table)), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"add"'))
      .map((l) => (JSON.parse(l) as { add: { path: string } }).add);
  const missed: string[] = [];
  const expectProblem = (world: string, pattern: RegExp, what: string) => {
    const seen = checkTables(world);
    if (!seen.some((p) => pattern.test(p))) missed.push(`${what}: the check reported ${JSON.stringify(seen)}`);
    rmSync(world, { recursive: true, force: true });
  };

  // The stores table's data file added a second time under another name: every store twice.
  const dup = copy('dup');
  const next = latest(stores(dup)) + 1;
  const again = adds(stores(dup)).map((a) => {
    copyFileSync(join(stores(dup), a.path), join(stores(dup), `again-${a.path}`));
    return JSON.stringify({ add: { ...a, path: `again-${a.path}`, dataChange: true } });
  });
  writeFileSync(commitFile(stores(dup), next), `${again.join('\n')}\n`);
  expectProblem(dup, /^lake\/stores: \d+ duplicate keys/, 'a duplicated data file');

  const gap = copy('gap'); // a commit file lost from the middle of the features table's log
  rmSync(commitFile(join(gap, 'data/lake/features'), 1));
  expectProblem(gap, /^lake\/features: commit versions not contiguous/, 'a lost commit file');

  const lost = copy('lost'); // a data file of the latest stores version lost
  rmSync(join(stores(lost), adds(stores(lost))[0]!.path));
  expectProblem(lost, /^lake\/stores: /, 'a lost data file');
  return missed;
}

interface Step {
  name: string;
  run: string[];
  rerun: string[];
}

const TRAIN = ['train', '--from', '2024', '--promote', 'always'];
const STEPS: Step[] = [
  { name: 'ingest', run: ['ingest', '--full'], rerun: ['ingest', '--full'] },
  { name: 'backtest', run: ['backtest'], rerun: ['backtest', '--resume'] },
  { name: 'train', run: TRAIN, rerun: TRAIN },
  { name: 'infer', run: ['infer'], rerun: ['infer'] },
];

async function main(): Promise<void> {
  const trials = Number(arg('trials', '5'));
  const seed = Number(arg('seed', '1'));
  const stores = Number(arg('stores', '10'));
  const folds = Number(arg('folds', '2'));
  const only = arg('steps', STEPS.map((s) => s.name).join(',')).split(',');
  const steps = STEPS.filter((s) => only.includes(s.name));
  const random = rng(seed);

  const scratch = mkdtempSync(join(tmpdir(), 'cvc-bench-crash-'));
  const base = join(scratch, 'base');
  mkdirSync(join(base, 'configs'), { recursive: true });
  const yaml = `demo: { stores: ${stores} }\nbacktest: { folds: ${folds}, models: [lgbm] }\n`;
  writeFileSync(join(base, 'configs/cvc.yaml'), yaml);
  console.log(`crash bench: ${stores} stores, lgbm + baselines, ${folds} folds, ${trials} trials/step, seed ${seed}`);

  // The base world, built step by step. Then each step runs once more on a copy, as a trial runs it:
  // that time is the range its kill moments are drawn from.
  const init = cvc(base, ['demo', 'init']);
  if (init.code !== 0) throw new Error(`cvc demo init failed (${init.code}): ${init.stderr.slice(-1500)}`);
  const mustRun = (world: string, args: string[]) => {
    const r = cvc(world, args);
    if (r.code !== 0) throw new Error(`cvc ${args.join(' ')} failed (${r.code}): ${r.stderr.slice(-1500)}`);
    return r.seconds;
  };
  for (const s of STEPS) mustRun(base, s.run);
  const typical = new Map<string, number>();
  for (const s of steps) {
    const world = join(scratch, `${s.name}-measure`);
    cpSync(base, world, { recursive: true });
    typical.set(s.name, mustRun(world, s.run));
    rmSync(world, { recursive: true, force: true });
  }
  const baseProblems = checkTables(base);
  if (baseProblems.length) throw new Error(`the base world is inconsistent before a kill:\n${baseProblems.join('\n')}`);
  console.log(`step durations: ${[...typical].map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(', ')}`);
  if (process.argv.includes('--self-check')) {
    const missed = selfCheck(scratch, base);
    if (missed.length) throw new Error(`the delta-rs check missed damage it must report:\n${missed.join('\n')}`);
    console.log('self-check: the check reports a duplicated data file, a lost commit file and a lost data file');
  }

  const rows: { step: string; trials: number; consistent: number; failed: number; killed: number }[] = [];
  for (const s of steps) {
    const row = { step: s.name, trials: 0, consistent: 0, failed: 0, killed: 0 };
    for (let i = 0; i < trials; i++) {
      const world = join(scratch, `${s.name}-${i}`);
      cpSync(base, world, { recursive: true });
      const ms = Math.round(random() * typical.get(s.name)! * 1000);
      const killed = await killAt(world, s.run, ms);
      const afterKill = checkTables(world);
      const rerun = cvc(world, s.rerun);
      const afterRerun = checkTables(world);
      const failures = [
        ...afterKill.map((p) => `after the kill: ${p}`),
        ...(rerun.code === 0 ? [] : [`rerun \`cvc ${s.rerun.join(' ')}\`: exit ${rerun.code}, ${tail(rerun.stderr)}`]),
        ...afterRerun.map((p) => `after the rerun: ${p}`),
      ];
      row.trials++;
      if (killed) row.killed++;
      if (failures.length === 0) {
        row.consistent++;
        rmSync(world, { recursive: true, force: true });
      } else {
        row.failed++;
        const when = killed ? 'mid-run' : 'after it ended';
        console.log(`FAILED ${s.name} trial ${i}: killed at ${ms} ms (${when}), world kept at ${world}`);
        for (const f of failures) console.log(`  ${f}`);
      }
    }
    rows.push(row);
    console.log(`  ${s.name}: ${row.consistent}/${row.trials} consistent`);
  }

  console.log('\nstep, trials, consistent, failed, killed mid-run');
  for (const r of rows) console.log(`${r.step}, ${r.trials}, ${r.consistent}, ${r.failed}, ${r.killed}`);
  const failed = rows.reduce((a, r) => a + r.failed, 0);
  if (failed === 0) rmSync(scratch, { recursive: true, force: true });
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();
