// Where a full ingest's time goes: wall and CPU seconds (user + system, every thread, so DuckDB's
// work counts) of each stage, read off runIngest's progress events. Uses the source bench/ingest-scale.ts
// generated (run it first for that size).
// Usage: node --conditions=source --import tsx bench/ingest-stages.ts [stores, default 2000]
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../packages/ingest/src/index.js';
import { benchConfig, DEMO_AS_OF } from './ingest-common.js';

const stores = Number(process.argv[2] ?? 2000);
const path = join(tmpdir(), 'cvc-bench-sources', `scale-${stores}.duckdb`);
if (!existsSync(path)) throw new Error(`${path} is missing: run bench/ingest-scale.ts --stores ${stores} first`);
const loaded = benchConfig(path, join(tmpdir(), `cvc-bench-stages-${stores}`, 'lake'));
let wall = performance.now();
let cpu = process.cpuUsage();
let stage = 'start';
const rows: string[] = [];
const r = await runIngest({
  loaded, full: true, today: DEMO_AS_OF, onProgress: (p) => {
    const now = performance.now();
    const used = process.cpuUsage(cpu);
    rows.push(`${((now - wall) / 1000).toFixed(2).padStart(8)} ${((used.user + used.system) / 1e6).toFixed(2).padStart(8)}  ${stage}`);
    wall = now;
    cpu = process.cpuUsage();
    stage = `${p.stage}: ${p.message}`;
  },
});
console.log(`full ingest ${stores} stores: ${r.seconds.toFixed(1)} s; per stage (until the next progress event):`);
console.log('  wall s    CPU s  stage');
for (const line of rows) console.log(line);
