// Semantics of each operation, checked by reading the table back through DuckDB.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  append,
  createTable,
  createView,
  deleteWhere,
  DeltaError,
  history,
  loadSnapshot,
  merge,
  optimize,
  overwrite,
  replaceWhere,
  scanSql,
  setProperties,
  vacuum,
} from '../src/index.js';
import { rows, tempLake } from './helpers.js';

const COLS = [
  { name: 'store_id', type: 'VARCHAR' as const },
  { name: 'date', type: 'DATE' as const },
  { name: 'sales', type: 'DOUBLE' as const },
];

const { conn, tmp } = await tempLake();

describe('operations', () => {
  let n = 0;
  let n0 = 1000;
  async function fresh(opts: { clusterBy?: string[]; properties?: Record<string, string> } = {}): Promise<string> {
    const t = path.join(tmp.dir, `t${n++}`);
    await createTable(conn, t, { columns: COLS, ...opts });
    return t;
  }
  const all = async (t: string, extra = '') =>
    rows(
      conn,
      `SELECT store_id, strftime(date, '%Y-%m-%d') AS date, sales FROM ${await scanSql(conn, t)} s ${extra} ` +
        'ORDER BY store_id, date, sales',
    );

  it('merge updates matched rows, inserts new ones, rewrites only touched files', async () => {
    const t = await fresh();
    await append(
      conn,
      t,
      `SELECT * FROM (VALUES ('1', DATE '2025-01-01', 1.0), ('1', DATE '2025-01-02', 2.0)) v(store_id, date, sales)`,
    );
    await append(conn, t, `SELECT * FROM (VALUES ('5', DATE '2025-01-01', 5.0)) v(store_id, date, sales)`);
    const r = await merge(
      conn,
      t,
      `SELECT * FROM (VALUES ('1', DATE '2025-01-02', 20.0), ('2', DATE '2025-01-01', 3.0)) v(store_id, date, sales)`,
      { on: ['store_id', 'date'], metadata: { rowsMerged: 2 } },
    );
    expect(r.metrics).toMatchObject({
      numTargetRowsUpdated: 1,
      numTargetRowsInserted: 1,
      numTargetFilesRemoved: 1,
      numTargetRowsCopied: 1,
    });
    expect(r.metrics['numTargetFilesSkipped']).toBe(1); // the store-5 file is outside the key range
    expect(await all(t)).toEqual([
      { store_id: '1', date: '2025-01-01', sales: 1 },
      { store_id: '1', date: '2025-01-02', sales: 20 },
      { store_id: '2', date: '2025-01-01', sales: 3 },
      { store_id: '5', date: '2025-01-01', sales: 5 },
    ]);
    // whenMatched ignore: inserts only, removes nothing
    const r2 = await merge(
      conn,
      t,
      `SELECT * FROM (VALUES ('1', DATE '2025-01-02', 99.0), ('3', DATE '2025-01-01', 3.0)) v(store_id, date, sales)`,
      { on: ['store_id', 'date'], whenMatched: 'ignore' },
    );
    expect(r2.metrics).toMatchObject({ numTargetRowsInserted: 1, numTargetFilesRemoved: 0 });
    expect((await all(t)).map((x) => x['sales'])).toEqual([1, 20, 3, 3, 5]);
    await expect(
      merge(
        conn,
        t,
        `SELECT * FROM (VALUES ('1', DATE '2025-01-02', 1.0), ('1', DATE '2025-01-02', 2.0)) v(store_id, date, sales)`,
        { on: ['store_id', 'date'] },
      ),
    ).rejects.toThrow(/duplicated key/);
    expect((await history(t, { limit: 2 }))[1]!.metadata).toEqual({ rowsMerged: 2 });
  });

  it('replaceWhere replaces one as-of date in one commit and checks the new rows', async () => {
    const t = await fresh();
    await append(
      conn,
      t,
      `SELECT (range % 3)::VARCHAR AS store_id, DATE '2025-06-29' + (range % 2)::INTEGER AS date, range::DOUBLE ` +
        'AS sales FROM range(10)',
    );
    const before = (await loadSnapshot(t)).version;
    const r = await replaceWhere(
      conn,
      t,
      `date = DATE '2025-06-30'`,
      `SELECT '9' AS store_id, DATE '2025-06-30' AS date, 1.0 AS sales`,
    );
    expect(r.version).toBe(before + 1);
    expect(r.metrics).toMatchObject({ numDeletedRows: 5, numCopiedRows: 5 });
    expect(await all(t, `WHERE date = DATE '2025-06-30'`)).toEqual([{ store_id: '9', date: '2025-06-30', sales: 1 }]);
    expect(await all(t, `WHERE date = DATE '2025-06-29'`)).toHaveLength(5);
    const e = await replaceWhere(
      conn,
      t,
      `date = DATE '2025-06-30'`,
      `SELECT '9' AS store_id, DATE '2025-07-01' AS date, 1.0 AS sales`,
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeltaError);
    expect((e as DeltaError).code).toBe('PREDICATE_VIOLATION');
  });

  it('deleteWhere, overwrite and time travel by version and timestamp', async () => {
    const t = await fresh();
    await append(
      conn,
      t,
      `SELECT range::VARCHAR AS store_id, DATE '2025-01-01' AS date, range::DOUBLE AS sales FROM range(6)`,
    );
    await sleep(20);
    const between = new Date();
    await sleep(20);
    const d = await deleteWhere(conn, t, `sales >= 3;`); // a trailing semicolon is tolerated
    expect(d.metrics).toMatchObject({ numDeletedRows: 3, numCopiedRows: 3 });
    await overwrite(conn, t, `SELECT 'x' AS store_id, DATE '2025-02-01' AS date, 0.5 AS sales`);
    expect(await all(t)).toEqual([{ store_id: 'x', date: '2025-02-01', sales: 0.5 }]);
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, t, { version: 1 })} s`)).toEqual([
      { n: 6 },
    ]);
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, t, { version: 2 })} s`)).toEqual([
      { n: 3 },
    ]);
    expect((await loadSnapshot(t, { timestamp: between })).version).toBe(1);
    expect((await loadSnapshot(t, { timestamp: new Date() })).version).toBe(3);
    expect((await history(t)).map((h) => h.operation)).toEqual(['WRITE', 'DELETE', 'WRITE', 'CREATE TABLE']);
  });

  it('file skipping on stats columns, with the same rows as a full scan', async () => {
    const t = await fresh();
    for (let s = 0; s < 5; s++) {
      await append(
        conn,
        t,
        `SELECT '${s}' AS store_id, DATE '2025-01-01' + range::INTEGER AS date, range::DOUBLE AS sales FROM range(10)`,
      );
    }
    const snap = await createView(conn, 'skip_v', t, { filters: { store_id: '3' } });
    expect(snap.files).toHaveLength(5);
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM skip_v`)).toEqual([{ n: 10 }]);
    const sql = await scanSql(conn, t, { filters: { store_id: '3', date: { gte: '2025-01-03', lt: '2025-01-05' } } });
    expect((sql.match(/part-/g) ?? []).length).toBe(1); // one file read
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${sql} s`)).toEqual([{ n: 2 }]);
    const none = await scanSql(conn, t, { filters: { store_id: 'zzz' } });
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${none} s`)).toEqual([{ n: 0 }]);
    expect(
      (await scanSql(conn, t, { filters: { store_id: { in: ['1', '2'] } } }).then((s) => s.match(/part-/g) ?? []))
        .length,
    ).toBe(2);
  });

  it(
    'optimize compacts small clustered files into one sorted file, ' +
      'records clustering as Delta does, and is idempotent',
    async () => {
      const t = await fresh({ clusterBy: ['store_id', 'date'] });
      for (let i = 0; i < 4; i++) {
        await append(
          conn,
          t,
          `SELECT ((range * 7 + ${i}) % 4)::VARCHAR AS store_id, DATE '2025-01-01' + (range % 3)::INTEGER AS date, ` +
            'range::DOUBLE AS sales FROM range(20)',
        );
      }
      const before = await all(t);
      const r = await optimize(conn, t, { targetRowsPerFile: 100 });
      expect(r.metrics).toMatchObject({ numFilesRemoved: 4, numFilesAdded: 1, numRows: 80 });
      expect(await all(t)).toEqual(before);
      const snap = await loadSnapshot(t);
      expect(snap.protocol).toEqual({
        minReaderVersion: 1,
        minWriterVersion: 7,
        writerFeatures: ['appendOnly', 'invariants', 'clustering', 'domainMetadata'],
      });
      expect(snap.clusteringColumns).toEqual(['store_id', 'date']);
      expect(snap.domains['delta.clustering']!.configuration).toBe('{"clusteringColumns":[["store_id"],["date"]]}');
      expect(snap.files.every((f) => f.add.clusteringProvider === 'liquid' && f.add.dataChange === false)).toBe(true);
      const again = await optimize(conn, t, { targetRowsPerFile: 100 });
      expect(again.version).toBe(r.version);
      const log = readFileSync(path.join(t, '_delta_log', `${String(r.version).padStart(20, '0')}.json`), 'utf8');
      expect(JSON.parse(log.split('\n')[0]!).commitInfo.operation).toBe('OPTIMIZE');
    },
  );

  it(
    'optimize is incremental: clustered files of full size stay, only small or unclustered ' + 'ones are rewritten',
    async () => {
      const t = await fresh({ clusterBy: ['store_id', 'date'] });
      await append(
        conn,
        t,
        `SELECT lpad((range // 10)::VARCHAR, 2, '0') AS store_id, DATE '2025-01-01' + (range % 10)::INTEGER AS date,
      range::DOUBLE AS sales FROM range(100)`,
        { maxRowsPerFile: 50 },
      );
      const big = (await loadSnapshot(t)).files.map((f) => f.path);
      expect(big).toHaveLength(2);
      // Two daily appends: small files, already sorted on write.
      for (const d of [10, 11]) {
        await append(
          conn,
          t,
          `SELECT lpad(range::VARCHAR, 2, '0') AS store_id, DATE '2025-01-01' + ${d} AS date, 1.0 AS sales
           FROM range(10)`,
        );
      }
      const before = await all(t);
      const r = await optimize(conn, t, { targetRowsPerFile: 50 });
      expect(r.metrics).toMatchObject({ numFilesRemoved: 2, numFilesAdded: 1, numRows: 20 });
      const after = (await loadSnapshot(t)).files.map((f) => f.path);
      expect(after).toEqual(expect.arrayContaining(big));
      expect(await all(t)).toEqual(before);
      // The 20-row result is past a quarter of the target: no longer small. A lone small clustered file
      // is left alone (rewriting it would change nothing); a second one makes a bin.
      await append(conn, t, `SELECT '00' AS store_id, DATE '2025-01-13' AS date, 1.0 AS sales`);
      const lone = await optimize(conn, t, { targetRowsPerFile: 50 });
      expect(lone.version).toBe(r.version + 1);
      expect(lone.metrics).toMatchObject({ numFilesRemoved: 0 });
      await append(conn, t, `SELECT '01' AS store_id, DATE '2025-01-13' AS date, 1.0 AS sales`);
      expect((await optimize(conn, t, { targetRowsPerFile: 50 })).metrics).toMatchObject({
        numFilesRemoved: 2,
        numFilesAdded: 1,
      });
    },
  );

  it('clusters numbers as numbers and several keys on a Z-order curve', async () => {
    const n = path.join(tmp.dir, `t${n0++}`);
    await createTable(conn, n, {
      columns: [
        { name: 'k', type: 'INTEGER' },
        { name: 'v', type: 'DOUBLE' },
      ],
      clusterBy: ['k'],
    });
    await append(conn, n, `SELECT (12 - range)::INTEGER AS k, 0.0 AS v FROM range(12)`, { maxRowsPerFile: 3 });
    const ranges = (await loadSnapshot(n)).files
      .map((f) => [f.stats!.minValues['k'], f.stats!.maxValues['k']])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(ranges).toEqual([
      [1, 3],
      [4, 6],
      [7, 9],
      [10, 12],
    ]);

    // 16 stores x 16 days in 4 files: Z-order gives each file a 8 x 8 box, so one store's 8-day
    // window is in one file (sorting by store alone would give 4 stores x 16 days per file).
    const t = await fresh({ clusterBy: ['store_id', 'date'] });
    await append(
      conn,
      t,
      `SELECT lpad((range // 16)::VARCHAR, 2, '0') AS store_id, DATE '2025-01-01' + (range % 16)::INTEGER AS date,
      range::DOUBLE AS sales FROM range(256)`,
      { maxRowsPerFile: 64 },
    );
    const files = (await loadSnapshot(t)).files;
    expect(files).toHaveLength(4);
    for (const f of files) {
      const days =
        (Date.parse(String(f.stats!.maxValues['date'])) - Date.parse(String(f.stats!.minValues['date']))) / 86_400_000;
      expect(days).toBe(7);
      expect(Number(f.stats!.maxValues['store_id']) - Number(f.stats!.minValues['store_id'])).toBe(7);
    }
    const sql = await scanSql(conn, t, { filters: { store_id: '03', date: { gte: '2025-01-09', lte: '2025-01-16' } } });
    expect((sql.match(/part-/g) ?? []).length).toBe(1);
  });

  it('vacuum honours retention and never deletes files of live versions', async () => {
    const t = await fresh();
    await append(conn, t, `SELECT '1' AS store_id, DATE '2025-01-01' AS date, 1.0 AS sales`);
    await append(conn, t, `SELECT '2' AS store_id, DATE '2025-01-01' AS date, 2.0 AS sales`);
    await overwrite(conn, t, `SELECT '3' AS store_id, DATE '2025-01-01' AS date, 3.0 AS sales`);
    const files = () => readdirSync(t).filter((f) => f.endsWith('.parquet')).length;
    expect(files()).toBe(3);
    await expect(vacuum(t, { retentionHours: 1 })).rejects.toThrow(/below the safe minimum/);
    // Removed a moment ago: within a 1-hour retention, time travel to version 2 still needs them.
    expect((await vacuum(t, { retentionHours: 1, enforceRetention: false })).deleted).toEqual([]);
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, t, { version: 2 })} s`)).toEqual([
      { n: 2 },
    ]);
    // Two hours later they are past retention; the current version's file stays.
    const later = new Date(Date.now() + 2 * 3600_000);
    expect((await vacuum(t, { retentionHours: 1, enforceRetention: false, now: later })).deleted).toHaveLength(2);
    expect(files()).toBe(1);
    expect(await all(t)).toEqual([{ store_id: '3', date: '2025-01-01', sales: 3 }]);
  });

  it('app transactions make a write idempotent', async () => {
    const t = await fresh({ properties: { 'delta.checkpointInterval': '2' } });
    const txn = { appId: 'ingest-store-sales', version: 7 };
    const first = await append(conn, t, `SELECT '1' AS store_id, DATE '2025-01-01' AS date, 1.0 AS sales`, { txn });
    const again = await append(conn, t, `SELECT '1' AS store_id, DATE '2025-01-01' AS date, 1.0 AS sales`, { txn });
    expect(again).toMatchObject({ skipped: true, version: first.version });
    await merge(conn, t, `SELECT '2' AS store_id, DATE '2025-01-01' AS date, 2.0 AS sales`, {
      on: ['store_id'],
      txn: { ...txn, version: 8 },
    });
    expect(
      (
        await merge(conn, t, `SELECT '3' AS store_id, DATE '2025-01-01' AS date, 3.0 AS sales`, {
          on: ['store_id'],
          txn,
        })
      ).skipped,
    ).toBe(true);
    const snap = await loadSnapshot(t); // version 2: read from the checkpoint
    expect(snap.appTransactions).toEqual({ 'ingest-store-sales': 8 });
    expect(await all(t)).toHaveLength(2);
  });

  it('properties and caller metadata in commits; checkpoints every N commits', async () => {
    const t = await fresh({ properties: { 'delta.checkpointInterval': '3' } });
    await append(conn, t, `SELECT '1' AS store_id, DATE '2025-01-01' AS date, 1.0 AS sales`, {
      properties: { 'cvc.ingest.watermark': '2025-01-01' },
      metadata: { source: 's3://x', rowsRead: 1, rowsQuarantined: 0 },
    });
    await setProperties(t, { 'cvc.owner': 'ingest' });
    const r = await append(conn, t, `SELECT '2' AS store_id, DATE '2025-01-02' AS date, 2.0 AS sales`);
    expect(r.checkpointWritten).toBe(true);
    const snap = await loadSnapshot(t);
    expect(snap.properties).toMatchObject({
      'cvc.ingest.watermark': '2025-01-01',
      'cvc.owner': 'ingest',
      'delta.checkpointInterval': '3',
    });
    expect(JSON.parse(readFileSync(path.join(t, '_delta_log', '_last_checkpoint'), 'utf8'))).toMatchObject({
      version: 3,
    });
    expect((await history(t)).find((h) => h.version === 1)!.metadata).toEqual({
      source: 's3://x',
      rowsRead: 1,
      rowsQuarantined: 0,
    });
    // The snapshot from the checkpoint equals the one replayed from JSON only.
    await append(conn, t, `SELECT '3' AS store_id, DATE '2025-01-03' AS date, 3.0 AS sales`);
    const viaCheckpoint = await loadSnapshot(t);
    expect(viaCheckpoint.files.map((f) => f.path)).toHaveLength(3);
    expect(await all(t)).toHaveLength(3);
    expect((await loadSnapshot(t, { version: 2 })).files).toHaveLength(1);
  });
});
