// The protocol lists every feature the metadata turns on (Spark refuses the table otherwise), and a
// table written before that rule is upgraded in place by its next commit.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  append,
  createTable,
  deleteWhere,
  history,
  loadSnapshot,
  merge,
  optimize,
  overwrite,
  scanSql,
  setProperties,
  upgradeProtocol,
  type ColumnDef,
} from '../src/index.js';
import { findConflict } from '../src/transaction/conflict.js';
import { python, rows, tempLake } from './helpers.js';

const COLS: ColumnDef[] = [
  { name: 'store_id', type: 'VARCHAR', nullable: false },
  { name: 'date', type: 'DATE', nullable: false },
  { name: 'sales', type: 'DOUBLE' },
];
/** What cvc wrote for every clustered table before it listed invariants. */
const OLD_PROTOCOL = { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['clustering', 'domainMetadata'] };
const SPARK_LIKE = {
  minReaderVersion: 1,
  minWriterVersion: 7,
  writerFeatures: ['appendOnly', 'invariants', 'clustering', 'domainMetadata'],
};

const batch = (store: string, day: number) =>
  `SELECT '${store}' AS store_id, DATE '2025-01-01' + ${day} AS date, ${day}.5 AS sales`;

/** Rewrites the protocol line of version 0, as the old code wrote it. */
function writeOldProtocol(table: string, protocol: object = OLD_PROTOCOL): void {
  const file = path.join(table, '_delta_log', '00000000000000000000.json');
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => (l.startsWith('{"protocol"') ? JSON.stringify({ protocol }) : l));
  writeFileSync(file, lines.join('\n'));
}

const { conn, tmp } = await tempLake();

