// Daily sales rows per store: the day-level effects times the store's own level, trend, ramp-up,
// promotions and regional holidays, with heavy-tailed autocorrelated noise; then the warts of a real
// feed: missing days, short outages, late loads and re-sent corrections.
import { dayFromYmd, type RegionalHoliday, regionalHolidayDays, yearOf } from '@cvc/core';
import type { DayEffects } from './effects.js';
import { REGIONAL_MULT } from './effects.js';
import { discountByDay, type Promotion } from './promotions.js';
import { mixSeed, Rng } from './random.js';
import type { Store } from './stores.js';
import type { DailySalesTable } from './tables.js';

const STREAM_SALES = 5;
const STREAM_LOCKDOWN = 6;
const DAY_S = 86_400;

/** Rates of the feed's imperfections. */
export const FEED = {
  missingDay: 0.009, // a day with no row at all
  outageStart: 0.001, // a run of 2-10 days with no rows
  resend: 0.01, // a (store, date) sent again later with a corrected value
  lateLoad: 0.005, // first load 1-3 days late
} as const;

/**
 * When the source is read for the run after `day` (epoch seconds): the end of the next day. Loads
 * happen between 02:00 and 07:00 UTC, so this holds every row loaded by the morning after `day`.
 */
export function extractMoment(day: number): number {
  return (day + 2) * DAY_S - 1;
}

/** Growable columns for daily_sales. */
export class SalesBuilder {
  length = 0;
  private cap: number;
  storeId: Int32Array;
  saleDay: Int32Array;
  grossCents: Float64Array;
  nSales: Int32Array;
  isOpen: Uint8Array;
  updatedAt: Float64Array;

  constructor(capacity: number) {
    this.cap = Math.max(16, capacity);
    this.storeId = new Int32Array(this.cap);
    this.saleDay = new Int32Array(this.cap);
    this.grossCents = new Float64Array(this.cap);
    this.nSales = new Int32Array(this.cap);
    this.isOpen = new Uint8Array(this.cap);
    this.updatedAt = new Float64Array(this.cap);
  }

  push(storeId: number, day: number, grossCents: number, nSales: number, isOpen: boolean, updatedAt: number): number {
    if (this.length === this.cap) this.grow();
    const i = this.length++;
    this.storeId[i] = storeId;
    this.saleDay[i] = day;
    this.grossCents[i] = grossCents;
    this.nSales[i] = nSales;
    this.isOpen[i] = isOpen ? 1 : 0;
    this.updatedAt[i] = updatedAt;
    return i;
  }

  private grow(): void {
    this.cap *= 2;
    const g = <T extends Int32Array | Float64Array | Uint8Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(this.cap);
      b.set(a);
      return b;
    };
    this.storeId = g(this.storeId, Int32Array);
    this.saleDay = g(this.saleDay, Int32Array);
    this.grossCents = g(this.grossCents, Float64Array);
    this.nSales = g(this.nSales, Int32Array);
    this.isOpen = g(this.isOpen, Uint8Array);
    this.updatedAt = g(this.updatedAt, Float64Array);
  }

  /** The filled part of each column (views, not copies: at 2,000 stores a copy is ~100 MB). */
  table(): DailySalesTable {
    const n = this.length;
    return {
      length: n,
      storeId: this.storeId.subarray(0, n),
      saleDay: this.saleDay.subarray(0, n),
      grossCents: this.grossCents.subarray(0, n),
      nSales: this.nSales.subarray(0, n),
      isOpen: this.isOpen.subarray(0, n),
      updatedAt: this.updatedAt.subarray(0, n),
    };
  }
}

interface Lockdown {
  start: number;
  reopenMall: number;
  reopenStreet: number;
  waveStart: number; // second-wave closure in March 2021, NaN where the state had none
  waveEnd: number;
}

/** Per-state closure windows of non-essential shops (airports stayed open), jittered by state. */
function lockdowns(states: Iterable<string>, seed: number): Map<string, Lockdown> {
  const out = new Map<string, Lockdown>();
  for (const st of [...new Set(states)].sort()) {
    const r = new Rng(mixSeed(seed, STREAM_LOCKDOWN, st.charCodeAt(0), st.charCodeAt(1)));
    const wave = r.chance(0.5);
    out.set(st, {
      start: dayFromYmd(2020, 3, 18) + r.int(0, 6),
      reopenMall: dayFromYmd(2020, 6, 10) + r.int(0, 40),
      reopenStreet: dayFromYmd(2020, 5, 25) + r.int(0, 35),
      waveStart: wave ? dayFromYmd(2021, 3, 15) + r.int(-3, 3) : NaN,
      waveEnd: wave ? dayFromYmd(2021, 4, 11) + r.int(-3, 10) : NaN,
    });
  }
  return out;
}

function regionalMask(store: Store, regional: readonly RegionalHoliday[], fx: DayEffects): Uint8Array {
  const mask = new Uint8Array(fx.n);
  const y0 = yearOf(fx.fromDay);
  const y1 = yearOf(fx.fromDay + fx.n - 1);
  for (const h of regional) {
    if (h.state !== store.state || (h.city != null && h.city !== store.city)) continue;
    for (const day of regionalHolidayDays(h, y0, y1)) {
      const i = day - fx.fromDay;
      if (i >= 0 && i < fx.n && !fx.national[i]) mask[i] = 1;
    }
  }
  return mask;
}

export interface SalesInput {
  stores: readonly Store[];
  promotions: readonly Promotion[];
  regional: readonly RegionalHoliday[];
  effects: DayEffects;
  seed: number;
  asOfDay: number;
}

