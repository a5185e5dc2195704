// Fills a DuckDB table with the known-future covariates of every (store, day) in the windows to
// rebuild, computed by the one implementation (knownFutureCovariates via @cvc/feature-table) store by
// store and appended in DuckDB-vector-sized chunks, so no per-row JS objects are made.
import { FUTURE_COVARIATES, formatIsoDay } from '@cvc/core';
import { storeKnownFuture, type KnownFutureInputs } from '@cvc/feature-table';
import { DOUBLE, DuckDBDataChunk, INTEGER, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { quoteName } from '../names.js';

export interface StoreWindow {
  storeIdx: number;
  storeId: string;
  /** Day numbers, inclusive. */
  fromDay: number;
  toDay: number;
}

const CHUNK = 2048;

/** Typed arrays index like arrays; the chunk API only reads `length` and `[i]`. */
function asValues(a: ArrayLike<number>): readonly DuckDBValue[] {
  return a as unknown as readonly DuckDBValue[];
}

/**
 * Creates `into` (store_idx, day, one column per FUTURE_COVARIATES) for the windows. `closedDays`
 * holds, per store index, the days the source says the store was closed (the only source fact the
 * covariates need: unknown days inside the open life count as open).
 */
export async function stageKnownFuture(
  conn: DuckDBConnection,
  into: string,
  windows: readonly StoreWindow[],
  inputs: KnownFutureInputs,
  closedDays: ReadonlyMap<number, readonly number[]>,
): Promise<number> {
  const isDouble = (c: string) => c === 'promo';
  const cols = FUTURE_COVARIATES.map((c) => `${quoteName(c, 'duckdb')} ${isDouble(c) ? 'DOUBLE' : 'INTEGER'}`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteName(into, 'duckdb')} (store_idx INTEGER, day INTEGER, ${cols})`);
  const types = [INTEGER, INTEGER, ...FUTURE_COVARIATES.map((c) => (isDouble(c) ? DOUBLE : INTEGER))];
  const app = await conn.createAppender(into);
  let total = 0;
  for (const w of windows) {
    const n = w.toDay - w.fromDay + 1;
    if (n <= 0) continue;
    let isOpen: Float64Array | undefined;
    const closed = closedDays.get(w.storeIdx);
    if (closed && closed.length > 0) {
      isOpen = new Float64Array(n).fill(Number.NaN);
      for (const d of closed) if (d >= w.fromDay && d <= w.toDay) isOpen[d - w.fromDay] = 0;
    }
    const kf = storeKnownFuture(inputs, w.storeId, formatIsoDay(w.fromDay), n, isOpen);
    const idx = new Int32Array(n).fill(w.storeIdx);
    const days = new Int32Array(n);
    for (let i = 0; i < n; i++) days[i] = w.fromDay + i;
    const columns: ArrayLike<number>[] = [idx, days, ...FUTURE_COVARIATES.map((c) => (isDouble(c) ? kf[c] : Int32Array.from(kf[c])))];
    for (let off = 0; off < n; off += CHUNK) {
      const end = Math.min(n, off + CHUNK);
      const chunk = DuckDBDataChunk.create(types, end - off);
      chunk.setColumns(columns.map((a) => asValues((a as Int32Array).subarray(off, end))));
      app.appendDataChunk(chunk);
    }
    total += n;
  }
  app.flushSync();
  app.closeSync();
  return total;
}
