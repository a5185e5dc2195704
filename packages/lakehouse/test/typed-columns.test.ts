import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { stageColumns } from '../src/typed-columns.js';

describe('stageColumns', () => {
  it('loads typed columns with NULLs into a temp table', async () => {
    const conn = await (await DuckDBInstance.create(':memory:')).connect();
    const n = await stageColumns(conn, 'staged', [
      { name: 'store_id', type: 'VARCHAR', values: ['a', null] },
      { name: 'day', type: 'DATE', values: [0, 20089] },
      { name: 'y', type: 'DOUBLE', values: Float64Array.from([1.5, Number.NaN]) },
      { name: 'h', type: 'INTEGER', values: Int32Array.from([1, 2]) },
      { name: 'ok', type: 'BOOLEAN', values: [1, 0] },
    ]);
    expect(n).toBe(2);
    const rows = (
      await conn.runAndReadAll('SELECT store_id, day::VARCHAR d, y, h, ok FROM staged ORDER BY h')
    ).getRowObjectsJS();
    expect(rows).toEqual([
      { store_id: 'a', d: '1970-01-01', y: 1.5, h: 1, ok: true },
      { store_id: null, d: '2025-01-01', y: null, h: 2, ok: false },
    ]);
    await expect(
      stageColumns(conn, 'bad', [
        { name: 'a', type: 'DOUBLE', values: [1] },
        { name: 'b', type: 'DOUBLE', values: [] },
      ]),
    ).rejects.toThrow(/column b has 0 values, expected 1/);
  });
});
