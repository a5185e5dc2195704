// Deliberately invalid daily_sales rows, so the ingest quality gate has something to quarantine.
// Their positions come from the seed and are returned to the caller (tests, the CLI summary); the
// tables themselves carry no marker, like a real feed.
import { formatIsoDay } from '@cvc/core';
import { mixSeed, Rng } from './random.js';
import type { SalesBuilder } from './sales.js';
import type { Store } from './stores.js';
import type { BadRow, BadRowKind } from './tables.js';

const STREAM_BAD = 7;
export const BAD_ROW_KINDS: readonly BadRowKind[] = ['negative_sales', 'future_date', 'unknown_store', 'outlier'];
/** Far beyond any store's plausible day, yet inside DECIMAL(14,2). */
export const OUTLIER_BRL = 987_654_321;

/** A (store, date) sent once, open and with sales: corrupting it cannot be mistaken for a re-send. */
function isPlainRow(b: SalesBuilder, i: number): boolean {
  if (!b.isOpen[i] || b.grossCents[i]! <= 0) return false;
  const same = (j: number): boolean =>
    j >= 0 && j < b.length && b.storeId[j] === b.storeId[i] && b.saleDay[j] === b.saleDay[i];
  return !same(i - 1) && !same(i + 1);
}

/** Corrupts or appends `count` rows (kinds in rotation) and returns where they are. */
export function injectBadRows(
  b: SalesBuilder,
  stores: readonly Store[],
  count: number,
  seed: number,
  fromDay: number,
  asOfDay: number,
): BadRow[] {
  const r = new Rng(mixSeed(seed, STREAM_BAD));
  const out: BadRow[] = [];
  const taken = new Set<number>();
  const maxId = stores.reduce((m, s) => Math.max(m, s.storeId), 0);
  const record = (kind: BadRowKind, row: number): void => {
    out.push({
      kind,
      row,
      storeId: b.storeId[row]!,
      saleDate: formatIsoDay(b.saleDay[row]!),
      updatedAt: b.updatedAt[row]!,
    });
  };
  const plainRow = (): number | null => {
    for (let tries = 0; tries < 10_000 && b.length > 0; tries++) {
      const i = r.int(0, b.length - 1);
      if (!taken.has(i) && isPlainRow(b, i)) {
        taken.add(i);
        return i;
      }
    }
    return null;
  };
  for (let k = 0; k < count; k++) {
    const kind = BAD_ROW_KINDS[k % BAD_ROW_KINDS.length]!;
    const loadAt = (asOfDay + 1) * 86_400 + r.int(7_200, 21_600);
    if (kind === 'negative_sales' || kind === 'outlier') {
      const i = plainRow();
      if (i === null) continue;
      b.grossCents[i] =
        kind === 'negative_sales' ? -b.grossCents[i]! : Math.round((OUTLIER_BRL + r.next() * 1e7) * 100);
      record(kind, i);
    } else if (kind === 'future_date') {
      const s = stores[r.int(0, stores.length - 1)]!;
      record(kind, b.push(s.storeId, asOfDay + r.int(1, 30), r.int(100_000, 2_000_000), r.int(1, 8), true, loadAt));
    } else {
      const day = r.int(fromDay, asOfDay);
      record(
        kind,
        b.push(maxId + 1000 + k, day, r.int(100_000, 2_000_000), r.int(1, 8), true, (day + 1) * 86_400 + 10_800),
      );
    }
  }
  return out;
}
