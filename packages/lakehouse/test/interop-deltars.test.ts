// delta-rs (the Python `deltalake` package) as the oracle: it must read every version we write,
// and we must read what it writes, including after its optimize, vacuum and checkpoint.

import { describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  append,
  checkpoint,
  createTable,
  deleteWhere,
  history,
  isDeltaError,
  loadSnapshot,
  merge,
  optimize,
  overwrite,
  replaceWhere,
  scanSql,
  setProperties,
} from '../src/index.js';
import { python, rows, tempLake } from './helpers.js';
import { useOracle } from '../../../test-support/oracles.js';

type Row = Record<string, unknown>;

// Same normal form on both sides: dates and timestamps as ISO text, numbers as numbers.
const NORMALISE_PY = `
import json, sys, datetime, math
from deltalake import DeltaTable
def norm(v):
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    if isinstance(v, datetime.date):
        return v.isoformat()
    return v
def read(path, version=None):
    dt = DeltaTable(path, version=version) if version is not None else DeltaTable(path)
    rows = [{k: norm(v) for k, v in r.items()} for r in dt.to_pyarrow_table().to_pylist()]
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
`;

async function ourRows(conn: DuckDBConnection, table: string, version?: number): Promise<Row[]> {
  const snap = await loadSnapshot(table, version === undefined ? {} : { version });
  const cols = snap.schema.map((f) => {
    const c = `"${f.name}"`;
    if (f.sqlType === 'DATE') return `strftime(${c}, '%Y-%m-%d') AS ${c}`;
    if (f.sqlType === 'TIMESTAMP WITH TIME ZONE')
      return `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') AS ${c}`;
    return c;
  });
  const got = await rows(
    conn,
    `SELECT ${cols.join(', ')} FROM ${await scanSql(conn, table, version === undefined ? {} : { version })} t`,
  );
  const normal = got.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
  return normal.sort((a, b) => (stableKey(a) < stableKey(b) ? -1 : stableKey(a) > stableKey(b) ? 1 : 0));
}

function stableKey(r: Row): string {
  return JSON.stringify(Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1))));
}

function sortRows(rs: Row[]): Row[] {
  return [...rs].sort((a, b) => (stableKey(a) < stableKey(b) ? -1 : stableKey(a) > stableKey(b) ? 1 : 0));
}

