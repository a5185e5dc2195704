// The days after the demo's as-of date, for simulating daily runs: the rows the source would receive
// day by day, by load time, optionally with a level shift for some stores (a competitor opens next
// door), and the append of one day's rows to an existing demo source.
import { DuckDBInstance } from '@duckdb/node-api';
import { formatIsoDay, parseIsoDay } from '@cvc/core';
import { generateDemoData } from './generate.js';
import { extractMoment } from './sales.js';
import { DemoOptionsError, type DemoOptionsInput, parseDemoOptions } from './options.js';
import type { DailySalesTable } from './tables.js';
import { appendDailySales } from './write.js';

/** Sales of `stores` are multiplied by `factor` on every emitted day (0.6 = a 40 % drop). */
export interface LevelShift {
  stores: number[];
  factor: number;
}

export interface NextDays {
  /** The emitted sale days, ISO, in order. */
  days: string[];
  /**
   * The rows the source receives between the run after the previous day and the run after `day`,
   * by load time (updated_at): mostly `day`'s own sales, plus late first loads and corrections of
   * earlier days that loaded in that span. A row never reaches the source before its updated_at.
   */
  feedOf(day: string): DailySalesTable;
}

function slice(t: DailySalesTable, keep: (i: number) => boolean): DailySalesTable {
  const idx: number[] = [];
  for (let i = 0; i < t.length; i++) if (keep(i)) idx.push(i);
  const pick = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: new (n: number) => T): T => {
    const b = new make(idx.length);
    idx.forEach((j, k) => (b[k] = a[j]!));
    return b;
  };
  return {
    length: idx.length,
    storeId: pick(t.storeId, Int32Array),
    saleDay: pick(t.saleDay, Int32Array),
    grossCents: pick(t.grossCents, Float64Array),
    nSales: pick(t.nSales, Int32Array),
    isOpen: pick(t.isOpen, Uint8Array),
    updatedAt: pick(t.updatedAt, Float64Array),
  };
}

/**
 * The `days` days after `opts.asOf`: the generator continued past the as-of date with the same seed,
 * stores and promotions, so each store's sales go on from its history. The rows are delivered by load
 * time, as a real feed fills the source: the history written for the as-of date holds the rows loaded
 * by its extract, and each later day's run finds the rows loaded since the previous run (see feedOf).
 * Rows still in transit after the last day's run are not emitted.
 */
export function demoDaysAfter(opts: DemoOptionsInput, days: number, shift?: LevelShift): NextDays {
  const o = parseDemoOptions(opts);
  if (!Number.isInteger(days) || days < 1)
    throw new DemoOptionsError('days', `expected a positive whole number of days, got ${days}`);
  if (shift && !(shift.factor > 0))
    throw new DemoOptionsError('shiftFactor', `expected a positive factor, got ${shift.factor}`);
  const asOfDay = parseIsoDay(o.asOf);
  // Bad rows are left out: some of them are dated after the as-of date on purpose.
  const data = generateDemoData({ ...o, badRows: 0 }, days);
  const known = new Set(data.stores.storeId);
  const unknown = (shift?.stores ?? []).filter((s) => !known.has(s));
  if (unknown.length > 0)
    throw new DemoOptionsError('shiftStores', `no such store(s) in the demo: ${unknown.join(', ')}`);
  // Everything loaded after the as-of date's extract: the history source already holds the rest.
  const sales = data.dailySales;
  const after = slice(sales, (i) => sales.updatedAt[i]! > extractMoment(asOfDay));
  if (shift) {
    const shifted = new Set(shift.stores);
    for (let i = 0; i < after.length; i++) {
      // The competitor opens on the first simulated day: earlier days keep their level.
      if (!shifted.has(after.storeId[i]!) || after.saleDay[i]! <= asOfDay) continue;
      after.grossCents[i] = Math.round(after.grossCents[i]! * shift.factor);
      after.nSales[i] = Math.round(after.nSales[i]! * shift.factor);
    }
  }
  const list = Array.from({ length: days }, (_, k) => formatIsoDay(asOfDay + k + 1));
  return {
    days: list,
    feedOf: (day) => {
      const d = parseIsoDay(day);
      if (d <= asOfDay || d > asOfDay + days)
        throw new DemoOptionsError('day', `${day} is not one of the simulated days ${list[0]} .. ${list.at(-1)}`);
      const from = extractMoment(d - 1);
      const to = extractMoment(d);
      return slice(after, (i) => after.updatedAt[i]! > from && after.updatedAt[i]! <= to);
    },
  };
}

/** Appends one day's rows to the demo source's daily_sales (one transaction); returns the row count. */
export async function appendDemoSales(path: string, rows: DailySalesTable): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  try {
    const con = await instance.connect();
    try {
      await con.run('BEGIN TRANSACTION');
      await appendDailySales(con, rows);
      await con.run('COMMIT');
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  return rows.length;
}
