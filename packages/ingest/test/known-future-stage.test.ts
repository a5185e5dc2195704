// stageKnownFuture gathers short store windows (a daily run's few days per store) into one appended
// chunk and appends long ones directly. Whatever the mix, the staged rows must be each window's
// covariates as storeKnownFuture computes them, every (store, day) once.
import { formatIsoDay, parseIsoDay } from '@cvc/core';
import { buildKnownFutureInputs, storeKnownFuture } from '@cvc/feature-table';
import { expect, test } from 'vitest';
import { stageKnownFuture, STORE_COVARIATES, type StoreWindow } from '../src/features/known-future-stage.js';
import { withDuckDb } from './helpers.js';

test('short and long windows, mixed, stage exactly their covariates', async () => {
  const stores = Array.from({ length: 40 }, (_, i) => ({
    storeId: String(i + 1),
    state: i % 2 ? 'SP' : 'RJ',
    city: null,
    format: 'mall',
    openedOn: '2019-01-01',
    closedOn: null,
  }));
  const inputs = buildKnownFutureInputs(
    stores,
    [
      { storeId: null, startDate: '2025-03-01', endDate: '2025-03-10', discountPct: 10 },
      { storeId: '7', startDate: '2024-12-30', endDate: '2025-01-02', discountPct: 30 },
    ],
    [{ state: 'SP', city: null, date: '2025-01-25', name: 'Aniversário' }],
    null,
  );
  const last = parseIsoDay('2025-03-31');
  // Lengths around the 2,048-row chunk: 1-9 days for most, 2,047 / 2,048 / 3,000 days for a few.
  const lengths = stores.map((_, i) => (i === 5 ? 3000 : i === 6 ? 2048 : i === 20 ? 2047 : 1 + (i % 9)));
  const windows: StoreWindow[] = stores.map((s, i) => ({
    storeIdx: i,
    storeId: s.storeId,
    placeIdx: i % 2,
    fromDay: last - lengths[i]! + 1,
    toDay: last,
  }));
  const closed = new Map([[3, [last - 1]]]);
  await withDuckDb(':memory:', async (c) => {
    const total = await stageKnownFuture(c, 'kf', windows, inputs, closed);
    expect(total).toBe(lengths.reduce((a, b) => a + b, 0));
    const rows = (
      await c.runAndReadAll(`SELECT store_idx, day, ${STORE_COVARIATES.join(', ')} FROM kf_store ORDER BY 1, 2`)
    ).getRowObjectsJS();
    expect(rows).toHaveLength(total);
    let k = 0;
    for (const w of windows) {
      const n = w.toDay - w.fromDay + 1;
      const isOpen = new Float64Array(n).fill(Number.NaN);
      for (const d of closed.get(w.storeIdx) ?? []) isOpen[d - w.fromDay] = 0;
      const kf = storeKnownFuture(inputs, w.storeId, formatIsoDay(w.fromDay), n, isOpen);
      for (let d = 0; d < n; d++, k++) {
        const r = rows[k]!;
        expect([r['store_idx'], r['day']]).toEqual([w.storeIdx, w.fromDay + d]);
        for (const col of STORE_COVARIATES) expect(Number(r[col])).toBe(kf[col][d]);
      }
    }
    const places = (await c.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM kf_place`)).getRowObjectsJS();
    expect(places[0]!['n']).toBe(2 * 3000);
  });
});
