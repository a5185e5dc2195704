// The quality gate: every quarantine reason, with the original row kept, and --strict.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { loadSnapshot, scanSql, tableExists } from '@cvc/lakehouse';
import { lakeTables } from '@cvc/feature-table';
import { QuarantineError, runIngest, SALES_REASONS, REFERENCE_REASONS } from '../src/index.js';
import { configFor, tempDir, withDuckDb } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

/** A source typed loosely (VARCHAR everywhere), as a CSV export would be, with one bad row per reason. */
async function writeBadSource(path: string): Promise<void> {
  await withDuckDb(path, async (c) => {
    await c.run(`CREATE TABLE stores (store_id VARCHAR, store_name VARCHAR, state VARCHAR, city VARCHAR, format VARCHAR,
        opened_on VARCHAR, closed_on VARCHAR);
      INSERT INTO stores VALUES ('1', 'Loja 1', 'SP', 'São Paulo', 'mall', '2025-01-01', NULL),
        ('1', 'Loja 1 bis', 'SP', 'São Paulo', 'mall', '2025-01-01', NULL),
        ('9', 'Loja 9', 'XYZ', 'Nowhere', 'mall', '2025-01-01', NULL);
      CREATE TABLE daily_sales (store_id VARCHAR, sale_date VARCHAR, gross_sales VARCHAR, n_sales VARCHAR,
        is_open VARCHAR, updated_at VARCHAR, footfall VARCHAR);
      INSERT INTO daily_sales VALUES
        ('1', '2025-01-02', '100', '5', 'true', '2025-01-03 03:00:00', '40'),
        ('1', '2025-01-03', '100', '5', 'true', '2025-01-04 03:00:00', '41'),
        (NULL, '2025-01-02', '100', '5', 'true', '2025-01-03 03:00:00', NULL),
        ('1', NULL, '100', '5', 'true', '2025-01-03 03:00:00', NULL),
        ('1', '2025-02-30', '100', '5', 'true', '2025-01-03 03:00:00', NULL),
        ('1', '2025-01-04', 'abc', '5', 'true', '2025-01-05 03:00:00', NULL),
        ('1', '2025-01-05', NULL, '5', 'true', '2025-01-06 03:00:00', NULL),
        ('1', '2025-01-06', '-5', '5', 'true', '2025-01-07 03:00:00', NULL),
        ('1', '2025-01-20', '100', '5', 'true', '2025-01-07 03:00:00', NULL),
        ('77', '2025-01-02', '100', '5', 'true', '2025-01-03 03:00:00', NULL),
        ('1', '2024-12-20', '100', '5', 'true', '2024-12-21 03:00:00', NULL),
        ('1', '2025-01-07', '5000000', '5', 'true', '2025-01-08 03:00:00', NULL),
        ('1', '2025-01-08', '100', '-1', 'true', '2025-01-09 03:00:00', NULL),
        ('1', '2025-01-09', '100', '5', 'maybe', '2025-01-10 03:00:00', NULL),
        ('1', '2025-01-10', '100', '5', 'true', 'yesterday', NULL),
        ('1', '2025-01-10', '100', '5', 'true', '2025-01-11 03:00:00', 'lots');
      CREATE TABLE promotions (promo_id VARCHAR, store_id VARCHAR, start_date VARCHAR, end_date VARCHAR,
        discount_pct VARCHAR);
      INSERT INTO promotions VALUES ('1', NULL, '2025-01-02', '2025-01-03', '10'),
        ('2', '1', '2025-01-05', '2025-01-04', '10'), ('3', '1', '2025-01-05', '2025-01-06', '150');
      CREATE TABLE state_holidays (state VARCHAR, city VARCHAR, holiday_date VARCHAR, name VARCHAR);
      INSERT INTO state_holidays VALUES ('SP', NULL, '2025-01-25', 'Aniversário'), ('S', NULL, '2025-01-26', 'bad'),
        ('RJ', NULL, 'soon', 'bad');`);
  });
}

