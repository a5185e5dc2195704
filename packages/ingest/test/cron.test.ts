// Cron practice (issue 13): a daily run writes one feature commit and at most one OPTIMIZE commit,
// and a rerun without new rows commits nothing. (That OPTIMIZE leaves full-size clustered files alone
// is tested in packages/lakehouse/test/operations.test.ts: here every file is far below 128 MB.)
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { history, loadSnapshot } from '@cvc/lakehouse';
import { lakeTables } from '@cvc/feature-table';
import { runIngest } from '../src/index.js';
import { configFor, tempDir, withDuckDb, writeSmallSource } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

test('daily runs: one feature commit, at most one OPTIMIZE, nothing on a no-change run', async () => {
  await writeSmallSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir);
  const table = lakeTables(loaded).features;
  const full = await runIngest({ loaded, today: '2025-01-12' });
  expect(full.versions.optimize).toBeNull(); // the rebuild is written clustered
  let version = (await loadSnapshot(table)).version;
  for (const day of ['2025-01-11', '2025-01-12', '2025-01-13']) {
    await withDuckDb(join(dir, 'source.duckdb'), (c) =>
      c.run(`INSERT INTO daily_sales
      SELECT s, DATE '${day}', 100 * s, 10, true, DATE '${day}' + INTERVAL 1 DAY + INTERVAL 3 HOUR
      FROM range(1, 3) t(s)`),
    );
    const s = await runIngest({ loaded, today: day });
    expect(s.lastDay).toBe(day);
    const after = await loadSnapshot(table);
    const commits = (await history(table)).filter((h) => h.version > version);
    expect(commits.map((h) => h.operation).sort()).toEqual(
      s.versions.optimize === null ? ['MERGE'] : ['MERGE', 'OPTIMIZE'],
    );
    expect(after.version - version).toBe(commits.length);
    expect(after.files.every((f) => f.add.clusteringProvider === 'liquid')).toBe(true);
    version = after.version;
    const again = await runIngest({ loaded, today: day });
    expect(again.versions).toEqual({
      features: null,
      optimize: null,
      quarantine: null,
      stores: null,
      promotions: null,
      holidays: null,
    });
    expect((await loadSnapshot(table)).version).toBe(version);
  }
});

test('a large promotions table read in another order is no change: the rerun commits nothing', async () => {
  // 300 k promotions span several DuckDB row groups, which parallel scans return in any order.
  await writeSmallSource(
    join(dir, 'source.duckdb'),
    `INSERT INTO promotions
    SELECT 10 + range, 1 + range % 2, DATE '2024-01-01' + (range % 300)::INTEGER,
      DATE '2024-01-01' + (range % 300)::INTEGER + 2,
      1 + range % 20 FROM range(300000)`,
  );
  const loaded = configFor(dir);
  await runIngest({ loaded, today: '2025-01-12' });
  for (let i = 0; i < 3; i++) {
    const again = await runIngest({ loaded, today: '2025-01-12' });
    expect(again.versions).toEqual({
      features: null,
      optimize: null,
      quarantine: null,
      stores: null,
      promotions: null,
      holidays: null,
    });
  }
});
