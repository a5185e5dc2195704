import { describe, expect, it } from 'vitest';
import {
  addIsoDays,
  calendarFeatures,
  dayFromYmd,
  dayOfWeek,
  daysToMonthEnd,
  easterDay,
  formatIsoDay,
  holidayDistances,
  holidaysBetween,
  InvalidDateError,
  isoWeek,
  nationalHolidays,
  parseIsoDay,
  ymdOf,
} from '../src/calendar/index.js';

const d = parseIsoDay;

describe('day numbers', () => {
  it('parses and formats ISO dates', () => {
    expect(d('1970-01-01')).toBe(0);
    expect(d('1970-01-02')).toBe(1);
    expect(d('1969-12-31')).toBe(-1);
    expect(d('2000-03-01')).toBe(11017);
    expect(formatIsoDay(d('2024-02-29'))).toBe('2024-02-29');
    expect(dayFromYmd(2025, 12, 31)).toBe(d('2025-12-31'));
    expect(Array.from(ymdOf(d('2019-01-01')))).toEqual([2019, 1, 1]);
  });

  it('agrees with Date for every day 1900-2100', () => {
    for (let day = d('1900-01-01'); day <= d('2100-12-31'); day++) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (formatIsoDay(day) !== iso || parseIsoDay(iso) !== day) throw new Error(`mismatch at ${iso}`);
    }
  });

  it('rejects malformed or impossible dates', () => {
    for (const bad of ['2025-02-29', '2025-13-01', '2025-1-01', '20250101', '2025-04-31', 'abcd-ef-gh', '']) {
      expect(() => parseIsoDay(bad)).toThrow(InvalidDateError);
    }
  });

  it('numbers weekdays 0 = Monday .. 6 = Sunday', () => {
    expect(dayOfWeek(d('1970-01-01'))).toBe(3); // Thursday
    expect(dayOfWeek(d('2025-01-01'))).toBe(2); // Wednesday
    expect(dayOfWeek(d('2025-11-30'))).toBe(6); // Sunday
    expect(dayOfWeek(d('1969-12-29'))).toBe(0); // Monday, before the epoch
  });

  it('computes ISO weeks across year boundaries', () => {
    expect(isoWeek(d('2020-12-31'))).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(d('2021-01-03'))).toEqual({ year: 2020, week: 53 });
    expect(isoWeek(d('2021-01-04'))).toEqual({ year: 2021, week: 1 });
    expect(isoWeek(d('2019-12-30'))).toEqual({ year: 2020, week: 1 });
    expect(isoWeek(d('2024-12-30'))).toEqual({ year: 2025, week: 1 });
    expect(isoWeek(d('2026-01-01'))).toEqual({ year: 2026, week: 1 });
    expect(isoWeek(d('2027-01-01'))).toEqual({ year: 2026, week: 53 });
  });

  it('counts days to month end', () => {
    expect(daysToMonthEnd(d('2024-02-01'))).toBe(28);
    expect(daysToMonthEnd(d('2025-02-01'))).toBe(27);
    expect(daysToMonthEnd(d('2025-12-31'))).toBe(0);
  });
});

describe('Easter and national holidays', () => {
  it('finds Easter Sunday', () => {
    expect(formatIsoDay(easterDay(2019))).toBe('2019-04-21');
    expect(formatIsoDay(easterDay(2020))).toBe('2020-04-12');
    expect(formatIsoDay(easterDay(2024))).toBe('2024-03-31');
    expect(formatIsoDay(easterDay(2025))).toBe('2025-04-20');
    expect(formatIsoDay(easterDay(2026))).toBe('2026-04-05');
    expect(formatIsoDay(easterDay(2038))).toBe('2038-04-25'); // latest possible
    expect(formatIsoDay(easterDay(2285))).toBe('2285-03-22'); // earliest possible
  });

  it('lists 2025 holidays with names and kinds', () => {
    const byDate = new Map(nationalHolidays(2025).map((h) => [h.date, h]));
    expect(byDate.get('2025-03-03')?.name).toMatch(/Carnaval/);
    expect(byDate.get('2025-03-04')?.name).toMatch(/Carnaval/);
    expect(byDate.get('2025-03-05')).toMatchObject({ kind: 'optional', halfDay: true });
    expect(byDate.get('2025-04-18')).toMatchObject({ name: 'Sexta-feira Santa', kind: 'national' });
    expect(byDate.get('2025-06-19')).toMatchObject({ name: 'Corpus Christi', kind: 'optional' });
    expect(byDate.get('2025-12-25')).toMatchObject({ name: 'Natal', kind: 'national' });
    expect(byDate.get('2025-11-20')?.kind).toBe('national');
    expect(byDate.size).toBe(14);
  });

  it('makes Consciência Negra national only from 2024', () => {
    expect(nationalHolidays(2023).some((h) => h.date === '2023-11-20')).toBe(false);
    expect(nationalHolidays(2024).some((h) => h.date === '2024-11-20')).toBe(true);
  });

  it('adds regional holidays that match the place', () => {
    const regional = [
      { state: 'SP', name: 'Revolução Constitucionalista', monthDay: '07-09' },
      { state: 'SP', city: 'São Paulo', name: 'Aniversário de São Paulo', monthDay: '01-25' },
      { state: 'RJ', name: 'São Jorge', monthDay: '04-23', fromYear: 2008 },
      { state: 'SP', city: 'Campinas', name: 'one-off', date: '2025-03-10' },
    ];
    const from = d('2025-01-01');
    const to = d('2025-12-31');
    const sp = holidaysBetween(from, to, { state: 'SP', city: 'Sao Paulo' }, regional).filter((h) => h.state);
    expect(sp.map((h) => [h.date, h.kind])).toEqual([
      ['2025-01-25', 'city'],
      ['2025-07-09', 'state'],
    ]);
    const rj = holidaysBetween(from, to, { state: 'RJ' }, regional).filter((h) => h.state);
    expect(rj.map((h) => h.date)).toEqual(['2025-04-23']);
    expect(holidaysBetween(from, to, {}, regional).every((h) => h.state === null)).toBe(true);
  });
});

