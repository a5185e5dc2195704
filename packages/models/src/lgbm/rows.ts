// Which (store, origin, horizon step) rows a model learns from or predicts. A row's features are
// computed as of its origin t (last observed day); its target is day d = t + h.
import type { StoreHistory } from './history.js';
import { storeLevel } from './history.js';

export interface RowSet {
  n: number;
  store: Int32Array;
  origin: Int32Array;
  /** Horizon step, 1-based. */
  h: Int32Array;
  /** Origin rank per store: 0 = most recent training origin (fit rows only; -1 at predict). */
  rank: Int32Array;
}

/** Least history an origin needs before it yields training rows. */
export const MIN_HISTORY_DAYS = 28;

/**
 * Training rows: weekly origins going back from the last one whose whole horizon is observed.
 * Rows whose target is unknown or a closed day are left out (closed days are forecast as 0).
 * Rows are grouped by horizon step so a per-step model takes a contiguous slice.
 */
export function fitRows(
  hist: readonly StoreHistory[],
  horizon: number,
  numOrigins: number,
  step: number,
  levelWindow: number,
): RowSet {
  // Each origin's level is checked once, not once per horizon step.
  const origins = hist.map((st) => {
    const ts: number[] = [];
    const last = st.length - 1 - horizon;
    for (let k = 0; k < numOrigins; k++) {
      const t = last - k * step;
      if (t < MIN_HISTORY_DAYS) break;
      ts.push(storeLevel(st, t, levelWindow) > 0 ? t : -1);
    }
    return ts;
  });
  const store: number[] = [];
  const origin: number[] = [];
  const hs: number[] = [];
  const rank: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    for (let s = 0; s < hist.length; s++) {
      const st = hist[s]!;
      const ts = origins[s]!;
      for (let k = 0; k < ts.length; k++) {
        const t = ts[k]!;
        if (t < 0) continue;
        const d = t + h;
        if (Number.isNaN(st.sales[d]!) || st.open[d] === 0) continue;
        store.push(s);
        origin.push(t);
        hs.push(h);
        rank.push(k);
      }
    }
  }
  return {
    n: store.length,
    store: Int32Array.from(store),
    origin: Int32Array.from(origin),
    h: Int32Array.from(hs),
    rank: Int32Array.from(rank),
  };
}

/** Forecast rows: origin = each store's last observed day, steps 1..horizon, store-major. */
export function predictRows(hist: readonly StoreHistory[], horizon: number): RowSet {
  const n = hist.length * horizon;
  const rows: RowSet = {
    n,
    store: new Int32Array(n),
    origin: new Int32Array(n),
    h: new Int32Array(n),
    rank: new Int32Array(n).fill(-1),
  };
  for (let s = 0; s < hist.length; s++) {
    for (let h = 1; h <= horizon; h++) {
      const i = s * horizon + h - 1;
      rows.store[i] = s;
      rows.origin[i] = hist[s]!.length - 1;
      rows.h[i] = h;
    }
  }
  return rows;
}

/** The rows for which keep(i) holds, in order. */
export function selectRows(rows: RowSet, keep: (i: number) => boolean): { rows: RowSet; index: Int32Array } {
  const idx: number[] = [];
  for (let i = 0; i < rows.n; i++) if (keep(i)) idx.push(i);
  const index = Int32Array.from(idx);
  const pick = (a: Int32Array) => Int32Array.from(index, (i) => a[i]!);
  return {
    rows: {
      n: index.length,
      store: pick(rows.store),
      origin: pick(rows.origin),
      h: pick(rows.h),
      rank: pick(rows.rank),
    },
    index,
  };
}
