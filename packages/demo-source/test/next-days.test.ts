// demoDaysAfter: the days after the as-of date continue the generator without changing the history,
// and a level shift scales exactly the chosen stores.
import { describe, expect, it } from 'vitest';
import { demoDaysAfter, generateDemoData } from '../src/index.js';

const OPTS = { stores: 12, from: '2024-01-01', asOf: '2025-03-31', seed: 7, badRows: 0 };

describe('demoDaysAfter', () => {
  it('emits one row per open store and day after the as-of date, continuing the history unchanged', () => {
    const next = demoDaysAfter(OPTS, 5);
    expect(next.days).toEqual(['2025-04-01', '2025-04-02', '2025-04-03', '2025-04-04', '2025-04-05']);
    const day1 = next.salesOf('2025-04-01');
    expect(day1.length).toBeGreaterThan(8);
    expect(new Set(day1.saleDay)).toEqual(new Set([Date.parse('2025-04-01') / 86_400_000]));
    // The continued generation holds the same sales as the original up to the as-of date.
    const base = generateDemoData(OPTS).dailySales;
    const ext = generateDemoData(OPTS, 5).dailySales;
    const asOf = Date.parse('2025-03-31') / 86_400_000;
    const key = (t: typeof base, i: number) => `${t.storeId[i]}/${t.saleDay[i]}/${t.updatedAt[i]}`;
    const original = new Map<string, number>();
    for (let i = 0; i < base.length; i++) original.set(key(base, i), base.grossCents[i]!);
    let same = 0;
    let compared = 0;
    for (let i = 0; i < ext.length; i++) {
      if (ext.saleDay[i]! > asOf - 10 || !original.has(key(ext, i))) continue;
      compared++;
      if (original.get(key(ext, i)) === ext.grossCents[i]) same++;
    }
    expect(compared).toBeGreaterThan(base.length * 0.95);
    expect(same).toBe(compared);
  });

  it('scales the shifted stores by the factor and leaves the others alone', () => {
    const plain = demoDaysAfter(OPTS, 3).salesOf('2025-04-02');
    const shifted = demoDaysAfter(OPTS, 3, { stores: [2, 5], factor: 0.5 }).salesOf('2025-04-02');
    expect(shifted.length).toBe(plain.length);
    for (let i = 0; i < plain.length; i++) {
      const want = [2, 5].includes(plain.storeId[i]!) ? Math.round(plain.grossCents[i]! * 0.5) : plain.grossCents[i];
      expect(shifted.grossCents[i]).toBe(want);
    }
    expect(() => demoDaysAfter(OPTS, 3, { stores: [99], factor: 0.5 })).toThrow(
      /shiftStores: no such store\(s\) in the demo: 99/,
    );
  });
});
