// Shared bits of the Delta benchmarks: a DuckDB connection (resolved through @cvc/lakehouse's own
// dependency, since the workspace root does not install it), timing and medians.
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';

const requireFromLakehouse = createRequire(new URL('../packages/lakehouse/package.json', import.meta.url));

export async function connect(): Promise<DuckDBConnection> {
  const duckdb = requireFromLakehouse('@duckdb/node-api') as typeof import('@duckdb/node-api');
  const conn = await (await duckdb.DuckDBInstance.create(':memory:')).connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return conn;
}

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** store_id, date and 10 numeric columns, as the feature table has. */
export function salesRows(rows: number, stores: number, start = 0): string {
  const numeric = Array.from({ length: 10 }, (_, i) => `(hash(range * ${i + 3}) % 100000)::DOUBLE / 100 AS v${i}`);
  return (
    `SELECT (range % ${stores})::VARCHAR AS store_id, DATE '2020-01-01' + (range // ${stores})::INTEGER AS date, ` +
    `${numeric.join(', ')} FROM range(${start}, ${start + rows})`
  );
}

export const SALES_COLUMNS = [
  { name: 'store_id', type: 'VARCHAR' as const, nullable: false },
  { name: 'date', type: 'DATE' as const, nullable: false },
  ...Array.from({ length: 10 }, (_, i) => ({ name: `v${i}`, type: 'DOUBLE' as const })),
];
