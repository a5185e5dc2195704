// Where a full ingest's time goes: wall and CPU seconds (user + system, every thread, so DuckDB's
// work counts) of each stage, read off runIngest's progress events. Uses the source bench/ingest-scale.ts
// generated (run it first for that size).
// With --daily, a daily run (the next day + 25 late corrections, as bench/ingest-scale.ts makes them)
// after an unmeasured full ingest, split the same way.
// With --sql, also every DuckDB statement over 100 ms, with its wall and CPU time (all threads) and its text.
// Usage: node --conditions=source --import tsx bench/ingest-stages.ts [stores, default 2000] [--daily] [--sql]
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../packages/ingest/src/index.js';
import { addDay, benchConfig, DEMO_AS_OF, traceDuckDbStatements } from './ingest-common.js';

if (process.argv.includes('--sql')) traceDuckDbStatements(100, 140);

const stores = Number(process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : 2000);
const path = join(tmpdir(), 'cvc-bench-sources', `scale-${stores}.duckdb`);
if (!existsSync(path)) throw new Error(`${path} is missing: run bench/ingest-scale.ts --stores ${stores} first`);
const daily = process.argv.includes('--daily');
const dailySource = join(tmpdir(), `cvc-bench-stages-daily-${stores}.duckdb`);
if (daily) {
  rmSync(`${dailySource}.wal`, { force: true });
  copyFileSync(path, dailySource);
}
const loaded = benchConfig(daily ? dailySource : path, join(tmpdir(), `cvc-bench-stages-${stores}`, 'lake'));
let today = DEMO_AS_OF;
if (daily) {
  // The daily run starts from a full ingest of the same source (not measured).
  await runIngest({ loaded, full: true, today: DEMO_AS_OF });
  today = await addDay(dailySource, new Date(Date.parse(DEMO_AS_OF) + 86_400_000).toISOString().slice(0, 10), 25);
}
let wall = performance.now();
let cpu = process.cpuUsage();
let stage = 'start';
const rows: string[] = [];
const r = await runIngest({
  loaded,
  full: !daily,
  today,
  onProgress: (p) => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    rows.push(
      `${((now - wall) / 1000).toFixed(2).padStart(8)} ` +
        `${((used.user + used.system) / 1e6).toFixed(2).padStart(8)}  ${stage}`,
    );
    wall = now;
    cpu = process.cpuUsage();
    stage = `${p.stage}: ${p.message}`;
  },
});
const what = daily ? `daily ingest (${today})` : 'full ingest';
console.log(`${what} ${stores} stores: ${r.seconds.toFixed(1)} s; per stage (until the next progress event):`);
console.log('  wall s    CPU s  stage');
for (const line of rows) console.log(line);
