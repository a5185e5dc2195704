// Planned campaigns: company-wide ones (Feirão CVC twice a year, Black Week, a few flash sales) and
// local ones per store. They run up to PLANNING_HORIZON_DAYS past the as-of date, because in the real
// source a campaign is booked before it starts: that is what makes promotions a known-future input.
import { dayFromYmd, dayOfWeek, yearOf } from '@cvc/core';
import { mixSeed, Rng } from './random.js';
import type { Store } from './stores.js';
import type { PromotionsTable } from './tables.js';

export const PLANNING_HORIZON_DAYS = 60;
const STREAM_NATIONAL = 2;
const STREAM_LOCAL = 3;

export interface Promotion {
  promoId: number;
  storeId: number | null;
  startDay: number;
  endDay: number;
  discountPct: number;
}

/** Fourth Friday of November. */
export function blackFriday(year: number): number {
  const nov1 = dayFromYmd(year, 11, 1);
  return nov1 + ((4 - dayOfWeek(nov1) + 7) % 7) + 21;
}

export function generatePromotions(
  stores: readonly Store[],
  seed: number,
  fromDay: number,
  asOfDay: number,
): Promotion[] {
  const lastStart = asOfDay + PLANNING_HORIZON_DAYS;
  const out: Promotion[] = [];
  const push = (storeId: number | null, startDay: number, endDay: number, discountPct: number): void => {
    if (startDay > lastStart || endDay < fromDay) return;
    out.push({ promoId: out.length + 1, storeId, startDay, endDay, discountPct: Math.round(discountPct * 10) / 10 });
  };

  const rng = new Rng(mixSeed(seed, STREAM_NATIONAL));
  for (let y = yearOf(fromDay); y <= yearOf(lastStart); y++) {
    // Feirão CVC: a week in March and one in August, the low months between the school holidays.
    for (const month of [3, 8]) {
      const start = dayFromYmd(y, month, rng.int(1, 20));
      push(null, start, start + rng.int(5, 9), rng.uniform(10, 20));
    }
    const bf = blackFriday(y);
    push(null, bf - 4, bf + 3, rng.uniform(15, 25)); // Black Week through Cyber Monday
    const flash = rng.int(3, 6);
    for (let k = 0; k < flash; k++) {
      const start = dayFromYmd(y, 1, 1) + rng.int(0, 364);
      push(null, start, start + rng.int(2, 6), rng.uniform(5, 12));
    }
  }
  for (const s of stores) {
    const r = new Rng(mixSeed(seed, STREAM_LOCAL, s.storeId));
    const lo = Math.max(fromDay, s.openedOn);
    const hi = Math.min(lastStart, s.closedOn ?? lastStart);
    if (hi < lo) continue;
    const n = r.poisson((1.5 * (hi - lo + 1)) / 365);
    for (let k = 0; k < n; k++) {
      const start = r.int(lo, hi);
      push(s.storeId, start, Math.min(start + r.int(1, 6), s.closedOn ?? Infinity), r.uniform(5, 15));
    }
  }
  return out.sort((a, b) => a.startDay - b.startDay || a.promoId - b.promoId).map((p, i) => ({ ...p, promoId: i + 1 }));
}

/** Largest discount (percent) active on each day of [fromDay, fromDay + n) for one store. */
export function discountByDay(promos: readonly Promotion[], storeId: number, fromDay: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (const p of promos) {
    if (p.storeId !== null && p.storeId !== storeId) continue;
    const a = Math.max(p.startDay, fromDay) - fromDay;
    const b = Math.min(p.endDay, fromDay + n - 1) - fromDay;
    for (let i = a; i <= b; i++) if (p.discountPct > out[i]!) out[i] = p.discountPct;
  }
  return out;
}

export function promotionsTable(promos: readonly Promotion[]): PromotionsTable {
  return {
    promoId: Int32Array.from(promos, (p) => p.promoId),
    storeId: promos.map((p) => p.storeId),
    startDay: Int32Array.from(promos, (p) => p.startDay),
    endDay: Int32Array.from(promos, (p) => p.endDay),
    discountPct: Float64Array.from(promos, (p) => p.discountPct),
  };
}