export function generateDailySales({
  stores,
  promotions,
  regional,
  effects: fx,
  seed,
  asOfDay,
}: SalesInput): SalesBuilder {
  const { fromDay, n } = fx;
  const national = discountByDay(
    promotions.filter((p) => p.storeId === null),
    -1,
    fromDay,
    n,
  );
  const localByStore = new Map<number, Promotion[]>();
  for (const p of promotions)
    if (p.storeId !== null) (localByStore.get(p.storeId) ?? localByStore.set(p.storeId, []).get(p.storeId)!).push(p);
  const locks = lockdowns(
    stores.map((s) => s.state),
    seed,
  );
  // The extract is taken after the loads of the day after the as-of date: a row loaded later (a late
  // first load, a correction) is not in it yet. `demoDaysAfter` delivers such rows when they load.
  const extractAt = extractMoment(asOfDay);

  let activeDays = 0;
  for (const s of stores)
    activeDays += Math.max(0, Math.min(asOfDay, s.closedOn ?? Infinity) + 1 - Math.max(fromDay, s.openedOn));
  const out = new SalesBuilder(Math.ceil(activeDays * 1.02) + 64);
  // Every random draw happens whether or not its row is in the extract, so the streams (and the
  // history) do not depend on where the extract falls.
  const push = (storeId: number, day: number, cents: number, nSales: number, open: boolean, at: number) => {
    if (at <= extractAt) out.push(storeId, day, cents, nSales, open, at);
  };

  for (const s of stores) {
    const r = new Rng(mixSeed(seed, STREAM_SALES, s.storeId));
    const first = Math.max(fromDay, s.openedOn);
    const end = Math.min(asOfDay, s.closedOn ?? Infinity) + 1; // exclusive; closedOn is the last day open
    if (end <= first) continue;
    const cal = fx.calendar[s.format];
    const covid = fx.covid[s.format];
    const discount = national.slice();
    for (const p of localByStore.get(s.storeId) ?? []) {
      const a = Math.max(p.startDay, fromDay) - fromDay;
      const b = Math.min(p.endDay, fromDay + n - 1) - fromDay;
      for (let i = a; i <= b; i++) if (p.discountPct > discount[i]!) discount[i] = p.discountPct;
    }
    const regionalDays = regionalMask(s, regional, fx);
    const lock = locks.get(s.state)!;
    const reopen = s.format === 'mall' ? lock.reopenMall : lock.reopenStreet;
    let noise = 0;
    let outage = 0;
    for (let day = first; day < end; day++) {
      const i = day - fromDay;
      // The noise evolves on every calendar day, open or not, so it stays autocorrelated in time.
      noise = 0.45 * noise + 0.89 * s.noiseSigma * Math.max(-6, Math.min(6, r.studentT4()));
      const uMissing = r.next();
      const uZero = r.next();
      const uTicket = r.next();
      const uResend = r.next();
      if (outage > 0) {
        outage--;
        continue;
      }
      if (r.next() < FEED.outageStart) {
        outage = r.int(1, 9);
        continue;
      }
      if (uMissing < FEED.missingDay) continue;

      let mult = cal[i]!;
      if (s.format === 'street' && s.closedSundays && fx.dow[i] === 6) mult = 0;
      if (
        s.format !== 'airport' &&
        ((day >= lock.start && day < reopen) || (day >= lock.waveStart && day < lock.waveEnd))
      )
        mult = 0;
      let loadedAt = (day + 1) * DAY_S + 7_200 + Math.floor(r.next() * 14_400);
      if (r.next() < FEED.lateLoad) loadedAt += r.int(1, 3) * DAY_S;
      if (mult === 0) {
        push(s.storeId, day, 0, 0, false, loadedAt);
        continue;
      }
      const age = day - s.openedOn;
      const ramp = 1 - 0.45 * Math.exp(-age / 75);
      const toClose = s.closedOn === null ? Infinity : s.closedOn - day;
      const winding = 1 - 0.35 * Math.max(0, 1 - toClose / 180);
      const trend = Math.exp((s.growthPerYear * (day - fromDay)) / 365.25);
      const promo = 1 + (s.promoElasticity * discount[i]!) / 100;
      const regionalMult = regionalDays[i] ? REGIONAL_MULT[s.format] : 1;
      const expected = s.level * mult * covid[i]! * ramp * winding * trend * promo * regionalMult;
      const gross = expected * Math.exp(noise - 0.5 * s.noiseSigma * s.noiseSigma);
      const mu = gross / s.avgTicket;
      let cents = 0;
      let nSales = 0;
      // Near-empty days (the pandemic, tiny stores) sometimes sell nothing at all.
      if (uZero >= Math.exp(-3 * mu)) {
        cents = Math.round(gross * 100);
        nSales = Math.max(1, Math.round(mu * (0.8 + 0.4 * uTicket)));
      }
      if (uResend < FEED.resend) {
        const resentAt = loadedAt + r.int(1, 20) * DAY_S + r.int(0, 3_600);
        // The first load was wrong by 5-40% either way; the later row carries the truth. A correction
        // due after the extract is not in it: until it arrives, the source holds the wrong value.
        const err = (r.next() < 0.5 ? -1 : 1) * r.uniform(0.05, 0.4);
        push(s.storeId, day, Math.round(cents * (1 + err)), nSales, true, loadedAt);
        push(s.storeId, day, cents, nSales, true, resentAt);
        continue;
      }
      push(s.storeId, day, cents, nSales, true, loadedAt);
    }
  }
  return out;
}
