// Planned is_open learns each store's holiday closures from its own last occurrence of the holiday.
import { expect, test } from 'vitest';
import { formatIsoDay, parseIsoDay, plannedOpen, type PlannedOpenInput } from '../src/index.js';

/** A store's open flags from `start` to the day before `from`: open, except on `closed` days and closed weekdays. */
function store(
  start: string,
  from: string,
  closed: readonly string[],
  closedWeekday?: number,
): PlannedOpenInput & { history: number[] } {
  const s = parseIsoDay(start);
  const shut = new Set(closed.map(parseIsoDay));
  const history = Array.from({ length: parseIsoDay(from) - s }, (_, i) => {
    const day = s + i;
    // 1970-01-01 was a Thursday: (day + 3) % 7 is the weekday with 0 = Monday.
    return shut.has(day) || (day + 3) % 7 === closedWeekday ? 0 : 1;
  });
  return { start, history, from, days: 14 };
}

const closedDays = (open: Float64Array, from: string): string[] =>
  Array.from(open)
    .map((v, i) => (v === 0 ? formatIsoDay(parseIsoDay(from) + i) : null))
    .filter((d): d is string => d !== null);

test('a store closed on Christmas and New Year last year is planned closed on them; one open stays open', () => {
  const from = '2025-12-21';
  const shut = store('2023-11-01', from, ['2023-12-25', '2024-01-01', '2024-12-25', '2025-01-01']);
  expect(closedDays(plannedOpen(shut), from)).toEqual(['2025-12-25', '2026-01-01']);
  const open = store('2023-11-01', from, []);
  expect(closedDays(plannedOpen(open), from)).toEqual([]);
  // Only the most recent occurrence counts: closed in 2023/24, open on the holidays of 2024/25.
  const reopened = store('2023-11-01', from, ['2023-12-25', '2024-01-01']);
  expect(closedDays(plannedOpen(reopened), from)).toEqual([]);
});

test('a store opened a week before last Christmas learns it: holidays do not count toward its weekly pattern', () => {
  // Its only Wednesdays before New Year were Christmas 2024 (closed) and New Year itself.
  const from = '2025-12-21';
  const young = store('2024-12-20', from, ['2024-12-25', '2025-01-01']);
  expect(closedDays(plannedOpen(young), from)).toEqual(['2025-12-25', '2026-01-01']);
});

test('no past occurrence in view keeps the weekly rule; an explicit schedule row still wins', () => {
  const from = '2025-12-21';
  // Opened in June 2025: no Christmas yet in its history.
  expect(closedDays(plannedOpen(store('2025-06-01', from, [])), from)).toEqual([]);
  // History cut after last Christmas: the closure is out of view.
  const old = store('2023-11-01', from, ['2024-12-25', '2025-01-01']);
  expect(closedDays(plannedOpen({ ...old, start: '2025-01-02', history: old.history.slice(428) }), from)).toEqual([]);
  const shut = store('2023-11-01', from, ['2024-12-25', '2025-01-01']);
  // Thursday rows (2025-12-25 and 2026-01-01 are Thursdays) and a date row override the learned closure.
  expect(closedDays(plannedOpen({ ...shut, schedule: [{ weekday: 3, open: true }] }), from)).toEqual([]);
  expect(closedDays(plannedOpen({ ...shut, schedule: [{ date: '2026-01-01', open: true }] }), from)).toEqual([
    '2025-12-25',
  ]);
});

test('a usual weekly closure on the holiday is not learned as a holiday closure', () => {
  // Independence Day 2025-09-07 was a Sunday, the day this store always closes; in 2026 it is a Monday.
  const from = '2026-09-02';
  expect(closedDays(plannedOpen(store('2025-01-01', from, [], 6)), from)).toEqual(['2026-09-06', '2026-09-13']);
  // A store open on Sundays that shut on that Sunday's holiday is planned closed on its Monday.
  expect(closedDays(plannedOpen(store('2025-01-01', from, ['2025-09-07'])), from)).toEqual(['2026-09-07']);
});

test("state and city holidays are learned where the store's place has them", () => {
  const regional = [
    { state: 'SP', name: 'Revolução Constitucionalista', monthDay: '07-09' },
    { state: 'RJ', city: 'Rio de Janeiro', name: 'São Sebastião', monthDay: '01-20' },
  ];
  const from = '2026-07-01';
  const shut = store('2025-01-01', from, ['2025-07-09', '2025-01-20']);
  const sp = plannedOpen({ ...shut, place: { state: 'SP', city: 'São Paulo' }, regional });
  expect(closedDays(sp, from)).toEqual(['2026-07-09']);
  // In Rio the 9th of July is a normal day.
  expect(closedDays(plannedOpen({ ...shut, place: { state: 'RJ', city: 'Rio de Janeiro' }, regional }), from)).toEqual(
    [],
  );
  const jan = '2026-01-15';
  const rio = store('2025-01-01', jan, ['2025-01-20']);
  expect(closedDays(plannedOpen({ ...rio, place: { state: 'RJ', city: 'rio de janeiro' }, regional }), jan)).toEqual([
    '2026-01-20',
  ]);
  expect(closedDays(plannedOpen({ ...rio, place: { state: 'RJ', city: 'Niterói' }, regional }), jan)).toEqual([]);
});
