// MERGE copies a touched file minus its matched rows in the file's own order, and writes updated and
// inserted rows to new clustered files (issue 13: a daily merge must not re-sort the whole table).
// Checked row for row against the plain-SQL meaning of an upsert, and against delta-rs.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, createTable, loadSnapshot, merge, scanSql } from '../src/index.js';
import { python, rows, tempLake } from './helpers.js';
import { useOracle } from '../../../test-support/oracles.js';

const deltaRs = await useOracle('delta-rs');

const COLS = [
  { name: 'store_id', type: 'VARCHAR' as const, nullable: false },
  { name: 'date', type: 'DATE' as const, nullable: false },
  { name: 'sales', type: 'DOUBLE' as const },
];

// 40 stores x 500 days, clustered, in files of 5,000 rows.
const TARGET = `SELECT (range % 40)::VARCHAR AS store_id, DATE '2024-01-01' + (range // 40)::INTEGER AS date,
  range::DOUBLE AS sales FROM range(20000)`;

const { conn, tmp } = await tempLake();
await conn.run(`SET preserve_insertion_order = false`); // as ingest runs it

describe('merge copies touched files in order', () => {
  let n = 0;

  async function clusteredTable(): Promise<string> {
    const t = path.join(tmp.dir, `t${n++}`);
    await createTable(conn, t, { columns: COLS, clusterBy: ['store_id', 'date'] });
    await append(conn, t, TARGET, { maxRowsPerFile: 5000 });
    return t;
  }

  /** Every data file's rows in file order, keyed by path. */
  async function fileRows(t: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    for (const f of (await loadSnapshot(t)).files) {
      const r = await rows(
        conn,
        `SELECT store_id || '/' || date::VARCHAR || '/' || sales::VARCHAR AS k
        FROM read_parquet('${path.join(t, f.path)}', file_row_number = true) ORDER BY file_row_number`,
      );
      out.set(
        f.path,
        r.map((x) => String(x['k'])),
      );
    }
    return out;
  }

  async function check(source: string): Promise<void> {
    const t = await clusteredTable();
    const before = await fileRows(t);
    const expected = await rows(
      conn,
      `SELECT store_id, date::VARCHAR AS date, sales FROM (
      SELECT * FROM (${TARGET}) t
      WHERE NOT EXISTS (SELECT 1 FROM (${source}) s WHERE s.store_id = t.store_id AND s.date = t.date)
      UNION ALL SELECT * FROM (${source})) ORDER BY store_id, date`,
    );
    const r = await merge(conn, t, source, { on: ['store_id', 'date'], maxRowsPerFile: 5000 });
    const after = await fileRows(t);
    const snap = await loadSnapshot(t);
    // Untouched files are the same files; each removed file has one copy: its rows minus the
    // matched ones, in its order; updated and inserted rows are in new files of their own.
    const kept = [...after.keys()].filter((p) => before.has(p));
    const created = [...after.keys()].filter((p) => !before.has(p));
    const removed = [...before.keys()].filter((p) => !after.has(p));
    expect(removed.length).toBe(r.metrics['numTargetFilesRemoved']);
    expect(kept.length + removed.length).toBe(before.size);
    const srcRows = await rows(conn, `SELECT store_id || '/' || date::VARCHAR AS k FROM (${source})`);
    const srcKeys = new Set(srcRows.map((x) => String(x['k'])));
    const keyOf = (row: string) => row.split('/').slice(0, 2).join('/');
    const copies = created.filter((p) => after.get(p)!.every((row) => !srcKeys.has(keyOf(row))));
    for (const p of removed) {
      const want = before.get(p)!.filter((row) => !srcKeys.has(keyOf(row)));
      expect(copies.some((c) => JSON.stringify(after.get(c)) === JSON.stringify(want))).toBe(true);
    }
    const fresh = created.filter((p) => !copies.includes(p)).flatMap((p) => after.get(p)!);
    expect(fresh.length).toBe(srcKeys.size);
    expect(snap.files.every((f) => f.add.clusteringProvider === 'liquid')).toBe(true);
    const got = await rows(
      conn,
      `SELECT store_id, date::VARCHAR AS date, sales FROM ${await scanSql(conn, t)} s ORDER BY store_id, date`,
    );
    expect(got).toEqual(expected);
    const inRemoved = removed.reduce((s, p) => s + before.get(p)!.length, 0);
    expect(r.metrics['numTargetRowsCopied']).toBe(inRemoved - Number(r.metrics['numTargetRowsUpdated']));
    if (deltaRs) {
      const theirs = await python<Array<[string, string, number]>>(
        `
import json, sys
from deltalake import DeltaTable
t = DeltaTable(sys.argv[1]).to_pyarrow_table().to_pydict()
rows = sorted(zip(t['store_id'], [d.isoformat() for d in t['date']], t['sales']))
print(json.dumps(rows))`,
        t,
      );
      expect(theirs).toEqual(expected.map((e) => [e['store_id'], e['date'], e['sales']]));
    }
  }

  it('a daily-shaped merge: one new day for every store plus a few late corrections', async () => {
    await check(`SELECT (range % 40)::VARCHAR AS store_id, DATE '2024-01-01' + 500 AS date, -1.0 AS sales FROM range(40)
      UNION ALL SELECT (range * 7 % 40)::VARCHAR, DATE '2024-01-01' + (495 + range % 5)::INTEGER, -2.0 FROM range(6)`);
  });

  it('a merge matching thousands of scattered rows (the anti-join path) keeps the order too', async () => {
    await check(`SELECT (range % 40)::VARCHAR AS store_id, DATE '2024-01-01' + (2 * (range // 40))::INTEGER AS date,
      -3.0 AS sales FROM range(8000)`);
  });

  it('a file whose every row is matched is removed, with no empty copy', async () => {
    const t = path.join(tmp.dir, `t${n++}`);
    await createTable(conn, t, { columns: COLS, clusterBy: ['store_id', 'date'] });
    const days = `SELECT '1' AS store_id, DATE '2025-01-01' + range::INTEGER AS date`;
    await append(conn, t, `${days}, 1.0 AS sales FROM range(3)`);
    await append(conn, t, `SELECT '2' AS store_id, DATE '2025-01-01' AS date, 2.0 AS sales`);
    const r = await merge(conn, t, `${days}, 5.0 AS sales FROM range(3)`, { on: ['store_id', 'date'] });
    expect(r.metrics).toMatchObject({
      numTargetRowsUpdated: 3,
      numTargetRowsCopied: 0,
      numTargetFilesRemoved: 1,
      numTargetFilesAdded: 1,
    });
    const files = (await loadSnapshot(t)).files;
    expect(files.map((f) => f.stats!.numRecords).sort()).toEqual([1, 3]);
    const got = await rows(
      conn,
      `SELECT store_id, sum(sales) AS s FROM ${await scanSql(conn, t)} t GROUP BY ALL ORDER BY ALL`,
    );
    expect(got).toEqual([
      { store_id: '1', s: 15 },
      { store_id: '2', s: 2 },
    ]);
  });
});
