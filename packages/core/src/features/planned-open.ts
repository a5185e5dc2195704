// Whether a store will be open on each day of a forecast window. The backtest and infer both call
// this, so a fold sees exactly what production sees: a planned schedule where one is given, else the
// store's own weekly pattern over the weeks before the forecast origin, never the window's actuals.
import { dayOfWeek, parseIsoDay } from '../calendar/days.js';

/** Weeks of history the learned weekly pattern looks at. */
export const OPEN_PATTERN_WEEKS = 8;

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

/** 1/0 per day of the window: schedule date rows, then schedule weekday rows, then the learned pattern. */
export function plannedOpen(input: PlannedOpenInput): Float64Array {
  const pattern = weeklyOpenPattern(input.start, input.history);
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
    out[i] = byDate.get(day) ?? byWeekday.get(d) ?? pattern[d]!;
  }
  return out;
}
