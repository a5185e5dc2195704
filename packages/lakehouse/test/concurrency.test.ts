// Four processes committing to one table at once: every commit lands, versions stay contiguous,
// no row is lost or doubled. On local disk and on Azurite (conditional Put Blob).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTable, history, loadSnapshot, scanSql } from '../src/index.js';
import { backends } from './backends.js';
import { connect, rows } from './helpers.js';
import { runWorker } from './workers.js';

// 25 appends each keep the 4 writers committing at once for most of their run (each append races the
// other three); 50 took twice as long and proved nothing more.
const APPENDS = 25;

describe.each(backends())('concurrent writers on $name', (backend) => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await connect();
    await backend.start();
  }, 60_000);
  afterAll(() => backend.stop());

  it(`4 processes x ${APPENDS} appends: ${4 * APPENDS} commits, contiguous versions, no row lost`, async () => {
    const table = backend.table('concurrent');
    await createTable(conn, table, {
      columns: [
        { name: 'worker', type: 'INTEGER' },
        { name: 'seq', type: 'INTEGER' },
        { name: 'n', type: 'INTEGER' },
      ],
    });
    const workers = [0, 1, 2, 3].map((w) => runWorker([table, String(w), String(APPENDS), '2']));
    await Promise.all(workers.map((w) => w.done));

    const snap = await loadSnapshot(table);
    expect(snap.version).toBe(4 * APPENDS);
    const versions = (await backend.names(table, '_delta_log'))
      .filter((f) => /^\d{20}\.json$/.test(f))
      .map((f) => Number(f.slice(0, 20)));
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: 4 * APPENDS + 1 }, (_, i) => i));
    const got = await rows(
      conn,
      'SELECT worker, count(DISTINCT seq)::INTEGER AS seqs, count(*)::INTEGER AS n FROM ' +
        `${await scanSql(conn, table)} t GROUP BY worker ORDER BY worker`,
    );
    expect(got).toEqual([0, 1, 2, 3].map((worker) => ({ worker, seqs: APPENDS, n: 2 * APPENDS })));
    const hist = await history(table);
    expect(hist.filter((h) => h.operation === 'WRITE')).toHaveLength(4 * APPENDS);
    expect(hist.every((h) => h.version === 0 || h.readVersion !== undefined)).toBe(true);
    // The writers committed at once, not one after another (that would be 3 changes of writer).
    const byVersion = hist.filter((h) => h.version > 0).sort((a, b) => a.version - b.version);
    const changes = byVersion.filter(
      (h, i) => i > 0 && h.metadata?.['worker'] !== byVersion[i - 1]!.metadata?.['worker'],
    );
    console.log(`${backend.name}: the writer changed ${changes.length} times in ${byVersion.length} commits`);
    expect(changes.length).toBeGreaterThan(3);
  }, 300_000);
});
