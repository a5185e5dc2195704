// Ingest at a chain's real shape (issue 13): the demo source's sales for N stores x 7 years, with the
// stores moved into 400 municipalities that each have 3 municipal holidays a year, ~35 local
// promotions per store and year on top of the demo's chain-wide campaigns. Deterministic: the demo
// seed plus hashes of (store, year, k). Prints, per size, the full ingest's seconds, rows/s and peak
// RSS (medians), the ratio of the two largest sizes, then the daily run (one new day plus late
// corrections) and the data files a one-store 35-day read touches.
// Usage: node --conditions=source --import tsx bench/ingest-scale.ts [--stores 500,1000,2000,4000]
//        [--runs 1] [--daily 2000] [--daily-runs 3]
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runIngest } from '../packages/ingest/src/index.js';
import { loadSnapshot } from '../packages/lakehouse/src/index.js';
import { filesForRead } from './lake-skipping.js';
import { addDay, benchConfig, DEMO_AS_OF, demoSource, median, withPeakRss } from './ingest-common.js';

const { DuckDBInstance } = createRequire(new URL('../packages/ingest/package.json', import.meta.url))(
  '@duckdb/node-api',
) as typeof import('@duckdb/node-api');

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
// --stores 0: the daily run alone
const sizes = (arg('--stores') ?? '500,1000,2000,4000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const runs = Number(arg('--runs') ?? 1);
const dailyStores = Number(arg('--daily') ?? 2000);
const dailyRuns = Number(arg('--daily-runs') ?? 3);
const CITIES = 400;
const UFS = ['SP', 'RJ', 'MG', 'RS', 'PR', 'BA', 'PE', 'CE', 'SC', 'GO'];

/** The demo source reshaped: 400 municipalities with city holidays, dense local promotions. */
async function scaleSource(stores: number): Promise<string> {
  const path = join(tmpdir(), 'cvc-bench-sources', `scale-${stores}.duckdb`);
  if (existsSync(path)) return path;
  const base = await demoSource(stores);
  const tmp = `${path}.tmp`;
  rmSync(tmp, { force: true });
  copyFileSync(base, tmp);
  const instance = await DuckDBInstance.create(tmp);
  const c = await instance.connect();
  try {
    const ufs = `[${UFS.map((u) => `'${u}'`).join(', ')}]`;
    await c.run(`UPDATE stores SET state = ${ufs}[1 + (store_id % ${CITIES}) % ${UFS.length}],
      city = 'Município ' || lpad((store_id % ${CITIES})::VARCHAR, 3, '0')`);
    // 3 municipal holidays a year per city, 2019 .. 2026 (the year after as-of is known future).
    await c.run(`INSERT INTO state_holidays
      SELECT ${ufs}[1 + c % ${UFS.length}], 'Município ' || lpad(c::VARCHAR, 3, '0'),
        make_date(y::INTEGER, 1, 1) + (hash(c, y, k) % 365)::INTEGER, 'Feriado municipal ' || k
      FROM range(${CITIES}) a(c), range(2019, 2027) b(y), range(3) d(k)`);
    // ~35 local campaigns per store and year, 1-6 days, 5-15 % off.
    await c.run(`INSERT INTO promotions
      SELECT (SELECT max(promo_id) FROM promotions) + row_number() OVER (ORDER BY s.store_id, y, k), s.store_id,
        make_date(y::INTEGER, 1, 1) + (hash(s.store_id, y, k) % 365)::INTEGER AS start_date,
        make_date(y::INTEGER, 1, 1) + (hash(s.store_id, y, k) % 365)::INTEGER + 1
          + (hash(k, y, s.store_id) % 6)::INTEGER,
        round(5 + (hash(y, k, s.store_id) % 100) / 10, 1)
      FROM stores s, range(2019, 2026) b(y), range(35) d(k)`);
    await c.run('CHECKPOINT');
  } finally {
    c.closeSync();
    instance.closeSync();
  }
  rmSync(`${tmp}.wal`, { force: true });
  copyFileSync(tmp, path);
  rmSync(tmp, { force: true });
  return path;
}

const load = () => loadavg()[0]!.toFixed(1);
const fullSeconds = new Map<number, number>();
const fullCpu = new Map<number, number>();
/** CPU seconds (user + system, every thread) since `from`: on a shared machine the figure load does not inflate. */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};
for (const stores of sizes) {
  const path = await scaleSource(stores);
  const secs: number[] = [];
  const cpus: number[] = [];
  const rss: number[] = [];
  let read = 0;
  let merged = 0;
  for (let r = 0; r < runs; r++) {
    const loaded = benchConfig(path, join(tmpdir(), `cvc-bench-scale-lake-${stores}`, 'lake'));
    const c0 = process.cpuUsage();
    const { result, peakMiB } = await withPeakRss(() => runIngest({ loaded, full: true, today: DEMO_AS_OF }));
    cpus.push(cpuSeconds(c0));
    secs.push(result.seconds);
    rss.push(peakMiB);
    read = result.rowsRead;
    merged = result.rowsMerged;
  }
  const s = median(secs);
  fullSeconds.set(stores, s);
  fullCpu.set(stores, median(cpus));
  console.log(
    `full ingest ${stores} stores x 7 y: ${s.toFixed(2)} s (CPU ${median(cpus).toFixed(1)} s), ` +
      `${Math.round(read / s)} rows/s read (${read} read, ${merged} feature rows), ` +
      `peak RSS ${median(rss).toFixed(0)} MiB (median of ${runs}; load ${load()})`,
  );
}
const big = [...fullSeconds.keys()].sort((a, b) => b - a);
if (big.length >= 2) {
  const [a, b] = [big[0]!, big[1]!];
  const ratio = (m: Map<number, number>) => (m.get(a)! / m.get(b)!).toFixed(2);
  console.log(
    `ratio ${a}/${b} stores: ${ratio(fullSeconds)} wall, ${ratio(fullCpu)} CPU (data ratio ${(a / b).toFixed(2)})`,
  );
}

