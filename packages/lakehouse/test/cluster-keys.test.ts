// Clustering order by the keys' types (issue 13). Numeric keys are ordered as numbers, also when
// OPTIMIZE groups files into bins. A VARCHAR key holding numbers keeps text order on purpose: Delta's
// min/max stats on a string column compare text, so a file holding stores 1..1000 in numeric order
// would carry the text range '1'..'999' and no one-store read could skip it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { append, createTable, loadSnapshot, overwrite, scanSql } from '../src/index.js';
import type { ActiveFile } from '../src/log/replay.js';
import { planBins } from '../src/operations/optimize.js';
import { clusterOrder } from '../src/files/cluster-order.js';
import { tempLake } from './helpers.js';

function file(name: string, min: unknown, rows: number): ActiveFile {
  return {
    path: name,
    size: rows * 10,
    addedIn: 0,
    add: { path: name, partitionValues: {}, size: rows * 10, modificationTime: 0, dataChange: true },
    stats: { numRecords: rows, minValues: { k: min }, maxValues: { k: min }, nullCount: {} },
  } as unknown as ActiveFile;
}

const { conn, tmp } = await tempLake();

describe('clustering keys by type', () => {
  it('OPTIMIZE bins neighbouring files of a numeric key by number, not by text', () => {
    const files = [file('a', 10, 10), file('b', 9, 10), file('c', 2, 10), file('d', 11, 10), file('e', 100, 10)];
    // Unclustered files are all rewritten; two of 10 rows fill a bin of 20: 2 with 9, 10 with 11, then
    // 100 (in text order it would be 10 with 100 and 11 with 2).
    expect(planBins(files, ['k'], 20).map((b) => b.map((f) => f.path))).toEqual([['c', 'b'], ['a', 'd'], ['e']]);
  });

  it("a text key holding numbers is clustered in text order, so one store's read skips the other files", async () => {
    const t = path.join(tmp.dir, 'stores');
    const columns = [
      { name: 'store_id', type: 'VARCHAR' as const },
      { name: 'v', type: 'DOUBLE' as const },
    ];
    await createTable(conn, t, { columns, clusterBy: ['store_id'] });
    await append(conn, t, `SELECT (1 + range)::VARCHAR AS store_id, 0.0 AS v FROM range(2000)`, {
      maxRowsPerFile: 1000,
    });
    const files = (await loadSnapshot(t)).files;
    expect(files).toHaveLength(2);
    for (const store of ['17', '2', '1500', '999']) {
      const sql = await scanSql(conn, t, { filters: { store_id: store } });
      expect((sql.match(/part-/g) ?? []).length).toBe(1);
    }
  });

  it("a Z value interleaves the bits of each key's scaled rank (3 keys, ties and NULLs)", async () => {
    // Reference in plain JS: rank each key's distinct values (NULLs last), scale to 21 bits, then
    // bit b of key i goes to position b * keys + (keys - 1 - i).
    const rows = Array.from({ length: 60 }, (_, i) => ({
      a: i % 7 === 0 ? null : (i * 37) % 11,
      b: `s${(i * 13) % 5}`,
      c: i % 9 === 0 ? null : 1000 - ((i * 7) % 23),
    }));
    const lit = (v: unknown) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));
    const values = rows.map((r) => `(${lit(r.a)}::INTEGER, ${lit(r.b)}, ${lit(r.c)}::BIGINT)`).join(', ');
    const src = `SELECT * FROM (VALUES ${values}) t(a, b, c)`;
    const order = clusterOrder(['a', 'b', 'c'], src);
    const got = (await conn.runAndReadAll(`SELECT a, b, c, cvc_z FROM (${order.fromSql}) ORDER BY ${order.orderBy}`))
      .getRowObjectsJS()
      .map((r) => ({
        a: r['a'],
        b: r['b'],
        c: r['c'] === null ? null : Number(r['c']),
        z: BigInt(String(r['cvc_z'])),
      }));
    const bits = 21;
    const rank = (k: 'a' | 'b' | 'c') => {
      const distinct = [...new Set(rows.map((r) => r[k]))].sort((x, y) =>
        x === null ? 1 : y === null ? -1 : x < y ? -1 : x > y ? 1 : 0,
      );
      return (v: unknown) => (BigInt(distinct.indexOf(v as never)) * 2n ** BigInt(bits)) / BigInt(distinct.length);
    };
    const ranks = [rank('a'), rank('b'), rank('c')];
    const want = (r: (typeof rows)[number]) => {
      let z = 0n;
      [r.a, r.b, r.c].forEach((v, i) => {
        const s = ranks[i]!(v);
        for (let b = 0; b < bits; b++) if ((s >> BigInt(b)) & 1n) z |= 1n << BigInt(b * 3 + (2 - i));
      });
      return z;
    };
    expect(got).toHaveLength(rows.length);
    for (const g of got) expect(g.z).toBe(want({ a: g.a as number | null, b: g.b as string, c: g.c }));
    const zs = got.map((g) => g.z);
    expect([...zs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(zs);
  });

  it("an overwrite given the keys' values writes the same files, row for row, as one that scans them", async () => {
    const columns = [
      { name: 'store_id', type: 'VARCHAR' as const },
      { name: 'date', type: 'DATE' as const },
      { name: 'v', type: 'DOUBLE' as const },
    ];
    // 30 stores with shifted spans of days and text ids, as ingest's are.
    const src = `SELECT ('S' || (1 + i % 30))::VARCHAR AS store_id,
      DATE '2024-01-01' + (i // 30 + (i % 30) % 7)::INTEGER AS date, i * 0.5 AS v FROM range(900) r(i)`;
    const read = async (t: string) => {
      const files = (await loadSnapshot(t)).files.map((f) => path.join(t, f.path));
      const out: unknown[][] = [];
      for (const f of files)
        out.push((await conn.runAndReadAll(`SELECT store_id, date::VARCHAR AS d, v FROM '${f}'`)).getRowObjectsJS());
      // Data files are named by random ids: compare them in the order of their first rows.
      return out.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    };
    const tables = ['scanned', 'given'].map((n) => path.join(tmp.dir, n));
    for (const t of tables) await createTable(conn, t, { columns, clusterBy: ['store_id', 'date'] });
    await overwrite(conn, tables[0]!, src, { maxRowsPerFile: 200 });
    await overwrite(conn, tables[1]!, src, {
      maxRowsPerFile: 200,
      clusterKeyValues: {
        store_id: `SELECT 'S' || (1 + i) FROM range(30) r(i)`,
        date: `SELECT DISTINCT DATE '2024-01-01' + (i // 30 + (i % 30) % 7)::INTEGER FROM range(900) r(i)`,
      },
    });
    const [a, b] = [await read(tables[0]!), await read(tables[1]!)];
    expect(a).toHaveLength(5);
    expect(b).toEqual(a);
  });
});
