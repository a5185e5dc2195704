"""Helpers of bench/vs-darts.py that must mean exactly what cvc means: the walk-forward cutoffs, the
store subset, the planned opening days of a forecast window (schedule, last year's holiday closures,
weekly pattern) and the scored days of WAPE and p10-p90 coverage. Standard library only, so
packages/backtest/test/vs-darts-helpers.test.ts checks them against cvc's TypeScript functions with the
system python3, without the bench's venv."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Iterable, Mapping, Sequence

# The learned weekly opening pattern looks at this many weeks before the forecast origin
# (core/src/features/planned-open.ts OPEN_PATTERN_WEEKS).
OPEN_PATTERN_WEEKS = 8

# Days before the forecast origin searched for a holiday's last occurrence (planned-open.ts
# HOLIDAY_LOOKBACK_DAYS): a year plus the 35 days an Easter-bound holiday can move.
HOLIDAY_LOOKBACK_DAYS = 400

# Brazil's national holidays (core/src/calendar/holidays.ts): fixed (month, day, name, first year) and
# Easter-bound (offset from Easter Sunday, name, kind, half day).
FIXED_HOLIDAYS = [
    (1, 1, "Confraternização Universal", 0),
    (4, 21, "Tiradentes", 0),
    (5, 1, "Dia do Trabalho", 0),
    (9, 7, "Independência do Brasil", 0),
    (10, 12, "Nossa Senhora Aparecida", 0),
    (11, 2, "Finados", 0),
    (11, 15, "Proclamação da República", 0),
    (11, 20, "Dia Nacional de Zumbi e da Consciência Negra", 2024),
    (12, 25, "Natal", 0),
]
MOVABLE_HOLIDAYS = [
    (-48, "Carnaval (segunda-feira)", "optional", False),
    (-47, "Carnaval (terça-feira)", "optional", False),
    (-46, "Quarta-feira de Cinzas (até 14h)", "optional", True),
    (-2, "Sexta-feira Santa", "national", False),
    (60, "Corpus Christi", "optional", False),
]


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso)


def iso(d: dt.date) -> str:
    return d.isoformat()


def plan_folds(
    first_day: str, last_day: str, folds: int, stride: int, horizon: int, gap: int, min_history: int
) -> list[dict]:
    """Cutoffs every `stride` days, the last leaving exactly gap + horizon days to score (planFolds)."""
    last_cutoff = day(last_day) - dt.timedelta(days=gap + horizon)
    earliest = last_cutoff - dt.timedelta(days=(folds - 1) * stride)
    if (earliest - day(first_day)).days + 1 < min_history:
        raise ValueError(
            f"{folds} folds every {stride} days with horizon {horizon} leave less than {min_history} days of history"
        )
    out = []
    for k in range(folds):
        cutoff = earliest + dt.timedelta(days=k * stride)
        out.append(
            {
                "fold": k,
                "cutoff": iso(cutoff),
                "testStart": iso(cutoff + dt.timedelta(days=gap + 1)),
                "testEnd": iso(cutoff + dt.timedelta(days=gap + horizon)),
            }
        )
    return out


def fnv1a32(text: str) -> int:
    """32-bit FNV-1a of the UTF-8 bytes (core/src/shard.ts): the same order on every machine."""
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def pick_stores(store_ids: Iterable[str], n: int | None) -> list[str]:
    """The first n stores by FNV-1a hash of store_id (ties by id): a subset that does not depend on
    how many stores the run had, and spreads over formats rather than taking the lowest ids."""
    ordered = sorted(set(store_ids), key=lambda s: (fnv1a32(s), s))
    return ordered if n is None or n <= 0 else ordered[:n]


def weekly_open_pattern(start: str, history: Sequence[float | None]) -> list[int]:
    """Per weekday (0 = Monday): 1 when the store was open on most known such days of the last
    OPEN_PATTERN_WEEKS weeks of `history`, else 0; ties and unseen weekdays read open."""
    open_ = [0] * 7
    closed = [0] * 7
    dow0 = day(start).weekday()
    t = len(history)
    for i in range(max(0, t - 7 * OPEN_PATTERN_WEEKS), t):
        v = history[i]
        if v is None or not math.isfinite(v):
            continue
        d = (dow0 + i) % 7
        if v > 0:
            open_[d] += 1
        else:
            closed[d] += 1
    return [0 if closed[d] > open_[d] else 1 for d in range(7)]


def easter(year: int) -> dt.date:
    """Western Easter Sunday (anonymous Gregorian algorithm, core/src/calendar/easter.ts)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    return dt.date(year, month, (h + l - 7 * m + 114) % 31 + 1)


def city_key(city: str) -> str:
    """A city as cvc compares it: accents and case ignored ("SAO PAULO" is "São Paulo")."""
    return "".join(ch for ch in unicodedata.normalize("NFD", city) if not unicodedata.combining(ch)).lower()


