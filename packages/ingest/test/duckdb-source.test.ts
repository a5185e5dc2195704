// Ingest against the embedded DuckDB source: first load, rerun, corrections, re-sends, a new and a
// closed store. Each test builds its own small source (hand-checkable) in a temp directory.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { history, loadSnapshot, scanSql, tableExists } from '@cvc/lakehouse';
import { lakeTables, readStoreSeries, readKnownFutureInputs, extendWithFuture } from '@cvc/feature-table';
import { exitCodeOf } from '@cvc/core';
import { EmptySourceError, runIngest } from '../src/index.js';
import { capturingLogger, configFor, tempDir, withDuckDb, writeSmallSource } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const TODAY = '2025-01-12';

async function features(lake: string, where = 'true'): Promise<Record<string, unknown>[]> {
  return withDuckDb(':memory:', async (c) =>
    (
      await c.runAndReadAll(`SELECT store_id, date::VARCHAR AS date, sales, n_sales, is_missing,
      is_open, promo, is_holiday, store_age_days
    FROM ${await scanSql(c, join(lake, 'features'))} t WHERE ${where} ORDER BY store_id, date`)
    ).getRowObjectsJS(),
  );
}

async function addSales(dir: string, sql: string): Promise<void> {
  await withDuckDb(join(dir, 'source.duckdb'), (c) => c.run(sql));
}

