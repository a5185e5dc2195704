// Deletion vectors (issue 13): the format against the protocol's own examples, and a merge that marks a
// few matched rows deleted instead of copying the file, read the same by our reader and by delta-rs
// (its DataFusion reader, which honours DVs) at every version, through a checkpoint, OPTIMIZE and VACUUM.

import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  append,
  checkpoint,
  createTable,
  deleteWhere,
  history,
  liveRecords,
  loadSnapshot,
  merge,
  optimize,
  scanSql,
  vacuum,
} from '../src/index.js';
import { dvRelativePath, readDeletedRows, writeDeletionVectors } from '../src/deletion-vectors/descriptor.js';
import { deserializeRowIndexes, serializeRowIndexes } from '../src/deletion-vectors/roaring.js';
import { z85Decode, z85Encode } from '../src/deletion-vectors/z85.js';
import type { ActiveFile } from '../src/log/replay.js';
import { planBins } from '../src/operations/optimize.js';
import { LocalStorage } from '../src/storage/local.js';
import { findConflict } from '../src/transaction/conflict.js';
import { protocolUpgrade } from '../src/transaction/protocol.js';
import { useOracle } from '../../../test-support/oracles.js';
import { python, rows, tempLake } from './helpers.js';

const deltaRs = await useOracle('delta-rs');

const COLS = [
  { name: 'store_id', type: 'VARCHAR' as const, nullable: false },
  { name: 'date', type: 'DATE' as const, nullable: false },
  { name: 'sales', type: 'DOUBLE' as const },
];
// 40 stores x 500 days, clustered, in files of 5,000 rows.
const TARGET = `SELECT (range % 40)::VARCHAR AS store_id, DATE '2024-01-01' + (range // 40)::INTEGER AS date,
  range::DOUBLE AS sales FROM range(20000)`;

const { conn, tmp } = await tempLake();

