"""Helpers of bench/vs-darts.py that must mean exactly what cvc means: the walk-forward cutoffs, the
store subset, the planned opening days of a forecast window and the scored days of WAPE and p10-p90
coverage. Standard library only, so packages/backtest/test/vs-darts-helpers.test.ts checks them against
cvc's TypeScript functions with the system python3, without the bench's venv."""

from __future__ import annotations

import datetime as dt
import math
from typing import Iterable, Sequence

# The learned weekly opening pattern looks at this many weeks before the forecast origin
# (core/src/features/planned-open.ts OPEN_PATTERN_WEEKS).
OPEN_PATTERN_WEEKS = 8


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


def weekly_open_pattern(start: str, history: Sequence[float]) -> list[int]:
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


def planned_open(
    start: str,
    history: Sequence[float],
    first: str,
    days: int,
    opened_on: str | None = None,
    closed_on: str | None = None,
) -> list[int]:
    """1/0 per day of a forecast window starting `first`: the store's learned weekly pattern (what cvc
    uses when the source has no planned schedule, as the demo's), within the store master's opening
    and closing dates (both open days). Never the window's actual opening days."""
    pattern = weekly_open_pattern(start, history)
    d0 = day(first)
    out = []
    for i in range(days):
        d = d0 + dt.timedelta(days=i)
        before_open = opened_on is not None and d < day(opened_on)
        after_close = closed_on is not None and d > day(closed_on)
        out.append(0 if before_open or after_close else pattern[d.weekday()])
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
