// The demo source as columns, one array per column of the four source tables (see README.md).
// Dates are day numbers (days since 1970-01-01), money is whole cents, timestamps are epoch seconds.

export const STORE_FORMATS = ['mall', 'street', 'airport'] as const;
export type StoreFormat = (typeof STORE_FORMATS)[number];

export interface StoresTable {
  storeId: Int32Array;
  storeName: string[];
  state: string[];
  city: string[];
  format: StoreFormat[];
  openedOn: Int32Array;
  closedOn: (number | null)[]; // last day open; null = still open
  sizeM2: Int32Array; // sales floor (m2)
  assortment: string[]; // 'basic' | 'standard' | 'full'
}

export interface DailySalesTable {
  length: number;
  storeId: Int32Array;
  saleDay: Int32Array;
  grossCents: Float64Array; // whole cents; exact in a double up to 2^53
  nSales: Int32Array;
  isOpen: Uint8Array;
  updatedAt: Float64Array; // epoch seconds (UTC)
}

export interface PromotionsTable {
  promoId: Int32Array;
  storeId: (number | null)[]; // null = every store
  startDay: Int32Array;
  endDay: Int32Array;
  discountPct: Float64Array;
}

export interface StateHolidaysTable {
  state: string[];
  city: (string | null)[];
  holidayDay: Int32Array;
  name: string[];
}

export type BadRowKind = 'negative_sales' | 'future_date' | 'unknown_store' | 'outlier';

/** A deliberately invalid daily_sales row; (storeId, saleDate, updatedAt) identifies it in the table. */
export interface BadRow {
  kind: BadRowKind;
  row: number; // index in DailySalesTable
  storeId: number;
  saleDate: string;
  updatedAt: number; // epoch seconds
}

export interface DemoData {
  from: string;
  asOf: string;
  seed: number;
  stores: StoresTable;
  dailySales: DailySalesTable;
  promotions: PromotionsTable;
  stateHolidays: StateHolidaysTable;
  badRows: BadRow[];
}
