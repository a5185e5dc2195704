// Promotions stay in DuckDB (reference.ts): the feature table's reference hash takes them from SQL,
// and a run reads only the promotions its windows overlap. A change to a promotion that already
// shaped the table rebuilds it; one beyond its last day does not, and still reaches the new days.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { history, loadSnapshot, scanSql, setProperties } from '@cvc/lakehouse';
import { runIngest } from '../src/index.js';
import { configFor, tempDir, withDuckDb, writeSmallSource } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const source = () => join(dir, 'source.duckdb');
const promo = async (lake: string, where: string): Promise<number[]> =>
  withDuckDb(':memory:', async (c) =>
    (
      await c.runAndReadAll(
        `SELECT promo FROM ${await scanSql(c, join(lake, 'features'))} t WHERE ${where} ORDER BY store_id, date`,
      )
    )
      .getRowObjectsJS()
      .map((r) => Number(r['promo'])),
  );
/** The next day's sales for both stores, loaded the day after. */
const nextDay = (day: string) =>
  withDuckDb(source(), (c) =>
    c.run(`INSERT INTO daily_sales SELECT s, DATE '${day}', 100, 10, true, DATE '${day}' + INTERVAL 27 HOUR
      FROM range(1, 3) t(s)`),
  );

test('a promotion beyond the last day is no rebuild, yet the new day gets it', async () => {
  // Store 2 has 20 % off from Jan 9 to Jan 20: it started before the daily run's window.
  await writeSmallSource(source(), `INSERT INTO promotions VALUES (8, 2, '2025-01-09', '2025-01-20', 20)`);
  const loaded = configFor(dir);
  await runIngest({ loaded, today: '2025-01-12' });
  // Starts on the next day and runs for a month: only the new day is written, with 40 % off.
  await withDuckDb(source(), (c) => c.run(`INSERT INTO promotions VALUES (9, 1, '2025-01-11', '2025-02-11', 40)`));
  await nextDay('2025-01-11');
  const s = await runIngest({ loaded, today: '2025-01-12' });
  expect(s).toMatchObject({ rebuilt: false, rowsMerged: 2, versions: { promotions: expect.any(Number) } });
  expect(await promo(loaded.paths.lake, `date = DATE '2025-01-11'`)).toEqual([0.4, 0.2]);
});

test('a change to a promotion that already applied rebuilds the table with it', async () => {
  await writeSmallSource(source());
  const loaded = configFor(dir);
  await runIngest({ loaded, today: '2025-01-12' });
  // Promotion 2 (store 1, Jan 4-6) was 25 %, now 35 %; an untouched day long before is rewritten too.
  await withDuckDb(source(), (c) => c.run(`UPDATE promotions SET discount_pct = 35 WHERE promo_id = 2`));
  await nextDay('2025-01-11');
  const s = await runIngest({ loaded, today: '2025-01-12' });
  expect(s).toMatchObject({ rebuilt: true, rowsMerged: 22 });
  expect(await promo(loaded.paths.lake, `store_id = '1' AND date BETWEEN '2025-01-03' AND '2025-01-07'`)).toEqual([
    0.1, 0.35, 0.35, 0.35, 0,
  ]);
  // The same source again: nothing changed, nothing is rebuilt or committed.
  const again = await runIngest({ loaded, today: '2025-01-12' });
  expect(again).toMatchObject({ rebuilt: false, rowsMerged: 0 });
  expect(again.versions.features).toBeNull();
  expect(again.versions.promotions).toBeNull();
});

const REUSED = 'promotions unchanged since they were checked: their rows are reused';

test('unchanged promotions are reused, not checked again; changed or quarantined ones are checked', async () => {
  // Promotion 7 ends before it starts: quarantined by every run that checks it.
  await writeSmallSource(source(), `INSERT INTO promotions VALUES (7, 1, '2025-01-09', '2025-01-08', 5)`);
  const loaded = configFor(dir);
  const run = async (day: string) => {
    await nextDay(day);
    const messages: string[] = [];
    const s = await runIngest({ loaded, today: '2025-02-28', onProgress: (p) => messages.push(p.message) });
    return { s, reused: messages.includes(REUSED) };
  };
  await runIngest({ loaded, today: '2025-01-12' });
  // The last check quarantined a row: the promotions are checked again, and the row quarantined again.
  const withBad = await run('2025-01-11');
  expect(withBad.reused).toBe(false);
  expect(withBad.s.quarantinedByReason).toEqual({ invalid_promotion: 1 });
  await withDuckDb(source(), (c) => c.run(`DELETE FROM promotions WHERE promo_id = 7`));
  const fixed = await run('2025-01-12');
  expect(fixed.reused).toBe(false);
  expect(fixed.s.rowsQuarantined).toBe(0);
  // Same rows as the last check, which quarantined none: reused, and nothing is written but the new day.
  const same = await run('2025-01-13');
  expect(same).toMatchObject({ reused: true, s: { rebuilt: false, rowsMerged: 2, versions: { promotions: null } } });
  // One promotion the table has not reached yet changes: checked again and rewritten, no rebuild.
  await withDuckDb(source(), (c) => c.run(`UPDATE promotions SET discount_pct = 45 WHERE promo_id = 3`));
  const changed = await run('2025-01-14');
  expect(changed).toMatchObject({ reused: false, s: { rebuilt: false, versions: { promotions: expect.any(Number) } } });
  const again = await run('2025-01-15');
  expect(again.reused).toBe(true);
  // A lake written before fingerprints were kept: checked once, and the fingerprint alone is committed.
  const promotions = join(loaded.paths.lake, 'promotions');
  const before = (await loadSnapshot(promotions)).version;
  await setProperties(promotions, { 'cvc.sourceFingerprint': '' });
  const upgraded = await run('2025-01-16');
  expect(upgraded).toMatchObject({ reused: false, s: { versions: { promotions: before + 2 } } });
  expect((await history(promotions))[0]).toMatchObject({ operation: 'SET TBLPROPERTIES' });
  expect((await run('2025-01-17')).reused).toBe(true);
  // The reused rows are the promotions table's: February's campaign reaches the new days at 45 %.
  await withDuckDb(source(), (c) =>
    c.run(`INSERT INTO daily_sales SELECT 1, DATE '2025-02-02', 100, 10, true, TIMESTAMP '2025-02-03 03:00:00'`),
  );
  const feb = await runIngest({ loaded, today: '2025-02-28' });
  expect(feb.versions.promotions).toBeNull();
  expect(await promo(loaded.paths.lake, `store_id = '1' AND date = DATE '2025-02-02'`)).toEqual([0.45]);
});
