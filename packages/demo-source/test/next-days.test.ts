// demoDaysAfter: the days after the as-of date continue the generator without changing the history,
// deliver each row when it is loaded (never before its updated_at), and a level shift scales exactly
// the chosen stores from the first simulated day on.
import { describe, expect, it } from 'vitest';
import { demoDaysAfter, generateDemoData } from '../src/index.js';

const OPTS = { stores: 12, from: '2024-01-01', asOf: '2025-03-31', seed: 7, badRows: 0 };
const DAY_S = 86_400;
const dayOf = (iso: string) => Date.parse(iso) / 1000 / DAY_S;

describe('demoDaysAfter', () => {
  it('feeds each day its own sales, continuing the history unchanged', () => {
    const next = demoDaysAfter(OPTS, 5);
    expect(next.days).toEqual(['2025-04-01', '2025-04-02', '2025-04-03', '2025-04-04', '2025-04-05']);
    const day1 = next.feedOf('2025-04-01');
    expect(day1.length).toBeGreaterThan(8);
    expect(new Set(day1.saleDay)).toEqual(new Set([dayOf('2025-04-01')]));
    // The continued generation holds every row of the original, with the same value: the history
    // does not depend on how far the generator runs.
    const base = generateDemoData(OPTS).dailySales;
    const ext = generateDemoData(OPTS, 5).dailySales;
    const key = (t: typeof base, i: number) => `${t.storeId[i]}/${t.saleDay[i]}/${t.updatedAt[i]}`;
    const continued = new Map<string, number>();
    for (let i = 0; i < ext.length; i++) continued.set(key(ext, i), ext.grossCents[i]!);
    const differ: string[] = [];
    for (let i = 0; i < base.length; i++)
      if (continued.get(key(base, i)) !== base.grossCents[i]) differ.push(key(base, i));
    expect(differ).toEqual([]);
    expect(() => next.feedOf('2025-04-06')).toThrow(/day: 2025-04-06 is not one of the simulated days/);
  });

  it('delivers a row only once it is loaded: nothing in the history or a feed is dated after its run', () => {
    // 300 stores over a month: late loads and corrections of every kind occur.
    const opts = { stores: 300, from: '2025-01-01', asOf: '2025-03-31', seed: 11, badRows: 0 };
    const days = 30;
    const next = demoDaysAfter(opts, days);
    // The run after day D reads the source by the end of D + 1 (loads happen 02:00-07:00 UTC).
    const runAt = (day: number) => (day + 2) * DAY_S - 1;
    const history = generateDemoData(opts).dailySales;
    expect(Math.max(...history.updatedAt)).toBeLessThanOrEqual(runAt(dayOf(opts.asOf)));
    type Rows = typeof history;
    // The latest value per (store, day) so far, as the source's reader sees it.
    const latest = new Map<string, { at: number; cents: number }>();
    const take = (t: Rows, i: number) => {
      const key = `${t.storeId[i]}/${t.saleDay[i]}`;
      const was = latest.get(key);
      if (!was || t.updatedAt[i]! >= was.at) latest.set(key, { at: t.updatedAt[i]!, cents: t.grossCents[i]! });
      return was !== undefined;
    };
    for (let i = 0; i < history.length; i++) take(history, i);
    let late = 0;
    let corrections = 0;
    for (const day of next.days) {
      const feed = next.feedOf(day);
      for (let i = 0; i < feed.length; i++) {
        expect(feed.updatedAt[i]).toBeLessThanOrEqual(runAt(dayOf(day)));
        expect(feed.updatedAt[i]).toBeGreaterThan(runAt(dayOf(day) - 1));
        const known = take(feed, i);
        if (feed.saleDay[i]! < dayOf(day)) known ? corrections++ : late++;
      }
    }
    expect(late).toBeGreaterThan(0);
    expect(corrections).toBeGreaterThan(0);
    // Together the history and the feeds give every (store, day) the generator loaded by the last run,
    // with its latest value.
    const all = generateDemoData(opts, days).dailySales;
    const last = runAt(dayOf(next.days.at(-1)!));
    const want = new Map<string, { at: number; cents: number }>();
    for (let i = 0; i < all.length; i++) {
      const key = `${all.storeId[i]}/${all.saleDay[i]}`;
      if (all.updatedAt[i]! <= last && !(want.get(key)!?.at > all.updatedAt[i]!))
        want.set(key, { at: all.updatedAt[i]!, cents: all.grossCents[i]! });
    }
    expect(latest.size).toBe(want.size);
    for (const [key, v] of want) expect([key, latest.get(key)?.cents]).toEqual([key, v.cents]);
  });

  it('scales the shifted stores by the factor from the first simulated day on, and leaves the others alone', () => {
    const plain = demoDaysAfter(OPTS, 3).feedOf('2025-04-02');
    const shifted = demoDaysAfter(OPTS, 3, { stores: [2, 5], factor: 0.5 }).feedOf('2025-04-02');
    expect(shifted.length).toBe(plain.length);
    const asOf = dayOf('2025-03-31');
    for (let i = 0; i < plain.length; i++) {
      const scaled = [2, 5].includes(plain.storeId[i]!) && plain.saleDay[i]! > asOf;
      expect(shifted.grossCents[i]).toBe(scaled ? Math.round(plain.grossCents[i]! * 0.5) : plain.grossCents[i]);
    }
    expect(() => demoDaysAfter(OPTS, 3, { stores: [99], factor: 0.5 })).toThrow(
      /shiftStores: no such store\(s\) in the demo: 99/,
    );
  });
});
