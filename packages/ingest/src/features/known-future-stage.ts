// Fills DuckDB tables with the known-future covariates of every (store, day) to rebuild, computed by
// the one implementation (knownFutureCovariates, via @cvc/feature-table). Calendar and holiday
// columns depend only on the day and the store's place, so they are computed and stored once per
// place (state, city); the store-specific ones (is_open, promo, store_age_days) once per store. The
// SQL that builds feature rows joins the two.
import { CALENDAR_FEATURES, formatIsoDay, type CalendarColumns, type FutureCovariate } from '@cvc/core';
import { storeKnownFuture, type KnownFutureInputs } from '@cvc/feature-table';
import {
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { quoteName } from '../names.js';

export interface StoreWindow {
  storeIdx: number;
  storeId: string;
  placeIdx: number;
  /** Day numbers, inclusive. */
  fromDay: number;
  toDay: number;
}

/** Covariates stored per place and day (the calendar, holidays and the pandemic flag). */
export const PLACE_COVARIATES: readonly FutureCovariate[] = [...CALENDAR_FEATURES, 'is_pandemic'];
/** Covariates stored per store and day. */
export const STORE_COVARIATES: readonly FutureCovariate[] = ['is_open', 'promo', 'store_age_days'];

const CHUNK = 2048;

/**
 * Appends typed-array columns through one reused chunk. Reuse matters: each chunk holds native
 * memory that is only freed when V8 collects it, and with a small JS heap that can take thousands of
 * chunks (hundreds of MB). The vectors' backing arrays are filled with one `set` per column instead
 * of the per-value setItem path (~10x faster); a vector without that shape falls back to the public API.
 */
class ChunkAppender {
  private readonly chunk: DuckDBDataChunk;

  constructor(
    private readonly app: DuckDBAppender,
    types: readonly DuckDBType[],
  ) {
    this.chunk = DuckDBDataChunk.create(types);
  }

  private pending: (Int32Array | Float64Array)[][] = [];
  private pendingRows = 0;

  /**
   * Short runs (a daily run's windows are a few days per store) are gathered into one chunk before
   * they are appended: a chunk append per store cost more than computing the store's covariates.
   */
  append(columns: readonly (Int32Array | Float64Array)[], n: number): void {
    if (n >= CHUNK) {
      this.flush();
      this.appendNow(columns, n);
      return;
    }
    if (this.pendingRows + n > CHUNK) this.flush();
    this.pending.push(columns.map((c) => c.subarray(0, n)));
    this.pendingRows += n;
  }

  /** Appends the gathered runs; call before closing the appender. */
  flush(): void {
    if (this.pendingRows === 0) return;
    const runs = this.pending;
    const n = this.pendingRows;
    const joined = runs[0]!.map((first, k) => {
      const out = first instanceof Float64Array ? new Float64Array(n) : new Int32Array(n);
      let at = 0;
      for (const run of runs) {
        out.set(run[k] as never, at);
        at += run[k]!.length;
      }
      return out;
    });
    this.pending = [];
    this.pendingRows = 0;
    this.appendNow(joined, n);
  }

  private appendNow(columns: readonly (Int32Array | Float64Array)[], n: number): void {
    for (let off = 0; off < n; off += CHUNK) {
      const end = Math.min(n, off + CHUNK);
      this.chunk.rowCount = end - off; // also drops the vectors cached for the previous size
      columns.forEach((col, k) => {
        const part = col.subarray(off, end);
        const vector = this.chunk.getColumnVector(k) as unknown as { items?: unknown; flush(): void };
        const items = vector.items;
        if (
          (items instanceof Int32Array || items instanceof Float64Array) &&
          items.constructor === part.constructor &&
          items.length === part.length
        ) {
          items.set(part as never);
          vector.flush();
        } else {
          this.chunk.setColumnValues(k, part as unknown as readonly DuckDBValue[]);
        }
      });
      this.app.appendDataChunk(this.chunk);
    }
  }
}

const isDouble = (c: FutureCovariate) => c === 'promo';
const typed = (c: FutureCovariate, a: Float64Array): Int32Array | Float64Array =>
  isDouble(c) ? a : Int32Array.from(a);

function sliceCalendar(cal: CalendarColumns, a: number, b: number): CalendarColumns {
  return Object.fromEntries(CALENDAR_FEATURES.map((c) => [c, cal[c].subarray(a, b)])) as CalendarColumns;
}

/**
 * Creates `${prefix}_place` (place_idx, day, PLACE_COVARIATES) over [fromDay, toDay] of all windows
 * and `${prefix}_store` (store_idx, day, STORE_COVARIATES) for each window. `closedDays`: per store
 * index, the days the source says it was closed. Returns the number of (store, day) rows.
 */
export async function stageKnownFuture(
  conn: DuckDBConnection,
  prefix: string,
  windows: readonly StoreWindow[],
  inputs: KnownFutureInputs,
  closedDays: ReadonlyMap<number, readonly number[]>,
): Promise<number> {
  const colDefs = (cols: readonly FutureCovariate[]) =>
    cols.map((c) => `${quoteName(c, 'duckdb')} ${isDouble(c) ? 'DOUBLE' : 'INTEGER'}`).join(', ');
  const placeTable = `${prefix}_place`;
  const storeTable = `${prefix}_store`;
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteName(placeTable, 'duckdb')} (place_idx INTEGER, day INTEGER, ` +
      `${colDefs(PLACE_COVARIATES)})`,
  );
  await conn.run(
    `CREATE OR REPLACE TEMP TABLE ${quoteName(storeTable, 'duckdb')} (store_idx INTEGER, day INTEGER, ` +
      `${colDefs(STORE_COVARIATES)})`,
  );
  const live = windows.filter((w) => w.toDay >= w.fromDay);
  if (live.length === 0) return 0;
  const lo = Math.min(...live.map((w) => w.fromDay));
  const hi = Math.max(...live.map((w) => w.toDay));
  const span = hi - lo + 1;
  const dayAxis = new Int32Array(span);
  for (let i = 0; i < span; i++) dayAxis[i] = lo + i;

  // One representative store per place yields that place's calendar over the whole span.
  const calendars = new Map<number, CalendarColumns>();
  const placeApp = await conn.createAppender(placeTable);
  const placeOut = new ChunkAppender(placeApp, [
    INTEGER,
    INTEGER,
    ...PLACE_COVARIATES.map((c) => (isDouble(c) ? DOUBLE : INTEGER)),
  ]);
  for (const w of live) {
    if (calendars.has(w.placeIdx)) continue;
    const kf = storeKnownFuture(inputs, w.storeId, formatIsoDay(lo), span);
    calendars.set(w.placeIdx, Object.fromEntries(CALENDAR_FEATURES.map((c) => [c, kf[c]])) as CalendarColumns);
    placeOut.append(
      [new Int32Array(span).fill(w.placeIdx), dayAxis, ...PLACE_COVARIATES.map((c) => typed(c, kf[c]))],
      span,
    );
  }
  placeOut.flush();
  placeApp.flushSync();
  placeApp.closeSync();

  const storeApp = await conn.createAppender(storeTable);
  const storeOut = new ChunkAppender(storeApp, [
    INTEGER,
    INTEGER,
    ...STORE_COVARIATES.map((c) => (isDouble(c) ? DOUBLE : INTEGER)),
  ]);
  let total = 0;
  for (const w of live) {
    const n = w.toDay - w.fromDay + 1;
    let isOpen: Float64Array | undefined;
    const closed = closedDays.get(w.storeIdx);
    if (closed && closed.length > 0) {
      isOpen = new Float64Array(n).fill(Number.NaN);
      for (const d of closed) if (d >= w.fromDay && d <= w.toDay) isOpen[d - w.fromDay] = 0;
    }
    const cal = sliceCalendar(calendars.get(w.placeIdx)!, w.fromDay - lo, w.toDay - lo + 1);
    const kf = storeKnownFuture(inputs, w.storeId, formatIsoDay(w.fromDay), n, isOpen, cal);
    storeOut.append(
      [
        new Int32Array(n).fill(w.storeIdx),
        dayAxis.subarray(w.fromDay - lo, w.toDay - lo + 1),
        ...STORE_COVARIATES.map((c) => typed(c, kf[c])),
      ],
      n,
    );
    total += n;
  }
  storeOut.flush();
  storeApp.flushSync();
  storeApp.closeSync();
  return total;
}
