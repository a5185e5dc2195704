// The daily run: after a full ingest, the source gains one new day for every open store (plus the
// usual late re-sends within it) and `runIngest` runs incrementally. Prints seconds per daily run
// (median of --runs days) and peak RSS.
// Usage: node --conditions=source --import tsx bench/ingest-incremental.ts [--stores 150,2000] [--runs 3]
import { copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../packages/ingest/src/index.js';
import { addDay, benchConfig, DEMO_AS_OF, demoSource, median, withPeakRss } from './ingest-common.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (arg('--stores') ?? '150,2000').split(',').map(Number);
const runs = Number(arg('--runs') ?? 3);

for (const stores of sizes) {
  const base = await demoSource(stores);
  const path = join(tmpdir(), `cvc-bench-incr-${stores}.duckdb`);
  rmSync(`${path}.wal`, { force: true });
  copyFileSync(base, path);
  const loaded = benchConfig(path, join(tmpdir(), `cvc-bench-incr-lake-${stores}`, 'lake'));
  // "today" moves with the source, so the demo's injected future-dated rows stay in the future.
  const full = await runIngest({ loaded, full: true, today: DEMO_AS_OF });
  const secs: number[] = [];
  const rss: number[] = [];
  let merged = 0;
  let read = 0;
  for (let r = 0; r < runs; r++) {
    const day = await addDay(path, new Date(Date.parse(DEMO_AS_OF) + (r + 1) * 86_400_000).toISOString().slice(0, 10));
    const { result, peakMiB } = await withPeakRss(() => runIngest({ loaded, today: day }));
    if (result.lastDay !== day) throw new Error(`expected the feature table to end on ${day}, got ${result.lastDay}`);
    secs.push(result.seconds);
    rss.push(peakMiB);
    merged = result.rowsMerged;
    read = result.rowsRead;
  }
  console.log(
    `daily incremental ingest ${stores} stores (one new day: ${read} rows read, ${merged} feature rows merged): ` +
      `${median(secs).toFixed(2)} s, peak RSS ${median(rss).toFixed(0)} MiB (median of ${runs}; full load before ` +
      `it ${full.seconds.toFixed(1)} s)`,
  );
}
