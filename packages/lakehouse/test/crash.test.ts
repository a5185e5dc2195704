// A writer killed with SIGKILL at random points leaves the table readable at its last committed
// version; a rerun completes the work; orphan Parquet files go only through vacuum.

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createTable, loadSnapshot, scanSql, vacuum } from '../src/index.js';
import { backends } from './backends.js';
import { connect, rows } from './helpers.js';
import { runWorker } from './workers.js';

describe.each(backends())('crash safety on $name', (backend) => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await connect();
    await backend.start();
  }, 60_000);
  afterAll(() => backend.stop());

  it('survives SIGKILL at random points and completes on rerun', async () => {
    const table = backend.table('crash');
    await createTable(conn, table, {
      columns: [
        { name: 'worker', type: 'INTEGER' },
        { name: 'seq', type: 'INTEGER' },
        { name: 'n', type: 'INTEGER' },
      ],
      properties: { 'delta.checkpointInterval': '5' },
    });
    const TOTAL = 40;
    const ROWS = 500;
    let kills = 0;
    for (let round = 0; round < 6; round++) {
      const w = runWorker([table, '0', String(TOTAL), String(ROWS)]);
      // Kill it somewhere in its work: once it has committed 1-4 more versions, plus a random delay,
      // so the kill lands mid-commit whatever the machine's speed.
      const start = (await loadSnapshot(table)).version;
      const target = Math.min(TOTAL - 1, start + 1 + Math.floor(Math.random() * 4));
      let exited = false;
      void w.done.then(() => (exited = true));
      while (!exited && (await loadSnapshot(table)).version < target) await sleep(10);
      await sleep(Math.random() * 40);
      w.kill();
      const code = await w.done;
      if (code === null) kills++;
      // After every kill: the table reads at its last committed version, every batch whole. Read at
      // that one version: on an object store a Put the killed process had sent may still land after.
      const snap = await loadSnapshot(table);
      const got = await rows(
        conn,
        `SELECT count(*)::INTEGER AS n, count(DISTINCT seq)::INTEGER AS seqs, coalesce(max(seq), -1)::INTEGER AS top
        FROM ${await scanSql(conn, table, { version: snap.version })} t`,
      );
      expect(got[0]!['n']).toBe((got[0]!['seqs'] as number) * ROWS);
      expect(got[0]!['top']).toBe((got[0]!['seqs'] as number) - 1);
      expect(snap.version).toBe(got[0]!['seqs']);
    }
    expect(kills).toBeGreaterThan(0);
    await runWorker([table, '0', String(TOTAL), String(ROWS)]).done;
    const final = await rows(
      conn,
      `SELECT count(*)::INTEGER AS n, count(DISTINCT seq)::INTEGER AS seqs FROM ${await scanSql(conn, table)} t`,
    );
    expect(final).toEqual([{ n: TOTAL * ROWS, seqs: TOTAL }]);
    expect((await loadSnapshot(table)).version).toBe(TOTAL);

    // Orphans (files written before a kill, never committed) stay until vacuum removes them.
    const live = new Set((await loadSnapshot(table)).files.map((f) => f.path));
    const parquet = async () => (await backend.names(table, '')).filter((f) => f.endsWith('.parquet'));
    const orphans = (await parquet()).filter((f) => !live.has(f));
    console.log(`crash test on ${backend.name}: ${kills} kills, ${orphans.length} orphan file(s)`);
    const dry = await vacuum(table, { retentionHours: 0, enforceRetention: false, dryRun: true });
    expect(dry.deleted.filter((f) => !f.startsWith('_delta_log/')).sort()).toEqual(orphans.sort());
    await vacuum(table, { retentionHours: 0, enforceRetention: false });
    expect((await parquet()).sort()).toEqual([...live].sort());
    expect((await backend.names(table, '_delta_log')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const after = await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, table)} t`);
    expect(after).toEqual([{ n: TOTAL * ROWS }]);
  }, 300_000);
});