const TODAY = '2025-01-15';

test('each quarantine reason is counted, kept with the original row, and nothing else is lost', async () => {
  await writeBadSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir, { columns: { extra: ['footfall'] } }, { maxDailySales: 1_000_000 });
  const s = await runIngest({ loaded, today: TODAY });
  expect(s.quarantinedByReason).toEqual({
    missing_store_id: 1,
    missing_date: 1,
    invalid_date: 1,
    non_numeric_sales: 1,
    missing_sales: 1,
    negative_sales: 1,
    future_date: 1,
    unknown_store: 1,
    outside_open_life: 1,
    sales_out_of_bounds: 1,
    n_sales_out_of_bounds: 1,
    invalid_is_open: 1,
    invalid_updated_at: 1,
    non_numeric_extra: 1,
    invalid_store: 1,
    duplicate_store: 1,
    invalid_promotion: 2,
    invalid_holiday: 2,
  });
  expect(new Set(Object.keys(s.quarantinedByReason))).toEqual(new Set([...SALES_REASONS, ...REFERENCE_REASONS]));
  expect(s.rowsRead).toBe(16);
  expect(s.rowsValid).toBe(2);
  expect(s.rowsRead - s.rowsValid).toBe(
    Object.entries(s.quarantinedByReason)
      .filter(([r]) => (SALES_REASONS as readonly string[]).includes(r))
      .reduce((a, [, n]) => a + n, 0),
  );

  const tables = lakeTables(loaded);
  const rows = await withDuckDb(':memory:', async (c) =>
    (
      await c.runAndReadAll(
        `SELECT reason, store_id, original FROM ${await scanSql(c, tables.quarantine)} q ORDER BY reason`,
      )
    ).getRowObjectsJS(),
  );
  expect(rows).toHaveLength(20);
  const neg = rows.find((r) => r['reason'] === 'negative_sales')!;
  expect(JSON.parse(String(neg['original']))).toMatchObject({ store_id: '1', date: '2025-01-06', sales: '-5' });
  const badStore = rows.find((r) => r['reason'] === 'invalid_store')!;
  expect(String(badStore['original'])).toContain('two-letter UF');

  // The valid rows made it; the table starts at the first day the source has (Jan 2), not at opening.
  const feats = await withDuckDb(':memory:', async (c) =>
    (
      await c.runAndReadAll(
        `SELECT date::VARCHAR AS d, sales, footfall, is_missing
         FROM ${await scanSql(c, tables.features)} f ORDER BY date`,
      )
    ).getRowObjectsJS(),
  );
  expect(feats).toEqual([
    { d: '2025-01-02', sales: 100, footfall: 40, is_missing: false },
    { d: '2025-01-03', sales: 100, footfall: 41, is_missing: false },
  ]);

  // Reading the same bad rows again adds nothing to the quarantine table.
  const again = await runIngest({ loaded, today: TODAY, full: true });
  expect(again.rowsQuarantined).toBe(20);
  expect(again.quarantineNew).toBe(0);
});

test('--strict fails the run on any quarantined row and leaves the feature table alone', async () => {
  await writeBadSource(join(dir, 'source.duckdb'));
  const loaded = configFor(dir, { columns: { extra: ['footfall'] } });
  const tables = lakeTables(loaded);
  const err = await runIngest({ loaded, today: TODAY, strict: true }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(QuarantineError);
  expect((err as QuarantineError).exitCode).toBe(1);
  expect((err as Error).message).toMatch(/negative_sales: 1/);
  expect(await tableExists(tables.features)).toBe(false);
  expect((await loadSnapshot(tables.quarantine)).files.length).toBeGreaterThan(0);

  // The next run without --strict picks up where the failed one stopped: same rows, quarantined once.
  const s = await runIngest({ loaded, today: TODAY });
  expect(s).toMatchObject({ mode: 'full', rowsValid: 2, rowsQuarantined: 20, quarantineNew: 0 });
  expect(await tableExists(tables.features)).toBe(true);
});