describe('deletion vector format', () => {
  it('reads the protocol examples: the inline DV and the relative path with a random prefix', () => {
    const inline = z85Decode('wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L');
    expect(deserializeRowIndexes(inline.subarray(0, 40))).toEqual([3, 4, 7, 11, 18, 29]);
    const dv = { storageType: 'u' as const, pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', sizeInBytes: 40, cardinality: 6 };
    expect(dvRelativePath(dv)).toBe('ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin');
    expect(z85Encode(z85Decode('HelloWorld'))).toBe('HelloWorld');
  });

  it('round-trips array and bitmap containers, several containers and buckets above 2^32', () => {
    const dense = Array.from({ length: 6000 }, (_, i) => 70_000 + i); // one container over 4,096 values
    const rowsIn = [0, 1, 65_535, 65_536, ...dense, 2 ** 32 + 5, 3 * 2 ** 32 + 1];
    const bytes = serializeRowIndexes(rowsIn);
    expect(bytes.readInt32LE(0)).toBe(1681511377);
    expect(deserializeRowIndexes(bytes)).toEqual(rowsIn);
    expect(() => serializeRowIndexes([3, 2])).toThrow(RangeError);
  });

  it('writes DV files with offsets and checksums, and refuses a corrupt one', async () => {
    const storage = new LocalStorage(tmp.dir);
    const { file, descriptors } = await writeDeletionVectors(storage, [
      [1, 5, 9],
      [0, 100_000],
    ]);
    expect(file).toMatch(/^deletion_vector_[0-9a-f-]{36}\.bin$/);
    expect(descriptors.map((d) => [d.offset, d.cardinality])).toEqual([
      [1, 3],
      [1 + 8 + descriptors[0]!.sizeInBytes, 2],
    ]);
    expect(await readDeletedRows(storage, 't', 0, 'a.parquet', descriptors[1]!)).toEqual([0, 100_000]);
    const body = readFileSync(path.join(tmp.dir, file));
    body[descriptors[1]!.offset! + 6]! ^= 0xff;
    writeFileSync(path.join(tmp.dir, file), body);
    await expect(readDeletedRows(storage, 't', 0, 'a.parquet', descriptors[1]!)).rejects.toMatchObject({
      code: 'CORRUPT_LOG',
      message: expect.stringContaining('CRC-32'),
    });
    expect(await readDeletedRows(storage, 't', 0, 'a.parquet', descriptors[0]!)).toEqual([1, 5, 9]);
  });
});

describe('merge with deletion vectors', () => {
  const ours = async (t: string, version?: number) =>
    (
      await rows(
        conn,
        `SELECT store_id, date::VARCHAR AS d, sales FROM ${await scanSql(conn, t, { version })} x ORDER BY store_id, d`,
      )
    ).map((r) => [r['store_id'], r['d'], r['sales']]);

  /** delta-rs through its DataFusion reader (its pyarrow path refuses reader feature deletionVectors). */
  const theirsAt = (t: string, versions: readonly number[]) =>
    python<unknown[][][]>(
      `import sys, json
import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder
out = []
for v in json.loads(sys.argv[2]):
    dt = DeltaTable(sys.argv[1], version=v)
    q = 'select store_id, cast(date as varchar) d, sales from t order by store_id, d'
    r = QueryBuilder().register('t', dt).execute(q)
    out.append([[x['store_id'], x['d'], x['sales']] for x in pa.table(r.read_all()).to_pylist()])
print(json.dumps(out))`,
      t,
      JSON.stringify(versions),
    );
  const theirs = async (t: string, version: number) => (await theirsAt(t, [version]))[0];
  /** Our reader and delta-rs agree at every version from 1 to `latest`. */
  const agreeAtEveryVersion = async (t: string, latest: number) => {
    const versions = Array.from({ length: latest }, (_, i) => i + 1);
    const all = await theirsAt(t, versions);
    for (const v of versions) expect(all[v - 1]).toEqual(await ours(t, v));
  };

  const upsert = (k: number, stores: readonly number[], day: string) =>
    stores
      .map((s) => `SELECT '${s}' AS store_id, DATE '${day}' AS date, ${-k * 1000 - s}::DOUBLE AS sales`)
      .join(' UNION ALL ');

  it('marks few matched rows in a DV (upgrading the protocol in that commit) and every reader agrees', async () => {
    const t = path.join(tmp.dir, 'merge');
    await createTable(conn, t, {
      columns: COLS,
      clusterBy: ['store_id', 'date'],
      properties: { 'delta.checkpointInterval': '3' },
    });
    await append(conn, t, TARGET, { maxRowsPerFile: 5000 });
    const v1 = await loadSnapshot(t);
    expect(v1.protocol.minReaderVersion).toBe(1);
    // The plain-SQL meaning of every operation below, to compare the table with.
    await conn.run(`CREATE OR REPLACE TABLE model AS ${TARGET}`);
    const upsertBoth = async (source: string, opts: { enableDeletionVectors?: boolean } = {}) => {
      await conn.run(`CREATE OR REPLACE TEMP TABLE src AS ${source}`);
      await conn.run(`DELETE FROM model WHERE (store_id, date) IN (SELECT (store_id, date) FROM src)`);
      await conn.run(`INSERT INTO model SELECT store_id, date, sales FROM src`);
      return merge(conn, t, 'SELECT * FROM src', { on: ['store_id', 'date'], ...opts });
    };
    /** `n` rows of a data file (from row `from`), with new sales. */
    const rowsOf = (f: ActiveFile, from: number, n: number) =>
      `(SELECT store_id, date, -1000 - sales AS sales FROM read_parquet('${path.join(t, f.path)}')
       LIMIT ${n} OFFSET ${from})`;

    // Two matched rows of one 5,000-row file, plus an insert: a DV, no copy.
    const a = v1.files[0]!;
    const r2 = await upsertBoth(`${rowsOf(a, 10, 2)} UNION ALL SELECT '99', DATE '2024-01-01', 5.0`, {
      enableDeletionVectors: true,
    });
    expect(r2.metrics).toMatchObject({ numDeletionVectorsAdded: 1, numTargetFilesRemoved: 0, numTargetRowsCopied: 0 });
    const v2 = await loadSnapshot(t);
    expect(v2.protocol).toMatchObject({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors'],
    });
    expect(v2.protocol.writerFeatures).toContain('deletionVectors');
    expect(v2.properties['delta.enableDeletionVectors']).toBe('true');
    const marked = v2.files.filter((f) => f.dv);
    expect(marked.map((f) => [f.path, f.dv!.cardinality])).toEqual([[a.path, 2]]); // the same Parquet file
    expect(JSON.parse(marked[0]!.add.stats!)).toMatchObject({ numRecords: 5000, tightBounds: false });

    // The same file again: its DV grows, the old rows stay deleted.
    await upsertBoth(rowsOf(a, 20, 3));
    const v3 = await loadSnapshot(t);
    expect(v3.files.filter((f) => f.dv).map((f) => [f.path, f.dv!.cardinality])).toEqual([[a.path, 5]]);
    // A delete copies the file without its DV rows and the deleted one.
    await conn.run(`CREATE OR REPLACE TEMP TABLE gone AS ${rowsOf(a, 30, 1)}`);
    const [g] = await rows(conn, `SELECT store_id, date::VARCHAR AS d FROM gone`);
    const where = `store_id = '${String(g!['store_id'])}' AND date = DATE '${String(g!['d'])}'`;
    await conn.run(`DELETE FROM model WHERE ${where}`);
    await deleteWhere(conn, t, where);
    expect((await loadSnapshot(t)).files.some((f) => f.dv)).toBe(false);
    // A DV on another file, then a merge matching over a tenth of it: copied without its DV rows.
    const b = v1.files[1]!;
    await upsertBoth(rowsOf(b, 0, 1));
    expect((await loadSnapshot(t)).files.filter((f) => f.dv).map((f) => f.path)).toEqual([b.path]);
    const r6 = await upsertBoth(rowsOf(b, 1000, 600));
    expect(r6.metrics).toMatchObject({ numDeletionVectorsAdded: 0, numDeletionVectorsRemoved: 1 });
    expect(r6.metrics['numTargetFilesRemoved']).toBeGreaterThan(0);
    // And one more DV, for the checkpoint and OPTIMIZE below.
    await upsertBoth(rowsOf(v1.files[2]!, 7, 1));

    const model = async () =>
      (await rows(conn, `SELECT store_id, date::VARCHAR AS d, sales FROM model ORDER BY store_id, d`)).map((r) => [
        r['store_id'],
        r['d'],
        r['sales'],
      ]);
    const snap = await loadSnapshot(t);
    const latest = snap.version;
    expect(await ours(t)).toEqual(await model());
    // Row counts from the log (what `cvc lake describe` shows): Parquet rows minus each DV's cardinality.
    expect(snap.files.reduce((n, f) => n + liveRecords(f), 0)).toBe((await model()).length);
    expect(readdirSync(path.join(t, '_delta_log')).some((f) => f.endsWith('.checkpoint.parquet'))).toBe(true);
    if (deltaRs) await agreeAtEveryVersion(t, latest);

    // Through a checkpoint (the deletionVector struct), then OPTIMIZE rewriting every file: DVs are gone.
    await checkpoint(conn, t);
    expect((await loadSnapshot(t)).files.filter((f) => f.dv)).toHaveLength(1);
    expect(await ours(t)).toEqual(await model());
    await optimize(conn, t, { targetRowsPerFile: 1_000_000 });
    const optimized = await loadSnapshot(t);
    expect(optimized.files.some((f) => f.dv)).toBe(false);
    expect(await ours(t)).toEqual(await model());
    if (deltaRs) expect(await theirs(t, optimized.version)).toEqual(await model());

    // VACUUM keeps the DV files retained versions need; at zero retention only the live ones (none now).
    const dvFiles = () => readdirSync(t).filter((f) => f.startsWith('deletion_vector_'));
    const written = dvFiles().length;
    expect(written).toBe(4);
    await vacuum(t);
    expect(dvFiles()).toHaveLength(written);
    if (deltaRs) await agreeAtEveryVersion(t, optimized.version);
    const dry = await vacuum(t, { retentionHours: 0, enforceRetention: false, dryRun: true });
    expect(dry.deleted.filter((f) => f.startsWith('deletion_vector_'))).toHaveLength(written);
    await vacuum(t, { retentionHours: 0, enforceRetention: false });
    expect(dvFiles()).toHaveLength(0);
    expect(await ours(t)).toEqual(await model());
    if (deltaRs) expect(await theirs(t, optimized.version)).toEqual(await model());
    expect((await history(t)).map((h) => h.operation)).toContain('OPTIMIZE');
  }, 180_000);

  it('vacuum at zero retention keeps the DV file of the live version and drops the replaced one', async () => {
    const t = path.join(tmp.dir, 'vacuum');
    await createTable(conn, t, {
      columns: COLS,
      clusterBy: ['store_id', 'date'],
      properties: { 'delta.enableDeletionVectors': 'true' },
    });
    expect((await loadSnapshot(t)).protocol.readerFeatures).toEqual(['deletionVectors']);
    await append(conn, t, TARGET, { maxRowsPerFile: 5000 });
    await merge(conn, t, upsert(1, [3], '2024-01-05'), { on: ['store_id', 'date'] });
    await merge(conn, t, upsert(2, [4], '2024-01-05'), { on: ['store_id', 'date'] });
    const live = (await loadSnapshot(t)).files.filter((f) => f.dv);
    expect(live.map((f) => f.dv!.cardinality)).toEqual([2]);
    const r = await vacuum(t, { retentionHours: 0, enforceRetention: false });
    expect(r.deleted.filter((f) => f.startsWith('deletion_vector_'))).toHaveLength(1);
    expect(readdirSync(t).filter((f) => f.startsWith('deletion_vector_'))).toEqual([dvRelativePath(live[0]!.dv!)]);
    const n = await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, t)} x`);
    expect(n[0]!['n']).toBe(20000);
    if (deltaRs) expect(await theirs(t, (await loadSnapshot(t)).version)).toEqual(await ours(t));
  }, 60_000);

  it("reads a DV at an absolute path ('p', as other engines write it) and merges on top of it", async () => {
    const t = path.join(tmp.dir, 'absolute');
    await createTable(conn, t, {
      columns: COLS,
      clusterBy: ['store_id', 'date'],
      properties: { 'delta.enableDeletionVectors': 'true' },
    });
    await append(conn, t, TARGET, { maxRowsPerFile: 5000 });
    await merge(conn, t, upsert(1, [3, 5], '2024-01-05'), { on: ['store_id', 'date'] });
    const expected = await ours(t);
    // The PROTOCOL.md 'p' descriptor: pathOrInlineDv is the absolute path of the DV file, as a URI. The
    // table's DV file moves outside it (a name of another shape, a folder name that needs escaping) and
    // the commit points at it, as a file: URI.
    const snap = await loadSnapshot(t);
    const marked = snap.files.find((f) => f.dv)!;
    const outside = path.join(tmp.dir, 'dv store', 'moved.bin');
    mkdirSync(path.dirname(outside));
    renameSync(path.join(t, dvRelativePath(marked.dv!)!), outside);
    const commit = path.join(t, '_delta_log', `${String(snap.version).padStart(20, '0')}.json`);
    const uri = pathToFileURL(outside).href;
    const lines = readFileSync(commit, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    for (const l of lines)
      if (l['add']?.deletionVector) Object.assign(l['add'].deletionVector, { storageType: 'p', pathOrInlineDv: uri });
    writeFileSync(commit, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect((await loadSnapshot(t)).files.find((f) => f.dv)!.dv).toMatchObject({
      storageType: 'p',
      pathOrInlineDv: uri,
    });
    expect(uri).toContain('dv%20store');
    expect(await ours(t)).toEqual(expected);
    if (deltaRs) expect(await theirs(t, snap.version)).toEqual(expected);
    // A merge into the same file reads the old DV from there and writes the union to a DV file of the table.
    await merge(conn, t, upsert(2, [3, 7], '2024-01-05'), { on: ['store_id', 'date'] });
    const after = (await loadSnapshot(t)).files.find((f) => f.path === marked.path)!;
    expect(after.dv).toMatchObject({ storageType: 'u', cardinality: 3 });
    expect(await rows(conn, `SELECT count(*)::INTEGER AS n FROM ${await scanSql(conn, t)} x`)).toEqual([{ n: 20000 }]);
    // Another scheme (an object store that is not the table's) is refused, naming the DV.
    lines.forEach((l) => l['add']?.deletionVector && (l['add'].deletionVector.pathOrInlineDv = 's3://bucket/dv.bin'));
    writeFileSync(commit, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    await expect(scanSql(conn, t, { version: snap.version })).rejects.toMatchObject({
      code: 'UNSUPPORTED_FEATURE',
      message: expect.stringContaining('s3://bucket/dv.bin'),
    });
  }, 60_000);
});

describe('deletion vectors in planning and conflicts', () => {
  const file = (p: string, rowsIn: number, cardinality?: number): ActiveFile => ({
    path: p,
    size: rowsIn * 10,
    add: { path: p, partitionValues: {}, size: rowsIn * 10, modificationTime: 0, dataChange: true },
    stats: { numRecords: rowsIn, minValues: { k: p }, maxValues: { k: p }, nullCount: {} },
    dv:
      cardinality === undefined
        ? undefined
        : { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 1, sizeInBytes: 8, cardinality },
    addedIn: 0,
  });

  it('turning DVs on moves a table to reader 3 / writer 7, every reader feature a writer feature too', () => {
    const metadata = {
      id: 'x',
      format: { provider: 'parquet' },
      schemaString: JSON.stringify({ type: 'struct', fields: [] }),
      partitionColumns: [],
      configuration: { 'delta.enableDeletionVectors': 'true' },
    };
    expect(protocolUpgrade({ minReaderVersion: 1, minWriterVersion: 2 }, metadata, [])).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors'],
      writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'],
    });
    const fromV2 = protocolUpgrade({ minReaderVersion: 2, minWriterVersion: 2 }, metadata, [])!;
    expect(fromV2.readerFeatures).toEqual(['columnMapping', 'deletionVectors']);
    expect(fromV2.writerFeatures).toEqual(expect.arrayContaining(['columnMapping', 'deletionVectors']));
    const done = { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'] };
    expect(protocolUpgrade({ ...done, writerFeatures: ['deletionVectors'] }, metadata, [])).toBeUndefined();
  });

  it('OPTIMIZE rewrites a full-size file once its DV hides more than a tenth of its rows', () => {
    const bins = planBins([file('a', 1000, 50), file('b', 1000, 150), file('c', 1000)], [], 1000);
    expect(bins.map((b) => b.map((f) => f.path))).toEqual([['b']]);
  });

  it('a DV commit conflicts with an operation that read the file, not with a blind append', () => {
    const dv = { storageType: 'u' as const, pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', sizeInBytes: 8, cardinality: 1 };
    const winner = [
      { remove: { path: 'a.parquet', dataChange: true, deletionTimestamp: 0 } },
      {
        add: {
          path: 'a.parquet',
          partitionValues: {},
          size: 1,
          modificationTime: 0,
          dataChange: true,
          deletionVector: dv,
        },
      },
    ];
    const scope = {
      readPaths: ['a.parquet'],
      removedPaths: ['a.parquet'],
      readsAllData: false,
      appIds: [],
      domains: [],
    };
    expect(findConflict(scope, winner)).toMatch(/removed file a\.parquet/);
    expect(findConflict({ ...scope, readPaths: [], removedPaths: [] }, winner)).toBeUndefined();
  });
});
