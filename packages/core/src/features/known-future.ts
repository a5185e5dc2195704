// The one implementation of the known-future covariates (FUTURE_COVARIATES) for one store over a run
// of days. Ingest calls it to fill the feature table, infer calls it for the forecast window past the
// last observed day, so training and inference can never disagree on how a covariate is computed.
// Pure and column-wise: no I/O, one typed array per covariate.
import { calendarFeatures, type CalendarColumns } from '../calendar/features.js';
import { parseIsoDay } from '../calendar/days.js';
import type { RegionalHoliday } from '../calendar/holidays.js';
import type { FutureCovariate } from './columns.js';

export type KnownFutureColumns = Record<FutureCovariate, Float64Array>;

/** What a store's covariates depend on. Dates are ISO YYYY-MM-DD. */
export interface KnownFutureStore {
  state: string;
  city?: string | null;
  openedOn: string;
  /** Last day the store was open; null while it is open. */
  closedOn?: string | null;
}

/** A planned campaign that applies to this store (the caller filters store-specific and all-store ones). */
export interface PlannedPromotion {
  startDate: string;
  endDate: string; // inclusive
  /** Discount in percent (15 = 15 %), as the source stores it; the covariate is the fraction. */
  discountPct: number;
}

export interface KnownFutureInput {
  store: KnownFutureStore;
  /** First day of the range (ISO). */
  from: string;
  /** Number of consecutive days. */
  days: number;
  promotions?: readonly PlannedPromotion[];
  /** State and city holidays (all places; the store's state and city pick the ones that apply). */
  regionalHolidays?: readonly RegionalHoliday[];
  /** Inclusive window flagged is_pandemic = 1; null or absent = no such period. */
  pandemic?: { from: string; to: string } | null;
  /**
   * The source's open flag where known, aligned with the range: 1 open, 0 closed, NaN unknown.
   * Unknown days inside the store's open life default to open.
   */
  isOpen?: ArrayLike<number>;
  /**
   * The calendar columns of this exact range at the store's state and city, when the caller already
   * has them (ingest builds thousands of stores that share a few places); computed here otherwise.
   */
  calendar?: CalendarColumns;
}

/**
 * Every FUTURE_COVARIATES column for days from .. from + days - 1:
 * - is_open: 0 outside [openedOn, closedOn]; inside, the source's flag where known, else 1
 * - promo: the largest discount fraction of the promotions active that day, else 0
 * - dow, dom, month, woy, days_to_month_end, is_holiday, days_to_next_holiday, days_since_last_holiday:
 *   the Brazilian calendar at the store's state and city (calendar/features.ts)
 * - store_age_days: days since opening (0 on the opening day and before it)
 * - is_pandemic: 1 inside the pandemic window
 */
export function knownFutureCovariates(input: KnownFutureInput): KnownFutureColumns {
  const n = Math.max(0, input.days);
  const from = parseIsoDay(input.from);
  const cal =
    input.calendar ??
    calendarFeatures(from, n, {
      place: { state: input.store.state, city: input.store.city ?? null },
      regional: input.regionalHolidays ?? [],
    });
  const opened = parseIsoDay(input.store.openedOn);
  const closed = input.store.closedOn ? parseIsoDay(input.store.closedOn) : Number.POSITIVE_INFINITY;

  const isOpen = new Float64Array(n);
  const age = new Float64Array(n);
  const known = input.isOpen;
  for (let i = 0; i < n; i++) {
    const day = from + i;
    const alive = day >= opened && day <= closed;
    const flag = known && i < known.length ? known[i]! : Number.NaN;
    isOpen[i] = !alive ? 0 : Number.isNaN(flag) ? 1 : flag > 0 ? 1 : 0;
    age[i] = Math.max(0, day - opened);
  }

  const promo = new Float64Array(n);
  for (const p of input.promotions ?? []) {
    const a = Math.max(0, parseIsoDay(p.startDate) - from);
    const b = Math.min(n - 1, parseIsoDay(p.endDate) - from);
    const fraction = p.discountPct / 100;
    // Overlapping campaigns do not stack at the till: the deepest discount is what shoppers see.
    for (let i = a; i <= b; i++) if (fraction > promo[i]!) promo[i] = fraction;
  }

  const pandemic = new Float64Array(n);
  if (input.pandemic) {
    const a = Math.max(0, parseIsoDay(input.pandemic.from) - from);
    const b = Math.min(n - 1, parseIsoDay(input.pandemic.to) - from);
    pandemic.fill(1, a, b + 1 > a ? b + 1 : a);
  }

  return {
    is_open: isOpen,
    promo,
    dow: cal.dow,
    dom: cal.dom,
    month: cal.month,
    woy: cal.woy,
    days_to_month_end: cal.days_to_month_end,
    is_holiday: cal.is_holiday,
    days_to_next_holiday: cal.days_to_next_holiday,
    days_since_last_holiday: cal.days_since_last_holiday,
    store_age_days: age,
    is_pandemic: pandemic,
  };
}
