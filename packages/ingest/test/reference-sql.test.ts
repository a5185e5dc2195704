// The promotions and holidays are checked in SQL (quality/reference-sql.ts); the zod row check is the
// reference. On rows with every kind of awkward value, the SQL path keeps exactly the rows zod keeps,
// with the same values, and quarantines the others with zod's message, in the order zod saw them.
import { expect, test } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { checkHolidays, checkPromotions } from '../src/quality/reference-rows.js';
import { checkInSql, sqlContentHash } from '../src/quality/reference-sql.js';
import { HOLIDAYS_CHECK, PROMOTIONS_CHECK } from '../src/reference.js';
import { withDuckDb } from './helpers.js';

/** Kept rows in no particular order: compared as sorted lists. */
const sorted = <T>(rows: T[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/** The rows as reference-rows always read them: every field as text, ORDER BY ALL, days cut to 10 characters. */
async function zodInput(conn: DuckDBConnection, table: string, fields: readonly string[]) {
  const cols = fields.map((f) => `CAST("${f}" AS VARCHAR) AS "${f}"`).join(', ');
  const rows = (await conn.runAndReadAll(`SELECT ${cols} FROM ${table} ORDER BY ALL`)).getRowObjectsJS();
  return rows.map((r) =>
    Object.fromEntries(
      fields.map((f) => [f, r[f] == null ? null : String(r[f]).slice(0, f.endsWith('_date') ? 10 : undefined)]),
    ),
  );
}

const AWKWARD_PROMOTIONS = `
  ('1', NULL, '2025-01-02', '2025-01-03', '10'),
  ('2', '7', '2025-01-02', '2025-01-02', '0'),
  ('3', '7', '2025-01-02', '2025-01-02', '100'),
  ('4', '7', '2025-01-05', '2025-01-04', '10'),
  ('5', '7', '2025-01-05', '2025-01-06', '150'),
  ('6', '7', '2025-01-05', '2025-01-06', '-1'),
  ('7', '7', '2025-02-30', '2025-03-01', '5'),
  ('8', '', '2025-01-05', '2025-01-06', '5'),
  ('9', ' 7 ', '2025-01-05', '2025-01-06', '5'),
  ('10', '7', '2025-01-05 00:00:00', '2025-01-06T10:00', '5'),
  ('11', '7', '2025-01-05', '2025-01-06', ' 12.5 '),
  ('12', '7', '2025-01-05', '2025-01-06', '1e1'),
  ('13', '7', '2025-01-05', '2025-01-06', NULL),
  ('14', '7', '2025-01-05', '2025-01-06', ''),
  ('15', '7', '2025-01-05', '2025-01-06', 'abc'),
  (NULL, '7', '2025-01-05', '2025-01-06', '5'),
  ('  ', '7', '2025-01-05', '2025-01-06', '5'),
  (' 17', '7', '2025-01-05', '2025-01-06', '5'),
  ('18\u00a0', '7', '2025-01-05', '2025-01-06', '5'),
  ('19', '7', 'soon', '2025-01-06', '5'),
  ('20', '7', NULL, '2025-01-06', '5'),
  ('21', '7', '2024-02-29', '2024-03-01', '33.3333'),
  ('22', '7', '2023-02-29', '2024-03-01', '5'),
  ('23', '\t7', '2025-01-05', '2025-01-06', '5'),
  ('24', '7', '2025-1-5', '2025-01-06', '5'),
  ('25', '7', '2025-01-05', '2025-01-06', '-0'),
  ('26', '7', '2025-01-05', '2025-01-06', '0x10'),
  ('27', '7', '2025-01-05', '2025-01-06', '007.50')`;

test('promotions: SQL keeps and quarantines exactly what the zod check does', async () => {
  await withDuckDb(':memory:', async (c) => {
    await c.run(`CREATE TABLE raw (promo_id VARCHAR, store_id VARCHAR, start_date VARCHAR, end_date VARCHAR,
      discount_pct VARCHAR); INSERT INTO raw VALUES ${AWKWARD_PROMOTIONS}`);
    const want = checkPromotions(
      await zodInput(
        c,
        'raw',
        PROMOTIONS_CHECK.fields.map((f) => f.name),
      ),
    );
    const bad = await checkInSql(c, 'raw', 'checked', PROMOTIONS_CHECK);
    const got = (
      await c.runAndReadAll(
        `SELECT promo_id, store_id, start_date::VARCHAR AS s, end_date::VARCHAR AS e, discount_pct
         FROM checked ORDER BY rn`,
      )
    ).getRowObjectsJS();
    expect(sorted(got.map((r) => [r['promo_id'], r['store_id'], r['s'], r['e'], r['discount_pct']]))).toEqual(
      sorted(want.promotions.map((p) => [p.promoId, p.storeId, p.startDate, p.endDate, p.discountPct])),
    );
    expect(bad).toEqual(want.bad);
    // Both paths were exercised: plain rows typed in SQL, and others sent to zod and kept.
    expect(want.promotions.length).toBeGreaterThan(8);
    expect(want.bad.length).toBeGreaterThan(8);
    expect(want.promotions.map((p) => p.promoId)).toEqual(expect.arrayContaining(['9', '11', '12', '13', '17']));
  });
});

test('typed promotions (INTEGER ids, DATE, TIMESTAMP, DOUBLE) read as the zod check reads them', async () => {
  await withDuckDb(':memory:', async (c) => {
    await c.run(`CREATE TABLE raw (promo_id INTEGER, store_id INTEGER, start_date TIMESTAMP, end_date DATE,
      discount_pct DOUBLE);
      INSERT INTO raw VALUES (1, NULL, '2025-01-02 10:00', '2025-01-03', 10), (2, 3, '2025-01-02', '2025-01-01', 5),
        (3, 3, '2025-01-02', '2025-01-09', 0.00001), (4, 4, '2025-01-02', '2025-01-09', 12.25),
        (5, 4, '2025-01-02', '2025-01-09', 'nan'), (6, 4, '2025-01-02', '2025-01-09', 1e300)`);
    const want = checkPromotions(
      await zodInput(
        c,
        'raw',
        PROMOTIONS_CHECK.fields.map((f) => f.name),
      ),
    );
    const bad = await checkInSql(c, 'raw', 'checked', PROMOTIONS_CHECK);
    const got = (
      await c.runAndReadAll(
        `SELECT promo_id, store_id, start_date::VARCHAR AS s, end_date::VARCHAR AS e, discount_pct
         FROM checked ORDER BY rn`,
      )
    ).getRowObjectsJS();
    expect(sorted(got.map((r) => [r['promo_id'], r['store_id'], r['s'], r['e'], r['discount_pct']]))).toEqual(
      sorted(want.promotions.map((p) => [p.promoId, p.storeId, p.startDate, p.endDate, p.discountPct])),
    );
    expect(bad).toEqual(want.bad);
  });
});

test('holidays: SQL keeps and quarantines exactly what the zod check does', async () => {
  await withDuckDb(':memory:', async (c) => {
    await c.run(`CREATE TABLE raw (state VARCHAR, city VARCHAR, holiday_date VARCHAR, name VARCHAR);
      INSERT INTO raw VALUES ('SP', NULL, '2025-01-25', 'Aniversário'), ('sp', 'Campinas', '2025-12-08', 'N. S.'),
        (' rj', NULL, '2025-04-23', 'São Jorge'), ('S', NULL, '2025-01-26', 'bad'), ('RJ', NULL, 'soon', 'bad'),
        ('MG', '', '2025-01-01', 'x'), ('MG', '  ', '2025-01-01', 'x'), ('MG', NULL, '2025-01-01', ''),
        ('MG', NULL, '2025-01-01', NULL), ('1A', NULL, '2025-01-01', 'x'), ('ÉS', NULL, '2025-01-01', 'x'),
        ('BA', 'Salvador ', '2025-07-02', 'Independência')`);
    const want = checkHolidays(
      await zodInput(
        c,
        'raw',
        HOLIDAYS_CHECK.fields.map((f) => f.name),
      ),
    );
    const bad = await checkInSql(c, 'raw', 'checked', HOLIDAYS_CHECK);
    const got = (
      await c.runAndReadAll(`SELECT state, city, holiday_date::VARCHAR AS d, name FROM checked ORDER BY rn`)
    ).getRowObjectsJS();
    expect(sorted(got.map((r) => ({ state: r['state'], city: r['city'], date: r['d'], name: r['name'] })))).toEqual(
      sorted(want.holidays),
    );
    expect(bad).toEqual(want.bad);
    expect(want.bad.length).toBeGreaterThan(3);
  });
});

test('the SQL content hash follows every value and NULLs, and not the row order', async () => {
  await withDuckDb(':memory:', async (c) => {
    await c.run(`CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a', NULL), (2, 'b', 'x')) v(rn, a, b)`);
    const hash = () => sqlContentHash(c, 't', ['a', 'b']);
    const h0 = await hash();
    await c.run(`UPDATE t SET b = '' WHERE rn = 1`);
    const h1 = await hash();
    await c.run(`UPDATE t SET b = 'x', a = 'a' WHERE rn = 1`);
    const h2 = await hash();
    // A row twice is not the row once (an XOR alone would cancel them).
    await c.run(`INSERT INTO t VALUES (3, 'b', 'x'), (4, 'b', 'x')`);
    const h3 = await hash();
    expect(new Set([h0, h1, h2, h3]).size).toBe(4);
    const rows = await c.runAndReadAll(`SELECT * FROM t ORDER BY rn DESC`);
    await c.run(`CREATE TABLE u AS SELECT * FROM t ORDER BY rn DESC`);
    expect(rows.currentRowCount).toBe(4);
    expect(await sqlContentHash(c, 'u', ['a', 'b'])).toBe(h3);
    expect(await sqlContentHash(c, 't', ['a', 'b'], 'rn > 9')).toBe(await sqlContentHash(c, 't', ['a'], 'FALSE'));
  });
});
