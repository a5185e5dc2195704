// The conflict check: which concurrent commits force a re-run, and which are retried transparently.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { append, createTable, DeltaError, deleteWhere, loadSnapshot, optimize } from '../src/index.js';
import { LocalStorage } from '../src/storage/local.js';
import { commit, type PreparedCommit } from '../src/transaction/commit.js';
import { findConflict, type ConflictScope } from '../src/transaction/conflict.js';
import { connect, tempDir } from './helpers.js';

const blind: ConflictScope = { readPaths: [], removedPaths: [], readsAllData: false, appIds: [], domains: [] };
const add = (p: string, dataChange = true) => ({
  add: { path: p, partitionValues: {}, size: 1, modificationTime: 0, dataChange },
});
const remove = (p: string) => ({ remove: { path: p, dataChange: true, deletionTimestamp: 0 } });

describe('findConflict', () => {
  it('two appends do not conflict', () => {
    expect(findConflict(blind, [add('a')])).toBeUndefined();
  });
  it('a merge whose files were removed does', () => {
    const mergeScope = { ...blind, readPaths: ['f1', 'f2'], removedPaths: ['f1'], readsAllData: true };
    expect(findConflict(mergeScope, [remove('f2')])).toMatch(/removed file f2 that this operation read/);
    expect(findConflict(mergeScope, [remove('f1')])).toMatch(/already removed file f1/);
    expect(findConflict(mergeScope, [add('new')])).toMatch(/added data/);
  });
  it('optimize tolerates concurrent appends but not concurrent removal of its inputs', () => {
    const opt = { ...blind, readPaths: ['f1'], removedPaths: ['f1'] };
    expect(findConflict(opt, [add('new')])).toBeUndefined();
    expect(findConflict(opt, [remove('f1')])).toBe('a concurrent commit already removed file f1');
    expect(findConflict(blind, [add('x', false), remove('old')])).toBeUndefined(); // an optimize winning over an append
  });
  it('a properties-only change does not stop a blind append; a schema change does', () => {
    const meta = (schemaString: string) => ({
      metaData: {
        id: 'x',
        format: { provider: 'parquet' },
        schemaString,
        partitionColumns: [],
        configuration: { a: '1' },
      },
    });
    expect(findConflict({ ...blind, blindAppendSchema: 'S' }, [meta('S')])).toBeUndefined();
    expect(findConflict({ ...blind, blindAppendSchema: 'S' }, [meta('S2')])).toBe(
      'a concurrent commit changed the table metadata (schema or properties)',
    );
  });
  it('metadata and protocol changes conflict with everything', () => {
    const metaData = {
      id: 'x',
      format: { provider: 'parquet' },
      schemaString: '{}',
      partitionColumns: [],
      configuration: {},
    };
    expect(findConflict(blind, [{ metaData }])).toBe(
      'a concurrent commit changed the table metadata (schema or properties)',
    );
    expect(findConflict(blind, [{ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }])).toBe(
      'a concurrent commit changed the protocol',
    );
    // The same protocol written by both (an old table upgraded in passing) is not a conflict.
    const same = { minReaderVersion: 1, minWriterVersion: 2 };
    expect(findConflict(blind, [{ protocol: same }], same)).toBeUndefined();
  });
  it('application transactions and metadata domains conflict only when ours', () => {
    const scope = { ...blind, appIds: ['ingest'], domains: ['delta.clustering'] };
    const txn = (appId: string) => ({ txn: { appId, version: 1 } });
    const domain = (d: string) => ({ domainMetadata: { domain: d, configuration: '{}', removed: false } });
    expect(findConflict(scope, [txn('other')])).toBeUndefined();
    expect(findConflict(scope, [txn('ingest')])).toBe('a concurrent commit used application transaction ingest');
    expect(findConflict(scope, [domain('other')])).toBeUndefined();
    expect(findConflict(scope, [domain('delta.clustering')])).toBe(
      'a concurrent commit changed metadata domain delta.clustering',
    );
  });
});

describe('commit retries', () => {
  let conn: DuckDBConnection;
  const tmp = tempDir();
  beforeAll(async () => {
    conn = await connect();
  });
  afterAll(() => tmp.cleanup());

  async function table(name: string): Promise<string> {
    const t = path.join(tmp.dir, name);
    await createTable(conn, t, { columns: [{ name: 'x', type: 'INTEGER' }] });
    await append(conn, t, 'SELECT 1 AS x');
    await append(conn, t, 'SELECT 2 AS x');
    return t;
  }

  function stale(readVersion: number, scope: ConflictScope, actions: PreparedCommit['actions'] = []): PreparedCommit {
    return {
      operation: 'TEST',
      operationParameters: {},
      metrics: {},
      actions,
      readVersion,
      isBlindAppend: false,
      scope,
      checkpointInterval: 100,
    };
  }

  it('a blind append planned on an old version lands after the winners', async () => {
    const t = await table('rebase');
    const r = await commit(new LocalStorage(t), t, stale(0, blind));
    expect(r.version).toBe(3);
  });

  it('an operation whose files were removed by a winner fails with CONFLICT naming table and version', async () => {
    const t = await table('conflict');
    const snap1 = await loadSnapshot(t, { version: 1 });
    const file = snap1.files[0]!.path;
    await deleteWhere(conn, t, 'x = 1'); // version 3 removes the version-1 file
    const e = await commit(
      new LocalStorage(t),
      t,
      stale(2, { ...blind, readPaths: [file], removedPaths: [file], readsAllData: true }),
    ).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeltaError);
    expect((e as DeltaError).code).toBe('CONFLICT');
    expect((e as DeltaError).version).toBe(3);
    expect((e as DeltaError).message).toContain(t);
  });

  it('gives up with a clear error after maxRetries', async () => {
    const t = await table('give-up');
    const e = await commit(new LocalStorage(t), t, stale(0, blind), { maxRetries: 0 }).catch((x: unknown) => x);
    expect((e as DeltaError).code).toBe('CONFLICT');
    expect((e as DeltaError).message).toMatch(/gave up after 1 attempts/);
  });

  it('two creators with ifNotExists both succeed on one table', async () => {
    const t = path.join(tmp.dir, 'create-race');
    const cols = { columns: [{ name: 'x', type: 'INTEGER' as const }], ifNotExists: true };
    const results = await Promise.all([
      createTable(conn, t, cols),
      createTable(conn, t, cols),
      createTable(conn, t, cols),
    ]);
    expect(results.map((r) => r.version)).toEqual([0, 0, 0]);
  });

  it('optimize and appends racing in one process all land', async () => {
    const t = await table('race');
    await Promise.all([optimize(conn, t), ...[3, 4, 5].map((x) => append(conn, t, `SELECT ${x} AS x`))]);
    const snap = await loadSnapshot(t);
    expect(snap.version).toBe(6);
  });
});
