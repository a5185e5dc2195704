// A written file's stats come from its Parquet footer (issue 13: a full rebuild scanned every row once
// more for them). They must equal the scan's stats exactly, including where a footer cannot give them:
// a column holding NaN (DuckDB writes no min/max for it), a long string (its max is truncated), a
// column of NULLs only, several row groups, timestamps below the millisecond.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeStats, fileStats } from '../src/files/stats.js';
import { parseSchemaString } from '../src/schema.js';
import { tempLake } from './helpers.js';

const FIELDS: [string, string][] = [
  ['b', 'byte'],
  ['sh', 'short'],
  ['i', 'integer'],
  ['l', 'long'],
  ['f', 'float'],
  ['d', 'double'],
  ['nan', 'double'],
  ['s', 'string'],
  ['long_s', 'string'],
  ['flag', 'boolean'],
  ['day', 'date'],
  ['ts', 'timestamp'],
  ['nothing', 'double'],
];
const schema = parseSchemaString(
  't',
  0,
  JSON.stringify({
    type: 'struct',
    fields: FIELDS.map(([name, type]) => ({ name, type, nullable: true, metadata: {} })),
  }),
);

// 300 k rows: three row groups, NULLs in most columns, a NaN in one row group of `nan`, a 300-char
// string in `long_s` (its footer max is a truncated prefix), accents in `s`.
const ROWS = `SELECT (i % 100 - 50)::TINYINT AS b, (i % 3000 - 7)::SMALLINT AS sh,
    CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 31 % 1000003)::INTEGER - 500000 END AS i,
    (i * 1000003)::BIGINT - 7 AS l, (i / 3)::FLOAT AS f,
    CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 0.1 - 17.3)::DOUBLE END AS d,
    CASE WHEN i = 250001 THEN 'NaN'::DOUBLE ELSE -0.0 + i END AS nan,
    CASE WHEN i % 5 = 0 THEN NULL ELSE 'ação ' || (i % 997)::VARCHAR END AS s,
    CASE WHEN i = 12345 THEN repeat('z', 300) ELSE 'k' || (i % 50)::VARCHAR END AS long_s,
    CASE WHEN i % 13 = 0 THEN NULL ELSE i % 2 = 0 END AS flag,
    DATE '2019-01-01' + (i % 2557)::INTEGER AS day,
    TIMESTAMPTZ '2024-03-01 12:00:00+00' + to_microseconds(i * 1237) AS ts,
    NULL::DOUBLE AS nothing
  FROM range(300000) r(i)`;

const { conn, tmp } = await tempLake();

describe('stats from the Parquet footer', () => {
  it('equal the stats of a scan of every value, column by column', async () => {
    const file = path.join(tmp.dir, 'a.parquet');
    await conn.run(`COPY (${ROWS}) TO '${file}' (FORMAT parquet, COMPRESSION snappy)`);
    const groups = await conn.runAndReadAll(
      `SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM parquet_metadata('${file}')`,
    );
    expect(groups.getRowObjectsJS()[0]?.['n']).toBeGreaterThan(1);
    const scanned = await computeStats(conn, schema, `read_parquet('${file}')`);
    const footer = await fileStats(conn, schema, file);
    expect(footer).toEqual(scanned);
    // The awkward columns really are awkward: no max for the NaN column and the long string, none at
    // all for the NULL column, and a millisecond-rounded timestamp max.
    expect(scanned.maxValues['nan']).toBeUndefined();
    expect(scanned.maxValues['long_s']).toBeUndefined();
    expect(scanned.minValues['nothing']).toBeUndefined();
    expect(scanned.nullCount['nothing']).toBe(300000);
    expect(JSON.stringify(footer)).toBe(JSON.stringify(scanned));
  });

  it('an empty file has no rows and no bounds', async () => {
    const file = path.join(tmp.dir, 'empty.parquet');
    await conn.run(`COPY (${ROWS} LIMIT 0) TO '${file}' (FORMAT parquet)`);
    expect(await fileStats(conn, schema, file)).toEqual(await computeStats(conn, schema, `read_parquet('${file}')`));
  });
});
