// Full ingest from a `files` source: the demo source exported as CSV (one sales file per year, as an
// export job would drop them) and as Parquet. CSV columns are read as text and parsed by the quality
// gate; this prints what that costs next to Parquet's typed columns.
// Prints seconds, rows/s and peak RSS (medians of --runs runs, default 3).
// Usage: node --conditions=source --import tsx bench/ingest-files.ts [--stores 150] [--runs N]
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type LoadedConfig } from '../packages/core/src/index.js';
import { runIngest } from '../packages/ingest/src/index.js';
import { connect } from './delta-common.js';
import { DEMO_AS_OF, demoSource, median, withPeakRss } from './ingest-common.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const stores = Number(arg('--stores') ?? '150');
const runs = Number(arg('--runs') ?? '3');

type Format = 'csv' | 'parquet';

/** Exports the demo source's tables once per format; returns the export directory. */
async function exportSource(source: string, format: Format): Promise<string> {
  const dir = join(tmpdir(), 'cvc-bench-sources', `files-${stores}-${format}`);
  if (existsSync(join(dir, 'done'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const conn = await connect();
  try {
    await conn.run(`ATTACH '${source}' AS s (READ_ONLY)`);
    const opts = format === 'csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet)';
    for (const t of ['stores', 'promotions', 'state_holidays']) {
      await conn.run(`COPY s.${t} TO '${join(dir, `${t}.${format}`)}' ${opts}`);
    }
    const yearsSql = `SELECT DISTINCT year(sale_date)::INTEGER AS y FROM s.daily_sales ORDER BY y`;
    const years = (await conn.runAndReadAll(yearsSql)).getRowObjectsJS();
    for (const { y } of years) {
      await conn.run(`COPY (SELECT * FROM s.daily_sales WHERE year(sale_date) = ${Number(y)})
        TO '${join(dir, `sales-${Number(y)}.${format}`)}' ${opts}`);
    }
    await conn.run(`COPY (SELECT 1 AS done) TO '${join(dir, 'done')}' (FORMAT csv)`);
  } finally {
    conn.closeSync();
  }
  return dir;
}

function filesConfig(dir: string, format: Format, lake: string): LoadedConfig {
  rmSync(lake, { recursive: true, force: true });
  const file = join(dir, 'cvc.yaml');
  const config = parseConfig(
    {
      source: {
        kind: 'files',
        files: {
          sales: `sales-*.${format}`,
          stores: `stores.${format}`,
          promotions: `promotions.${format}`,
          holidays: `state_holidays.${format}`,
        },
      },
      lake: { root: lake },
    },
    file,
  );
  return { file, config, paths: { lake, tracking: '', registry: '', demoSource: '', data: join(lake, '..') } };
}

const source = await demoSource(stores);
for (const format of ['csv', 'parquet'] as const) {
  const dir = await exportSource(source, format);
  const secs: number[] = [];
  const rss: number[] = [];
  let rows = 0;
  for (let r = 0; r < runs; r++) {
    const loaded = filesConfig(dir, format, join(tmpdir(), `cvc-bench-lake-files-${stores}`, 'lake'));
    const { result, peakMiB } = await withPeakRss(() => runIngest({ loaded, full: true, today: DEMO_AS_OF }));
    secs.push(result.seconds);
    rss.push(peakMiB);
    rows = result.rowsRead;
  }
  const s = median(secs);
  const rate = Math.round(rows / s);
  console.log(
    `full ingest from ${format} files, ${stores} stores x 7 y: ${s.toFixed(2)} s, ${rate} rows/s read` +
      ` (${rows} read), peak RSS ${median(rss).toFixed(0)} MiB (median of ${runs})`,
  );
}
