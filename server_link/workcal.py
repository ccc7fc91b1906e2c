"""Beijing time and the working-hours calendar that handling deadlines are counted in.

Shared by the simulated backend and the console's core (deadlines, lights). Beijing has kept
UTC+8 without daylight saving since 1991, so a fixed offset is exact for our dates.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
_MAX_DAYS = 3660  # never search further than ten years for working time


class DeadlineUnit(enum.StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    DAYS = "days"


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Working periods on working days (Mon–Fri unless listed otherwise), in Beijing time.

    ``holidays`` are weekdays off; ``workdays`` are weekend days worked (调休).
    """

    periods: tuple[tuple[time, time], ...] = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def with_days(cls, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> WorkCalendar:
        return cls(holidays=frozenset(holidays), workdays=frozenset(workdays))

    @property
    def hours_per_day(self) -> float:
        return sum(_span(a, b) for a, b in self.periods) / 3600

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def is_working(self, at: datetime) -> bool:
        local = at.astimezone(BEIJING)
        t = local.timetz().replace(tzinfo=None)
        return self.is_workday(local.date()) and any(a <= t < b for a, b in self.periods)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The instant when ``hours`` of working time have passed since ``start``."""
        left = timedelta(hours=hours)
        for day_start, period_start, period_end in self._periods_from(start):
            begin = max(period_start, day_start)
            if begin >= period_end:
                continue
            if left <= period_end - begin:
                return begin + left
            left -= period_end - begin
        raise ValueError(f"no working time within {_MAX_DAYS} days of {start}")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same clock time ``days`` working days later (counted from the next opening)."""
        local = start.astimezone(BEIJING)
        opening = self.add_working_hours(local, 0)  # move into working time if outside it
        d = opening.date()
        for _ in range(days):
            d += timedelta(days=1)
            while not self.is_workday(d):
                d += timedelta(days=1)
        return datetime.combine(d, opening.timetz())

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Working hours in [a, b) (negative if b is before a)."""
        if b < a:
            return -self.working_hours_between(b, a)
        total = timedelta()
        for day_start, period_start, period_end in self._periods_from(a):
            if period_start >= b:
                break
            lo, hi = max(period_start, day_start), min(period_end, b)
            if hi > lo:
                total += hi - lo
        return total.total_seconds() / 3600

    def deadline(self, start: datetime, value: float, unit: DeadlineUnit) -> datetime:
        if unit is DeadlineUnit.WORKING_HOURS:
            return self.add_working_hours(start, value)
        if unit is DeadlineUnit.WORKING_DAYS:
            return self.add_working_days(start, int(value))
        if unit is DeadlineUnit.HOURS:
            return start + timedelta(hours=value)
        return start + timedelta(days=value)

    def _periods_from(self, start: datetime) -> Iterable[tuple[datetime, datetime, datetime]]:
        """(start, period start, period end) for every working period from ``start``'s day on."""
        local = start.astimezone(BEIJING)
        d = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_workday(d):
                for a, b in self.periods:
                    yield local, datetime.combine(d, a, BEIJING), datetime.combine(d, b, BEIJING)
            d += timedelta(days=1)


def _span(a: time, b: time) -> float:
    return (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