describe('duckdb source', () => {
  test('first load: one row per store and day, closed day as zero, covariates, reference tables, lineage', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'));
    const loaded = configFor(dir);
    const s = await runIngest({ loaded, today: TODAY });
    expect(s).toMatchObject({
      mode: 'full',
      rebuilt: true,
      rowsRead: 20,
      rowsValid: 20,
      duplicates: 0,
      rowsMerged: 20,
      rowsQuarantined: 0,
      stores: 2,
    });
    expect(s.firstDay).toBe('2025-01-01');
    expect(s.lastDay).toBe('2025-01-10');
    expect(s.watermarkAfter).toBe('2025-01-11T03:00:00.000000');

    const rows = await features(loaded.paths.lake);
    expect(rows).toHaveLength(20);
    const s2jan5 = rows.find((r) => r['store_id'] === '2' && r['date'] === '2025-01-05')!;
    expect(s2jan5).toMatchObject({ sales: 0, is_open: false, is_missing: false });
    const s1jan4 = rows.find((r) => r['store_id'] === '1' && r['date'] === '2025-01-04')!;
    // Store 1 has the all-store 10 % and its own 25 %: the deeper discount applies.
    expect(s1jan4).toMatchObject({ sales: 104, is_open: true, promo: 0.25 });
    expect(rows.find((r) => r['store_id'] === '2' && r['date'] === '2025-01-04')!['promo']).toBe(0.1);
    // Jan 1 is national; Jan 8 only in RJ (store 2) from the state holidays table.
    expect(rows.filter((r) => r['is_holiday']).map((r) => `${r['store_id']} ${r['date']}`)).toEqual([
      '1 2025-01-01',
      '2 2025-01-01',
      '2 2025-01-08',
    ]);
    expect(s1jan4['store_age_days']).toBe(217);

    const tables = lakeTables(loaded);
    const snap = await loadSnapshot(tables.features);
    expect(snap.clusteringColumns).toEqual(['store_id', 'date']);
    expect(snap.properties['cvc.ingest.watermark']).toBe('2025-01-11T03:00:00.000000');
    const h = await history(tables.features);
    const ingestCommit = h.find((e) => e.operation !== 'OPTIMIZE' && e.metadata?.['rowsRead'] !== undefined)!;
    expect(ingestCommit.metadata).toMatchObject({
      rowsRead: 20,
      rowsMerged: 20,
      rowsQuarantined: 0,
      watermarkAfter: '2025-01-11T03:00:00.000000',
    });
    expect(String(ingestCommit.metadata?.['source'])).toContain('duckdb:');
    // The rebuild writes its files in clustering order: nothing is left for OPTIMIZE to rewrite.
    expect(h[0]!.operation).toBe('WRITE');
    expect(s.versions.optimize).toBeNull();
    expect(snap.files.every((f) => f.add.clusteringProvider === 'liquid')).toBe(true);
    for (const t of [tables.stores, tables.promotions, tables.holidays])
      expect((await loadSnapshot(t)).files.length).toBeGreaterThan(0);

    await withDuckDb(':memory:', async (conn) => {
      const series = await readStoreSeries(conn, tables);
      expect(series.map((x) => x.storeId)).toEqual(['1', '2']);
      expect(Array.from(series[1]!.sales)).toEqual([201, 202, 203, 204, 0, 206, 207, 208, 209, 210]);
      const inputs = await readKnownFutureInputs(conn, tables, { pandemic: loaded.config.ingest.pandemic });
      const ext = extendWithFuture(series, 35, inputs);
      expect(ext[0]!.future['promo']!.length).toBe(45);
      // The planned all-store campaign of Feb 1-5 shows up in the forecast window.
      expect(ext[0]!.future['promo']![31]).toBeCloseTo(0.3);
      expect(ext[0]!.future['is_open']![44]).toBe(1);
    });
  });

  test('rerun with no change commits nothing', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'));
    const loaded = configFor(dir);
    await runIngest({ loaded, today: TODAY });
    const before = (await loadSnapshot(lakeTables(loaded).features)).version;
    const s = await runIngest({ loaded, today: TODAY });
    expect(s).toMatchObject({
      mode: 'incremental',
      rowsRead: 0,
      rowsMerged: 0,
      observationsChanged: 0,
      rebuilt: false,
    });
    expect(s.versions).toEqual({
      features: null,
      optimize: null,
      quarantine: null,
      stores: null,
      promotions: null,
      holidays: null,
    });
    expect((await loadSnapshot(lakeTables(loaded).features)).version).toBe(before);
  });

  test('a late correction wins over the older value; an older re-send does not', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'));
    const loaded = configFor(dir);
    await runIngest({ loaded, today: TODAY });
    await addSales(
      dir,
      `INSERT INTO daily_sales VALUES (1, DATE '2025-01-03', 999, 12, true, TIMESTAMP '2025-01-11 09:00:00')`,
    );
    const s = await runIngest({ loaded, today: TODAY });
    expect(s).toMatchObject({ mode: 'incremental', rowsRead: 1, observationsChanged: 1, rebuilt: false });
    expect(s.rowsMerged).toBe(8); // store 1, Jan 3 .. Jan 10 recomputed
    expect((await features(loaded.paths.lake, `store_id = '1' AND date = DATE '2025-01-03'`))[0]).toMatchObject({
      sales: 999,
      n_sales: 12,
    });
    // A --from/--to reload reads the original and the correction again: the latest still wins.
    const r = await runIngest({ loaded, today: TODAY, from: '2025-01-03', to: '2025-01-03' });
    expect(r).toMatchObject({ mode: 'range', rowsRead: 3, duplicates: 1, observationsChanged: 0 });
    expect((await features(loaded.paths.lake, `store_id = '1' AND date = DATE '2025-01-03'`))[0]!['sales']).toBe(999);
  });

  test('re-sent duplicates change nothing; duplicates within a read are counted', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'));
    const loaded = configFor(dir);
    await runIngest({ loaded, today: TODAY });
    const before = await features(loaded.paths.lake);
    // The same rows again, re-stamped later, twice each.
    await addSales(
      dir,
      `INSERT INTO daily_sales
      SELECT store_id, sale_date, gross_sales, n_sales, is_open, TIMESTAMP '2025-01-11 10:00:00'
      FROM daily_sales, range(2) WHERE sale_date >= DATE '2025-01-08'`,
    );
    const s = await runIngest({ loaded, today: TODAY });
    expect(s).toMatchObject({ rowsRead: 12, rowsValid: 12, duplicates: 6, observationsChanged: 0, rowsMerged: 0 });
    expect(s.watermarkAfter).toBe('2025-01-11T10:00:00.000000');
    expect(await features(loaded.paths.lake)).toEqual(before);
  });

  test('a new store (with a missing day) and the next day for the others', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'));
    const loaded = configFor(dir);
    await runIngest({ loaded, today: TODAY });
    await addSales(
      dir,
      `INSERT INTO stores VALUES (3, 'Loja 3', 'MG', 'Belo Horizonte', 'airport', DATE '2025-01-09', NULL);
      INSERT INTO daily_sales VALUES (3, DATE '2025-01-09', 50, 2, true, TIMESTAMP '2025-01-12 01:00:00'),
        (1, DATE '2025-01-11', 111, 10, true, TIMESTAMP '2025-01-12 01:00:00'),
        (2, DATE '2025-01-11', 211, 10, true, TIMESTAMP '2025-01-12 01:00:00')`,
    );
    const s = await runIngest({ loaded, today: TODAY });
    expect(s).toMatchObject({ rowsRead: 3, rebuilt: true, stores: 3, lastDay: '2025-01-11' });
    const rows = await features(loaded.paths.lake, `store_id = '3'`);
    expect(rows.map((r) => [r['date'], r['sales'], r['is_missing']])).toEqual([
      ['2025-01-09', 50, false],
      ['2025-01-10', null, true],
      ['2025-01-11', null, true],
    ]);
    expect(rows[0]!['store_age_days']).toBe(0);
    expect(await features(loaded.paths.lake)).toHaveLength(25);
  });

  test('a closed store ends at its closing day', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'));
    const loaded = configFor(dir);
    await runIngest({ loaded, today: TODAY });
    await addSales(
      dir,
      `UPDATE stores SET closed_on = DATE '2025-01-08' WHERE store_id = 2;
      INSERT INTO daily_sales VALUES (1, DATE '2025-01-11', 111, 10, true, TIMESTAMP '2025-01-12 01:00:00')`,
    );
    const s = await runIngest({ loaded, today: TODAY });
    expect(s.rebuilt).toBe(true);
    const rows = await features(loaded.paths.lake, `store_id = '2'`);
    expect(rows.at(-1)!['date']).toBe('2025-01-08');
    expect(rows).toHaveLength(8);
    expect(await features(loaded.paths.lake, `store_id = '1'`)).toHaveLength(11);
  });

  test('an empty sales table warns (exit 0), and fails with --strict (exit 2) before writing anything', async () => {
    await writeSmallSource(join(dir, 'source.duckdb'), 'DELETE FROM daily_sales');
    const loaded = configFor(dir);
    const strict = await runIngest({ loaded, today: TODAY, strict: true }).catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(EmptySourceError);
    expect(exitCodeOf(strict)).toBe(2);
    expect((strict as Error).message).toMatch(/source\.duckdb: no sales rows at all; --strict/);
    for (const t of Object.values(lakeTables(loaded))) expect(await tableExists(t)).toBe(false);

    const { log, warnings } = capturingLogger();
    const s = await runIngest({ loaded, today: TODAY, log });
    expect(s).toMatchObject({ mode: 'full', rowsRead: 0, rowsMerged: 0 });
    expect(warnings()).toEqual([expect.stringMatching(/source\.duckdb: no sales rows at all$/)]);
  });
});
