// Four processes committing to one table at once: every commit lands, versions stay contiguous,
// no row is lost or doubled. On local disk and on Azurite (conditional Put Blob).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTable, history, loadSnapshot, scanSql } from '../src/index.js';
import { backends } from './backends.js';
import { connect, rows } from './helpers.js';
import { runWorker } from './workers.js';

describe.each(backends())('concurrent writers on $name', (backend) => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await connect();
    await backend.start();
  }, 60_000);
  afterAll(() => backend.stop());

  it('4 processes x 50 appends: 200 commits, contiguous versions, no row lost', async () => {
    const table = backend.table('concurrent');
    await createTable(conn, table, {
      columns: [
        { name: 'worker', type: 'INTEGER' },
        { name: 'seq', type: 'INTEGER' },
        { name: 'n', type: 'INTEGER' },
      ],
    });
    const workers = [0, 1, 2, 3].map((w) => runWorker([table, String(w), '50', '2']));
    await Promise.all(workers.map((w) => w.done));

    const snap = await loadSnapshot(table);
    expect(snap.version).toBe(200);
    const versions = (await backend.names(table, '_delta_log'))
      .filter((f) => /^\d{20}\.json$/.test(f))
      .map((f) => Number(f.slice(0, 20)));
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 201 }, (_, i) => i));
    const got = await rows(
      conn,
      'SELECT worker, count(DISTINCT seq)::INTEGER AS seqs, count(*)::INTEGER AS n FROM ' +
        `${await scanSql(conn, table)} t GROUP BY worker ORDER BY worker`,
    );
    expect(got).toEqual([0, 1, 2, 3].map((worker) => ({ worker, seqs: 50, n: 100 })));
    const hist = await history(table);
    expect(hist.filter((h) => h.operation === 'WRITE')).toHaveLength(200);
    expect(hist.every((h) => h.version === 0 || h.readVersion !== undefined)).toBe(true);
  }, 300_000);
});
