// A `files` source: CSV exports with their own column names (no updated_at, an extra covariate), then
// Parquet, mapped by config alone.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { exitCodeOf, parseConfig, type LoadedConfig } from '@cvc/core';
import { loadSnapshot, scanSql } from '@cvc/lakehouse';
import { lakeTables, readStoreSeries } from '@cvc/feature-table';
import { EmptySourceError, runIngest, SourceError } from '../src/index.js';
import { capturingLogger, tempDir, withDuckDb } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

function filesConfig(files: Record<string, string>, lookbackDays = 3): LoadedConfig {
  const file = join(dir, 'cvc.yaml');
  const config = parseConfig(
    {
      source: {
        kind: 'files',
        files,
        tables: { promotions: null, holidays: null },
        columns: {
          storeId: 'loja',
          date: 'dia',
          sales: 'venda_bruta',
          nSales: 'tickets',
          isOpen: null,
          updatedAt: null,
          extra: ['visitas'],
        },
        storeColumns: {
          storeId: 'codigo',
          name: 'nome',
          state: 'uf',
          city: 'cidade',
          format: 'formato',
          openedOn: 'inauguracao',
          closedOn: null,
        },
      },
      lake: { root: './lake' },
      ingest: { lookbackDays },
    },
    file,
  );
  return { file, config, paths: { lake: join(dir, 'lake'), tracking: '', registry: '', demoSource: '', data: dir } };
}

function writeCsvs(days: Array<[string, string, number, number, number]>): void {
  mkdirSync(join(dir, 'export'), { recursive: true });
  writeFileSync(
    join(dir, 'export', 'lojas.csv'),
    'codigo,nome,uf,cidade,formato,inauguracao\nA1,Loja A,BA,Salvador,mall,2024-01-01\n' +
      'B2,Loja B,PE,Recife,street,2024-12-30\n',
  );
  const byMonth = new Map<string, string[]>();
  for (const [loja, dia, venda, tickets, visitas] of days) {
    const m = dia.slice(0, 7);
    byMonth.set(m, [...(byMonth.get(m) ?? []), `${loja},${dia},${venda},${tickets},${visitas}`]);
  }
  for (const [m, lines] of byMonth)
    writeFileSync(
      join(dir, 'export', `vendas-${m}.csv`),
      `loja,dia,venda_bruta,tickets,visitas\n${lines.join('\n')}\n`,
    );
}

test('CSV files with another column mapping; a correction inside the look-back window', async () => {
  const rows: Array<[string, string, number, number, number]> = [];
  for (let d = 1; d <= 5; d++) {
    const dia = `2025-01-0${d}`;
    rows.push(['A1', dia, 1000 + d, 10, 100 + d]);
    if (d !== 3) rows.push(['B2', dia, 2000 + d, 20, 200 + d]);
  }
  writeCsvs(rows);
  const loaded = filesConfig({ sales: './export/vendas-*.csv', stores: './export/lojas.csv' });
  const s = await runIngest({ loaded, today: '2025-01-06' });
  expect(s).toMatchObject({ rowsRead: 9, rowsMerged: 10, rowsQuarantined: 0, stores: 2, watermarkAfter: '2025-01-05' });
  expect(s.source).toMatch(/^files:/);

  await withDuckDb(':memory:', async (conn) => {
    const [a, b] = await readStoreSeries(conn, lakeTables(loaded));
    expect(a!.storeId).toBe('A1');
    expect(Array.from(b!.sales)).toEqual([2001, 2002, Number.NaN, 2004, 2005]);
    expect(Array.from(a!.past['visitas']!)).toEqual([101, 102, 103, 104, 105]);
    expect(b!.statics).toEqual({ format: 'street', state: 'PE', city: 'Recife' });
  });

  // Without updated_at the watermark is the date: 3 days before it are re-read (Jan 2-6), so a corrected file wins.
  rows[rows.findIndex((r) => r[0] === 'A1' && r[1] === '2025-01-04')] = ['A1', '2025-01-04', 7777, 11, 99];
  rows.push(['A1', '2025-01-06', 1006, 10, 106], ['B2', '2025-01-06', 2006, 20, 206]);
  writeCsvs(rows);
  const s2 = await runIngest({ loaded, today: '2025-01-07' });
  expect(s2).toMatchObject({
    mode: 'incremental',
    rowsRead: 9,
    observationsChanged: 3,
    lastDay: '2025-01-06',
    watermarkAfter: '2025-01-06',
  });
  const a4 = await withDuckDb(':memory:', async (c) =>
    (
      await c.runAndReadAll(`SELECT sales, n_sales, visitas FROM ${await scanSql(c, lakeTables(loaded).features)} f
    WHERE store_id = 'A1' AND date = DATE '2025-01-04'`)
    ).getRowObjectsJS(),
  );
  expect(a4).toEqual([{ sales: 7777, n_sales: 11, visitas: 99 }]);
});

