import { describe, expect, it } from 'vitest';
import { append, createTable, createView, loadSnapshot, scanSql } from '../src/index.js';
import { rows, tempLake } from './helpers.js';

const COLUMNS = [
  { name: 'i', type: 'INTEGER' as const, nullable: false },
  { name: 'l', type: 'BIGINT' as const },
  { name: 'd', type: 'DOUBLE' as const },
  { name: 's', type: 'VARCHAR' as const },
  { name: 'b', type: 'BOOLEAN' as const },
  { name: 'dt', type: 'DATE' as const },
  { name: 'ts', type: 'TIMESTAMP WITH TIME ZONE' as const },
];

const { conn, tmp } = await tempLake();

describe('round trip of every cvc type', () => {
  it('writes and reads back values, nulls and stats', async () => {
    const table = `${tmp.dir}/types`;
    await createTable(conn, table, { columns: COLUMNS, name: 'types', description: 'all types' });
    await append(
      conn,
      table,
      `SELECT * FROM (VALUES
      (1, 9007199254740991::BIGINT, 1.5, 'a''b', TRUE, DATE '2025-01-02', TIMESTAMPTZ '2025-01-02 03:04:05.123456+00'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL),
      (-3, -5::BIGINT, -0.25, 'ção', FALSE, DATE '1999-12-31', TIMESTAMPTZ '1999-12-31 23:59:59+00')
    ) AS v(i, l, d, s, b, dt, ts)`,
    );
    const got = await rows(
      conn,
      'SELECT i, l::VARCHAR AS l, d, s, b, dt::VARCHAR AS dt, ts::VARCHAR AS ts FROM ' +
        `${await scanSql(conn, table)} t ORDER BY i`,
    );
    expect(got).toEqual([
      { i: -3, l: '-5', d: -0.25, s: 'ção', b: false, dt: '1999-12-31', ts: '1999-12-31 23:59:59+00' },
      { i: 1, l: '9007199254740991', d: 1.5, s: "a'b", b: true, dt: '2025-01-02', ts: '2025-01-02 03:04:05.123456+00' },
      { i: 2, l: null, d: null, s: null, b: null, dt: null, ts: null },
    ]);
    const snap = await loadSnapshot(table);
    expect(snap.version).toBe(1);
    expect(snap.schema.map((f) => [f.name, f.deltaType, f.nullable])).toEqual([
      ['i', 'integer', false],
      ['l', 'long', true],
      ['d', 'double', true],
      ['s', 'string', true],
      ['b', 'boolean', true],
      ['dt', 'date', true],
      ['ts', 'timestamp', true],
    ]);
    const stats = snap.files[0]!.stats!;
    expect(stats.numRecords).toBe(3);
    expect(stats.minValues).toEqual({
      i: -3,
      l: -5,
      d: -0.25,
      s: "a'b",
      dt: '1999-12-31',
      ts: '1999-12-31T23:59:59.000Z',
    });
    expect(stats.maxValues).toMatchObject({ i: 2, dt: '2025-01-02', ts: '2025-01-02T03:04:05.124Z' });
    expect(stats.nullCount).toEqual({ i: 0, l: 1, d: 1, s: 1, b: 1, dt: 1, ts: 1 });
  });

  it('truncates long string stats to a safe prefix', async () => {
    const table = `${tmp.dir}/long`;
    await createTable(conn, table, { columns: [{ name: 's', type: 'VARCHAR' }] });
    await append(conn, table, `SELECT repeat('x', 40) || range::VARCHAR AS s FROM range(3)`);
    const stats = (await loadSnapshot(table)).files[0]!.stats!;
    expect(stats.minValues['s']).toBe('x'.repeat(32));
    expect(stats.maxValues['s']).toBeUndefined();
    expect(
      await rows(
        conn,
        `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, table, { filters: { s: `${'x'.repeat(40)}2` } })} t`,
      ),
    ).toEqual([{ n: 1 }]);
  });

  it('reads an empty table with the right types', async () => {
    const table = `${tmp.dir}/empty`;
    await createTable(conn, table, { columns: COLUMNS });
    await createView(conn, 'empty_v', table);
    const desc = await rows(conn, `DESCRIBE empty_v`);
    expect(desc.map((r) => r['column_type'])).toEqual([
      'INTEGER',
      'BIGINT',
      'DOUBLE',
      'VARCHAR',
      'BOOLEAN',
      'DATE',
      'TIMESTAMP WITH TIME ZONE',
    ]);
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM empty_v`)).toEqual([{ n: 0 }]);
  });
});
