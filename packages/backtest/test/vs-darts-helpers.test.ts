// bench/vs-darts.py scores Darts beside cvc; its helpers (bench/vs_darts_lib.py, standard library only)
// must mean what cvc means, or the comparison is not like for like. Each is run with the system python3
// on the same inputs as cvc's TypeScript function and the answers compared.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  fnv1a32,
  formatIsoDay,
  holidaysBetween,
  knownFutureCovariates,
  learnedHolidayClosures,
  makeRng,
  parseIsoDay,
  planFolds,
  plannedOpen,
  scoreWindow,
  type RegionalHoliday,
  type ScheduleEntry,
} from '@cvc/core';
import { python } from '../../../test-support/python.js';

const bench = fileURLToPath(new URL('../../../bench', import.meta.url));

/** Calls `lib.<fn>(*args)` for each argument list and returns the results. */
function lib<T>(fn: string, calls: unknown[][]): Promise<T[]> {
  const script = `
import json, math, sys
sys.path.insert(0, sys.argv[1])
import vs_darts_lib as lib
calls = json.loads(sys.argv[2])
print(json.dumps([getattr(lib, ${JSON.stringify(fn)})(*c) for c in calls]))`;
  return python<T[]>(script, bench, JSON.stringify(calls));
}

describe('bench/vs_darts_lib.py against cvc', () => {
  it('plans the same fold cutoffs as the backtest', async () => {
    const plans = [
      { firstDay: '2019-01-01', lastDay: '2025-12-31', folds: 4, stride: 28, horizon: 35, gap: 0, minHistory: 180 },
      { firstDay: '2024-01-01', lastDay: '2025-03-01', folds: 3, stride: 14, horizon: 35, gap: 2, minHistory: 180 },
      { firstDay: '2020-02-29', lastDay: '2024-02-29', folds: 6, stride: 7, horizon: 10, gap: 0, minHistory: 30 },
    ];
    const got = await lib<unknown>(
      'plan_folds',
      plans.map((p) => [p.firstDay, p.lastDay, p.folds, p.stride, p.horizon, p.gap, p.minHistory]),
    );
    expect(got).toEqual(plans.map((p) => planFolds(p)));
  });

  it('hashes store ids as the shards do, so the --stores subset is the same on every machine', async () => {
    const ids = ['1', '42', '150', 'loja-Pinheiros', 'São Paulo 7', '店舗', ''];
    expect(
      await lib<number>(
        'fnv1a32',
        ids.map((s) => [s]),
      ),
    ).toEqual(ids.map((s) => fnv1a32(s)));
    const [picked] = await lib<string[]>('pick_stores', [[ids, 3]]);
    const byHash = [...ids].sort((a, b) => fnv1a32(a) - fnv1a32(b) || (a < b ? -1 : 1));
    expect(picked).toEqual(byHash.slice(0, 3));
  });

  it("plans a fold's opening days as infer does: learned weekly pattern within the store's dates", async () => {
    const rng = makeRng(7);
    const cases: { start: string; history: number[]; from: string; opened: string; closed: string | null }[] = [];
    for (let k = 0; k < 40; k++) {
      const start = formatIsoDay(parseIsoDay('2024-01-01') + Math.floor(rng() * 30));
      const n = 20 + Math.floor(rng() * 100);
      const sundayClosed = rng() < 0.5;
      const history = Array.from({ length: n }, (_, i) => {
        if (rng() < 0.05) return Number.NaN;
        if (sundayClosed && (parseIsoDay(start) + i + 3) % 7 === 6) return rng() < 0.8 ? 0 : 1;
        return rng() < 0.1 ? 0 : 1;
      });
      const from = formatIsoDay(addDays(parseIsoDay(start), n));
      // Openings and closings inside the window too, closing day itself included.
      const opened = formatIsoDay(parseIsoDay(from) + Math.floor(rng() * 10) - 3);
      const closed = rng() < 0.5 ? formatIsoDay(parseIsoDay(from) + Math.floor(rng() * 35)) : null;
      cases.push({ start, history, from, opened, closed });
    }
    const got = await lib<number[]>(
      'planned_open',
      cases.map((c) => [c.start, c.history.map((v) => (Number.isNaN(v) ? null : v)), c.from, 35, c.opened, c.closed]),
    );
    const want = cases.map((c) => {
      const open = plannedOpen({ start: c.start, history: c.history, from: c.from, days: 35 });
      const kf = knownFutureCovariates({
        store: { state: 'SP', city: null, openedOn: c.opened, closedOn: c.closed },
        from: c.from,
        days: 35,
        isOpen: open,
      });
      return Array.from(kf.is_open);
    });
    expect(got).toEqual(want);
  });

  it("plans last year's holiday closures as cvc does: same holiday and place, usual weekday, schedule", async () => {
    const rng = makeRng(13);
    const years = [2021, 2022, 2023, 2024, 2025, 2026];
    const regional: RegionalHoliday[] = years.flatMap((y) => [
      { state: 'SP', city: null, name: 'Revolução Constitucionalista', date: `${y}-07-09` },
      { state: 'SP', city: 'São Paulo', name: 'Aniversário de São Paulo', date: `${y}-01-25` },
      { state: 'sp', city: 'SAO PAULO', name: 'Consciência Negra', date: `${y}-11-20` },
      { state: 'RJ', city: null, name: 'São Jorge', date: `${y}-04-23` },
    ]);
    const places = [
      { state: 'SP', city: null },
      { state: 'SP', city: 'São Paulo' },
      { state: 'SP', city: 'Campinas' },
      { state: 'RJ', city: 'Rio de Janeiro' },
    ];
    // Window starts near the holidays that matter: New Year, Carnival and Easter, Tiradentes, the regional ones.
    const starts = ['2024-12-20', '2025-02-25', '2025-04-10', '2024-07-01', '2025-01-15', '2024-11-10', '2025-12-22'];
    const cases = Array.from({ length: 60 }, (_, k) => {
      const from = formatIsoDay(parseIsoDay(starts[k % starts.length]!) + Math.floor(rng() * 10));
      const n = 300 + Math.floor(rng() * 400);
      const start = formatIsoDay(parseIsoDay(from) - n);
      const place = places[Math.floor(rng() * places.length)]!;
      const closedOnHolidays = rng() < 0.6;
      const holidays = new Set(
        holidaysBetween(parseIsoDay(start), parseIsoDay(from) - 1, place, regional).map((h) => h.day),
      );
      const sundayClosed = rng() < 0.4;
      const history = Array.from({ length: n }, (_, i) => {
        const d = parseIsoDay(start) + i;
        if (rng() < 0.03) return Number.NaN;
        if (holidays.has(d) && closedOnHolidays) return rng() < 0.85 ? 0 : 1;
        if (sundayClosed && (d + 3) % 7 === 6) return 0;
        return rng() < 0.05 ? 0 : 1;
      });
      const pick = rng();
      const schedule: ScheduleEntry[] =
        pick < 0.15
          ? [{ weekday: 6, open: false }]
          : pick < 0.3
            ? [
                { date: formatIsoDay(parseIsoDay(from) + Math.floor(rng() * 14)), open: true },
                { weekday: 2, open: false },
              ]
            : [];
      const opened = formatIsoDay(parseIsoDay(start) - Math.floor(rng() * 100));
      return { start, history, from, place, schedule, opened };
    });
    // One regional list for every case: argv holds one argument of at most 128 KiB.
    const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import vs_darts_lib as lib
arg = json.loads(sys.argv[2])
print(json.dumps([lib.planned_open(*c, arg["regional"], s) for c, s in zip(arg["calls"], arg["schedules"])]))`;
    const calls = cases.map((c) => [
      c.start,
      c.history.map((v) => (Number.isNaN(v) ? null : v)),
      c.from,
      35,
      c.opened,
      null,
      c.place.state,
      c.place.city,
    ]);
    const schedules = cases.map((c) => c.schedule);
    const got = await python<number[][]>(script, bench, JSON.stringify({ regional, calls, schedules }));
    let withClosures = 0;
    const want = cases.map((c) => {
      const input = { start: c.start, history: c.history, from: c.from, days: 35, place: c.place, regional };
      if (learnedHolidayClosures(input).size > 0) withClosures++;
      const open = plannedOpen({ ...input, schedule: c.schedule });
      const store = { state: c.place.state, city: c.place.city, openedOn: c.opened, closedOn: null };
      return Array.from(knownFutureCovariates({ store, from: c.from, days: 35, isOpen: open }).is_open);
    });
    // The rule is exercised: many windows hold a holiday planned closed that the weekly pattern plans open.
    expect(withClosures).toBeGreaterThan(15);
    expect(got).toEqual(want);
  });

  it('scores WAPE and p10-p90 coverage over the days cvc scores', async () => {
    const rng = makeRng(11);
    const windows = Array.from({ length: 30 }, () => {
      const n = 35;
      const val = (x: number) => (rng() < 0.05 ? Number.NaN : x);
      const actual = Array.from({ length: n }, () => val(rng() < 0.1 ? 0 : 1000 + 5000 * rng()));
      const p50 = actual.map((a) => val((Number.isNaN(a) ? 3000 : a) * (0.7 + 0.6 * rng())));
      const p10 = p50.map((p) => p * (0.6 + 0.3 * rng()));
      const p90 = p50.map((p) => p * (1.1 + 0.3 * rng()));
      const isOpen = actual.map(() => (rng() < 0.15 ? 0 : 1));
      return { actual, p50, p10, p90, isOpen };
    });
    const script = `
import json, sys
sys.path.insert(0, sys.argv[1])
import vs_darts_lib as lib
out = []
pooled = lib.Score()
for w in json.loads(sys.argv[2]):
    s = lib.Score()
    for i in range(len(w['actual'])):
        args = [w[k][i] for k in ('actual', 'p50', 'isOpen', 'p10', 'p90')]
        s.add(*args)
        pooled.add(*args)
    out.append([s.n, s.abs_error, s.actual_sum, s.wape, s.coverage])
print(json.dumps({'windows': out, 'pooled': pooled.wape}))`;
    const nulls = (a: number[]) => a.map((v) => (Number.isNaN(v) ? null : v));
    const got = await python<{ windows: number[][]; pooled: number }>(
      script,
      bench,
      JSON.stringify(windows.map((w) => ({ ...w, actual: nulls(w.actual), p50: nulls(w.p50) }))),
    );
    let err = 0;
    let act = 0;
    windows.forEach((w, k) => {
      const m = scoreWindow(
        {
          actual: Float64Array.from(w.actual),
          p50: Float64Array.from(w.p50),
          p10: Float64Array.from(w.p10),
          p90: Float64Array.from(w.p90),
          isOpen: Float64Array.from(w.isOpen),
        },
        1,
      );
      const [n, absError, actualSum, wape, coverage] = got.windows[k]!;
      expect(n).toBe(m.n);
      expect(wape).toBeCloseTo(m.wape, 12);
      expect(coverage).toBeCloseTo(m.coverage80, 12);
      err += absError!;
      act += actualSum!;
    });
    // Chain-level WAPE pools store-days (sum of errors over sum of actuals), as backtest_metrics does.
    expect(got.pooled).toBeCloseTo(err / act, 12);
  });
});
