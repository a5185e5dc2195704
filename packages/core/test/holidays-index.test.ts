// Regional holidays are found by place through an index (issue 13); it must pick exactly what the
// old per-row pt-BR comparison picked, whatever the case and accents of the city names.
import { describe, expect, test } from 'vitest';
import {
  cityKey,
  holidaysBetween,
  regionalHolidaysAt,
  type Place,
  type RegionalHoliday,
} from '../src/calendar/holidays.js';
import { parseIsoDay } from '../src/calendar/days.js';

// The rule as it was written before the index: every row, compared with localeCompare.
function appliesBefore(h: RegionalHoliday, place: Place): boolean {
  if (!place.state || h.state.toUpperCase() !== place.state.toUpperCase()) return false;
  return (
    h.city == null || (place.city != null && h.city.localeCompare(place.city, 'pt-BR', { sensitivity: 'base' }) === 0)
  );
}

const CITIES = [
  'São Paulo',
  'sao paulo',
  'SÃO PAULO',
  'Santos',
  'Goiânia',
  'GOIANIA',
  'Jundiaí',
  'Jundiai',
  'Itaú',
  'Belém',
  'Belem do Pará',
  'Ribeirão Preto',
  'Sao Paulo ',
  'Conceição do Araguaia',
  'Niterói',
];
const STATES = ['SP', 'sp', 'RJ', 'GO', 'PA', 'Pa'];

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('regional holiday index', () => {
  test('cityKey ignores case and accents only', () => {
    expect(cityKey('SÃO PAULO')).toBe(cityKey('sao paulo'));
    expect(cityKey('Goiânia')).toBe('goiania');
    expect(cityKey('Sao Paulo ')).not.toBe(cityKey('Sao Paulo'));
  });

  test('picks the same holidays as the per-row comparison, in list order', () => {
    const rnd = lcg(13);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const regional: RegionalHoliday[] = [];
    for (let i = 0; i < 400; i++) {
      const month = String(1 + Math.floor(rnd() * 12)).padStart(2, '0');
      regional.push({
        state: pick(STATES),
        city: rnd() < 0.3 ? null : pick(CITIES),
        name: `h${i}`,
        monthDay: `${month}-1${i % 10}`,
      });
    }
    for (const state of [...STATES, null]) {
      for (const city of [...CITIES, null]) {
        const place: Place = { state, city };
        expect(regionalHolidaysAt(place, regional)).toEqual(regional.filter((h) => appliesBefore(h, place)));
      }
    }
    const from = parseIsoDay('2024-01-01');
    const to = parseIsoDay('2025-12-31');
    const place = { state: 'SP', city: 'SAO PAULO' };
    const names = holidaysBetween(from, to, place, regional)
      .filter((h) => h.kind === 'city' || h.kind === 'state')
      .map((h) => h.name);
    expect(new Set(names)).toEqual(new Set(regional.filter((h) => appliesBefore(h, place)).map((h) => h.name)));
  });
});
