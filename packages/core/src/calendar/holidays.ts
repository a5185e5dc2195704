// Brazilian holidays for any year: the national ones (fixed dates and the ones that move with Easter)
// plus state and city holidays supplied as data, since those differ per place and change by law.
import { dayFromYmd, formatIsoDay, parseIsoDay, yearOf } from './days.js';
import { easterDay } from './easter.js';
import { InputError } from '../errors.js';

/**
 * - `national`: federal holiday (Lei 662/1949, 6.802/1980, 10.607/2002, 14.759/2023); shops mostly close.
 * - `optional`: federal "ponto facultativo" (Carnival, Ash Wednesday morning, Corpus Christi): not a
 *   legal holiday, but in practice much of the country stops.
 * - `state` / `city`: regional holidays from the supplied list.
 */
export type HolidayKind = 'national' | 'optional' | 'state' | 'city';

export interface Holiday {
  day: number; // days since 1970-01-01
  date: string; // YYYY-MM-DD
  name: string;
  kind: HolidayKind;
  /** True for a half day (Ash Wednesday: offices reopen at 14:00); not counted by `isHoliday` features. */
  halfDay: boolean;
  state: string | null; // UF for state/city holidays
  city: string | null;
}

/** A state or city holiday as data: either one `date`, or a recurring `monthDay` ("MM-DD") within optional years. */
export interface RegionalHoliday {
  state: string; // UF, e.g. "SP"
  city?: string | null; // null/absent = the whole state
  name: string;
  date?: string; // YYYY-MM-DD, a one-off
  monthDay?: string; // MM-DD, every year in [fromYear, toYear]
  fromYear?: number;
  toYear?: number;
}

/** Where a store is, to pick the regional holidays that apply to it. */
export interface Place {
  state?: string | null;
  city?: string | null;
}

const FIXED: ReadonlyArray<readonly [month: number, day: number, name: string, fromYear: number]> = [
  [1, 1, 'Confraternização Universal', 0],
  [4, 21, 'Tiradentes', 0],
  [5, 1, 'Dia do Trabalho', 0],
  [9, 7, 'Independência do Brasil', 0],
  [10, 12, 'Nossa Senhora Aparecida', 0],
  [11, 2, 'Finados', 0],
  [11, 15, 'Proclamação da República', 0],
  // National only from 2024 (Lei 14.759/2023); before that a state/city holiday in some places.
  [11, 20, 'Dia Nacional de Zumbi e da Consciência Negra', 2024],
  [12, 25, 'Natal', 0],
];

// Offsets from Easter Sunday.
const MOVABLE: ReadonlyArray<readonly [offset: number, name: string, kind: HolidayKind, halfDay: boolean]> = [
  [-48, 'Carnaval (segunda-feira)', 'optional', false],
  [-47, 'Carnaval (terça-feira)', 'optional', false],
  [-46, 'Quarta-feira de Cinzas (até 14h)', 'optional', true],
  [-2, 'Sexta-feira Santa', 'national', false],
  [60, 'Corpus Christi', 'optional', false],
];

function holiday(
  day: number,
  name: string,
  kind: HolidayKind,
  halfDay = false,
  state: string | null = null,
  city: string | null = null,
): Holiday {
  return { day, date: formatIsoDay(day), name, kind, halfDay, state, city };
}

/** National holidays and optional points of one year, sorted by day. */
export function nationalHolidays(year: number): Holiday[] {
  const out: Holiday[] = [];
  for (const [m, d, name, from] of FIXED) if (year >= from) out.push(holiday(dayFromYmd(year, m, d), name, 'national'));
  const easter = easterDay(year);
  for (const [offset, name, kind, halfDay] of MOVABLE) out.push(holiday(easter + offset, name, kind, halfDay));
  return out.sort((a, b) => a.day - b.day);
}

/** Thrown for a regional holiday entry that has neither a valid `date` nor a valid `monthDay`. */
export class InvalidHolidayError extends InputError {
  override readonly name = 'InvalidHolidayError';
  constructor(
    readonly entry: RegionalHoliday,
    reason: string,
  ) {
    super(`invalid regional holiday ${JSON.stringify(entry)}: ${reason}`);
  }
}

/**
 * A city name as pt-BR compares it at "base" strength: case and accents ignored ("SAO PAULO" is
 * "São Paulo"). A key rather than a collator call, so holidays can be looked up by place in a map.
 */
export function cityKey(city: string): string {
  return city.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('pt-BR');
}

