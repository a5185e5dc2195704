// An unsharded infer and a shard infer of the same as-of date racing on one forecast table: whichever
// commits second conflicts (its predicate selects rows the winner wrote) and re-plans its replace on the
// new version, so the table ends as if the two had run one after the other. The race is forced: the
// other run commits between the first run's planning and its commit (the `beforeCommit` hook).
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { shardOfStore } from '@cvc/core';
import { history, scanSql } from '@cvc/lakehouse';
import { writeForecastRows } from '../src/index.js';
import { routedForecasts, tempDir } from './forecast-rows.js';

const dir = tempDir('cvc-infer-replan-');

const STORES = Array.from({ length: 12 }, (_, i) => String(i + 1));
const SHARD = STORES.filter((s) => shardOfStore(s, 2) === 0);
const AS_OF = '2025-06-30';

const forecasts = (stores: readonly string[], level: number) =>
  routedForecasts(stores, '2025-07-01', 7, () => level, 1);

async function connect(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

/** The unsharded run writes every store at level 100 (run "full"); shard 0/2 its stores at 500 (run "shard"). */
function unsharded(conn: DuckDBConnection, table: string, extra: object = {}) {
  const meta = { asOf: AS_OF, horizon: 7, bundleVersion: '1', runId: 'full', lineage: {}, ...extra };
  return writeForecastRows(conn, table, forecasts(STORES, 100), meta);
}
function shard(conn: DuckDBConnection, table: string, extra: object = {}) {
  const meta = { asOf: AS_OF, horizon: 7, bundleVersion: '1', runId: 'shard', lineage: {}, shardStores: SHARD };
  return writeForecastRows(conn, table, forecasts(SHARD, 500), { ...meta, ...extra });
}

async function owners(conn: DuckDBConnection, table: string): Promise<Record<string, string>> {
  const sql = `SELECT store_id, min(run_id) AS lo, max(run_id) AS hi, count(*)::INTEGER AS n
    FROM (${await scanSql(conn, table)}) GROUP BY store_id ORDER BY store_id`;
  const rows = (await conn.runAndReadAll(sql)).getRowObjectsJS();
  for (const r of rows) expect([r['lo'], r['n']]).toEqual([r['hi'], 7]);
  return Object.fromEntries(rows.map((r) => [String(r['store_id']), String(r['lo'])]));
}

it('an unsharded infer that loses the race to a shard re-plans and replaces the whole date', async () => {
  const table = join(dir, 'full-second');
  const [a, b] = [await connect(), await connect()];
  // A first write of the date, so both runs replace existing rows.
  await unsharded(a, table, { runId: 'before' });
  const replans: number[] = [];
  const r = await unsharded(a, table, {
    beforeCommit: async () => void (await shard(b, table)),
    onReplan: (attempt: number) => replans.push(attempt),
  });
  expect(replans).toEqual([1]);
  // Shard, then the unsharded run: every store holds the unsharded run's rows.
  expect(await owners(a, table)).toEqual(Object.fromEntries(STORES.map((s) => [s, 'full'])));
  expect(r.rows).toBe(12 * 7);
  const ops = (await history(table)).map((h) => h.operation);
  expect(ops.filter((o) => o === 'WRITE')).toHaveLength(3);
});

it('a shard infer that loses the race to an unsharded one re-plans and replaces only its stores', async () => {
  const table = join(dir, 'shard-second');
  const [a, b] = [await connect(), await connect()];
  await unsharded(a, table, { runId: 'before' });
  const replans: number[] = [];
  await shard(b, table, {
    beforeCommit: async () => void (await unsharded(a, table)),
    onReplan: (attempt: number) => replans.push(attempt),
  });
  expect(replans).toEqual([1]);
  // The unsharded run, then the shard: the shard's stores hold its rows, the others the unsharded run's.
  const want = Object.fromEntries(STORES.map((s) => [s, SHARD.includes(s) ? 'shard' : 'full']));
  expect(await owners(a, table)).toEqual(want);
});

it('an unsharded infer whose compaction loses a race to a shard keeps its rows and skips the compaction', async () => {
  const table = join(dir, 'optimize-second');
  const [a, b] = [await connect(), await connect()];
  // Another date's file, so the unsharded run's OPTIMIZE has two small files to compact.
  await unsharded(a, table, { asOf: '2025-06-29', runId: 'day-before' });
  const skipped: string[] = [];
  const r = await unsharded(a, table, {
    beforeOptimizeCommit: async () => void (await shard(b, table)),
    onOptimizeSkipped: (e: Error) => skipped.push(e.message),
  });
  expect(r.optimizeVersion).toBeNull();
  expect(skipped).toHaveLength(1);
  expect(skipped[0]).toMatch(/OPTIMIZE planned on version \d+ conflicts/);
  const want = Object.fromEntries(STORES.map((s) => [s, SHARD.includes(s) ? 'shard' : 'full']));
  const sql = `SELECT store_id, min(run_id) AS run FROM (${await scanSql(a, table)})
    WHERE as_of_date = DATE '${AS_OF}' GROUP BY store_id`;
  const rows = (await a.runAndReadAll(sql)).getRowObjectsJS();
  expect(Object.fromEntries(rows.map((x) => [String(x['store_id']), String(x['run'])]))).toEqual(want);
});