describe('calendar features', () => {
  it('fills the date columns', () => {
    const c = calendarFeatures(d('2024-12-30'), 3);
    expect(Array.from(c.dow)).toEqual([0, 1, 2]);
    expect(Array.from(c.dom)).toEqual([30, 31, 1]);
    expect(Array.from(c.month)).toEqual([12, 12, 1]);
    expect(Array.from(c.woy)).toEqual([1, 1, 1]);
    expect(Array.from(c.days_to_month_end)).toEqual([1, 0, 30]);
    expect(Array.from(c.is_holiday)).toEqual([0, 0, 1]);
  });

  it('measures distances around Good Friday and Tiradentes 2025', () => {
    // Fri 18 Apr (Good Friday), Mon 21 Apr (Tiradentes), Thu 1 May (Labour Day).
    const c = calendarFeatures(d('2025-04-17'), 6);
    expect(Array.from(c.is_holiday)).toEqual([0, 1, 0, 0, 1, 0]);
    expect(Array.from(c.days_to_next_holiday)).toEqual([1, 0, 2, 1, 0, 9]);
    // 17 Apr: last full holiday before it is Carnival Tuesday 4 Mar (44 days) -> capped at 30.
    expect(Array.from(c.days_since_last_holiday)).toEqual([30, 0, 1, 2, 0, 1]);
  });

  it('looks past the range edges and excludes the Ash Wednesday half day', () => {
    const c = calendarFeatures(d('2025-03-05'), 1); // Ash Wednesday, the day after Carnival Tuesday
    expect(c.is_holiday[0]).toBe(0);
    expect(c.days_since_last_holiday[0]).toBe(1);
    expect(c.days_to_next_holiday[0]).toBe(30); // next is Good Friday, 44 days away
    const e = calendarFeatures(d('2025-12-24'), 1, { cap: 10 });
    expect(e.days_to_next_holiday[0]).toBe(1);
    expect(e.days_since_last_holiday[0]).toBe(10);
  });

  it('caps distances in a bare mask', () => {
    const { toNext, sinceLast } = holidayDistances(Uint8Array.from([0, 0, 1, 0, 0, 0]), 2);
    expect(Array.from(toNext)).toEqual([2, 1, 0, 2, 2, 2]);
    expect(Array.from(sinceLast)).toEqual([2, 2, 0, 1, 2, 2]);
  });

  it('is fast enough for millions of days', () => {
    const t = performance.now();
    const c = calendarFeatures(d('1990-01-01'), 1_000_000 / 20);
    for (let i = 0; i < 20; i++) calendarFeatures(d('2000-01-01') + i, 50_000);
    expect(c.dow.length).toBe(50_000);
    expect(performance.now() - t).toBeLessThan(5_000);
  });
});

describe('calendar features against the per-day helpers', () => {
  it('agrees day by day over 30 years', () => {
    const from = parseIsoDay('1999-12-20');
    const n = 11_000;
    const c = calendarFeatures(from, n);
    const ymd = new Int32Array(3);
    for (let i = 0; i < n; i++) {
      const day = from + i;
      ymdOf(day, ymd);
      const want = [dayOfWeek(day), ymd[2], ymd[1], isoWeek(day).week, daysToMonthEnd(day)];
      const got = [c.dow[i], c.dom[i], c.month[i], c.woy[i], c.days_to_month_end[i]];
      if (want.join() !== got.join()) throw new Error(`${formatIsoDay(day)}: want ${want} got ${got}`);
    }
  });
});

describe('addIsoDays', () => {
  it('shifts an ISO date across month, leap day and year ends', () => {
    expect(addIsoDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addIsoDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addIsoDays('2023-12-31', 1)).toBe('2024-01-01');
    expect(addIsoDays('2024-01-01', -1)).toBe('2023-12-31');
  });
  it('rejects a date that does not exist', () => {
    expect(() => addIsoDays('2025-02-30', 1)).toThrow(/invalid date "2025-02-30"/);
  });
});
