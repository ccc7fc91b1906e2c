"""What the console derives from one case record: where it stands, whose it is, how late it is."""

from __future__ import annotations

import math
from datetime import datetime

import msgspec

from console.core.rules import Light as Light  # defined in rules; re-exported for the views
from console.core.rules import Rules, is_open_step, light_at
from server_link import records as r
from server_link.district import Category, District
from server_link.workcal import DeadlineUnit, WorkCalendar

NAN = math.nan


class CaseState(msgspec.Struct, gc=False):
    """A case as the views and indicators see it. Times are POSIX seconds (NaN when unknown).

    A msgspec struct, not a dataclass: past situations cross from the store's process pickled, and a
    struct pickles and unpickles about three times faster (it holds no cycles, so ``gc=False``).

    The time-dependent flags (``light``, ``overdue``, ``recent``) hold for the instant the state
    was last evaluated at; the situation moves them forward as time passes.
    """

    no: str
    title: str
    channel: str
    category: str
    major: str
    unit_grid: str
    base_grid: str
    community: str
    street: str
    lon: float
    lat: float
    dept: str | None
    step: r.Step
    loop: r.Loop
    urgency: r.Urgency
    received_at: float
    step_at: float
    deadline: float
    yellow_at: float
    closed_at: float
    open: bool
    returns: int
    returned_by: tuple[str, ...]
    buck_passing: bool
    rework: int
    escalated: bool
    hard: bool
    responded: bool
    satisfied: bool | None
    resolved: bool | None
    reports: int
    light: Light = Light.NONE
    overdue: bool = False
    recent: bool = False

    @property
    def closed_on_time(self) -> bool:
        return (
            not self.open
            and not math.isnan(self.closed_at)
            and (math.isnan(self.deadline) or self.closed_at <= self.deadline)
        )

    @property
    def handling_hours(self) -> float:
        """Hours from receipt to closure (NaN while open)."""
        return (self.closed_at - self.received_at) / 3600 if not self.open else NAN

    def evaluate(self, now: float, recent_seconds: float) -> None:
        """Set the time-dependent flags for ``now`` (the light by ``rules.light_at``; overdue is red)."""
        self.recent = now - self.received_at < recent_seconds
        self.light = light_at(self.open, self.deadline, self.yellow_at, now)
        self.overdue = self.light is Light.RED

    def next_change(self, now: float, recent_seconds: float) -> float:
        """The next instant after ``now`` when a time-dependent flag flips (inf if never)."""
        candidates = [self.received_at + recent_seconds]
        if self.open:
            candidates += [self.yellow_at, self.deadline]
        later = [t for t in candidates if not math.isnan(t) and t > now]
        return min(later, default=math.inf)


def derive(
    case: r.Case,
    district: District,
    calendar: WorkCalendar,
    rules: Rules,
    previous: CaseState | None = None,
) -> CaseState:
    """Derive a case's state from its record (``previous`` lets unchanged deadlines be reused)."""
    returned_by: list[str] = []
    rework = 0
    dispatched_at: datetime | None = None
    closed_at: datetime | None = None
    responded = False
    for event in case.timeline:
        action = event.action
        if action is r.Action.RETURN:
            returned_by.append(event.dept or "?")
        elif action is r.Action.VERIFY_FAIL:
            rework += 1
        elif action is r.Action.DISPATCH or (action is r.Action.DECISION and event.step is r.Step.DISPATCHED):
            # the first dispatch, by the center or by a routing decision (a note or a decision
            # to close routes nothing and starts no deadline)
            if dispatched_at is None:
                dispatched_at = event.at
        elif action is r.Action.CLOSE:
            closed_at = event.at
        if action is r.Action.FILE:
            responded = True
    grid = district.unit_grids.get(case.unit_grid)
    category = district.categories.get(case.category)
    received = case.received_at.timestamp()
    deadline, yellow = _deadline(case, category, dispatched_at, calendar, rules, previous)
    is_open = is_open_step(case.step)
    return CaseState(
        no=case.no,
        title=case.title,
        channel=case.channel,
        category=case.category,
        major=category.major if category else "?",
        unit_grid=case.unit_grid,
        base_grid=grid.base_grid if grid else "?",
        community=grid.community if grid else "?",
        street=case.street,
        lon=case.lon,
        lat=case.lat,
        dept=case.dept,
        step=case.step,
        loop=case.loop,
        urgency=case.urgency,
        received_at=received,
        step_at=case.step_at.timestamp(),
        deadline=deadline,
        yellow_at=yellow,
        closed_at=closed_at.timestamp() if closed_at is not None and not is_open else NAN,
        open=is_open,
        returns=len(returned_by),
        returned_by=tuple(returned_by),
        buck_passing=len(set(returned_by)) >= rules.buck_passing_departments,
        rework=rework,
        escalated=case.escalated,
        hard=case.hard or len(returned_by) >= rules.hard_after_returns,
        responded=responded,
        satisfied=case.satisfied,
        resolved=case.resolved,
        reports=case.reports,
    )


def _deadline(
    case: r.Case,
    category: Category | None,
    dispatched_at: datetime | None,
    calendar: WorkCalendar,
    rules: Rules,
    previous: CaseState | None,
) -> tuple[float, float]:
    """(deadline, yellow instant): the backend's deadline if given, else the category's from the
    first dispatch; yellow after ``rules.yellow_share`` of the allowed time, counted the same way."""
    start = dispatched_at or case.received_at
    if case.deadline is not None:
        end = case.deadline
    elif category is not None and dispatched_at is not None:
        end = calendar.deadline(start, category.deadline_value, category.deadline_unit)
    else:
        return NAN, NAN
    deadline = end.timestamp()
    if previous is not None and previous.deadline == deadline and not math.isnan(previous.yellow_at):
        return deadline, previous.yellow_at
    working = category is not None and category.deadline_unit in (
        DeadlineUnit.WORKING_HOURS,
        DeadlineUnit.WORKING_DAYS,
    )
    if working:
        allowed = calendar.working_hours_between(start, end)
        yellow = calendar.add_working_hours(start, max(0.0, allowed * rules.yellow_share)).timestamp()
    else:
        yellow = start.timestamp() + (deadline - start.timestamp()) * rules.yellow_share
    return deadline, yellow