test('Parquet files, and a misnamed column is a SourceError naming the source', async () => {
  mkdirSync(join(dir, 'pq'), { recursive: true });
  await withDuckDb(':memory:', async (c) => {
    await c.run(`COPY (SELECT 'A1' AS codigo, 'Loja A' AS nome, 'BA' AS uf, 'Salvador' AS cidade, 'mall' AS formato,
        DATE '2024-01-01' AS inauguracao)
      TO '${join(dir, 'pq', 'lojas.parquet')}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT 'A1' AS loja, DATE '2025-01-01' + i::INTEGER AS dia, 10.5 * i AS venda_bruta,
        3 AS tickets, 7 AS visitas FROM range(4) t(i))
      TO '${join(dir, 'pq', 'vendas.parquet')}' (FORMAT parquet)`);
  });
  const good = filesConfig({ sales: './pq/vendas*.parquet', stores: './pq/lojas.parquet' });
  const s = await runIngest({ loaded: good, today: '2025-01-06' });
  expect(s).toMatchObject({ rowsRead: 4, rowsMerged: 4, lastDay: '2025-01-04' });
  const version = (await loadSnapshot(lakeTables(good).features)).version;

  const bad = filesConfig({ sales: './pq/vendas*.parquet', stores: './pq/lojas.parquet' });
  bad.config.source.columns.sales = 'receita';
  const err = await runIngest({ loaded: bad, today: '2025-01-06', full: true }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SourceError);
  expect((err as Error).message).toMatch(/vendas\*\.parquet.*receita/);
  // A failed run leaves the feature table as it was.
  expect((await loadSnapshot(lakeTables(good).features)).version).toBe(version);
});

test('the quarantine key is the row as read: a non-numeric value in a new file stores no old row again', async () => {
  writeCsvs([
    ['A1', '2025-01-01', 1001, 10, 101],
    ['A1', '2025-01-02', 1002, 10, 102],
  ]);
  // Refused rows whose text a typed read would change: "-5.50" reads as -5.5, "07" as 7.
  const header = 'loja,dia,venda_bruta,tickets,visitas\n';
  const bad = ['A1,2025-01-03,-5.50,07,1e2', 'ZZ,2025-01-03,10.0,1,3', 'A1,2025-01-04,12,-1,3'];
  writeFileSync(join(dir, 'export', 'vendas-bad1.csv'), `${header}${bad.join('\n')}\n`);
  const loaded = filesConfig({ sales: './export/vendas-*.csv', stores: './export/lojas.csv' });
  const s1 = await runIngest({ loaded, today: '2025-01-06' });
  expect(s1).toMatchObject({ rowsQuarantined: 3, quarantineNew: 3 });

  // A later export with a non-numeric sales value: the column can no longer be read as numbers.
  writeFileSync(join(dir, 'export', 'vendas-bad2.csv'), `${header}A1,2025-01-05,n/a,3,4\n`);
  const s2 = await runIngest({ loaded, today: '2025-01-06', full: true });
  expect(s2).toMatchObject({ rowsQuarantined: 4, quarantineNew: 1 });
  const q = await withDuckDb(':memory:', async (c) =>
    (
      await c.runAndReadAll(`SELECT reason, original
    FROM ${await scanSql(c, lakeTables(loaded).quarantine)} q ORDER BY reason, original`)
    ).getRowObjectsJS(),
  );
  expect(q.map((r) => r['reason'])).toEqual([
    'n_sales_out_of_bounds',
    'negative_sales',
    'non_numeric_sales',
    'unknown_store',
  ]);
  // The original is the text of the file, not a typed rendering of it.
  expect(JSON.parse(String(q[1]!['original']))).toMatchObject({ sales: '-5.50', n_sales: '07', visitas: '1e2' });
});

test('a header-only export reads as empty on an incremental run: a warning, and exit 2 with --strict', async () => {
  writeCsvs([
    ['A1', '2025-01-01', 1001, 10, 101],
    ['A1', '2025-01-02', 1002, 10, 102],
  ]);
  const loaded = filesConfig({ sales: './export/vendas-*.csv', stores: './export/lojas.csv' });
  const first = capturingLogger();
  await runIngest({ loaded, today: '2025-01-06', log: first.log });
  expect(first.warnings()).toEqual([]);

  // Today's export came with its header and no rows (and the older files were moved away).
  rmSync(join(dir, 'export', 'vendas-2025-01.csv'));
  writeFileSync(join(dir, 'export', 'vendas-2025-02.csv'), 'loja,dia,venda_bruta,tickets,visitas\n');
  const empty = capturingLogger();
  const s = await runIngest({ loaded, today: '2025-01-06', log: empty.log });
  expect(s).toMatchObject({ mode: 'incremental', rowsRead: 0, rowsMerged: 0 });
  expect(empty.warnings()).toEqual([expect.stringMatching(/vendas-\*\.csv: no sales rows dated since 2024-12-30/)]);

  const version = (await loadSnapshot(lakeTables(loaded).features)).version;
  const strict = await runIngest({ loaded, today: '2025-01-06', strict: true }).catch((e: unknown) => e);
  expect(strict).toBeInstanceOf(EmptySourceError);
  expect(exitCodeOf(strict)).toBe(2);
  expect((strict as Error).message).toMatch(/vendas-\*\.csv.*--strict/);
  expect((await loadSnapshot(lakeTables(loaded).features)).version).toBe(version);
});