const placeKey = (state: string, city: string | null | undefined): string =>
  `${state.toUpperCase()}\u0000${city == null ? '' : cityKey(city)}`;

interface IndexedHoliday {
  order: number; // position in the supplied list, so ties keep the list's order
  holiday: RegionalHoliday;
}

// Built once per list (ingest passes the same array for every place), so finding a place's regional
// holidays costs the holidays of that place, not every row of the list.
const indexes = new WeakMap<readonly RegionalHoliday[], Map<string, IndexedHoliday[]>>();

function indexOf(regional: readonly RegionalHoliday[]): Map<string, IndexedHoliday[]> {
  let index = indexes.get(regional);
  if (index) return index;
  index = new Map();
  regional.forEach((holiday, order) => {
    const key = placeKey(holiday.state, holiday.city);
    const list = index!.get(key);
    if (list) list.push({ order, holiday });
    else index!.set(key, [{ order, holiday }]);
  });
  indexes.set(regional, index);
  return index;
}

/** The regional holidays (the whole state's, and the city's if given) that apply at `place`, in list order. */
export function regionalHolidaysAt(place: Place, regional: readonly RegionalHoliday[]): RegionalHoliday[] {
  if (!place.state || regional.length === 0) return [];
  const index = indexOf(regional);
  const stateWide = index.get(placeKey(place.state, null)) ?? [];
  const city = place.city != null ? (index.get(placeKey(place.state, place.city)) ?? []) : [];
  return [...stateWide, ...city].sort((a, b) => a.order - b.order).map((x) => x.holiday);
}

/** The days in [fromYear, toYear] on which one regional holiday falls. */
export function regionalHolidayDays(h: RegionalHoliday, fromYear: number, toYear: number): number[] {
  if (h.date !== undefined) {
    const day = parseIsoDay(h.date);
    const y = yearOf(day);
    return y >= fromYear && y <= toYear ? [day] : [];
  }
  const md = /^(\d{2})-(\d{2})$/.exec(h.monthDay ?? '');
  if (!md) throw new InvalidHolidayError(h, 'needs date (YYYY-MM-DD) or monthDay (MM-DD)');
  const out: number[] = [];
  const lo = Math.max(fromYear, h.fromYear ?? fromYear);
  const hi = Math.min(toYear, h.toYear ?? toYear);
  for (let y = lo; y <= hi; y++) {
    const iso = `${String(y).padStart(4, '0')}-${md[1]}-${md[2]}`;
    try {
      out.push(parseIsoDay(iso));
    } catch {
      // Feb 29 in a non-leap year: the holiday simply does not happen that year.
      if (md[1] !== '02' || md[2] !== '29') throw new InvalidHolidayError(h, `no such day ${iso}`);
    }
  }
  return out;
}

/**
 * Every holiday between two day numbers (inclusive) that applies at `place`: national ones always,
 * regional ones when the state (and city, if given) match. Sorted by day; a day may appear twice
 * when a regional holiday coincides with a national one.
 */
export function holidaysBetween(
  fromDay: number,
  toDay: number,
  place: Place = {},
  regional: readonly RegionalHoliday[] = [],
): Holiday[] {
  const y0 = yearOf(fromDay);
  const y1 = yearOf(toDay);
  const out: Holiday[] = [];
  for (let y = y0; y <= y1; y++)
    for (const h of nationalHolidays(y)) if (h.day >= fromDay && h.day <= toDay) out.push(h);
  for (const r of regionalHolidaysAt(place, regional)) {
    const kind: HolidayKind = r.city == null ? 'state' : 'city';
    for (const day of regionalHolidayDays(r, y0, y1)) {
      if (day >= fromDay && day <= toDay)
        out.push(holiday(day, r.name, kind, false, r.state.toUpperCase(), r.city ?? null));
    }
  }
  return out.sort((a, b) => a.day - b.day);
}

/**
 * 1 where a full-day holiday (any kind, half days excluded) falls in [fromDay, fromDay + n), else 0.
 * The mask is what feature building and the demo generator index by day.
 */
export function holidayMask(
  fromDay: number,
  n: number,
  place: Place = {},
  regional: readonly RegionalHoliday[] = [],
): Uint8Array {
  const mask = new Uint8Array(Math.max(0, n));
  if (n <= 0) return mask;
  for (const h of holidaysBetween(fromDay, fromDay + n - 1, place, regional)) if (!h.halfDay) mask[h.day - fromDay] = 1;
  return mask;
}
