// The conflict check: which concurrent commits force a re-run, and which are retried transparently.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, createTable, DeltaError, deleteWhere, loadSnapshot, optimize, replaceWhere } from '../src/index.js';
import { LocalStorage } from '../src/storage/local.js';
import { commit, type PreparedCommit } from '../src/transaction/commit.js';
import { findConflict, type ConflictScope } from '../src/transaction/conflict.js';
import type { SchemaField } from '../src/schema.js';
import { tempLake } from './helpers.js';

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
  it('a predicate-scoped read conflicts only with added files whose stats or partitions could match it', () => {
    const shard: SchemaField = { name: 'shard', deltaType: 'integer', nullable: true, sqlType: 'INTEGER' };
    const run: SchemaField = { name: 'run_id', deltaType: 'string', nullable: true, sqlType: 'VARCHAR' };
    const scoped = {
      ...blind,
      readsAllData: true,
      readPredicate: [
        [run, 'r1'],
        [shard, 2],
      ] as const,
    };
    const withStats = (p: string, lo: number, hi: number, runId = 'r1') => ({
      add: {
        ...add(p).add,
        stats: JSON.stringify({
          numRecords: 3,
          minValues: { shard: lo, run_id: runId },
          maxValues: { shard: hi, run_id: runId },
          nullCount: { shard: 0, run_id: 0 },
        }),
      },
    });
    expect(findConflict(scoped, [withStats('s1', 1, 1)])).toBeUndefined();
    expect(findConflict(scoped, [withStats('s3', 3, 4)])).toBeUndefined();
    expect(findConflict(scoped, [withStats('r2', 2, 2, 'r2')])).toBeUndefined();
    expect(findConflict(scoped, [withStats('s2', 2, 2)])).toMatch(/added data \(s2\)/);
    expect(findConflict(scoped, [withStats('s13', 1, 3)])).toMatch(/added data/);
    expect(findConflict(scoped, [add('nostats')])).toMatch(/added data/); // no stats: may match
    const part = (v: string) => ({ add: { ...add(`p${v}`).add, partitionValues: { shard: v } } });
    expect(findConflict(scoped, [part('1')])).toBeUndefined();
    expect(findConflict(scoped, [part('2')])).toMatch(/added data/);
    // Without a recorded predicate every added file conflicts, as before.
    expect(findConflict({ ...blind, readsAllData: true }, [withStats('s1', 1, 1)])).toMatch(/added data/);
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

const { conn, tmp } = await tempLake();

describe('commit retries', () => {
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

  it('replaceWhere writers scoped to different shards all land; the same shard conflicts', async () => {
    const t = path.join(tmp.dir, 'shards');
    const cols = [
      { name: 'run_id', type: 'VARCHAR' as const },
      { name: 'shard', type: 'INTEGER' as const },
      { name: 'x', type: 'INTEGER' as const },
    ];
    await createTable(conn, t, { columns: cols });
    await append(conn, t, `SELECT 'r0' AS run_id, 0 AS shard, 0 AS x`);
    const write = (s: number, x: number) =>
      replaceWhere(conn, t, { run_id: 'r1', shard: s }, `SELECT 'r1' AS run_id, ${s} AS shard, ${x} AS x`);
    // Every writer plans on the same version, then they race for the next ones.
    const done = await Promise.all([1, 2, 3, 4].map((s) => write(s, s * 10)));
    expect(done.map((r) => r.version).sort()).toEqual([2, 3, 4, 5]);
    // A rerun of one shard replaces only its own rows.
    await write(3, 33);
    const snap = await loadSnapshot(t);
    const files = snap.files.map((f) => `'${path.join(t, f.path)}'`).join(', ');
    const got = await conn.runAndReadAll(`SELECT shard, x FROM read_parquet([${files}]) ORDER BY shard`);
    expect(got.getRows()).toEqual([
      [0, 0],
      [1, 10],
      [2, 20],
      [3, 33],
      [4, 40],
    ]);
    // Two writers of the same shard: the loser's predicate matches the winner's new file.
    const same = await Promise.allSettled([write(2, 21), write(2, 22)]);
    const lost = same.filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect(((lost[0] as PromiseRejectedResult).reason as DeltaError).code).toBe('CONFLICT');
  });

  it('replaceWhere on interleaved store-id sets: stats overlap, rows do not, so all land; reruns too', async () => {
    const t = path.join(tmp.dir, 'store-sets');
    const cols = [
      { name: 'day', type: 'INTEGER' as const },
      { name: 'store_id', type: 'VARCHAR' as const },
      { name: 'x', type: 'INTEGER' as const },
    ];
    await createTable(conn, t, { columns: cols });
    await append(conn, t, `SELECT 0 AS day, 'S1' AS store_id, 0 AS x`);
    // Shard s owns S<s>, S<s+4>: every shard's file spans S1..S8 in its min/max stats.
    const stores = (s: number) => [`S${s}`, `S${s + 4}`];
    const write = (s: number, x: number) =>
      replaceWhere(
        conn,
        t,
        `day = 1 AND store_id IN (${stores(s)
          .map((id) => `'${id}'`)
          .join(', ')})`,
        `SELECT 1 AS day, unnest([${stores(s)
          .map((id) => `'${id}'`)
          .join(', ')}]) AS store_id, ${x} AS x`,
      );
    const rows = async () => {
      const snap = await loadSnapshot(t);
      const files = snap.files.map((f) => `'${path.join(t, f.path)}'`).join(', ');
      const got = await conn.runAndReadAll(
        `SELECT store_id, x FROM read_parquet([${files}]) WHERE day = 1 ORDER BY store_id`,
      );
      return got.getRows();
    };
    await Promise.all([1, 2, 3, 4].map((s) => write(s, s)));
    expect(await rows()).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => [`S${i}`, ((i - 1) % 4) + 1]));
    // Every shard reruns at once: each replaces only its own rows (each removes only its own old file).
    await Promise.all([1, 2, 3, 4].map((s) => write(s, 10 * s)));
    expect(await rows()).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((i) => [`S${i}`, 10 * (((i - 1) % 4) + 1)]));
    // Two runs of the same shard still conflict: the winner added rows the loser's predicate selects.
    const same = await Promise.allSettled([write(2, 21), write(2, 22)]);
    const lost = same.filter((r) => r.status === 'rejected');
    expect(lost).toHaveLength(1);
    expect(((lost[0] as PromiseRejectedResult).reason as DeltaError).code).toBe('CONFLICT');
  });

  it('optimize and appends racing in one process all land', async () => {
    const t = await table('race');
    await Promise.all([optimize(conn, t), ...[3, 4, 5].map((x) => append(conn, t, `SELECT ${x} AS x`))]);
    const snap = await loadSnapshot(t);
    expect(snap.version).toBe(6);
  });
});