const COLUMNS = [
  { name: 'store_id', type: 'VARCHAR' as const, nullable: false },
  { name: 'date', type: 'DATE' as const, nullable: false },
  { name: 'i', type: 'INTEGER' as const },
  { name: 'l', type: 'BIGINT' as const },
  { name: 'd', type: 'DOUBLE' as const },
  { name: 'b', type: 'BOOLEAN' as const },
  { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' as const },
];

function batch(seed: number, n: number, day: string): string {
  return `SELECT (range % 4)::VARCHAR AS store_id, DATE '${day}' + (range % 3)::INTEGER AS date,
    (range + ${seed})::INTEGER AS i, (range * 1000000007 + ${seed})::BIGINT AS l,
    CASE WHEN range % 5 = 0 THEN NULL ELSE range / 4 + ${seed} END::DOUBLE AS d,
    CASE WHEN range % 7 = 0 THEN NULL ELSE range % 2 = 0 END AS b,
    TIMESTAMPTZ '2025-03-01 12:00:00.250+00' + to_microseconds(range * 1000 + ${seed}) AS ts
    FROM range(${n})`;
}

const { conn, tmp } = await tempLake();

describe.skipIf(!(await useOracle('delta-rs')))('interop with delta-rs', () => {
  it('delta-rs reads every version we write, with schema, history and clustering', async () => {
    const table = `${tmp.dir}/ours`;
    await createTable(conn, table, {
      columns: COLUMNS,
      clusterBy: ['store_id', 'date'],
      name: 'ours',
      description: 'written by cvc',
      properties: { 'delta.checkpointInterval': '4' },
    });
    await append(conn, table, batch(1, 40, '2025-01-01'), {
      metadata: { source: 'test', watermark: '2025-01-03' },
      txn: { appId: 'cvc-test', version: 3 },
    });
    await append(conn, table, batch(2, 30, '2025-01-04'));
    await append(conn, table, batch(3, 0, '2025-01-04'));
    await merge(
      conn,
      table,
      `SELECT * REPLACE (i * 10 AS i) FROM (${batch(4, 8, '2025-01-01')}) WHERE store_id IN ('1', '2') UNION ALL
      SELECT '9' AS store_id, DATE '2025-02-01' AS date, 1 AS i, 2 AS l, 3.5 AS d, TRUE AS b,
        TIMESTAMPTZ '2025-02-01 00:00:00+00' AS ts`,
      { on: ['store_id', 'date', 'l'] },
    );
    await replaceWhere(
      conn,
      table,
      `date = DATE '2025-01-05'`,
      `SELECT * REPLACE (DATE '2025-01-05' AS date) FROM (${batch(5, 6, '2025-01-05')})`,
    );
    await deleteWhere(conn, table, `store_id = '3' AND i % 2 = 0`);
    await optimize(conn, table, { targetRowsPerFile: 25 });
    await setProperties(table, { 'cvc.watermark': '2025-01-06' });
    await append(conn, table, batch(8, 5, '2025-01-07'));
    await overwrite(conn, table, batch(9, 12, '2025-01-08'));
    await append(conn, table, batch(10, 7, '2025-01-09'));
    const latest = (await loadSnapshot(table)).version;
    expect(latest).toBe(11);

    const theirs = await python<{
      versions: Row[][];
      version: number;
      history: number;
      schema: Array<[string, string, boolean]>;
      writerFeatures: string[];
      txnVersion: number;
      readerVersion: number;
      writerVersion: number;
      minStore: string[];
      numRecords: number[];
      config: Record<string, string>;
    }>(
      `${NORMALISE_PY}
path, latest = sys.argv[1], int(sys.argv[2])
dt = DeltaTable(path)
import pyarrow as pa
adds = pa.table(dt.get_add_actions(flatten=True)).to_pydict()
out = {
  'versions': [read(path, v) for v in range(latest + 1)],
  'version': dt.version(),
  'history': len(dt.history()),
  'schema': [[f.name, str(f.type.type), f.nullable] for f in dt.schema().fields],
  'writerFeatures': dt.protocol().writer_features or [],
  'readerVersion': dt.protocol().min_reader_version,
  'writerVersion': dt.protocol().min_writer_version,
  'minStore': sorted(str(x) for x in adds.get('min.store_id', [])),
  'numRecords': adds['num_records'],
  'config': dt.metadata().configuration,
  'txnVersion': dt.transaction_version('cvc-test'),
}
print(json.dumps(out))`,
      table,
      String(latest),
    );

    expect(theirs.version).toBe(latest);
    expect(theirs.history).toBe(latest + 1);
    expect(theirs.schema).toEqual([
      ['store_id', 'string', false],
      ['date', 'date', false],
      ['i', 'integer', true],
      ['l', 'long', true],
      ['d', 'double', true],
      ['b', 'boolean', true],
      ['ts', 'timestamp', true],
    ]);
    expect(theirs.readerVersion).toBe(1);
    expect(theirs.writerVersion).toBe(7);
    expect(theirs.writerFeatures.sort()).toEqual(['appendOnly', 'clustering', 'domainMetadata', 'invariants']);
    expect(theirs.config['cvc.watermark']).toBe('2025-01-06');
    expect(theirs.txnVersion).toBe(3);
    expect(theirs.minStore.length).toBeGreaterThan(0);
    for (let v = 0; v <= latest; v++) {
      expect(sortRows(theirs.versions[v]!), `version ${v}`).toEqual(await ourRows(conn, table, v));
    }
    const hist = await history(table);
    expect(hist[hist.length - 2]!.metadata).toEqual({ source: 'test', watermark: '2025-01-03' });

    // delta-rs checkpoints our table; we read its checkpoint, clustering domain included.
    await python(
      `from deltalake import DeltaTable
import sys
DeltaTable(sys.argv[1]).create_checkpoint()
print('null')`,
      table,
    );
    const snap = await loadSnapshot(table);
    expect(snap.clusteringColumns).toEqual(['store_id', 'date']);
    expect(await ourRows(conn, table)).toEqual(sortRows(theirs.versions[latest]!));
  });

  it('we read tables delta-rs wrote, after its optimize, vacuum and checkpoint', async () => {
    const table = `${tmp.dir}/theirs`;
    const out = await python<{ readable: Record<string, Row[]>; unreadable: number[]; latest: number }>(
      `${NORMALISE_PY}
import pyarrow as pa
from deltalake import write_deltalake
path = sys.argv[1]
def batch(seed, n):
    return pa.table({
        'store_id': pa.array([str(i % 3) for i in range(n)], pa.string()),
        'date': pa.array([datetime.date(2025, 1, 1 + i % 5) for i in range(n)], pa.date32()),
        'i': pa.array([i + seed if i % 4 else None for i in range(n)], pa.int32()),
        'l': pa.array([i * 10**12 + seed for i in range(n)], pa.int64()),
        'd': pa.array([i / 3 + seed for i in range(n)], pa.float64()),
        'b': pa.array([None if i % 5 == 0 else i % 2 == 0 for i in range(n)], pa.bool_()),
        'ts': pa.array([datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
                        + datetime.timedelta(seconds=i, microseconds=seed) for i in range(n)],
                       pa.timestamp('us', tz='UTC')),
    })
write_deltalake(path, batch(1, 20))
for s in range(2, 6):
    write_deltalake(path, batch(s, 10), mode='append')
dt = DeltaTable(path)
dt.delete("store_id = '2'")
dt = DeltaTable(path)
dt.optimize.compact()
dt = DeltaTable(path)
dt.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
write_deltalake(path, batch(7, 4), mode='append')
DeltaTable(path).create_checkpoint()
write_deltalake(path, batch(8, 3), mode='append')
latest = DeltaTable(path).version()
readable, unreadable = {}, []
for v in range(latest + 1):
    try:
        readable[str(v)] = read(path, v)
    except Exception:
        unreadable.append(v)
print(json.dumps({'readable': readable, 'unreadable': unreadable, 'latest': latest}))`,
      table,
    );

    expect(Object.keys(out.readable).length).toBeGreaterThan(2);
    expect(out.unreadable.length).toBeGreaterThan(0); // vacuum removed files of old versions
    expect((await loadSnapshot(table)).version).toBe(out.latest);
    for (const [v, expected] of Object.entries(out.readable)) {
      expect(await ourRows(conn, table, Number(v)), `version ${v}`).toEqual(sortRows(expected));
    }
    for (const v of out.unreadable) {
      await expect(ourRows(conn, table, v)).rejects.toSatisfy((e: unknown) => isDeltaError(e, 'MISSING_FILE'));
    }
    // And we can keep writing to it.
    await append(conn, table, `SELECT * FROM (${await scanSql(conn, table)}) LIMIT 2`);
    await checkpoint(conn, table);
    const after = await python<Row[]>(
      `${NORMALISE_PY}
print(json.dumps(read(sys.argv[1])))`,
      table,
    );
    expect(sortRows(after)).toEqual(await ourRows(conn, table));
  });
});
