// Feature rows of the LightGBM forecaster: nothing after the origin leaks in, lags land on the
// days they name, and the per-origin shortcut gives the same matrix as row-by-row values.
import { describe, expect, it, test } from 'vitest';
import { lgbmSynthetic } from '../../../bench/lgbm-synthetic.js';
import { buildFeatures, buildLabel, makeLayout } from '../src/lgbm/features.js';
import { storeHistory, storeLevel } from '../src/lgbm/history.js';
import { fitRows, type RowSet } from '../src/lgbm/rows.js';

const { history } = lgbmSynthetic({ stores: 3, days: 500, extraDays: 35, seed: 9 });
const layout = makeLayout(history, true, 28);

function originRows(store: number, t: number): RowSet {
  const n = 35;
  return {
    n,
    store: new Int32Array(n).fill(store),
    origin: new Int32Array(n).fill(t),
    h: Int32Array.from({ length: n }, (_, k) => k + 1),
    rank: new Int32Array(n),
  };
}

describe('lgbm features', () => {
  it('do not change when sales or past covariates after the origin change', () => {
    const t = 400;
    const rows = originRows(1, t);
    const before = buildFeatures(layout, history.map(storeHistory), rows);
    const tampered = history.map((s) => {
      const sales = Float64Array.from(s.sales, (v, i) => (i > t ? v * 3 + 17 : v));
      const n = Float64Array.from(s.past['n_sales']!, (v, i) => (i > t ? v + 99 : v));
      return { ...s, sales, past: { n_sales: n } };
    });
    const after = buildFeatures(layout, tampered.map(storeHistory), rows);
    expect(Array.from(after.X)).toEqual(Array.from(before.X));
    expect(Array.from(after.level)).toEqual(Array.from(before.level));
  });

  it('puts lags, horizon and known-future values on the days they name', () => {
    const hist = history.map(storeHistory);
    const t = 450;
    const rows = originRows(0, t);
    const m = buildFeatures(layout, hist, rows);
    const col = (name: string) =>
      m.X.subarray(layout.names.indexOf(name) * m.nrow, (layout.names.indexOf(name) + 1) * m.nrow);
    const s = history[0]!;
    const lv = storeLevel(hist[0]!, t, 28);
    const open = (i: number) => s.future['is_open']![i] === 1;
    for (let h = 1; h <= 35; h++) {
      const i = h - 1;
      const d = t + h;
      expect(col('h')[i]).toBe(h);
      expect(col('promo')[i]).toBe(s.future['promo']![d]);
      expect(col('dow')[i]).toBe(s.future['dow']![d]);
      expect(col('promo_next')[i]).toBe(s.future['promo']![d + 1]);
      const sw = d - 7 * Math.ceil(h / 7);
      expect(sw).toBeLessThanOrEqual(t);
      if (open(sw)) expect(col('sales_sw1')[i]).toBeCloseTo(s.sales[sw]! / lv, 5);
      else expect(col('sales_sw1')[i]).toBeNaN();
      if (open(t)) expect(col('sales_lag0')[i]).toBeCloseTo(s.sales[t]! / lv, 5);
    }
    expect(m.level[0]).toBeCloseTo(lv, 9);
  });

  it('labels are target-day sales over the origin level, for open known days only', () => {
    const hist = history.map(storeHistory);
    const rows = fitRows(hist, 35, 10, 7, 28);
    const m = buildFeatures(layout, hist, rows);
    const y = buildLabel(hist, rows, m.level);
    for (let i = 0; i < rows.n; i += 97) {
      const d = rows.origin[i]! + rows.h[i]!;
      expect(hist[rows.store[i]!]!.open[d]).toBe(1);
      expect(y[i]).toBeCloseTo(history[rows.store[i]!]!.sales[d]! / m.level[i]!, 4);
      expect(d).toBeLessThan(500);
    }
    // grouped by horizon step, most recent origin first
    expect(rows.h[0]).toBe(1);
    expect(rows.h[rows.n - 1]).toBe(35);
    expect(rows.rank[0]).toBe(0);
  });
});

test('closure distances: days since the last closed day, until the next, closed days just before', async () => {
  const { closureDistances } = await import('../src/lgbm/features.js');
  // open: 1 1 0 0 0 1 1 0 1
  const c = closureDistances(Float64Array.from([1, 1, 0, 0, 0, 1, 1, 0, 1]));
  expect(Array.from(c.since)).toEqual([28, 28, 28, 1, 1, 1, 2, 3, 1]);
  expect(Array.from(c.until)).toEqual([2, 1, 1, 1, 3, 2, 1, 28, 28]);
  expect(Array.from(c.runBefore)).toEqual([0, 0, 0, 1, 2, 3, 0, 0, 1]);
});

test('closure columns only when closureFeatures is on (saved models without them keep their columns)', () => {
  const closure = ['days_since_closed', 'days_until_closed', 'closed_days_before'];
  expect(makeLayout(history, true, 28).names.filter((n) => closure.includes(n))).toEqual([]);
  const on = makeLayout(history, true, 28, true);
  expect(on.names.filter((n) => closure.includes(n))).toEqual(closure);
  const rows = fitRows(history.map(storeHistory), 7, 4, 7, 28);
  const m = buildFeatures(on, history.map(storeHistory), rows);
  const j = on.names.indexOf('days_since_closed');
  expect(m.X.subarray(j * m.nrow, (j + 1) * m.nrow).every((v) => v >= 1 && v <= 28)).toBe(true);
});
