// The quality gate for the small reference tables (store master, promotions, state holidays): rows
// are checked one by one with zod, since each is a fact everything downstream relies on. A bad row is
// quarantined with the zod message naming the field; the rest of the table is used.
import type { HolidayRow, PromotionRow, StoreFacts } from '@cvc/feature-table';
import { parseIsoDay } from '@cvc/core';
import { z } from 'zod';
import type { QuarantineReason } from './reasons.js';

export interface ReferenceQuarantine {
  sourceTable: 'stores' | 'promotions' | 'holidays';
  reason: QuarantineReason;
  storeId: string | null;
  date: string | null;
  original: string;
}

const isoDay = z.string().refine((s) => {
  try {
    parseIsoDay(s);
    return true;
  } catch {
    return false;
  }
}, 'expected a date YYYY-MM-DD');
const text = z.string().trim().min(1, 'must not be empty');
const optionalText = z
  .string()
  .trim()
  .nullable()
  .transform((s) => (s === '' ? null : s));

export const storeRowSchema = z
  .object({
    store_id: text,
    store_name: optionalText,
    state: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{2}$/, 'expected a two-letter UF'),
    city: optionalText,
    format: text,
    opened_on: isoDay,
    closed_on: isoDay.nullable(),
  })
  .refine((s) => s.closed_on === null || s.closed_on >= s.opened_on, {
    message: 'closed_on is before opened_on',
    path: ['closed_on'],
  });

export const promotionRowSchema = z
  .object({
    promo_id: text,
    store_id: optionalText,
    start_date: isoDay,
    end_date: isoDay,
    discount_pct: z.coerce.number().min(0, 'discount below 0 %').max(100, 'discount above 100 %'),
  })
  .refine((p) => p.end_date >= p.start_date, { message: 'end_date is before start_date', path: ['end_date'] });

export const holidayRowSchema = z.object({
  state: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'expected a two-letter UF'),
  city: optionalText,
  holiday_date: isoDay,
  name: text,
});

export type StoreRow = StoreFacts & { storeName: string | null };

function problem(err: z.ZodError): string {
  const i = err.issues[0]!;
  return `${i.path.join('.') || 'row'}: ${i.message}`;
}

type Raw = Record<string, string | null>;

function quarantined(
  sourceTable: ReferenceQuarantine['sourceTable'],
  reason: QuarantineReason,
  row: Raw,
  detail: string,
  storeId: string | null,
  date: string | null,
): ReferenceQuarantine {
  return { sourceTable, reason, storeId, date, original: JSON.stringify({ ...row, _problem: detail }) };
}

export function checkStores(rows: readonly Raw[]): { stores: StoreRow[]; bad: ReferenceQuarantine[] } {
  const stores: StoreRow[] = [];
  const bad: ReferenceQuarantine[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const r = storeRowSchema.safeParse(row);
    if (!r.success) {
      bad.push(quarantined('stores', 'invalid_store', row, problem(r.error), row['store_id'] ?? null, null));
      continue;
    }
    const s = r.data;
    if (seen.has(s.store_id)) {
      bad.push(
        quarantined(
          'stores',
          'duplicate_store',
          row,
          'store_id appears more than once; the first row is used',
          s.store_id,
          null,
        ),
      );
      continue;
    }
    seen.add(s.store_id);
    stores.push({
      storeId: s.store_id,
      storeName: s.store_name,
      state: s.state,
      city: s.city,
      format: s.format,
      openedOn: s.opened_on,
      closedOn: s.closed_on,
    });
  }
  return { stores, bad };
}

export function checkPromotions(rows: readonly Raw[]): {
  promotions: (PromotionRow & { promoId: string })[];
  bad: ReferenceQuarantine[];
} {
  const promotions: (PromotionRow & { promoId: string })[] = [];
  const bad: ReferenceQuarantine[] = [];
  for (const row of rows) {
    const r = promotionRowSchema.safeParse(row);
    if (!r.success)
      bad.push(quarantined('promotions', 'invalid_promotion', row, problem(r.error), row['store_id'] ?? null, null));
    else
      promotions.push({
        promoId: r.data.promo_id,
        storeId: r.data.store_id,
        startDate: r.data.start_date,
        endDate: r.data.end_date,
        discountPct: r.data.discount_pct,
      });
  }
  return { promotions, bad };
}

export function checkHolidays(rows: readonly Raw[]): { holidays: HolidayRow[]; bad: ReferenceQuarantine[] } {
  const holidays: HolidayRow[] = [];
  const bad: ReferenceQuarantine[] = [];
  for (const row of rows) {
    const r = holidayRowSchema.safeParse(row);
    if (!r.success)
      bad.push(quarantined('holidays', 'invalid_holiday', row, problem(r.error), null, row['holiday_date'] ?? null));
    else holidays.push({ state: r.data.state, city: r.data.city, date: r.data.holiday_date, name: r.data.name });
  }
  return { holidays, bad };
}
