// The daily run alone, repeatable: a full ingest of the bench/ingest-scale.ts source is made once and
// kept (lake + source) under the temp directory; each run copies it, adds the next day plus 25 late
// corrections and times runIngest stage by stage (wall and CPU seconds of every thread). Run it under
// `node --cpu-prof` to see where a daily run's time goes without the full ingest in the profile.
// Usage: node --conditions=source --import tsx bench/ingest-daily-profile.ts [stores, default 2000] [--runs 3]
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../packages/ingest/src/index.js';
import { addDay, benchConfig, DEMO_AS_OF, median, traceDuckDbStatements } from './ingest-common.js';

// --sql: every DuckDB statement over 20 ms of wall time, with its CPU time (all threads) and its text.
if (process.argv.includes('--sql')) traceDuckDbStatements(20, 150);

const stores = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 2000);
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 3;
const scale = join(tmpdir(), 'cvc-bench-sources', `scale-${stores}.duckdb`);
if (!existsSync(scale)) throw new Error(`${scale} is missing: run bench/ingest-scale.ts --stores ${stores} first`);
const base = join(tmpdir(), `cvc-bench-daily-base-${stores}`);
if (!existsSync(join(base, 'done'))) {
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { recursive: true });
  cpSync(scale, join(base, 'source.duckdb'));
  const loaded = benchConfig(join(base, 'source.duckdb'), join(base, 'lake'));
  await runIngest({ loaded, full: true, today: DEMO_AS_OF });
  mkdirSync(join(base, 'done'));
  console.error(`kept a full ingest of ${stores} stores in ${base}`);
}
const day = new Date(Date.parse(DEMO_AS_OF) + 86_400_000).toISOString().slice(0, 10);
const walls: number[] = [];
const cpus: number[] = [];
for (let r = 0; r < runs; r++) {
  const dir = join(tmpdir(), `cvc-bench-daily-run-${stores}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(base, 'source.duckdb'), join(dir, 'source.duckdb'));
  await addDay(join(dir, 'source.duckdb'), day, 25);
  const loaded = benchConfig(join(dir, 'source.duckdb'), join(dir, 'lake'));
  cpSync(join(base, 'lake'), join(dir, 'lake'), { recursive: true });
  const lines: string[] = [];
  let wall = performance.now();
  let cpu = process.cpuUsage();
  const w0 = wall;
  const c0 = cpu;
  let stage = 'start';
  const mark = (next: string) => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    const cpuS = (used.user + used.system) / 1e6;
    lines.push(`${((now - wall) / 1000).toFixed(3).padStart(8)} ${cpuS.toFixed(3).padStart(8)}  ${stage}`);
    wall = now;
    cpu = process.cpuUsage();
    stage = next;
  };
  const result = await runIngest({ loaded, today: day, onProgress: (p) => mark(`${p.stage}: ${p.message}`) });
  mark('');
  const used = process.cpuUsage(c0);
  walls.push((performance.now() - w0) / 1000);
  cpus.push((used.user + used.system) / 1e6);
  console.log(
    `run ${r + 1}: ${walls.at(-1)!.toFixed(2)} s wall, ${cpus.at(-1)!.toFixed(2)} CPU-s, ${result.rowsMerged} rows ` +
      `merged, versions ${JSON.stringify(result.versions)} (load ${loadavg()[0]!.toFixed(1)})`,
  );
  console.log('  wall s    CPU s  stage (until the next progress event)');
  for (const l of lines) console.log(l);
}
console.log(`median of ${runs}: ${median(walls).toFixed(2)} s wall, ${median(cpus).toFixed(2)} CPU-s`);
