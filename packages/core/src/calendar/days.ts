// Dates as day numbers: whole days since 1970-01-01 (UTC), so a date is a small integer that fits in
// typed arrays and date arithmetic is addition. Conversions use Hinnant's civil-calendar algorithms
// (no Date objects) because the generator and feature building call them for millions of days.
import { InputError } from '../errors.js';

/** Day number of 1970-01-01. */
export const EPOCH_DAY = 0;

/** Days since 1970-01-01 for a proleptic Gregorian (year, month 1-12, day 1-31). No validation. */
export function dayFromYmd(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12; // March = 0, so the leap day falls at the end of the cycle year
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Year of a day number. */
export function yearOf(day: number): number {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

/**
 * Year, month (1-12) and day of month (1-31) of a day number, written into `out` (reused to avoid
 * allocating in hot loops).
 */
export function ymdOf(day: number, out: Int32Array | number[] = new Int32Array(3)): Int32Array | number[] {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out[1] = m;
  out[2] = d;
  return out;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

/** Day of week with 0 = Monday ... 6 = Sunday (ISO order; 1970-01-01 was a Thursday). */
export function dayOfWeek(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function addDays(day: number, n: number): number {
  return day + n;
}

/** ISO 8601 week-numbering year and week (1-53): weeks start Monday, week 1 holds the year's first Thursday. */
export function isoWeek(day: number): { year: number; week: number } {
  const thursday = day - dayOfWeek(day) + 3;
  const year = yearOf(thursday);
  return { year, week: Math.floor((thursday - dayFromYmd(year, 1, 1)) / 7) + 1 };
}

/** ISO week number only (1-53), without allocating. */
export function isoWeekNumber(day: number): number {
  const thursday = day - dayOfWeek(day) + 3;
  return Math.floor((thursday - dayFromYmd(yearOf(thursday), 1, 1)) / 7) + 1;
}

/** Thrown for a string that is not a real calendar date in YYYY-MM-DD form. */
export class InvalidDateError extends InputError {
  override readonly name = 'InvalidDateError';
  constructor(readonly input: string) {
    super(`invalid date "${input}": expected YYYY-MM-DD (a real calendar date)`);
  }
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/** Day number of an ISO date "YYYY-MM-DD"; throws InvalidDateError otherwise (e.g. "2025-02-30"). */
export function parseIsoDay(iso: string): number {
  // Hand-rolled rather than a regex: this runs once per row when reading sources.
  if (iso.length !== 10 || iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45) throw new InvalidDateError(iso);
  const y = digit(iso, 0) * 1000 + digit(iso, 1) * 100 + digit(iso, 2) * 10 + digit(iso, 3);
  const m = digit(iso, 5) * 10 + digit(iso, 6);
  const d = digit(iso, 8) * 10 + digit(iso, 9);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw new InvalidDateError(iso);
  return dayFromYmd(y, m, d);
}

/** Reused by formatIsoDay and daysToMonthEnd: they run for every day of every store. */
const SCRATCH = new Int32Array(3);
const PAD2: string[] = Array.from({ length: 32 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

/** "YYYY-MM-DD" of a day number (years 0-9999). */
export function formatIsoDay(day: number): string {
  const [y, m, d] = ymdOf(day, SCRATCH) as Int32Array;
  const ys = y >= 1000 ? `${y}` : `${y}`.padStart(4, '0');
  return `${ys}-${PAD2[m!]}-${PAD2[d!]}`;
}

/** Day number of a JS Date, taking its UTC calendar day. */
export function dayFromDate(date: Date): number {
  return Math.floor(date.getTime() / 86_400_000);
}

/** A JS Date at 00:00 UTC of a day number. */
export function dateFromDay(day: number): Date {
  return new Date(day * 86_400_000);
}

/** Days from `day` to the last day of its month (0 on the last day). */
export function daysToMonthEnd(day: number): number {
  const [y, m, d] = ymdOf(day, SCRATCH) as Int32Array;
  return daysInMonth(y!, m!) - d!;
}

/** The ISO date `n` days after `iso` (before it when `n` < 0); the one date shift for ISO strings. */
export function addIsoDays(iso: string, n: number): string {
  return formatIsoDay(parseIsoDay(iso) + n);
}
