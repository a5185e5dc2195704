// The facts the known-future covariates depend on, read from the reference tables ingest maintains
// (stores, planned promotions, state holidays), and the one way to turn them into covariates for a
// store and a day range. Ingest fills the feature table with it; infer builds the forecast window.
import {
  knownFutureCovariates,
  type CalendarColumns,
  type KnownFutureColumns,
  type KnownFutureStore,
  type PlannedPromotion,
  type RegionalHoliday,
  type ScheduleEntry,
} from '@cvc/core';
import { scanSql, tableExists } from '@cvc/lakehouse';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FeatureTableError } from './errors.js';
import type { FutureValues } from './future-values.js';
import type { LakeTables } from './tables.js';

export interface StoreFacts extends KnownFutureStore {
  storeId: string;
  format: string;
}

export interface KnownFutureInputs {
  stores: Map<string, StoreFacts>;
  /** Campaigns for every store (store_id null in the source). */
  allStorePromotions: PlannedPromotion[];
  promotionsByStore: Map<string, PlannedPromotion[]>;
  regionalHolidays: RegionalHoliday[];
  pandemic: { from: string; to: string } | null;
  /** Planned opening schedule per store (weekday or date rows); stores without one use their learned pattern. */
  schedules?: Map<string, ScheduleEntry[]>;
  /** Values of the configured future columns (source.columns.future) over the forecast window. */
  futureValues?: FutureValues;
}

export interface PromotionRow {
  storeId: string | null;
  startDate: string;
  endDate: string;
  discountPct: number;
}

export interface HolidayRow {
  state: string;
  city: string | null;
  date: string;
  name: string;
}

/** Builds the inputs from plain rows (ingest has them in hand; infer reads them with readKnownFutureInputs). */
export function buildKnownFutureInputs(
  stores: readonly StoreFacts[],
  promotions: readonly PromotionRow[],
  holidays: readonly HolidayRow[],
  pandemic: { from: string; to: string } | null,
): KnownFutureInputs {
  const promotionsByStore = new Map<string, PlannedPromotion[]>();
  const allStorePromotions: PlannedPromotion[] = [];
  for (const p of promotions) {
    const planned = { startDate: p.startDate, endDate: p.endDate, discountPct: p.discountPct };
    if (p.storeId === null) allStorePromotions.push(planned);
    else {
      const list = promotionsByStore.get(p.storeId) ?? [];
      list.push(planned);
      promotionsByStore.set(p.storeId, list);
    }
  }
  return {
    stores: new Map(stores.map((s) => [s.storeId, s])),
    allStorePromotions,
    promotionsByStore,
    regionalHolidays: holidays.map((h) => ({ state: h.state, city: h.city, name: h.name, date: h.date })),
    pandemic,
  };
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** Reads stores, promotions and state holidays from their Delta tables (absent optional tables = none). */
export async function readKnownFutureInputs(
  conn: DuckDBConnection,
  tables: Pick<LakeTables, 'stores' | 'promotions' | 'holidays'> & Partial<Pick<LakeTables, 'storeSchedule'>>,
  opts: { pandemic: { from: string; to: string } | null },
): Promise<KnownFutureInputs> {
  if (!(await tableExists(tables.stores)))
    throw new FeatureTableError(tables.stores, 'the stores table does not exist; run `cvc ingest` first');
  const rows = async (table: string, sql: (from: string) => string): Promise<Record<string, unknown>[]> =>
    (await tableExists(table)) ? (await conn.runAndReadAll(sql(await scanSql(conn, table)))).getRowObjectsJS() : [];
  const stores = await rows(
    tables.stores,
    (t) => `SELECT store_id, state, city, format, opened_on::VARCHAR AS opened_on,
    closed_on::VARCHAR AS closed_on FROM ${t} s ORDER BY store_id`,
  );
  const promos = await rows(
    tables.promotions,
    (t) => `SELECT store_id, start_date::VARCHAR AS start_date, end_date::VARCHAR AS end_date,
    discount_pct FROM ${t} p ORDER BY promo_id`,
  );
  const hols = await rows(
    tables.holidays,
    (t) => `SELECT state, city, holiday_date::VARCHAR AS holiday_date, name FROM ${t} h
    ORDER BY holiday_date, state, city`,
  );
  const schedule = tables.storeSchedule
    ? await rows(
        tables.storeSchedule,
        (t) => `SELECT store_id, weekday,
    schedule_date::VARCHAR AS schedule_date, is_open FROM ${t} s ORDER BY store_id, weekday, schedule_date`,
      )
    : [];
  const inputs = buildKnownFutureInputs(
    stores.map((r) => ({
      storeId: String(r['store_id']),
      state: String(r['state']),
      city: str(r['city']),
      format: String(r['format']),
      openedOn: String(r['opened_on']),
      closedOn: str(r['closed_on']),
    })),
    promos.map((r) => ({
      storeId: str(r['store_id']),
      startDate: String(r['start_date']),
      endDate: String(r['end_date']),
      discountPct: Number(r['discount_pct']),
    })),
    hols.map((r) => ({
      state: String(r['state']),
      city: str(r['city']),
      date: String(r['holiday_date']),
      name: String(r['name']),
    })),
    opts.pandemic,
  );
  return schedule.length > 0 ? { ...inputs, schedules: schedulesByStore(schedule) } : inputs;
}

/** Schedule table rows (store_id, weekday or schedule_date, is_open) grouped per store. */
function schedulesByStore(rows: readonly Record<string, unknown>[]): Map<string, ScheduleEntry[]> {
  const out = new Map<string, ScheduleEntry[]>();
  for (const r of rows) {
    const id = String(r['store_id']);
    const open = r['is_open'] === true;
    const entry: ScheduleEntry =
      r['weekday'] == null ? { date: String(r['schedule_date']), open } : { weekday: Number(r['weekday']), open };
    out.set(id, [...(out.get(id) ?? []), entry]);
  }
  return out;
}

/**
 * The known-future covariates of one store for days from .. from + days - 1. `isOpen`: the source's
 * flag where known (NaN = unknown); `calendar`: precomputed calendar columns for this range and place.
 */
export function storeKnownFuture(
  inputs: KnownFutureInputs,
  storeId: string,
  from: string,
  days: number,
  isOpen?: ArrayLike<number>,
  calendar?: CalendarColumns,
): KnownFutureColumns {
  const store = inputs.stores.get(storeId);
  if (!store) throw new FeatureTableError('stores', `store ${storeId} is not in the store master`);
  return knownFutureCovariates({
    store,
    from,
    days,
    promotions: [...inputs.allStorePromotions, ...(inputs.promotionsByStore.get(storeId) ?? [])],
    regionalHolidays: inputs.regionalHolidays,
    pandemic: inputs.pandemic,
    ...(isOpen ? { isOpen } : {}),
    ...(calendar ? { calendar } : {}),
  });
}
