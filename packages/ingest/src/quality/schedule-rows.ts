// The planned opening schedule (planned closures, refurbishments, weekly closing days): unlike the
// other reference rows a bad schedule row is not quarantined but fails the run (exit 2), since a
// schedule silently missing one closure would forecast sales on a day the store is shut. The error
// names the source, the row (1-based, in store_id / weekday / date order) and the field.
import { parseIsoDay, type ScheduleEntry } from '@cvc/core';
import { SourceError } from '../errors.js';

export interface ScheduleRow extends ScheduleEntry {
  storeId: string;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const OPEN: Record<string, boolean> = { '1': true, '0': false, '1.0': true, '0.0': false, true: true, false: false };

/**
 * Checks staged schedule rows (text cells): store_id of a known store, exactly one of weekday (0 =
 * Monday .. 6, or mon..sun) and schedule_date (YYYY-MM-DD), is_open 1/0/true/false. Throws a
 * SourceError on the first bad row; `source` names the file glob or table.
 */
export function checkSchedule(
  rows: readonly Record<string, string | null>[],
  knownStores: ReadonlySet<string>,
  source: string,
): ScheduleRow[] {
  const out: ScheduleRow[] = [];
  rows.forEach((r, i) => {
    const fail = (field: string, why: string): never => {
      const where = `store schedule row ${i + 1} (store_id ${r['store_id'] ?? 'null'})`;
      throw new SourceError(source, `${where}: ${field}: ${why}`);
    };
    const storeId = r['store_id']?.trim() ?? '';
    if (storeId === '') fail('store_id', 'must not be empty');
    if (!knownStores.has(storeId)) fail('store_id', `store ${storeId} is not in the store master`);
    const weekdayText = r['weekday']?.trim().toLowerCase() ?? '';
    const dateText = r['schedule_date']?.trim() ?? '';
    if ((weekdayText === '') === (dateText === '')) fail('weekday', 'give exactly one of weekday and schedule_date');
    const open = OPEN[r['is_open']?.trim().toLowerCase() ?? ''];
    if (open === undefined) fail('is_open', `expected 1, 0, true or false, got ${JSON.stringify(r['is_open'])}`);
    if (weekdayText !== '') {
      const named = WEEKDAYS.indexOf(weekdayText.slice(0, 3));
      const byName = named >= 0 && weekdayText.length >= 3 ? named : -1;
      const weekday = /^[0-6]$/.test(weekdayText) ? Number(weekdayText) : byName;
      if (weekday < 0) fail('weekday', `expected 0 (Monday) to 6 or a day name, got ${JSON.stringify(r['weekday'])}`);
      out.push({ storeId, weekday, open: open! });
    } else {
      const date = dateText.slice(0, 10);
      try {
        parseIsoDay(date);
      } catch {
        fail('schedule_date', `expected a date YYYY-MM-DD, got ${JSON.stringify(r['schedule_date'])}`);
      }
      out.push({ storeId, date, open: open! });
    }
  });
  return out;
}
