// Store statics (source.storeColumns.statics): store-master attributes ingest reads with the stores,
// checks (a number static needs a finite value for every store, else exit 2 naming store and column)
// and repeats on each feature row; readStoreSeries gives categories in `statics` and numbers in
// `numericStatics`, each store's current store-master value.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exitCodeOf, parseConfig, type LoadedConfig } from '@cvc/core';
import { lakeTables, readStoreSeries, STATIC_COLUMNS_PROPERTY } from '@cvc/feature-table';
import { loadSnapshot, tableExists } from '@cvc/lakehouse';
import { runIngest, storesQuery } from '../src/index.js';
import { configFor, tempDir, withDuckDb, writeSmallSource } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const STATICS = [
  { column: 'size_m2', kind: 'number' },
  { column: 'assortment', kind: 'category' },
];

async function duckSource(values: string): Promise<LoadedConfig> {
  const path = join(dir, 'source.duckdb');
  await writeSmallSource(
    path,
    `ALTER TABLE stores ADD COLUMN size_m2 DOUBLE; ALTER TABLE stores ADD COLUMN assortment VARCHAR;
     UPDATE stores SET size_m2 = v.size, assortment = v.assortment
       FROM (VALUES ${values}) v(id, size, assortment) WHERE stores.store_id = v.id;`,
  );
  return configFor(dir, { duckdb: { path }, storeColumns: { statics: STATICS } });
}

const readSeries = (loaded: LoadedConfig) =>
  withDuckDb(':memory:', (conn) => readStoreSeries(conn, lakeTables(loaded)));

test('duckdb source: statics land in the feature table and come back per store, by kind', async () => {
  const loaded = await duckSource(`(1, 2400.5, 'a'), (2, 800, NULL)`);
  await runIngest({ loaded, today: '2025-01-11' });
  const [s1, s2] = await readSeries(loaded);
  expect(s1!.numericStatics).toEqual({ size_m2: 2400.5 });
  expect(s2!.numericStatics).toEqual({ size_m2: 800 });
  expect(s1!.statics['assortment']).toBe('a');
  // A null category is its own level ''.
  expect(s2!.statics['assortment']).toBe('');
  // Statics are neither past nor future covariates.
  expect(Object.keys(s1!.past)).not.toContain('size_m2');
  expect(Object.keys(s1!.future)).not.toContain('assortment');
  const snap = await loadSnapshot(lakeTables(loaded).features);
  expect(JSON.parse(snap.properties[STATIC_COLUMNS_PROPERTY]!)).toEqual(STATICS);
  expect(snap.schema.find((c) => c.name === 'size_m2')?.deltaType).toBe('double');
  expect(snap.schema.find((c) => c.name === 'assortment')?.deltaType).toBe('string');
});

