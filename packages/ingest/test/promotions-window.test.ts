// Promotions stay in DuckDB (reference.ts): the feature table's reference hash takes them from SQL,
// and a run reads only the promotions its windows overlap. A change to a promotion that already
// shaped the table rebuilds it; one beyond its last day does not, and still reaches the new days.
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { scanSql } from '@cvc/lakehouse';
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
