// Broken tables fail loudly: each error names the table and the version.

import { appendFileSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, createTable, DeltaError, loadSnapshot, scanSql } from '../src/index.js';
import { tempLake } from './helpers.js';

async function caught(p: Promise<unknown>): Promise<DeltaError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DeltaError);
    return e as DeltaError;
  }
  throw new Error('expected a DeltaError');
}

const { conn, tmp } = await tempLake();

describe('clear errors', () => {
  async function table(name: string): Promise<string> {
    const t = path.join(tmp.dir, name);
    await createTable(conn, t, { columns: [{ name: 'x', type: 'INTEGER', nullable: false }] });
    await append(conn, t, 'SELECT 1 AS x');
    await append(conn, t, 'SELECT 2 AS x');
    return t;
  }

  it('truncated commit', async () => {
    const t = await table('truncated');
    const file = path.join(t, '_delta_log', '00000000000000000002.json');
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    const e = await caught(loadSnapshot(t));
    expect(e.code).toBe('CORRUPT_LOG');
    expect(e.table).toBe(t);
    expect(e.version).toBe(2);
    expect(e.message).toContain(t);
    expect(e.message).toContain('version 2');
    // Time travel to before the damage still works.
    expect((await loadSnapshot(t, { version: 1 })).files).toHaveLength(1);
  });

  it('corrupt commit', async () => {
    const t = await table('corrupt');
    appendFileSync(path.join(t, '_delta_log', '00000000000000000001.json'), '{"add": {"size": 3}}\n');
    const e = await caught(loadSnapshot(t));
    expect([e.code, e.version]).toEqual(['CORRUPT_LOG', 1]);
  });

  it('missing commit in the middle of the log', async () => {
    const t = await table('gap');
    rmSync(path.join(t, '_delta_log', '00000000000000000001.json'));
    const e = await caught(loadSnapshot(t));
    expect([e.code, e.version]).toEqual(['CORRUPT_LOG', 1]);
  });

  it('a log cleaned up behind a checkpoint still loads; older versions are VERSION_NOT_FOUND', async () => {
    const t = path.join(tmp.dir, 'cleaned');
    await createTable(conn, t, {
      columns: [{ name: 'x', type: 'INTEGER' }],
      properties: { 'delta.checkpointInterval': '2' },
    });
    for (const x of [1, 2, 3]) await append(conn, t, `SELECT ${x} AS x`);
    rmSync(path.join(t, '_delta_log', '00000000000000000000.json'));
    rmSync(path.join(t, '_delta_log', '00000000000000000001.json'));
    expect((await loadSnapshot(t)).files).toHaveLength(3);
    expect((await loadSnapshot(t, { version: 2 })).files).toHaveLength(2);
    const e = await caught(loadSnapshot(t, { version: 1 }));
    expect([e.code, e.version]).toEqual(['VERSION_NOT_FOUND', 1]);
  });

  it('missing data file', async () => {
    const t = await table('missing');
    const snap = await loadSnapshot(t);
    const lost = snap.files.find((f) => f.addedIn === 2)!;
    rmSync(path.join(t, lost.path));
    const e = await caught(scanSql(conn, t));
    expect([e.code, e.version]).toEqual(['MISSING_FILE', 2]);
    expect(e.message).toContain(lost.path);
  });

  it('unknown protocol features are refused', async () => {
    const t = await table('features');
    writeFileSync(
      path.join(t, '_delta_log', '00000000000000000003.json'),
      JSON.stringify({
        protocol: {
          minReaderVersion: 3,
          minWriterVersion: 7,
          readerFeatures: ['v2Checkpoint'],
          writerFeatures: ['v2Checkpoint'],
        },
      }) + '\n',
    );
    const e = await caught(loadSnapshot(t));
    expect([e.code, e.version]).toEqual(['UNSUPPORTED_FEATURE', 3]);
    expect(e.message).toContain('v2Checkpoint');
    expect((await loadSnapshot(t, { version: 2 })).version).toBe(2);

    const t2 = await table('writer-feature');
    writeFileSync(
      path.join(t2, '_delta_log', '00000000000000000003.json'),
      JSON.stringify({ protocol: { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['rowTracking'] } }) +
        '\n',
    );
    expect((await loadSnapshot(t2)).version).toBe(3); // readable
    const w = await caught(append(conn, t2, 'SELECT 3 AS x'));
    expect([w.code, w.version]).toEqual(['UNSUPPORTED_FEATURE', 3]);
    expect(w.message).toContain('rowTracking');

    const t3 = await table('column-mapping');
    const meta = JSON.parse(
      readFileSync(path.join(t3, '_delta_log', '00000000000000000000.json'), 'utf8')
        .split('\n')
        .find((l) => l.includes('metaData'))!,
    );
    meta.metaData.configuration['delta.columnMapping.mode'] = 'name';
    writeFileSync(path.join(t3, '_delta_log', '00000000000000000003.json'), JSON.stringify(meta) + '\n');
    expect((await caught(loadSnapshot(t3))).code).toBe('UNSUPPORTED_FEATURE');
  });

  it('bad input: unknown table, schema mismatch, NULL in a non-nullable column, bad version', async () => {
    const t = await table('inputs');
    expect((await caught(loadSnapshot(path.join(tmp.dir, 'nope')))).code).toBe('TABLE_NOT_FOUND');
    expect((await caught(append(conn, t, 'SELECT 1 AS y'))).code).toBe('SCHEMA_MISMATCH');
    expect((await caught(append(conn, t, 'SELECT NULL::INTEGER AS x'))).code).toBe('NULL_IN_NON_NULLABLE');
    expect((await caught(loadSnapshot(t, { version: 9 }))).code).toBe('VERSION_NOT_FOUND');
    expect((await caught(createTable(conn, t, { columns: [{ name: 'x', type: 'INTEGER' }] }))).code).toBe(
      'TABLE_EXISTS',
    );
    expect((await loadSnapshot(t)).version).toBe(2); // nothing was committed by the failures
    mkdirSync(path.join(tmp.dir, 'empty-dir'));
    expect((await caught(loadSnapshot(path.join(tmp.dir, 'empty-dir')))).code).toBe('TABLE_NOT_FOUND');
  });
});