def holidays_between(
    first: dt.date, last: dt.date, state: str | None, city: str | None, regional: Sequence[Mapping]
) -> list[tuple]:
    """(date, kind, name, state, city) of every holiday in [first, last] at the place, sorted by date:
    national ones always, the state's and the city's from `regional` (rows with state, city, name and a
    one-off `date`, as the lake's state_holidays table holds them) (holidaysBetween)."""
    out = []
    for y in range(first.year, last.year + 1):
        year = [(dt.date(y, m, d), "national", name) for m, d, name, since in FIXED_HOLIDAYS if y >= since]
        year += [(easter(y) + dt.timedelta(days=o), kind, name) for o, name, kind, _half in MOVABLE_HOLIDAYS]
        out += [(d, kind, name, None, None) for d, kind, name in sorted(year, key=lambda h: h[0])]
    if state:
        here = city_key(city) if city is not None else None
        for r in regional:
            r_city = r.get("city")
            key = "" if r_city is None else city_key(r_city)
            if str(r["state"]).upper() != state.upper() or (key != "" and key != here):
                continue
            kind = "state" if r_city is None else "city"
            out.append((day(r["date"]), kind, r["name"], str(r["state"]).upper(), r_city))
    return sorted((h for h in out if first <= h[0] <= last), key=lambda h: h[0])


def learned_holiday_closures(
    start: str, history: Sequence[float | None], first: str, days: int, state, city, regional
) -> set[dt.date]:
    """The window's days on a holiday the store was closed on at that holiday's most recent occurrence
    with a known flag in the last HOLIDAY_LOOKBACK_DAYS days (same kind, name and place), counted only
    when its weekly pattern then had that weekday open (learnedHolidayClosures)."""
    if days <= 0:
        return set()
    d0, w0 = day(start), day(first)
    ahead = holidays_between(w0, w0 + dt.timedelta(days=days - 1), state, city, regional)
    if not ahead:
        return set()
    t = len(history)
    end = d0 + dt.timedelta(days=t - 1)
    look_from = max(d0, d0 + dt.timedelta(days=t - HOLIDAY_LOOKBACK_DAYS))
    past = holidays_between(look_from, end, state, city, regional) if t > 0 and look_from <= end else []
    # The pattern a past closure is checked against leaves holidays out (a store's only Wednesday so far
    # being Christmas must not read as "shut on Wednesdays").
    pattern_from = max(d0, look_from - dt.timedelta(days=7 * OPEN_PATTERN_WEEKS))
    workdays = list(history)
    if t > 0 and pattern_from <= end:
        for h in holidays_between(pattern_from, end, state, city, regional):
            workdays[(h[0] - d0).days] = None
    closed_last: dict = {}
    for h in reversed(past):
        key = h[1:]
        if key in closed_last:
            continue
        i = (h[0] - d0).days
        v = history[i]
        if v is None or not math.isfinite(v):
            continue
        usually_open = weekly_open_pattern(start, workdays[:i])[h[0].weekday()]
        closed_last[key] = v <= 0 and usually_open == 1
    return {h[0] for h in ahead if closed_last.get(h[1:]) is True}


def planned_open(
    start: str,
    history: Sequence[float | None],
    first: str,
    days: int,
    opened_on: str | None = None,
    closed_on: str | None = None,
    state: str | None = None,
    city: str | None = None,
    regional: Sequence[Mapping] = (),
    schedule: Sequence[Mapping] = (),
) -> list[int]:
    """1/0 per day of a forecast window starting `first`, as cvc plans it (plannedOpen, then the store
    master's dates): schedule date rows, then schedule weekday rows ({"date" or "weekday", "open"}), then
    the holidays the store closed on last time, then its learned weekly pattern; 0 before the opening
    and after the closing date (both open days). Never the window's actual opening days."""
    pattern = weekly_open_pattern(start, history)
    holiday_closed = learned_holiday_closures(start, history, first, days, state, city, regional)
    by_date = {day(e["date"]): int(bool(e["open"])) for e in schedule if e.get("date") is not None}
    by_weekday = {
        int(e["weekday"]): int(bool(e["open"]))
        for e in schedule
        if e.get("date") is None and e.get("weekday") is not None
    }
    d0 = day(first)
    out = []
    for i in range(days):
        d = d0 + dt.timedelta(days=i)
        planned = by_date.get(d, by_weekday.get(d.weekday(), 0 if d in holiday_closed else pattern[d.weekday()]))
        before_open = opened_on is not None and d < day(opened_on)
        after_close = closed_on is not None and d > day(closed_on)
        out.append(0 if before_open or after_close else planned)
    return out


def is_scored(actual: float | None, p50: float | None, is_open: float | None) -> bool:
    """cvc scores a day when its actual and p50 are known and the store was open (metrics.ts)."""
    ok = lambda v: v is not None and math.isfinite(v)  # noqa: E731
    return ok(actual) and ok(p50) and (is_open is None or (ok(is_open) and is_open > 0))


class Score:
    """Pooled chain-level figures over store-days: WAPE = sum|p50 - actual| / sum|actual|, and the
    share of actuals inside [p10, p90] over the scored days that have both bounds."""

    def __init__(self) -> None:
        self.abs_error = 0.0
        self.actual_sum = 0.0
        self.n = 0
        self.covered = 0
        self.quantile_n = 0

    def add(self, actual, p50, is_open=None, p10=None, p90=None) -> None:
        if not is_scored(actual, p50, is_open):
            return
        self.n += 1
        self.abs_error += abs(p50 - actual)
        self.actual_sum += abs(actual)
        if p10 is not None and p90 is not None and math.isfinite(p10) and math.isfinite(p90):
            self.quantile_n += 1
            if p10 <= actual <= p90:
                self.covered += 1

    @property
    def wape(self) -> float:
        return self.abs_error / self.actual_sum if self.actual_sum > 0 else math.nan

    @property
    def coverage(self) -> float:
        return self.covered / self.quantile_n if self.quantile_n > 0 else math.nan
