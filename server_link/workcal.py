"""Beijing time and the working-hours calendar that handling deadlines are counted in.

Shared by the simulated backend and the console's core (deadlines, lights). Beijing has kept
UTC+8 without daylight saving since 1991, so a fixed offset is exact for our dates.

The calendar is total: for any instant a record may carry (``records.TIME_FROM`` to
``records.TIME_UNTIL``) plus the longest deadline, every method returns without an exception and in
bounded time, however far apart its instants are — whole working days are counted arithmetically
(weeks, then the listed holidays and worked weekend days, by bisection), never walked one by one.
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_DAY = timedelta(days=1)
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
_WALK_DAYS = 31  # days searched one by one before counting arithmetically
# _WEEKDAYS[w][n]: Monday–Friday among the n days starting on weekday w (0 = Monday), n < 7.
_WEEKDAYS = tuple(tuple(sum((w + i) % 7 < 5 for i in range(n)) for n in range(7)) for w in range(7))


class DeadlineUnit(enum.StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    DAYS = "days"


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working periods on working days (Mon–Fri unless listed otherwise), in Beijing time.

    ``holidays`` are weekdays off; ``workdays`` are weekend days worked (调休). ``periods`` must be
    non-empty, each start before its end, in order and not overlapping (checked when made).
    """

    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    _off: tuple[date, ...] = field(init=False, repr=False, compare=False)  # weekdays off, sorted
    _on: tuple[date, ...] = field(init=False, repr=False, compare=False)  # weekend days worked, sorted
    _per_day: timedelta = field(init=False, repr=False, compare=False)  # working time of a working day

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("a working day needs at least one working period")
        end = time.min
        for i, (a, b) in enumerate(self.periods):
            if a.tzinfo is not None or b.tzinfo is not None:
                raise ValueError("working periods are Beijing wall-clock times, without a tzinfo")
            if not a < b or (i and a < end):
                raise ValueError(f"working periods must be in order and not overlap: {self.periods}")
            end = b
        off = sorted(d for d in self.holidays if d.weekday() < 5 and d not in self.workdays)
        on = sorted(d for d in self.workdays if d.weekday() >= 5)
        object.__setattr__(self, "_off", tuple(off))
        object.__setattr__(self, "_on", tuple(on))
        object.__setattr__(self, "_per_day", sum((_span(a, b) for a, b in self.periods), _ZERO))

    @classmethod
    def with_days(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> WorkCalendar:
        return cls(holidays=frozenset(holidays), workdays=frozenset(workdays))

    @property
    def hours_per_day(self) -> float:
        return self._per_day.total_seconds() / 3600

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def is_working(self, at: datetime) -> bool:
        local = at.astimezone(BEIJING)
        t = local.timetz().replace(tzinfo=None)
        return self.is_workday(local.date()) and any(a <= t < b for a, b in self.periods)

    def workdays_between(self, first: date, end: date) -> int:
        """The number of working days in [first, end) (0 if ``end`` is not after ``first``)."""
        if end <= first:
            return 0
        weeks, rest = divmod((end - first).days, 7)
        count = 5 * weeks + _WEEKDAYS[first.weekday()][rest]
        count -= bisect_left(self._off, end) - bisect_left(self._off, first)
        return count + bisect_left(self._on, end) - bisect_left(self._on, first)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when ``hours`` of working time have passed since ``start`` (0, negative or
        NaN: the first working instant at or after ``start``)."""
        left = timedelta(hours=hours) if hours > 0 else _ZERO
        local = start.astimezone(BEIJING)
        d, t = local.date(), local.time()
        if self.is_workday(d):
            for a, b in self.periods:
                begin = max(a, t)
                if begin >= b:
                    continue
                span = _span(begin, b)
                if left <= span:
                    return datetime.combine(d, begin, BEIJING) + left
                left -= span
        # Whole working days pass before the one it ends in; then the rest, period by period.
        days = (left - _US) // self._per_day if left > _ZERO else 0
        day = self._nth_workday_after(d, days + 1)
        left -= days * self._per_day
        for a, b in self.periods:
            span = _span(a, b)
            if left <= span:
                return datetime.combine(day, a, BEIJING) + left
            left -= span
        raise AssertionError("unreachable: what is left fits in one working day")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same clock time ``days`` working days later (counted from the next opening)."""
        opening = self.add_working_hours(start, 0)  # move into working time if outside it
        d = opening.date()
        if days > 0:
            d = self._nth_workday_after(d, days)
        return datetime.combine(d, opening.timetz())

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours in [a, b) (negative if b is before a)."""
        if b < a:
            return -self.working_hours_between(b, a)
        la, lb = a.astimezone(BEIJING), b.astimezone(BEIJING)
        da, db = la.date(), lb.date()
        if da == db:
            total = self._worked(da, la.time(), lb.time())
        else:
            whole = self.workdays_between(da + _DAY, db)
            total = self._worked(da, la.time(), None) + whole * self._per_day + self._worked(db, time.min, lb.time())
        return total.total_seconds() / 3600

    def deadline(self, start: datetime, value: float, unit: DeadlineUnit) -> datetime:
        if unit is DeadlineUnit.WORKING_HOURS:
            return self.add_working_hours(start, value)
        if unit is DeadlineUnit.WORKING_DAYS:
            return self.add_working_days(start, int(value))
        if unit is DeadlineUnit.HOURS:
            return start + timedelta(hours=value)
        return start + timedelta(days=value)

    def _worked(self, d: date, since: time, until: time | None) -> timedelta:
        """Working time on day ``d`` in [since, until) (``until`` None: to the end of the day)."""
        if not self.is_workday(d):
            return _ZERO
        total = _ZERO
        for a, b in self.periods:
            lo, hi = max(a, since), b if until is None else min(b, until)
            if hi > lo:
                total += _span(lo, hi)
        return total

    def _nth_workday_after(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (n ≥ 1): a short walk, else a bisection on the count."""
        e = d
        for _ in range(_WALK_DAYS):
            e += _DAY
            if self.is_workday(e):
                n -= 1
                if n == 0:
                    return e
        # Each week holds five weekdays, and each weekday off after e costs at most one of them.
        off_after = len(self._off) - bisect_left(self._off, e)
        lo, hi = e.toordinal() + 1, (e + timedelta(weeks=(n + off_after) // 5 + 2)).toordinal()
        first = e + _DAY
        while lo < hi:  # the first day x in (e, hi] with n working days in (e, x]
            mid = (lo + hi) // 2
            if self.workdays_between(first, date.fromordinal(mid) + _DAY) >= n:
                hi = mid
            else:
                lo = mid + 1
        return date.fromordinal(lo)


def _span(a: time, b: time) -> timedelta:
    return datetime.combine(date.min, b) - datetime.combine(date.min, a)
