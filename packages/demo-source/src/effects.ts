// Day-level effects shared by all stores of a format: weekly pattern, travel seasonality, Black Friday,
// Christmas, national holidays and bridge days, and the COVID collapse. Computed once per run as
// typed arrays indexed by (day - fromDay); per-store traits are applied on top in sales.ts.
import { dayFromYmd, dayOfWeek, daysInMonth, easterDay, nationalHolidays, yearOf, ymdOf } from '@cvc/core';
import { blackFriday } from './promotions.js';
import { STORE_FORMATS, type StoreFormat } from './tables.js';

type PerFormat<T> = Record<StoreFormat, T>;
const CLOSED = 0; // a multiplier of 0 means the store does not open that day

// Mon..Sun. Malls peak on Saturday and open Sunday; street stores are weak on Saturday (half day) and
// mostly shut on Sunday (per store, see Store.closedSundays); airports are flat.
export const WEEKLY: PerFormat<readonly number[]> = {
  mall: [0.85, 0.85, 0.9, 0.95, 1.1, 1.5, 0.85],
  street: [1.1, 1.05, 1.05, 1.05, 1.15, 0.7, 0.35],
  airport: [1.0, 0.95, 0.95, 1.0, 1.1, 1.0, 1.05],
};

// Jan..Dec at mid-month, interpolated in between. Travel sales peak for the January and July school
// holidays and before Christmas; airports swing harder with passenger traffic.
export const SEASON: PerFormat<readonly number[]> = {
  mall: [1.15, 0.9, 0.9, 0.92, 0.95, 1.05, 1.15, 0.92, 0.95, 1.0, 1.05, 1.1],
  street: [1.15, 0.9, 0.9, 0.92, 0.95, 1.05, 1.15, 0.92, 0.95, 1.0, 1.05, 1.1],
  airport: [1.3, 1.0, 0.85, 0.9, 0.85, 1.0, 1.35, 0.95, 0.9, 0.95, 0.95, 1.2],
};

type Event = 'national' | 'carnival' | 'ash' | 'good_friday' | 'corpus' | 'closed' | 'bridge' | 'dec24' | 'dec31';
// mall, street, airport
const EVENT_MULT: Record<Event, readonly [number, number, number]> = {
  national: [0.65, CLOSED, 0.9],
  carnival: [0.5, CLOSED, 1.05],
  ash: [0.8, 0.6, 0.95],
  good_friday: [0.55, CLOSED, 0.9],
  corpus: [0.7, 0.5, 0.95],
  closed: [CLOSED, CLOSED, 0.35], // Dec 25 and Jan 1: airport counters stay open
  bridge: [0.85, 0.7, 1.0], // "enforcado": the Monday before a Tuesday holiday, the Friday after a Thursday one
  dec24: [0.75, 0.55, 0.8],
  dec31: [0.5, 0.4, 0.7],
};

/** State/city holidays: a modest dip, shops mostly open. */
export const REGIONAL_MULT: PerFormat<number> = { mall: 0.85, street: 0.6, airport: 0.95 };

// Piecewise-linear COVID multiplier: collapse from mid-March 2020, a second wave in March 2021, back to
// normal during 2022. Airports fall deeper and recover later (no flights).
const COVID_KNOTS: PerFormat<ReadonlyArray<readonly [string, number]>> = {
  mall: [
    ['2020-03-12', 1],
    ['2020-03-17', 0.55],
    ['2020-03-23', 0.06],
    ['2020-05-31', 0.08],
    ['2020-07-31', 0.22],
    ['2020-10-31', 0.4],
    ['2020-12-31', 0.5],
    ['2021-02-28', 0.52],
    ['2021-03-31', 0.3],
    ['2021-05-31', 0.5],
    ['2021-08-31', 0.7],
    ['2021-12-31', 0.88],
    ['2022-06-30', 1],
  ],
  street: [],
  airport: [
    ['2020-03-12', 1],
    ['2020-03-17', 0.4],
    ['2020-03-25', 0.02],
    ['2020-06-30', 0.05],
    ['2020-09-30', 0.15],
    ['2020-12-31', 0.35],
    ['2021-03-31', 0.2],
    ['2021-06-30', 0.4],
    ['2021-12-31', 0.75],
    ['2022-09-30', 1],
  ],
};
COVID_KNOTS.street = COVID_KNOTS.mall;

export interface DayEffects {
  fromDay: number;
  n: number;
  dow: Uint8Array;
  /** Weekly x seasonal x event multiplier per format; 0 = closed that day. */
  calendar: PerFormat<Float64Array>;
  covid: PerFormat<Float64Array>;
  /** 1 on national holidays (any kind, full day): regional holidays on these days add nothing. */
  national: Uint8Array;
}

function isoToDay(iso: string): number {
  return dayFromYmd(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10));
}