test('a changed store-master value reaches every row on the next incremental run', async () => {
  const loaded = await duckSource(`(1, 2400, 'a'), (2, 800, 'b')`);
  await runIngest({ loaded, today: '2025-01-11' });
  await withDuckDb(loaded.config.source.duckdb.path, (c) =>
    c.run(`UPDATE stores SET size_m2 = 3000, assortment = 'c' WHERE store_id = 1`),
  );
  const second = await runIngest({ loaded, today: '2025-01-11' });
  expect(second.rebuilt).toBe(true);
  const [s1] = await readSeries(loaded);
  expect(s1!.numericStatics).toEqual({ size_m2: 3000 });
  expect(s1!.statics['assortment']).toBe('c');
  const old = await withDuckDb(':memory:', async (conn) => {
    const { scanSql } = await import('@cvc/lakehouse');
    const from = await scanSql(conn, lakeTables(loaded).features);
    return (
      await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${from} t WHERE store_id = '1' AND size_m2 <> 3000`)
    ).getRowObjectsJS();
  });
  expect(old[0]!['n']).toBe(0);
});

test('a null or non-numeric number static fails with exit 2 naming store and column; nothing is written', async () => {
  for (const values of [`(1, 2400, 'a'), (2, NULL, 'b')`]) {
    const loaded = await duckSource(values);
    const err = await runIngest({ loaded, today: '2025-01-11' }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect(String(err)).toMatch(/store 2: source\.storeColumns\.statics\[0\] "size_m2" is declared a number/);
    expect(String(err)).toMatch(/value is null/);
    expect(await tableExists(lakeTables(loaded).features)).toBe(false);
  }
});

function filesSource(storeRows: string[], statics: unknown = STATICS): LoadedConfig {
  mkdirSync(join(dir, 'export'), { recursive: true });
  const header = 'store_id,store_name,state,city,format,opened_on,closed_on,size_m2,assortment';
  writeFileSync(join(dir, 'export', 'stores.csv'), `${header}\n${storeRows.join('\n')}\n`);
  const lines = ['store_id,sale_date,gross_sales,is_open'];
  for (let d = 1; d <= 9; d++) for (const id of ['A1', 'B2']) lines.push(`${id},2025-01-0${d},${100 * d},true`);
  writeFileSync(join(dir, 'export', 'sales.csv'), `${lines.join('\n')}\n`);
  const file = join(dir, 'cvc.yaml');
  const config = parseConfig(
    {
      source: {
        kind: 'files',
        files: { sales: './export/sales.csv', stores: './export/stores.csv' },
        tables: { promotions: null, holidays: null },
        columns: { nSales: null, updatedAt: null },
        storeColumns: { statics },
      },
      lake: { root: './lake' },
    },
    file,
  );
  return { file, config, paths: { lake: join(dir, 'lake'), tracking: '', registry: '', demoSource: '', data: dir } };
}

test('files source: statics from the store CSV; a non-numeric size is exit 2 naming the store', async () => {
  const good = filesSource([
    'A1,Loja A,BA,Salvador,mall,2024-01-01,,1200,x',
    'B2,Loja B,PE,Recife,street,2024-01-01,,450,y',
  ]);
  await runIngest({ loaded: good, today: '2025-01-10' });
  const [a, b] = await readSeries(good);
  expect([a!.numericStatics, b!.numericStatics]).toEqual([{ size_m2: 1200 }, { size_m2: 450 }]);
  expect([a!.statics['assortment'], b!.statics['assortment']]).toEqual(['x', 'y']);
  cleanup();
  ({ dir, cleanup } = tempDir());
  const bad = filesSource([
    'A1,Loja A,BA,Salvador,mall,2024-01-01,,1200,x',
    'B2,Loja B,PE,Recife,street,2024-01-01,,n/a,y',
  ]);
  const err = await runIngest({ loaded: bad, today: '2025-01-10' }).catch((e: unknown) => e);
  expect(exitCodeOf(err)).toBe(2);
  expect(String(err)).toMatch(/store B2: source\.storeColumns\.statics\[0\] "size_m2" .* value is "n\/a"/);
});

test('a static column the store master lacks is exit 2 naming source.storeColumns.statics[i]', async () => {
  const loaded = filesSource(
    ['A1,Loja A,BA,Salvador,mall,2024-01-01,,1200,x'],
    [...STATICS, { column: 'competitor_km', kind: 'number' }],
  );
  const err = await runIngest({ loaded, today: '2025-01-10' }).catch((e: unknown) => e);
  expect(exitCodeOf(err)).toBe(2);
  expect(String(err)).toMatch(
    /source\.storeColumns\.statics\[2\]: column "competitor_km" is not in the source's store master/,
  );
});

test('config: a bad kind, an unknown key or a reserved or repeated name is exit 2 naming the entry', async () => {
  const parse = (statics: unknown) => () => parseConfig({ source: { storeColumns: { statics } } }, 'cvc.yaml');
  for (const bad of [
    [{ column: 'size_m2', kind: 'numbr' }],
    [{ column: 'size_m2', kind: 'number', scale: 2 }],
    [{ column: 'size m2', kind: 'number' }],
    [{ colum: 'size_m2', kind: 'number' }],
  ]) {
    let err: unknown;
    try {
      parse(bad)();
    } catch (e) {
      err = e;
    }
    expect(exitCodeOf(err)).toBe(2);
    expect(String(err)).toMatch(/source\.storeColumns\.statics\.0/);
  }
  for (const [statics, message] of [
    [[{ column: 'format', kind: 'category' }], /statics\[0\]: "format" is a feature table or store master column/],
    [[{ column: 'opened_on', kind: 'category' }], /statics\[0\]: "opened_on" is a feature table or store master/],
    [
      [
        { column: 'size_m2', kind: 'number' },
        { column: 'size_m2', kind: 'category' },
      ],
      /statics\[1\]: "size_m2" is listed twice/,
    ],
  ] as const) {
    const loaded = filesSource(['A1,Loja A,BA,Salvador,mall,2024-01-01,,1200,x'], statics);
    const err = await runIngest({ loaded, today: '2025-01-10' }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect(String(err)).toMatch(message);
  }
});

test('changing the statics needs --full (exit 2 naming the flag)', async () => {
  const loaded = await duckSource(`(1, 2400, 'a'), (2, 800, 'b')`);
  await runIngest({ loaded, today: '2025-01-11' });
  const fewer = configFor(dir, {
    duckdb: { path: loaded.config.source.duckdb.path },
    storeColumns: { statics: [STATICS[0]] },
  });
  const err = await runIngest({ loaded: fewer, today: '2025-01-11' }).catch((e: unknown) => e);
  expect(exitCodeOf(err)).toBe(2);
  expect(String(err)).toMatch(/--full: source\.storeColumns\.statics changed/);
  await runIngest({ loaded: fewer, today: '2025-01-11', full: true });
  const [s1] = await readSeries(fewer);
  expect(s1!.numericStatics).toEqual({ size_m2: 2400 });
  expect(s1!.statics['assortment']).toBeUndefined();
  const snap = await loadSnapshot(lakeTables(fewer).features);
  expect(snap.schema.map((c) => c.name)).not.toContain('assortment');
  // And back: adding a static to an existing lake is one --full run.
  await runIngest({ loaded, today: '2025-01-11', full: true });
  expect((await readSeries(loaded))[0]!.statics['assortment']).toBe('a');
});

test('the T-SQL store query selects each static under its own bracket-quoted name (mssql, not run live)', () => {
  const source = parseConfig({
    source: {
      kind: 'mssql',
      mssql: { server: 'cvc.database.windows.net', database: 'vendas', user: 'cvc', password: 'x' },
      tables: { stores: 'dbo.lojas' },
      storeColumns: { statics: STATICS },
    },
  }).source;
  expect(storesQuery(source, 'tsql').sql).toBe(
    'SELECT [store_id] AS [store_id], [store_name] AS [store_name], [state] AS [state], [city] AS [city], ' +
      '[format] AS [format], [opened_on] AS [opened_on], [closed_on] AS [closed_on], ' +
      '[size_m2] AS [size_m2], [assortment] AS [assortment] FROM [dbo].[lojas]',
  );
});
