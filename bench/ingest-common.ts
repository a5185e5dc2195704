// Shared by the ingest benchmarks: a demo source of a given size in a temp directory, a config for
// it, and peak RSS sampling.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parseConfig, type LoadedConfig } from '../packages/core/src/index.js';
import { writeDemoSource } from '../packages/demo-source/src/index.js';
// bench/ has no dependencies of its own: DuckDB is resolved from the ingest package.
const { DuckDBInstance } = createRequire(new URL('../packages/ingest/package.json', import.meta.url))(
  '@duckdb/node-api',
) as typeof import('@duckdb/node-api');

export const DEMO_AS_OF = '2025-12-31';

export async function demoSource(stores: number, from = '2019-01-01', asOf = DEMO_AS_OF): Promise<string> {
  const dir = join(tmpdir(), 'cvc-bench-sources');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `demo-${stores}-${from}-${asOf}.duckdb`);
  if (!existsSync(path)) {
    const t = performance.now();
    await writeDemoSource({ path, stores, from, asOf, seed: 42 });
    console.error(`generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  return path;
}

export function benchConfig(sourcePath: string, lake: string): LoadedConfig {
  rmSync(lake, { recursive: true, force: true });
  const file = join(lake, '..', 'cvc.yaml');
  const config = parseConfig({ source: { kind: 'duckdb', duckdb: { path: sourcePath } }, lake: { root: lake } }, file);
  return {
    file,
    config,
    paths: {
      lake,
      tracking: join(lake, '../tracking'),
      registry: join(lake, '../registry'),
      demoSource: sourcePath,
      data: join(lake, '..'),
    },
  };
}

/** Samples RSS every 50 ms while `fn` runs; returns its result and the peak in MiB. */
export async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakMiB: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Appends `day` (ISO) to the source: each store's row of the day before, shifted by one day and
 * stamped after every row already there, as a new load would be (the watermark is the largest
 * updated_at read, and the demo's late corrections are stamped days after their sale date).
 * `corrections`: that many earlier store-days (within the last week) are re-sent with new sales.
 */
export async function addDay(path: string, day: string, corrections = 0): Promise<string> {
  const instance = await DuckDBInstance.create(path);
  const c = await instance.connect();
  try {
    await c.run(`INSERT INTO daily_sales
      SELECT store_id, sale_date + 1, gross_sales, n_sales, is_open,
        greatest((SELECT max(updated_at) FROM daily_sales) + INTERVAL 1 MINUTE, TIMESTAMP '${day}' + INTERVAL 27 HOUR)
      FROM daily_sales
      WHERE sale_date = DATE '${day}' - 1 AND store_id IN (SELECT store_id FROM stores)
      QUALIFY row_number() OVER (PARTITION BY store_id ORDER BY updated_at DESC) = 1`);
    if (corrections > 0) {
      await c.run(`INSERT INTO daily_sales
        SELECT store_id, sale_date, gross_sales + 1, n_sales, is_open,
          (SELECT max(updated_at) FROM daily_sales) + INTERVAL 1 MINUTE
        FROM daily_sales
        WHERE sale_date BETWEEN DATE '${day}' - 7 AND DATE '${day}' - 2 AND is_open
        QUALIFY row_number() OVER (PARTITION BY store_id, sale_date ORDER BY updated_at DESC) = 1
        ORDER BY hash(store_id, sale_date, DATE '${day}') LIMIT ${corrections}`);
    }
    return day;
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}

/**
 * Prints every DuckDB statement that ran longer than `minMs` of wall time, with its CPU time (user +
 * system of every thread, so DuckDB's work counts) and its text cut to `width` characters: wraps the
 * connection methods once, for the whole process.
 */
export function traceDuckDbStatements(minMs: number, width: number): void {
  const duck = createRequire(new URL('../packages/ingest/package.json', import.meta.url))(
    '@duckdb/node-api',
  ) as typeof import('@duckdb/node-api');
  const proto = duck.DuckDBConnection.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of ['run', 'runAndReadAll', 'streamAndReadAll']) {
    const orig = proto[name]!;
    proto[name] = async function (this: unknown, ...a: unknown[]) {
      const w = performance.now();
      const c = process.cpuUsage();
      try {
        return await orig.apply(this, a);
      } finally {
        const ms = performance.now() - w;
        const u = process.cpuUsage(c);
        if (ms > minMs)
          console.log(
            `    sql ${ms.toFixed(0).padStart(6)} ms ${((u.user + u.system) / 1000).toFixed(0).padStart(6)} cpu-ms ` +
              String(a[0]).replace(/\s+/g, ' ').slice(0, width),
          );
      }
    };
  }
}