function piecewise(knots: ReadonlyArray<readonly [string, number]>, day: number): number {
  const first = knots[0]!;
  if (day <= isoToDay(first[0])) return first[1];
  for (let k = 1; k < knots.length; k++) {
    const d1 = isoToDay(knots[k]![0]);
    if (day <= d1) {
      const d0 = isoToDay(knots[k - 1]![0]);
      const v0 = knots[k - 1]![1];
      return v0 + ((knots[k]![1] - v0) * (day - d0)) / (d1 - d0);
    }
  }
  return knots[knots.length - 1]![1];
}

function seasonal(months: readonly number[], y: number, m: number, d: number): number {
  // Position in months with mid-month at integer points, so Jan 15 -> 0, Feb 15 -> 1, ...
  const t = m - 1 + (d - 0.5) / daysInMonth(y, m) - 0.5;
  const lo = Math.floor(t);
  const w = t - lo;
  return months[(lo + 12) % 12]! * (1 - w) + months[(lo + 13) % 12]! * w;
}

/** Events by day offset, for every day of [fromDay, fromDay + n). */
function eventsByDay(fromDay: number, n: number): (Event | undefined)[] {
  const ev: (Event | undefined)[] = new Array(n);
  const set = (day: number, e: Event): void => {
    if (day >= fromDay && day < fromDay + n) ev[day - fromDay] = e;
  };
  for (let y = yearOf(fromDay); y <= yearOf(fromDay + n - 1); y++) {
    const easter = easterDay(y);
    const full: number[] = [];
    for (const h of nationalHolidays(y)) {
      if (!h.halfDay) full.push(h.day);
      const off = h.day - easter;
      set(
        h.day,
        off === -48 || off === -47
          ? 'carnival'
          : off === -46
            ? 'ash'
            : off === -2
              ? 'good_friday'
              : off === 60
                ? 'corpus'
                : 'national',
      );
    }
    set(dayFromYmd(y, 12, 25), 'closed');
    set(dayFromYmd(y, 1, 1), 'closed');
    set(dayFromYmd(y, 12, 24), 'dec24');
    set(dayFromYmd(y, 12, 31), 'dec31');
    for (const h of full) {
      const dow = dayOfWeek(h);
      const bridge = dow === 1 ? h - 1 : dow === 3 ? h + 1 : NaN;
      if (
        !Number.isNaN(bridge) &&
        !full.includes(bridge) &&
        bridge - fromDay >= 0 &&
        ev[bridge - fromDay] === undefined
      )
        set(bridge, 'bridge');
    }
  }
  return ev;
}

/** Black Week and Christmas shopping lift for one day, per format index (0 mall, 1 street, 2 airport). */
function retailPeaks(day: number, y: number, m: number, d: number, f: number): number {
  if (m === 11 || (m === 12 && d <= 2)) {
    const bf = blackFriday(y);
    const k = day - bf;
    if (k === 0) return [2.3, 2.0, 1.3][f]!;
    if (k >= -4 && k < 0) return [1.15, 1.12, 1.03][f]!;
    if (k === 1) return [1.4, 1.2, 1.1][f]!;
    if (k === 2) return [1.2, 1.1, 1.05][f]!;
    if (k === 3) return [1.25, 1.2, 1.05][f]!; // Cyber Monday
  }
  if (m === 12 && d >= 8 && d <= 23) return 1 + ([0.35, 0.25, 0.1][f]! * (d - 7)) / 16;
  return 1;
}

export function dayEffects(fromDay: number, n: number): DayEffects {
  const events = eventsByDay(fromDay, n);
  const dow = new Uint8Array(n);
  const national = new Uint8Array(n);
  const calendar = {} as PerFormat<Float64Array>;
  const covid = {} as PerFormat<Float64Array>;
  for (const f of STORE_FORMATS) {
    calendar[f] = new Float64Array(n);
    covid[f] = new Float64Array(n);
  }
  const ymd = new Int32Array(3);
  for (let i = 0; i < n; i++) {
    const day = fromDay + i;
    ymdOf(day, ymd);
    const [y, m, d] = [ymd[0]!, ymd[1]!, ymd[2]!];
    const w = dayOfWeek(day);
    dow[i] = w;
    const e = events[i];
    if (e && e !== 'bridge' && e !== 'dec24' && e !== 'dec31' && e !== 'ash') national[i] = 1;
    STORE_FORMATS.forEach((f, fi) => {
      const eventMult = e ? EVENT_MULT[e][fi]! : 1;
      calendar[f][i] = WEEKLY[f][w]! * seasonal(SEASON[f], y, m, d) * retailPeaks(day, y, m, d, fi) * eventMult;
      covid[f][i] = piecewise(COVID_KNOTS[f], day);
    });
  }
  return { fromDay, n, dow, calendar, covid, national };
}
