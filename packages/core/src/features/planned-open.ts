// Whether a store will be open on each day of a forecast window. The backtest and infer both call
// this, so a fold sees exactly what production sees: a planned schedule where one is given, else the
// store's own holiday closures and weekly pattern from before the forecast origin, never the window's actuals.
import { dayOfWeek, parseIsoDay } from '../calendar/days.js';
import { holidaysBetween, type Holiday, type Place, type RegionalHoliday } from '../calendar/holidays.js';

/** Weeks of history the learned weekly pattern looks at. */
export const OPEN_PATTERN_WEEKS = 8;

/**
 * Days before the forecast origin searched for a holiday's last occurrence: a year plus the 35 days an
 * Easter-bound holiday can move, so every yearly holiday of a 35-day window has its previous one in view.
 * Infer reads at least this much history, so a backtest fold and infer at its cutoff see the same days.
 */
export const HOLIDAY_LOOKBACK_DAYS = 400;

/**
 * One planned-schedule row for a store: either a weekday (0 = Monday .. 6 = Sunday) that holds for
 * every week, or one date (a planned closure, a refurbishment day, an extra opening). A date row wins
 * over a weekday row, a weekday row over the learned pattern.
 */
export interface ScheduleEntry {
  weekday?: number;
  date?: string;
  open: boolean;
}

export interface PlannedOpenInput {
  /** ISO day of index 0 of `history`. */
  start: string;
  /** The store's open flag (1 open, 0 closed, NaN unknown) for every day up to the forecast origin. */
  history: ArrayLike<number>;
  /** First day of the window (ISO). */
  from: string;
  days: number;
  schedule?: readonly ScheduleEntry[];
  /** Where the store is, for its state and city holidays (national ones apply everywhere). */
  place?: Place;
  regional?: readonly RegionalHoliday[];
}

/**
 * Per weekday (0 = Monday), 1 when the store was open on most of its known such days in the last
 * OPEN_PATTERN_WEEKS weeks of `history`, 0 when it was mostly closed; a weekday never seen reads open.
 */
export function weeklyOpenPattern(start: string, history: ArrayLike<number>): Float64Array {
  const open = new Float64Array(7);
  const closed = new Float64Array(7);
  const t = history.length;
  const dow0 = dayOfWeek(parseIsoDay(start));
  for (let i = Math.max(0, t - 7 * OPEN_PATTERN_WEEKS); i < t; i++) {
    const v = history[i]!;
    if (!Number.isFinite(v)) continue;
    const d = (dow0 + i) % 7;
    if (v > 0) open[d]!++;
    else closed[d]!++;
  }
  // Ties read open: a closure has to be the usual case before a forecast bets on it.
  return Float64Array.from(open, (o, d) => (closed[d]! > o ? 0 : 1));
}

// The same holiday in another year: national ones keep their name, a regional one its name and place.
const holidayKey = (h: Holiday): string => [h.kind, h.name, h.state ?? '', h.city ?? ''].join('\u0000');

/**
 * The window's days (as day numbers) that fall on a holiday the store was closed on at its most recent
 * occurrence with a known flag in the last HOLIDAY_LOOKBACK_DAYS days. A closure counts only when the
 * store's weekly pattern then had that weekday open, so a store shut on Sundays that saw Christmas fall on
 * a Sunday is not taken to close every Christmas. A holiday with no past occurrence is not planned.
 */
export function learnedHolidayClosures(input: PlannedOpenInput): Set<number> {
  const closures = new Set<number>();
  const start = parseIsoDay(input.start);
  const t = input.history.length;
  const from = parseIsoDay(input.from);
  if (input.days <= 0) return closures;
  const ahead = holidaysBetween(from, from + input.days - 1, input.place, input.regional);
  if (ahead.length === 0) return closures;
  const lookFrom = Math.max(start, start + t - HOLIDAY_LOOKBACK_DAYS);
  const past =
    t > 0 && lookFrom < start + t ? holidaysBetween(lookFrom, start + t - 1, input.place, input.regional) : [];
  // The weekly pattern a past closure is checked against leaves holidays out: a store that opened a week
  // before Christmas has only that Christmas as its Wednesday, which must not read as "shut on Wednesdays".
  const patternFrom = Math.max(start, lookFrom - 7 * OPEN_PATTERN_WEEKS);
  const workdays = Float64Array.from(input.history);
  for (const h of holidaysBetween(patternFrom, start + t - 1, input.place, input.regional))
    workdays[h.day - start] = Number.NaN;
  // Most recent known occurrence first, per holiday.
  const closedLast = new Map<string, boolean>();
  for (let k = past.length - 1; k >= 0; k--) {
    const h = past[k]!;
    const key = holidayKey(h);
    if (closedLast.has(key)) continue;
    const i = h.day - start;
    const v = input.history[i]!;
    if (!Number.isFinite(v)) continue;
    const usuallyOpen = weeklyOpenPattern(input.start, workdays.subarray(0, i))[dayOfWeek(h.day)]!;
    closedLast.set(key, v <= 0 && usuallyOpen === 1);
  }
  for (const h of ahead) if (closedLast.get(holidayKey(h)) === true) closures.add(h.day);
  return closures;
}

/**
 * 1/0 per day of the window: schedule date rows, then schedule weekday rows, then the holidays the store
 * was closed on last time (learnedHolidayClosures), then the learned weekly pattern.
 */
export function plannedOpen(input: PlannedOpenInput): Float64Array {
  const pattern = weeklyOpenPattern(input.start, input.history);
  const holidayClosed = learnedHolidayClosures(input);
  const byWeekday = new Map<number, number>();
  const byDate = new Map<number, number>();
  for (const e of input.schedule ?? []) {
    if (e.date !== undefined) byDate.set(parseIsoDay(e.date), e.open ? 1 : 0);
    else if (e.weekday !== undefined) byWeekday.set(e.weekday, e.open ? 1 : 0);
  }
  const from = parseIsoDay(input.from);
  const out = new Float64Array(Math.max(0, input.days));
  for (let i = 0; i < out.length; i++) {
    const day = from + i;
    const d = dayOfWeek(day);
    out[i] = byDate.get(day) ?? byWeekday.get(d) ?? (holidayClosed.has(day) ? 0 : pattern[d]!);
  }
  return out;
}
