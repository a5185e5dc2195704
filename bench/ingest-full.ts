// Full ingest of the demo source: 150 stores x 7 years (the default) and 2,000 stores x 7 years.
// Prints seconds, rows/s and peak RSS (medians of --runs runs, default 3 for small, 1 for large).
// Usage: node --conditions=source --import tsx bench/ingest-full.ts [--stores 150,2000] [--runs N]
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../packages/ingest/src/index.js';
import { benchConfig, DEMO_AS_OF, demoSource, median, withPeakRss } from './ingest-common.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (arg('--stores') ?? '150,2000').split(',').map(Number);
const runsArg = arg('--runs');

for (const stores of sizes) {
  const path = await demoSource(stores);
  const runs = runsArg ? Number(runsArg) : stores <= 500 ? 3 : 1;
  const secs: number[] = [];
  const rss: number[] = [];
  let rows = 0;
  let merged = 0;
  for (let r = 0; r < runs; r++) {
    const loaded = benchConfig(path, join(tmpdir(), `cvc-bench-lake-${stores}`, 'lake'));
    const { result, peakMiB } = await withPeakRss(() => runIngest({ loaded, full: true, today: DEMO_AS_OF }));
    secs.push(result.seconds);
    rss.push(peakMiB);
    rows = result.rowsRead;
    merged = result.rowsMerged;
  }
  const s = median(secs);
  console.log(
    `full ingest ${stores} stores x 7 y: ${s.toFixed(2)} s, ${Math.round(rows / s)} rows/s read (${rows} read, ` +
      `${merged} feature rows), peak RSS ${median(rss).toFixed(0)} MiB (median of ${runs})`,
  );
}
