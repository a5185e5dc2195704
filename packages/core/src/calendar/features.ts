// Calendar covariates for a run of consecutive days, one typed array per column, named as in
// features/columns.ts so they drop straight into StoreSeries.future. Every column is known in advance,
// so the same function serves training (past days) and inference (the forecast window).
import { dayOfWeek, daysInMonth, isoWeekNumber, ymdOf } from './days.js';
import { holidayMask, type Place, type RegionalHoliday } from './holidays.js';

export const CALENDAR_FEATURES = [
  'dow',
  'dom',
  'month',
  'woy',
  'days_to_month_end',
  'is_holiday',
  'days_to_next_holiday',
  'days_since_last_holiday',
] as const;
export type CalendarFeature = (typeof CALENDAR_FEATURES)[number];
export type CalendarColumns = Record<CalendarFeature, Float64Array>;

/** Distances to holidays stop growing here: beyond a month away a holiday no longer moves sales. */
export const DEFAULT_HOLIDAY_DISTANCE_CAP = 30;

export interface CalendarFeatureOptions {
  place?: Place;
  regional?: readonly RegionalHoliday[];
  cap?: number;
}

/**
 * Columns for days fromDay .. fromDay + n - 1:
 * - dow: 0 = Monday ... 6 = Sunday; dom: 1-31; month: 1-12; woy: ISO week 1-53
 * - days_to_month_end: 0 on the month's last day
 * - is_holiday: 1 on a full-day holiday at `place` (national, optional point, state or city; Ash
 *   Wednesday's half day excluded)
 * - days_to_next_holiday / days_since_last_holiday: 0 on a holiday, else days to the next / since the
 *   previous one, capped at `cap` (default 30). Holidays outside the range are looked up too, so the
 *   first and last days of the range are not truncated.
 */
export function calendarFeatures(fromDay: number, n: number, opts: CalendarFeatureOptions = {}): CalendarColumns {
  const cap = opts.cap ?? DEFAULT_HOLIDAY_DISTANCE_CAP;
  const cols = Object.fromEntries(
    CALENDAR_FEATURES.map((c) => [c, new Float64Array(Math.max(0, n))]),
  ) as CalendarColumns;
  if (n <= 0) return cols;
  // Step the date forward instead of converting each day from scratch: this runs for every store-day.
  const ymd = ymdOf(fromDay, new Int32Array(3));
  let y = ymd[0]!;
  let m = ymd[1]!;
  let d = ymd[2]!;
  let dim = daysInMonth(y, m);
  let dow = dayOfWeek(fromDay);
  let woy = isoWeekNumber(fromDay);
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      if (++d > dim) {
        d = 1;
        if (++m > 12) {
          m = 1;
          y++;
        }
        dim = daysInMonth(y, m);
      }
      if (++dow === 7) {
        dow = 0;
        woy = isoWeekNumber(fromDay + i); // a new ISO week starts each Monday
      }
    }
    cols.dow[i] = dow;
    cols.dom[i] = d;
    cols.month[i] = m;
    cols.woy[i] = woy;
    cols.days_to_month_end[i] = dim - d;
  }
  // Pad by `cap` on both sides so distances near the range edges see holidays just outside it.
  const padded = holidayMask(fromDay - cap, n + 2 * cap, opts.place, opts.regional);
  const { toNext, sinceLast } = holidayDistances(padded, cap);
  for (let i = 0; i < n; i++) {
    cols.is_holiday[i] = padded[i + cap]!;
    cols.days_to_next_holiday[i] = toNext[i + cap]!;
    cols.days_since_last_holiday[i] = sinceLast[i + cap]!;
  }
  return cols;
}

/** Capped distances (in days) from each position of a 0/1 mask to the next and previous 1 (0 on a 1). */
export function holidayDistances(mask: Uint8Array, cap: number): { toNext: Int32Array; sinceLast: Int32Array } {
  const n = mask.length;
  const toNext = new Int32Array(n);
  const sinceLast = new Int32Array(n);
  let d = cap;
  for (let i = n - 1; i >= 0; i--) {
    d = mask[i] ? 0 : Math.min(cap, d + 1);
    toNext[i] = d;
  }
  d = cap;
  for (let i = 0; i < n; i++) {
    d = mask[i] ? 0 : Math.min(cap, d + 1);
    sinceLast[i] = d;
  }
  return { toNext, sinceLast };
}
