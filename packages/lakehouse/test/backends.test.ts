// The core table operations on every storage backend (local disk and Azurite): write/read of every
// type, merge, a conflicting commit, checkpoints, vacuum, and delta-rs reading what we wrote.
// The 4-writer and SIGKILL tests are parametrised the same way (concurrency.test.ts, crash.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  append,
  checkpoint,
  createTable,
  DeltaError,
  deleteWhere,
  history,
  loadSnapshot,
  merge,
  optimize,
  scanSql,
  vacuum,
} from '../src/index.js';
import { storageFor } from '../src/storage/local.js';
import { commit, type PreparedCommit } from '../src/transaction/commit.js';
import type { ConflictScope } from '../src/transaction/conflict.js';
import { backends } from './backends.js';
import { connect, python, rows } from './helpers.js';
import { useOracle } from '../../../test-support/oracles.js';

const deltaRs = await useOracle('delta-rs');

const COLUMNS = [
  { name: 'store_id', type: 'VARCHAR' as const, nullable: false },
  { name: 'date', type: 'DATE' as const, nullable: false },
  { name: 'i', type: 'INTEGER' as const },
  { name: 'l', type: 'BIGINT' as const },
  { name: 'd', type: 'DOUBLE' as const },
  { name: 'b', type: 'BOOLEAN' as const },
  { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' as const },
];

const VALUES = `SELECT * FROM (VALUES
  ('1', DATE '2025-01-01', 1, 9007199254740991::BIGINT, 1.5, TRUE, TIMESTAMPTZ '2025-01-02 03:04:05.123+00'),
  ('2', DATE '2025-01-02', NULL, NULL, NULL, NULL, NULL),
  ('ção', DATE '1999-12-31', -3, -5::BIGINT, -0.25, FALSE, TIMESTAMPTZ '1999-12-31 23:59:59+00')
) AS v(store_id, date, i, l, d, b, ts)`;

/** One row with store, date and i set, the other columns NULL. */
const row = (store: string, date: string, i: string): string => `SELECT '${store}' AS store_id, DATE '${date}' AS date,
  ${i}::INTEGER AS i, NULL::BIGINT AS l, NULL::DOUBLE AS d, NULL::BOOLEAN AS b, NULL::TIMESTAMPTZ AS ts`;

const blind: ConflictScope = { readPaths: [], removedPaths: [], readsAllData: false, appIds: [], domains: [] };

describe.each(backends())('lakehouse on $name', (backend) => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    conn = await connect();
    await backend.start();
  }, 60_000);
  afterAll(() => backend.stop());

  const read = async (table: string, version?: number) =>
    rows(
      conn,
      `SELECT store_id,
      strftime(date, '%Y-%m-%d') AS date,
      i, l::VARCHAR AS l, d, b, strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS ts
    FROM ${await scanSql(conn, table, version === undefined ? {} : { version })} t ORDER BY store_id`,
    );

  it('writes and reads back every type; the log and data files are in the backend', async () => {
    const t = backend.table('types');
    await createTable(conn, t, { columns: COLUMNS, name: 'types' });
    await append(conn, t, VALUES);
    expect(await read(t)).toEqual([
      {
        store_id: '1',
        date: '2025-01-01',
        i: 1,
        l: '9007199254740991',
        d: 1.5,
        b: true,
        ts: '2025-01-02T03:04:05.123Z',
      },
      { store_id: '2', date: '2025-01-02', i: null, l: null, d: null, b: null, ts: null },
      { store_id: 'ção', date: '1999-12-31', i: -3, l: '-5', d: -0.25, b: false, ts: '1999-12-31T23:59:59.000Z' },
    ]);
    expect((await backend.names(t, '_delta_log')).filter((n) => n.endsWith('.json')).sort()).toEqual([
      '00000000000000000000.json',
      '00000000000000000001.json',
    ]);
    const snap = await loadSnapshot(t);
    expect((await backend.names(t, '')).filter((n) => n.endsWith('.parquet'))).toEqual(snap.files.map((f) => f.path));
    expect(snap.files[0]!.stats?.numRecords).toBe(3);
  });

  it('merge updates, inserts and rewrites only the touched file; time travel reads the old version', async () => {
    const t = backend.table('merge');
    await createTable(conn, t, { columns: COLUMNS });
    await append(conn, t, VALUES);
    await append(conn, t, row('9', '2025-02-01', 'NULL'));
    const r = await merge(conn, t, `${row('1', '2025-01-01', '42')} UNION ALL ${row('5', '2025-01-05', '5')}`, {
      on: ['store_id', 'date'],
    });
    expect(r.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsInserted: 1, numTargetFilesRemoved: 1 });
    const got = await rows(conn, `SELECT store_id, i FROM ${await scanSql(conn, t)} t ORDER BY store_id`);
    expect(got).toEqual([
      { store_id: '1', i: 42 },
      { store_id: '2', i: null },
      { store_id: '5', i: 5 },
      { store_id: '9', i: null },
      { store_id: 'ção', i: -3 },
    ]);
    expect((await read(t, 1)).map((x) => x['i'])).toEqual([1, null, -3]);
  });

  it('a commit losing the race to a conflicting one fails with CONFLICT; a blind append is retried', async () => {
    const t = backend.table('conflict');
    await createTable(conn, t, { columns: [{ name: 'x', type: 'INTEGER' }] });
    await append(conn, t, 'SELECT 1 AS x');
    const file = (await loadSnapshot(t)).files[0]!.path;
    await deleteWhere(conn, t, 'x = 1'); // version 2 removes the file a stale operation read
    const stale = (scope: ConflictScope): PreparedCommit => ({
      operation: 'TEST',
      operationParameters: {},
      metrics: {},
      actions: [],
      readVersion: 1,
      isBlindAppend: false,
      scope,
      checkpointInterval: 100,
    });
    const scope = { ...blind, readPaths: [file], removedPaths: [file], readsAllData: true };
    const e = await commit(storageFor(t), t, stale(scope)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeltaError);
    expect((e as DeltaError).code).toBe('CONFLICT');
    expect((e as DeltaError).version).toBe(2);
    expect((await commit(storageFor(t), t, stale(blind))).version).toBe(3);
  });

  it('checkpoints, optimize and vacuum; history reads back', async () => {
    const t = backend.table('maintenance');
    await createTable(conn, t, {
      columns: [{ name: 'x', type: 'INTEGER' }],
      clusterBy: ['x'],
      properties: { 'delta.checkpointInterval': '3' },
    });
    for (const x of [5, 3, 4, 1]) await append(conn, t, `SELECT ${x} AS x`);
    expect(await backend.names(t, '_delta_log')).toContain('00000000000000000003.checkpoint.parquet');
    expect(await backend.names(t, '_delta_log')).toContain('_last_checkpoint');
    await optimize(conn, t);
    await checkpoint(conn, t);
    const snap = await loadSnapshot(t);
    expect(snap.files).toHaveLength(1);
    const removed = await vacuum(t, { retentionHours: 0, enforceRetention: false });
    expect(removed.deleted.filter((f) => f.endsWith('.parquet'))).toHaveLength(4);
    expect((await backend.names(t, '')).filter((n) => n.endsWith('.parquet'))).toEqual([snap.files[0]!.path]);
    const xs = await rows(conn, `SELECT list(x ORDER BY x) AS xs FROM ${await scanSql(conn, t)} t`);
    expect(xs[0]!['xs']).toEqual([1, 3, 4, 5]);
    expect((await history(t)).map((h) => h.operation)).toEqual([
      'OPTIMIZE',
      'WRITE',
      'WRITE',
      'WRITE',
      'WRITE',
      'CREATE TABLE',
    ]);
  });

  it('deletion vectors: a merge writes a DV file to the backend; scan, checkpoint and vacuum honour it', async () => {
    const t = backend.table('dv');
    await createTable(conn, t, {
      columns: COLUMNS,
      clusterBy: ['store_id', 'date'],
      properties: { 'delta.checkpointInterval': '2' },
    });
    const many = `SELECT (range % 7)::VARCHAR AS store_id, DATE '2025-01-01' + (range // 7)::INTEGER AS date,
      range::INTEGER AS i, NULL::BIGINT AS l, NULL::DOUBLE AS d, NULL::BOOLEAN AS b, NULL::TIMESTAMPTZ AS ts
      FROM range(700)`;
    await append(conn, t, many);
    const r = await merge(conn, t, row('3', '2025-01-05', '-1'), {
      on: ['store_id', 'date'],
      enableDeletionVectors: true,
    });
    expect(r.metrics['numDeletionVectorsAdded']).toBe(1);
    const dvFiles = async () => (await backend.names(t, '')).filter((n) => n.startsWith('deletion_vector_'));
    expect(await dvFiles()).toHaveLength(1);
    expect(await backend.names(t, '_delta_log')).toContain('00000000000000000002.checkpoint.parquet');
    const sum = async () =>
      (await rows(conn, `SELECT count(*)::INTEGER AS n, sum(i)::BIGINT AS s FROM ${await scanSql(conn, t)} t`))[0];
    const expected = { n: 700, s: BigInt((699 * 700) / 2 - (4 * 7 + 3) - 1) };
    expect(await sum()).toEqual(expected);
    expect((await vacuum(t, { retentionHours: 0, enforceRetention: false })).deleted).toEqual([]);
    expect(await dvFiles()).toHaveLength(1);
    expect(await sum()).toEqual(expected);
    if (!deltaRs) return;
    // delta-rs reads the DV from this backend too (its DataFusion reader; the pyarrow path refuses DVs).
    const theirs = await python<[number, number]>(
      `import json, sys
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
dt = DeltaTable(sys.argv[1], storage_options=json.loads(sys.argv[2]) or None)
r = pa.table(QueryBuilder().register('t', dt).execute('select count(*) n, sum(i) s from t').read_all()).to_pylist()[0]
print(json.dumps([r['n'], r['s']]))`,
      t,
      JSON.stringify(backend.storageOptions()),
    );
    expect(theirs).toEqual([expected.n, Number(expected.s)]);
  }, 60_000);

  it.runIf(deltaRs)(
    'delta-rs reads every version we wrote, from this backend',
    async () => {
      const t = backend.table('deltars');
      await createTable(conn, t, { columns: COLUMNS });
      await append(conn, t, VALUES);
      await merge(conn, t, row('2', '2025-01-02', '7'), { on: ['store_id', 'date'] });
      const got = await python<Array<Array<[string, number | null]>>>(
        `
import json, sys
from deltalake import DeltaTable
uri, opts = sys.argv[1], json.loads(sys.argv[2])
out = []
for v in (1, 2):
    dt = DeltaTable(uri, version=v, storage_options=opts or None)
    out.append(sorted([r['store_id'], r['i']] for r in dt.to_pyarrow_table(columns=['store_id', 'i']).to_pylist()))
print(json.dumps(out))
`,
        t,
        JSON.stringify(backend.storageOptions()),
      );
      expect(got).toEqual([
        [
          ['1', 1],
          ['2', null],
          ['ção', -3],
        ],
        [
          ['1', 1],
          ['2', 7],
          ['ção', -3],
        ],
      ]);
    },
    60_000,
  );
});
