// overwrite with `schema` (Delta's overwriteSchema): the rows and the new schema land in one commit,
// earlier versions keep theirs, and delta-rs reads both.
import { describe, expect, it } from 'vitest';
import { createTable, loadSnapshot, overwrite, scanSql, type ColumnDef } from '../src/index.js';
import { python, rows, tempLake } from './helpers.js';
import { useOracle } from '../../../test-support/oracles.js';

const { conn, tmp } = await tempLake();

describe.skipIf(!(await useOracle('delta-rs')))('overwrite with a new schema', () => {
  it('replaces the columns in the same commit as the rows; old versions keep theirs', async () => {
    const table = `${tmp.dir}/t`;
    const before: ColumnDef[] = [
      { name: 'store_id', type: 'VARCHAR', nullable: false },
      { name: 'assortment', type: 'VARCHAR' },
    ];
    await createTable(conn, table, { columns: before });
    await overwrite(conn, table, `SELECT 'A' AS store_id, 'x' AS assortment`);
    const after: ColumnDef[] = [
      { name: 'store_id', type: 'VARCHAR', nullable: false },
      { name: 'size_m2', type: 'DOUBLE' },
    ];
    const r = await overwrite(conn, table, `SELECT 'A' AS store_id, 1200.5 AS size_m2`, {
      schema: after,
      properties: { 'cvc.test': '1' },
    });
    const snap = await loadSnapshot(table);
    expect(snap.schema.map((c) => c.name)).toEqual(['store_id', 'size_m2']);
    expect(snap.properties['cvc.test']).toBe('1');
    expect(await rows(conn, `SELECT * FROM ${await scanSql(conn, table)} t`)).toEqual([
      { store_id: 'A', size_m2: 1200.5 },
    ]);
    // The same schema again writes no metaData action.
    const again = await overwrite(conn, table, `SELECT 'B' AS store_id, 1.0 AS size_m2`, { schema: after });
    expect(again.version).toBe(r.version + 1);
    const theirs = await python<{ now: unknown[]; old: unknown[]; cols: string[] }>(
      `import json, sys
from deltalake import DeltaTable
now = DeltaTable(sys.argv[1], version=int(sys.argv[2]))
old = DeltaTable(sys.argv[1], version=int(sys.argv[2]) - 1)
print(json.dumps({'now': now.to_pyarrow_table().to_pylist(), 'old': old.to_pyarrow_table().to_pylist(),
  'cols': [f.name for f in now.schema().fields]}))`,
      table,
      String(r.version),
    );
    expect(theirs.cols).toEqual(['store_id', 'size_m2']);
    expect(theirs.now).toEqual([{ store_id: 'A', size_m2: 1200.5 }]);
    expect(theirs.old).toEqual([{ store_id: 'A', assortment: 'x' }]);
  });
});
