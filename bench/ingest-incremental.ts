// The daily run: after a full ingest, the source gains one new day for every open store (plus the
// usual late re-sends within it) and `runIngest` runs incrementally. Prints seconds per daily run
// (median of --runs days) and peak RSS.
// Usage: node --conditions=source --import tsx bench/ingest-incremental.ts [--stores 150,2000] [--runs 3]
import { copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runIngest } from '../packages/ingest/src/index.js';
// bench/ has no dependencies of its own: DuckDB is resolved from the ingest package.
const { DuckDBInstance } = createRequire(new URL('../packages/ingest/package.json', import.meta.url))('@duckdb/node-api') as typeof import('@duckdb/node-api');
import { benchConfig, DEMO_AS_OF, demoSource, median, withPeakRss } from './ingest-common.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (arg('--stores') ?? '150,2000').split(',').map(Number);
const runs = Number(arg('--runs') ?? 3);

/**
 * Appends `day` (ISO) to the source: each store's row of the day before, shifted by one day and
 * stamped after every row already there, as a new load would be (the watermark is the largest
 * updated_at read, and the demo's late corrections are stamped days after their sale date).
 */
async function addDay(path: string, day: string): Promise<string> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    await c.run(`INSERT INTO daily_sales
      SELECT store_id, sale_date + 1, gross_sales, n_sales, is_open, greatest((SELECT max(updated_at) FROM daily_sales) + INTERVAL 1 MINUTE, TIMESTAMP '${day}' + INTERVAL 27 HOUR) FROM daily_sales
      WHERE sale_date = DATE '${day}' - 1 AND store_id IN (SELECT store_id FROM stores)
      QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY updated_at DESC) = 1`);
    return day;
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

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
  console.log(`daily incremental ingest ${stores} stores (one new day: ${read} rows read, ${merged} feature rows merged): ${median(secs).toFixed(2)} s, peak RSS ${median(rss).toFixed(0)} MiB (median of ${runs}; full load before it ${full.seconds.toFixed(1)} s)`);
}
