// The whole demo source as columns, deterministic from the options: a pure function (no I/O), so
// tests check statistics on it directly and writeDemoSource only has to store it.
import { formatIsoDay, parseIsoDay, regionalHolidayDays, yearOf } from '@cvc/core';
import { injectBadRows } from './bad-rows.js';
import { dayEffects } from './effects.js';
import { type DemoOptionsInput, parseDemoOptions } from './options.js';
import { generatePromotions, PLANNING_HORIZON_DAYS, promotionsTable } from './promotions.js';
import { DEMO_REGIONAL_HOLIDAYS } from './regional-holidays.js';
import { generateDailySales } from './sales.js';
import { generateStores, type Store } from './stores.js';
import type { DemoData, StateHolidaysTable, StoresTable } from './tables.js';

function storesTable(stores: readonly Store[]): StoresTable {
  return {
    storeId: Int32Array.from(stores, (s) => s.storeId),
    storeName: stores.map((s) => s.storeName),
    state: stores.map((s) => s.state),
    city: stores.map((s) => s.city),
    format: stores.map((s) => s.format),
    openedOn: Int32Array.from(stores, (s) => s.openedOn),
    closedOn: stores.map((s) => s.closedOn),
    sizeM2: Int32Array.from(stores, (s) => s.sizeM2),
    assortment: stores.map((s) => s.assortment),
  };
}

/** Every listed state/city holiday from the start through the planning horizon (known future). */
function stateHolidaysTable(fromDay: number, toDay: number): StateHolidaysTable {
  const rows: { state: string; city: string | null; day: number; name: string }[] = [];
  for (const h of DEMO_REGIONAL_HOLIDAYS) {
    for (const day of regionalHolidayDays(h, yearOf(fromDay), yearOf(toDay))) {
      if (day >= fromDay && day <= toDay) rows.push({ state: h.state, city: h.city ?? null, day, name: h.name });
    }
  }
  rows.sort((a, b) => a.day - b.day || a.state.localeCompare(b.state));
  return {
    state: rows.map((r) => r.state),
    city: rows.map((r) => r.city),
    holidayDay: Int32Array.from(rows, (r) => r.day),
    name: rows.map((r) => r.name),
  };
}

export interface GenerateResult extends DemoData {
  /** The generator's hidden store traits (level, trend, ...), for tests and diagnostics only. */
  storeTraits: Store[];
}

/**
 * `extraSalesDays` continues the daily sales that many days past the as-of date with the same stores,
 * promotions and random streams, so the history up to the as-of date is unchanged (the simulated days
 * of `demoDaysAfter`).
 */
export function generateDemoData(input: DemoOptionsInput = {}, extraSalesDays = 0): GenerateResult {
  const o = parseDemoOptions(input);
  const fromDay = parseIsoDay(o.from);
  const asOfDay = parseIsoDay(o.asOf);
  const stores = generateStores(o.stores, o.seed, fromDay, asOfDay);
  const promotions = generatePromotions(stores, o.seed, fromDay, asOfDay);
  const salesEnd = asOfDay + extraSalesDays;
  const effects = dayEffects(fromDay, salesEnd - fromDay + 1);
  const sales = generateDailySales({
    stores,
    promotions,
    regional: DEMO_REGIONAL_HOLIDAYS,
    effects,
    seed: o.seed,
    asOfDay: salesEnd,
  });
  const badRows = injectBadRows(sales, stores, o.badRows, o.seed, fromDay, asOfDay);
  return {
    from: formatIsoDay(fromDay),
    asOf: formatIsoDay(asOfDay),
    seed: o.seed,
    stores: storesTable(stores),
    dailySales: sales.table(),
    promotions: promotionsTable(promotions),
    stateHolidays: stateHolidaysTable(fromDay, asOfDay + PLANNING_HORIZON_DAYS),
    badRows,
    storeTraits: stores,
  };
}
