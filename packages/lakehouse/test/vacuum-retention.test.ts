// VACUUM keeps every file that a version inside the retention window references: after a vacuum,
// delta-rs (the oracle) reads each retained version, and row for row what we read before vacuuming.
import { setTimeout as sleep } from 'node:timers/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, createTable, history, merge, optimize, overwrite, scanSql, vacuum } from '../src/index.js';
import { python, rows, tempLake } from './helpers.js';

const COLS = [
  { name: 'store_id', type: 'VARCHAR' as const },
  { name: 'date', type: 'DATE' as const },
  { name: 'sales', type: 'DOUBLE' as const },
];

const { conn, tmp } = await tempLake();

describe('vacuum and retention', () => {
  const sums = async (t: string, version: number) =>
    rows(conn, `SELECT count(*)::INTEGER AS n, sum(sales)::DOUBLE AS s FROM ${await scanSql(conn, t, { version })} x`);

  it('deletes only files no version inside the window needs; delta-rs reads every retained version', async () => {
    const t = path.join(tmp.dir, 'v');
    await createTable(conn, t, { columns: COLS, clusterBy: ['store_id', 'date'] });
    const batch = (
      k: number,
    ) => `SELECT (range % 5)::VARCHAR AS store_id, DATE '2025-01-01' + (range // 5)::INTEGER AS date,
      (range * ${k})::DOUBLE AS sales FROM range(50)`;
    await append(conn, t, batch(1));
    await overwrite(conn, t, batch(2)); // version 2: removes version 1's file
    await append(conn, t, batch(3));
    await sleep(1100);
    const cutoff = Date.now();
    await sleep(1100);
    // Inside the window: a merge that rewrites files, an append and an OPTIMIZE that removes both.
    await merge(conn, t, `SELECT '1' AS store_id, DATE '2025-01-02' AS date, 99.0 AS sales`, {
      on: ['store_id', 'date'],
    });
    await append(conn, t, batch(4));
    await optimize(conn, t, { targetRowsPerFile: 1000 });
    const versions = (await history(t)).map((h) => ({ version: h.version, at: h.timestamp.getTime() }));
    // Readable after vacuum: every version committed inside the window, and the one current at its start.
    const current = Math.max(...versions.filter((v) => v.at <= cutoff).map((v) => v.version));
    const retained = versions
      .filter((v) => v.version >= current)
      .map((v) => v.version)
      .sort((a, b) => a - b);
    expect(retained.length).toBeGreaterThanOrEqual(4);
    const before = new Map<number, unknown>();
    for (const v of retained) before.set(v, await sums(t, v));

    const now = new Date(cutoff + 168 * 3_600_000);
    const dry = await vacuum(t, { retentionHours: 168, now, dryRun: true });
    const parquet = () =>
      readdirSync(t)
        .filter((f) => f.endsWith('.parquet'))
        .sort();
    const all = parquet();
    expect(dry.deleted.length).toBeGreaterThan(0); // versions 1 and 2's files are past retention
    expect(parquet()).toEqual(all); // a dry run deletes nothing
    const done = await vacuum(t, { retentionHours: 168, now });
    expect(done.deleted).toEqual(dry.deleted);
    expect(parquet()).toHaveLength(all.length - done.deleted.length);

    for (const v of retained) expect(await sums(t, v)).toEqual(before.get(v));
    const theirs = await python<Record<string, { n: number; s: number }>>(
      `
import json, sys
from deltalake import DeltaTable
out = {}
for v in json.loads(sys.argv[2]):
    rows = DeltaTable(sys.argv[1], version=v).to_pyarrow_table().to_pylist()
    out[str(v)] = {'n': len(rows), 's': float(sum(r['sales'] for r in rows))}
print(json.dumps(out))
`,
      t,
      JSON.stringify(retained),
    );
    for (const v of retained) expect([theirs[String(v)]]).toEqual(before.get(v));
  });
});
