// The promotions part of the feature table's reference hash is kept with the table and moved on from
// one day to a later one by re-hashing only the promotions whose terms change between them. Moved on
// from any earlier day, it must equal the hash of all promotions at the later day.
import { expect, test } from 'vitest';
import { promotionsHash, promotionsHashFrom, PROMOTIONS_TEMP } from '../src/reference.js';
import { withDuckDb } from './helpers.js';

test('promotionsHashFrom an earlier day equals hashing every promotion again', async () => {
  await withDuckDb(':memory:', async (c) => {
    // 3,000 campaigns of 1-40 days in 2025, some for every store (NULL), a few with the same values.
    await c.run(`CREATE TABLE ${PROMOTIONS_TEMP} AS SELECT i::VARCHAR AS promo_id,
        CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 50)::VARCHAR END AS store_id,
        DATE '2025-01-01' + (hash(i) % 365)::INTEGER AS start_date,
        DATE '2025-01-01' + (hash(i) % 365)::INTEGER + (hash(i, 1) % 40)::INTEGER AS end_date,
        (5 + i % 3 * 5)::DOUBLE AS discount_pct
      FROM range(3000) t(i)`);
    const days = ['2024-12-31', '2025-01-01', '2025-03-15', '2025-03-16', '2025-03-22', '2025-07-01', '2026-02-01'];
    for (const [i, from] of days.entries()) {
      const known = { day: from, hash: await promotionsHash(c, from) };
      for (const to of days.slice(i)) expect(await promotionsHashFrom(c, to, known)).toBe(await promotionsHash(c, to));
      // A later known day, or a kept value that is not a hash, is no shortcut: the hash is computed whole.
      expect(await promotionsHashFrom(c, days[0]!, known)).toBe(await promotionsHash(c, days[0]!));
      expect(await promotionsHashFrom(c, from, { day: '2024-01-01', hash: 'x' })).toBe(known.hash);
    }
    // A day moved on by one changes the hash (a campaign runs on that day), as hashing again does.
    expect(await promotionsHash(c, '2025-03-16')).not.toBe(await promotionsHash(c, '2025-03-15'));
  });
});