describe('protocol', () => {
  let n = 0;
  async function oldTable(columns: ColumnDef[] = COLS): Promise<string> {
    const t = path.join(tmp.dir, `old${n++}`);
    await createTable(conn, t, { columns, clusterBy: ['store_id'] });
    await append(conn, t, batch('1', 1));
    await append(conn, t, batch('1', 2));
    writeOldProtocol(t);
    expect((await loadSnapshot(t)).protocol).toEqual(OLD_PROTOCOL);
    return t;
  }
  const protocolLines = (t: string, v: number) =>
    readFileSync(path.join(t, '_delta_log', `${String(v).padStart(20, '0')}.json`), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"protocol"'));

  it('a new clustered table lists invariants, appendOnly, clustering and domainMetadata, as Spark does', async () => {
    const t = path.join(tmp.dir, 'new-clustered');
    await createTable(conn, t, { columns: COLS, clusterBy: ['store_id'] });
    expect((await loadSnapshot(t)).protocol).toEqual(SPARK_LIKE);
    // Without NOT NULL columns too: Spark lists the two legacy features on every table it creates.
    const u = path.join(tmp.dir, 'new-clustered-nullable');
    await createTable(conn, u, { columns: [{ name: 'store_id', type: 'VARCHAR' }], clusterBy: ['store_id'] });
    expect((await loadSnapshot(u)).protocol).toEqual(SPARK_LIKE);
  });

  it('an unclustered table keeps the legacy (1, 2) protocol, which implies invariants and appendOnly', async () => {
    const t = path.join(tmp.dir, 'new-plain');
    await createTable(conn, t, { columns: COLS, properties: { 'delta.appendOnly': 'true' } });
    expect((await loadSnapshot(t)).protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
  });

  it('refuses table properties that turn on features this writer does not implement', async () => {
    for (const properties of [
      { 'delta.enableChangeDataFeed': 'true' },
      { 'delta.constraints.pos': 'sales > 0' },
      { 'delta.enableRowTracking': 'true' },
      { 'delta.feature.rowTracking': 'supported' },
      { 'delta.columnMapping.mode': 'name' },
    ] as Record<string, string>[]) {
      await expect(
        createTable(conn, path.join(tmp.dir, `refused${n++}`), { columns: COLS, properties }),
      ).rejects.toMatchObject({
        code: 'UNSUPPORTED_FEATURE',
        message: expect.stringContaining(Object.keys(properties)[0]!),
      });
    }
    const t = path.join(tmp.dir, 'refused-later');
    await createTable(conn, t, { columns: COLS });
    await expect(setProperties(t, { 'delta.enableChangeDataFeed': 'true' })).rejects.toMatchObject({
      code: 'UNSUPPORTED_FEATURE',
    });
    expect((await loadSnapshot(t)).version).toBe(0);
  });

  it('each kind of write upgrades an old table in its own commit, once', async () => {
    const ops: Array<[string, (t: string) => Promise<unknown>]> = [
      ['append', (t) => append(conn, t, batch('2', 2))],
      ['overwrite', (t) => overwrite(conn, t, batch('2', 2))],
      ['merge', (t) => merge(conn, t, batch('1', 1), { on: ['store_id', 'date'] })],
      ['delete', (t) => deleteWhere(conn, t, `store_id = '1'`)],
      ['optimize', (t) => optimize(conn, t, { targetRowsPerFile: 10 })],
      ['setProperties', (t) => setProperties(t, { 'cvc.note': 'x' })],
    ];
    for (const [name, op] of ops) {
      const t = await oldTable();
      await op(t);
      const snap = await loadSnapshot(t);
      expect(snap.protocol.writerFeatures, name).toEqual(['clustering', 'domainMetadata', 'invariants']);
      expect(protocolLines(t, snap.version), name).toHaveLength(1);
      await append(conn, t, batch('4', 4));
      expect(protocolLines(t, snap.version + 1), `${name}: the next commit has nothing to add`).toHaveLength(0);
    }
  });

  it('a property that turns on a feature adds it to the protocol in the same commit', async () => {
    const t = await oldTable(COLS.map((c) => ({ ...c, nullable: true })));
    await setProperties(t, { 'delta.appendOnly': 'true' });
    expect((await loadSnapshot(t)).protocol.writerFeatures).toEqual(['clustering', 'domainMetadata', 'appendOnly']);
    // A legacy table moves to version 7 with the features its old version implied.
    const u = path.join(tmp.dir, 'legacy');
    await createTable(conn, u, { columns: COLS });
    writeOldProtocol(u, { minReaderVersion: 1, minWriterVersion: 1 });
    await append(conn, u, batch('1', 1));
    expect((await loadSnapshot(u)).protocol).toEqual({
      minReaderVersion: 1,
      minWriterVersion: 7,
      writerFeatures: ['invariants'],
    });
  });

  it('upgradeProtocol upgrades a table nobody writes to, then does nothing', async () => {
    const t = await oldTable();
    const r = await upgradeProtocol(t);
    expect(r).toMatchObject({ version: 3, operation: 'UPGRADE PROTOCOL' });
    expect((await history(t, { limit: 1 }))[0]!.operation).toBe('UPGRADE PROTOCOL');
    expect((await loadSnapshot(t)).protocol.writerFeatures).toEqual(['clustering', 'domainMetadata', 'invariants']);
    expect(await upgradeProtocol(t)).toMatchObject({ version: 3, skipped: true });
  });

  it('two writers upgrading the same old table in passing both commit', async () => {
    const t = await oldTable();
    await Promise.all([append(conn, t, batch('5', 5)), append(conn, t, batch('6', 6)), upgradeProtocol(t)]);
    const snap = await loadSnapshot(t);
    expect(snap.protocol.writerFeatures).toEqual(['clustering', 'domainMetadata', 'invariants']);
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, t)} s`)).toEqual([{ n: 4 }]);
    const upgraded = { ...OLD_PROTOCOL, writerFeatures: ['clustering', 'domainMetadata', 'invariants'] };
    const scope = { readPaths: [], removedPaths: [], readsAllData: false, appIds: [], domains: [] };
    const sameInOtherOrder = { ...upgraded, writerFeatures: ['invariants', 'domainMetadata', 'clustering'] };
    expect(findConflict(scope, [{ protocol: sameInOtherOrder }], upgraded)).toBeUndefined();
    expect(findConflict(scope, [{ protocol: SPARK_LIKE }], upgraded)).toMatch(/changed the protocol/);
  });

  it('delta-rs reads the upgraded table and its protocol', async () => {
    const t = await oldTable();
    await append(conn, t, batch('2', 2));
    const out = await python<{ rows: number; features: string[]; version: number }>(
      `
import json, sys
from deltalake import DeltaTable
dt = DeltaTable(sys.argv[1])
print(json.dumps({'rows': dt.to_pyarrow_table().num_rows, 'features': dt.protocol().writer_features,
                  'version': dt.version()}))`,
      t,
    );
    expect(out).toEqual({ rows: 3, features: ['clustering', 'domainMetadata', 'invariants'], version: 3 });
  });

  it('delta-rs still writes our unclustered tables (legacy protocol), and we read what it wrote', async () => {
    const t = path.join(tmp.dir, 'deltars-writes');
    await createTable(conn, t, { columns: COLS });
    await append(conn, t, batch('1', 1));
    await python(
      `
import datetime, json, sys
import pyarrow as pa
from deltalake import write_deltalake
schema = pa.schema([pa.field('store_id', pa.string(), nullable=False), pa.field('date', pa.date32(), nullable=False),
                    pa.field('sales', pa.float64())])
write_deltalake(sys.argv[1],
                pa.table({'store_id': ['2'], 'date': [datetime.date(2025, 1, 9)], 'sales': [9.0]}, schema=schema),
                mode='append')
print(json.dumps(True))`,
      t,
    );
    const snap = await loadSnapshot(t);
    expect(snap.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(await rows(conn, `SELECT store_id, sales FROM ${await scanSql(conn, t)} s ORDER BY store_id`)).toEqual([
      { store_id: '1', sales: 1.5 },
      { store_id: '2', sales: 9 },
    ]);
  });
});