if (dailyStores > 0) {
  const base = await scaleSource(dailyStores);
  const path = join(tmpdir(), `cvc-bench-scale-daily-${dailyStores}.duckdb`);
  rmSync(`${path}.wal`, { force: true });
  copyFileSync(base, path);
  const loaded = benchConfig(path, join(tmpdir(), `cvc-bench-scale-daily-lake-${dailyStores}`, 'lake'));
  const full = await runIngest({ loaded, full: true, today: DEMO_AS_OF });
  const features = join(loaded.paths.lake, 'features');
  const touched = await filesForRead(features, { store: '17', from: '2025-11-27', to: '2025-12-31' });
  console.log(
    `one store's 35-day window after the full ingest: ${touched.touched} of ${touched.total} data files touched`,
  );
  const secs: number[] = [];
  const cpus: number[] = [];
  const rss: number[] = [];
  let last = full;
  for (let r = 0; r < dailyRuns; r++) {
    const day = new Date(Date.parse(DEMO_AS_OF) + (r + 1) * 86_400_000).toISOString().slice(0, 10);
    await addDay(path, day, 25);
    const c0 = process.cpuUsage();
    const { result, peakMiB } = await withPeakRss(() => runIngest({ loaded, today: day }));
    cpus.push(cpuSeconds(c0));
    if (result.lastDay !== day) throw new Error(`expected the feature table to end on ${day}, got ${result.lastDay}`);
    secs.push(result.seconds);
    rss.push(peakMiB);
    last = result;
  }
  const snap = await loadSnapshot(features);
  const after = await filesForRead(features, { store: '17', from: formatDay(-34), to: formatDay(0) });
  console.log(
    `daily ingest ${dailyStores} stores (one new day + 25 late corrections: ${last.rowsRead} rows read, ` +
      `${last.rowsMerged} merged): ` +
      (`${median(secs).toFixed(2)} s (CPU ${median(cpus).toFixed(2)} s), peak RSS ${median(rss).toFixed(0)} MiB ` +
        `(median of ${dailyRuns}; load ${load()}); `) +
      (`commits per run: features ${last.versions.features !== null ? 1 : 0}, optimize ` +
        `${last.versions.optimize !== null ? 1 : 0}`),
  );
  console.log(
    `after ${dailyRuns} daily runs: ${snap.files.length} data files; one store's 35-day window touches ` +
      `${after.touched} of ${after.total}`,
  );

  function formatDay(offset: number): string {
    return new Date(Date.parse(DEMO_AS_OF) + (dailyRuns + offset) * 86_400_000).toISOString().slice(0, 10);
  }
}
