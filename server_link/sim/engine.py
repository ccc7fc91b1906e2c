"""The simulated district's case workflow: a discrete-event simulation on a simulated clock.

Cases arrive through the nine channels, are filed in the street small loop or the district big
loop, dispatched to the responsible department, returned (退回) and re-dispatched, handled,
fed back, verified (a failed verification is rework, 返工), closed, called back and evaluated.
Repeated returns between departments are buck-passing (推诿): the district then dispatches to a
coordination-council member, and a case returned too often is flagged hard (疑难) for the
council, whose decision re-routes it. Streets may push cases up (请办) within the district's
escalation limit; nothing goes back down to the small loop. Cameras go offline and come back.

The simulation only changes state and notes what changed; ``drain()`` turns changes into records.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import msgspec

from server_link import records as r
from server_link.district import Category, District, UnitGrid
from server_link.sim import profiles
from server_link.workcal import BEIJING, WorkCalendar

A, S = r.Action, r.Step
_HOUR = timedelta(hours=1)
URBAN_COUNCIL_DEPT = "d-cgw"  # 区城管委: council member for urban-management cases
SOCIAL_COUNCIL_DEPT = "d-zzb"  # 区综治办: council member for social-management cases


@dataclass(frozen=True)
class SimConfig:
    """Behaviour knobs; the defaults are calibrated against Dongcheng's published figures."""

    patrol_small_loop: float = 0.92  # district-level categories a street's own patrol files itself
    public_small_loop: float = 0.3  # district-level public reports the center hands to the street
    escalate: float = 0.05  # small-loop cases a street asks to push up
    escalation_limit: float = 0.08  # the district's cap on a street's pushed-up share (30 days)
    return_low: float = 0.02  # departments' tendency to return a dispatch (退回), drawn per department
    return_high: float = 0.12
    ambiguous_returns: float = 4.6  # more returns where several departments could be responsible
    buck_passing_returns: int = 2  # returns by different departments that count as buck-passing
    hard_after_returns: int = 3  # returns after which the case goes to the council
    rework: float = 0.04  # failed verifications
    duplicate: float = 0.05  # public reports of a problem already open
    handling_median: float = 0.35  # handling time as a share of the deadline (log-normal median)
    handling_sigma: float = 0.75
    long_deadline_slack: float = 0.35  # long deadlines are used less fully than short ones
    deadline_skew: float = 1.4  # how much rarer slow categories are than quick ones
    satisfied: float = 0.9825
    resolved: float = 0.9801
    satisfied_unresolved: float = 0.4
    council_hours: tuple[float, float] = (2.0, 12.0)  # working hours until the council decides
    retention_days: float = 7.0  # evaluated cases stay published this long
    camera_failures_per_day: float = 0.02
    camera_repair_hours: float = 3.0
    escalation_window_days: float = 30.0


@dataclass
class SimCase:
    """A case's mutable state inside the simulation."""

    no: str
    channel: str
    category: Category
    grid: UnitGrid
    title: str
    text: str
    address: str
    lon: float
    lat: float
    received_at: datetime
    step: r.Step = S.COLLECTED
    step_at: datetime | None = None
    loop: r.Loop = r.Loop.SMALL
    dept: str | None = None
    deadline: datetime | None = None
    escalated: bool = False
    hard: bool = False
    reports: int = 1
    satisfied: bool | None = None
    resolved: bool | None = None
    timeline: list[r.Event] = field(default_factory=list)
    returned_by: list[str] = field(default_factory=list)
    reworks: int = 0
    decisions: int = 0
    version: int = 0  # bumped when a route changes, so events scheduled before are dropped
    closed_at: datetime | None = None
    decided: bool = False
    _static: bytes | None = field(default=None, repr=False)
    _events: list[bytes] = field(default_factory=list, repr=False)

    @property
    def open(self) -> bool:
        return self.step not in (S.CLOSED, S.EVALUATED)

    @property
    def buck_passing(self) -> bool:
        return len(set(self.returned_by)) >= 2

    def record(self) -> r.Case:
        return r.Case(
            schema=1,
            no=self.no,
            channel=self.channel,
            category=self.category.code,
            title=self.title,
            text=self.text,
            address=self.address,
            lon=self.lon,
            lat=self.lat,
            unit_grid=self.grid.code,
            street=self.grid.street,
            step=self.step,
            loop=self.loop,
            dept=self.dept,
            urgency=r.Urgency(self.category.urgency),
            received_at=self.received_at,
            step_at=self.step_at or self.received_at,
            deadline=self.deadline,
            escalated=self.escalated,
            hard=self.hard,
            reports=self.reports,
            satisfied=self.satisfied,
            resolved=self.resolved,
            timeline=self.timeline[-r.MAX_TIMELINE :],
        )

    def body(self) -> bytes:
        """The case record's JSON, equal to ``encode(record())`` in content but assembled from
        parts encoded once: the fields that never change and each timeline event (load mode
        publishes tens of thousands of these a second)."""
        if self._static is None:
            self._static = _ENCODER.encode(
                _CaseStatic(
                    no=self.no, channel=self.channel, category=self.category.code, title=self.title,
                    text=self.text, address=self.address, lon=self.lon, lat=self.lat,
                    unit_grid=self.grid.code, street=self.grid.street, urgency=self.category.urgency,
                    received_at=self.received_at,
                )
            )[1:-1]  # fmt: skip
        while len(self._events) < len(self.timeline):
            self._events.append(_ENCODER.encode(self.timeline[len(self._events)]))
        dynamic = _ENCODER.encode(
            _CaseState(
                step=self.step, loop=self.loop, dept=self.dept, step_at=self.step_at or self.received_at,
                deadline=self.deadline, escalated=self.escalated, hard=self.hard, reports=self.reports,
                satisfied=self.satisfied, resolved=self.resolved,
            )
        )[1:-1]  # fmt: skip
        events = b",".join(self._events[-r.MAX_TIMELINE :])
        return b'{"kind":"case","schema":1,%b,%b,"timeline":[%b]}' % (self._static, dynamic, events)


class _CaseStatic(msgspec.Struct):
    no: str
    channel: str
    category: str
    title: str
    text: str
    address: str
    lon: float
    lat: float
    unit_grid: str
    street: str
    urgency: str
    received_at: datetime


class _CaseState(msgspec.Struct):
    step: r.Step
    loop: r.Loop
    dept: str | None
    step_at: datetime
    deadline: datetime | None
    escalated: bool
    hard: bool
    reports: int
    satisfied: bool | None
    resolved: bool | None


_ENCODER = msgspec.json.Encoder()


@dataclass
class CaseSummary:
    """What calibration needs of each case, kept after the case is purged."""

    channel: str
    received_at: datetime
    loop_at_filing: r.Loop | None = None
    closed_at: datetime | None = None
    escalated: bool = False
    buck_passing: bool = False
    responded: bool | None = None
    resolved: bool | None = None
    satisfied: bool | None = None


@dataclass
class SimStats:
    cases: dict[str, CaseSummary] = field(default_factory=dict)
    duplicates: int = 0
    escalations_denied: int = 0
    council_decisions: int = 0
    console_decisions: int = 0
    rejected_decisions: int = 0
    events: int = 0


class Simulation:
    """Advance with ``run``; collect changed records with ``drain``."""

    def __init__(
        self,
        district: District,
        *,
        seed: int,
        start: datetime,
        calendar: WorkCalendar | None = None,
        surges: Iterable[profiles.Surge] = (),
        config: SimConfig | None = None,
    ) -> None:
        self.district = district
        self.rng = random.Random(seed)
        self.now = start.astimezone(BEIJING)
        self.calendar = calendar or WorkCalendar()
        self.surges = sorted(surges, key=lambda s: s.start)
        self.config = config or SimConfig()
        self.cases: dict[str, SimCase] = {}
        self.stats = SimStats()
        self._heap: list[tuple[datetime, int, str, object]] = []
        self._order = itertools.count()
        self._changed: dict[str, None] = {}
        self._purged: set[str] = set()
        self._purged_decisions: list[str] = []  # keys of the decisions of purged cases: deleted with them
        self._camera_changes: dict[str, bool] = {}
        self._decisions: list[r.Decision] = []
        self.camera_online = dict.fromkeys(district.cameras, True)
        self._daily_serial: Counter[str] = Counter()
        self._recent: dict[tuple[str, str], deque[str]] = {}
        self._escalations: dict[str, deque[tuple[datetime, bool]]] = {s: deque() for s in district.streets}
        self._small_counts: dict[str, deque[datetime]] = {}  # small-loop filings per street
        self._arrivals_until = self.now.replace(minute=0, second=0, microsecond=0)
        cfg = self.config
        self._tendency = {  # council members rarely return what the district gives them
            d.id: cfg.return_low * 0.3 if d.council_member else self.rng.uniform(cfg.return_low, cfg.return_high)
            for d in district.departments.values()
        }
        self._grids = list(district.unit_grids.values())
        self._grid_weights: dict[str, list[float]] = {}
        self._leaves: dict[str, tuple[list[Category], list[float]]] = {}
        self._prepare_leaves()
        self._handlers: dict[str, Callable[[Any], None]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_on_")
        }  # dispatch by event kind: "arrive" → _on_arrive
        self._day_key: tuple[date, str] | None = None
        for camera in district.cameras:
            self._schedule_camera_failure(camera)

    # ------------------------------------------------------------------ running
    def run(self, until: datetime | None = None, max_events: int | None = None) -> int:
        """Process events up to ``until`` (the clock then reads ``until``) or ``max_events``."""
        done = 0
        heap, pop, handlers = self._heap, heapq.heappop, self._handlers
        limit = max_events if max_events is not None else -1
        while done != limit:
            horizon = until if until is not None else (heap[0][0] if heap else self.now)
            while self._arrivals_until <= horizon:
                self._schedule_arrivals(self._arrivals_until)
                self._arrivals_until += _HOUR
            if not heap or (until is not None and heap[0][0] > until):
                break
            at, _, kind, payload = pop(heap)
            if at > self.now:
                self.now = at
            handlers[kind](payload)
            done += 1
        if until is not None and (max_events is None or done < max_events):
            self.now = max(self.now, until)
        self.stats.events += done
        return done

    def drain(self) -> list[tuple[str, bytes]]:
        """Records changed since the last drain, as (key, body); an empty body deletes."""
        # The council's decisions first, then the cases they changed (docs/protocol.md §16).
        out: list[tuple[str, bytes]] = [(r.key_of(d), r.encode(d)) for d in self._decisions]
        self._decisions.clear()
        for no in self._changed:
            if no in self._purged:
                out.append((f"/case/{no}", b""))
            else:
                out.append((f"/case/{no}", self.cases[no].body()))
        out += [(key, b"") for key in self._purged_decisions]
        self._changed.clear()
        self._purged.clear()
        self._purged_decisions.clear()
        for cam_id, online in self._camera_changes.items():
            out.append((f"/camera/{cam_id}", r.encode(self.camera_record(cam_id, online))))
        self._camera_changes.clear()
        return out

    def discard_changes(self) -> None:
        """Forget what changed (a run that publishes nothing, such as calibration)."""
        self._changed.clear()
        self._purged.clear()
        self._purged_decisions.clear()
        self._camera_changes.clear()
        self._decisions.clear()

    def reference(self) -> list[tuple[str, bytes]]:
        """Streets, departments and cameras as records (published once, at start)."""
        d = self.district
        limit = self.config.escalation_limit
        out: list[r.Record] = [
            r.Street(schema=1, code=s.code, name=s.name, area_km2=s.area_km2, escalation_limit=limit)
            for s in d.streets.values()
        ]
        out += [
            r.Department(
                schema=1,
                id=x.id,
                name=x.name,
                type=r.DepartmentKind(x.kind),
                council_member=x.council_member,
                street=x.street,
                categories=sorted(x.handles),
            )
            for x in d.departments.values()
        ]
        out += [self.camera_record(c, online) for c, online in self.camera_online.items()]
        return [(r.key_of(x), r.encode(x)) for x in out]

    def camera_record(self, cam_id: str, online: bool) -> r.Camera:
        c = self.district.cameras[cam_id]
        return r.Camera(
            schema=1,
            id=c.id,
            name=c.name,
            lon=c.lon,
            lat=c.lat,
            unit_grid=c.unit_grid,
            url=c.url,
            online=online,
        )

    # ------------------------------------------------------------------ decisions
    def apply_decision(self, decision: r.Decision, from_console: bool = True) -> str | None:
        """Apply a council decision; return why it was refused, or None when applied."""
        case = self.cases.get(decision.case_no)
        if case is None:
            return f"no open case {decision.case_no}"
        if not case.open:
            return f"case {decision.case_no} is already closed"
        if decision.dept is not None and decision.dept not in self.district.departments:
            return f"unknown department {decision.dept}"
        routes = (r.DecisionAction.ASSIGN, r.DecisionAction.REROUTE, r.DecisionAction.JOINT)
        if decision.action in routes and decision.dept is None:
            return f"{decision.action.value} needs a department"
        if decision.deadline is not None and decision.deadline <= decision.decided_at:
            return "the deadline is not after the decision"
        if decision.action in routes and case.step is S.COLLECTED:
            return f"case {decision.case_no} is not filed yet: a routing decision needs a filed case"
        case.decisions = max(case.decisions, decision.n)
        note = decision.note or _DECISION_TEXT[decision.action]
        if decision.action is r.DecisionAction.NOTE:
            self._event(case, A.DECISION, note=note, actor=decision.by)
            return None
        case.version += 1
        case.decided = True
        if decision.action is r.DecisionAction.CLOSE:
            self._event(case, A.DECISION, note=note, actor=decision.by)
            self._close(case)
            return None
        case.loop = r.Loop.BIG  # the council is district level: never back down
        case.dept = decision.dept
        if decision.deadline is not None:  # a routing decision's new deadline (§11.4)
            case.deadline = decision.deadline
        self._set_step(case, S.DISPATCHED)
        self._event(case, A.DECISION, dept=decision.dept, note=note, actor=decision.by)
        self._at(self._minutes(10, 40), "receive", (case.no, case.version))
        if from_console:
            self.stats.console_decisions += 1
        return None

    # ------------------------------------------------------------------ arrivals
    def _schedule_arrivals(self, hour: datetime) -> None:
        local = hour.astimezone(BEIJING)
        surges = [s for s in self.surges if s.active(local)]
        total = 0.0
        for channel, daily in profiles.DAILY_RATE.items():
            rate = daily / 24 * profiles.hourly(channel)[local.hour] * profiles.weekly(channel)[local.weekday()]
            total += rate
            for _ in range(self._poisson(rate)):
                self._at_abs(hour + timedelta(seconds=self.rng.random() * 3600), "arrive", (channel, None))
        for surge in surges:
            public = [c for c in profiles.DAILY_RATE if c != "ch-instruction"]
            weights = [profiles.DAILY_RATE[c] for c in public]
            for _ in range(self._poisson(total * (surge.factor - 1))):
                channel = self.rng.choices(public, weights)[0]
                self._at_abs(hour + timedelta(seconds=self.rng.random() * 3600), "arrive", (channel, surge))

    def _on_arrive(self, payload: tuple[str, profiles.Surge | None]) -> None:
        channel, surge = payload
        category = self._pick_category(channel, surge)
        grid = self._pick_grid(channel, surge)
        if (
            channel != "ch-patrol"
            and self.rng.random() < self.config.duplicate
            and self._duplicate(channel, grid, category)
        ):
            return
        day = self._day()
        self._daily_serial[day] += 1
        no = f"DC{day}{self._daily_serial[day]:05d}"
        street = self.district.streets[grid.street]
        community = self.district.communities.get(grid.community)
        place = f"{street.name}{community.name if community else ''}"
        case = SimCase(
            no=no,
            channel=channel,
            category=category,
            grid=grid,
            title=category.title,
            text=_report_text(channel, place, category),
            address=f"{place}（网格 {grid.code}）",
            lon=round(grid.lon + self.rng.uniform(-0.0003, 0.0003), 6),
            lat=round(grid.lat + self.rng.uniform(-0.0002, 0.0002), 6),
            received_at=self.now,
        )
        self.cases[no] = case
        self.stats.cases[no] = CaseSummary(channel, self.now)
        self._set_step(case, S.COLLECTED)
        self._event(case, A.COLLECT, actor=self.district.channels[channel].name)
        self._recent.setdefault((grid.street, category.major), deque(maxlen=20)).append(no)
        delay = self._minutes(2, 12) if channel == "ch-patrol" else self._minutes(5, 40)
        self._at(delay, "file", (no, case.version))

    def _duplicate(self, channel: str, grid: UnitGrid, category: Category) -> bool:
        """The same problem reported again through another channel: add to the open case."""
        for no in reversed(self._recent.get((grid.street, category.major), ())):
            case = self.cases.get(no)
            if (
                case
                and case.open
                and case.category.code == category.code
                and case.channel != channel
                and self.now - case.received_at <= timedelta(hours=12)
            ):
                case.reports += 1
                self._event(case, A.COLLECT, actor=self.district.channels[channel].name, note="同一问题重复反映")
                self.stats.duplicates += 1
                return True
        return False

    # ------------------------------------------------------------------ the seven steps
    def _on_file(self, payload: tuple[str, int]) -> None:
        case = self._live(payload)
        if case is None:
            return
        share = self.config.patrol_small_loop if case.channel == "ch-patrol" else self.config.public_small_loop
        small = case.category.handling_level == "street" or self.rng.random() < share
        case.loop = r.Loop.SMALL if small else r.Loop.BIG
        self.stats.cases[case.no].loop_at_filing = case.loop
        self._set_step(case, S.FILED)
        who = f"{self.district.streets[case.grid.street].name}分中心" if small else "区网格化服务管理中心"
        self._event(case, A.FILE, actor=who)
        summary = self.stats.cases[case.no]
        if case.channel == "ch-12345":
            summary.responded = True  # filed and answered within the response window
        self._at(self._minutes(5, 25), "dispatch", (case.no, case.version))

    def _on_dispatch(self, payload: tuple[str, int]) -> None:
        case = self._live(payload)
        if case is None or (case.hard and not case.decided):
            return
        case.dept = self._responsible(case)
        if case.deadline is None:
            c = case.category
            case.deadline = self.calendar.deadline(self.now, c.deadline_value, c.deadline_unit)
        self._set_step(case, S.DISPATCHED)
        self._event(case, A.DISPATCH, dept=case.dept)
        self._at(self._urgent_minutes(case, 5, 40), "receive", (case.no, case.version))

    def _on_receive(self, payload: tuple[str, int]) -> None:
        case = self._live(payload)
        if case is None or case.dept is None:
            return
        tendency = 0.0 if case.decided else self._tendency.get(case.dept, 0.05)
        if len(case.category.departments) > 1:
            tendency *= self.config.ambiguous_returns
        if self.rng.random() < tendency:
            self._return(case)
            return
        self._set_step(case, S.HANDLING)
        self._event(case, A.ACCEPT, dept=case.dept)
        finish = self._handling_time(case, 1.0)
        self._at_abs(finish, "feedback", (case.no, case.version))
        if case.loop is r.Loop.SMALL and not case.escalated and self.rng.random() < self.config.escalate:
            self._at_abs(self.now + (finish - self.now) * 0.3, "escalate", (case.no, case.version))

    def _return(self, case: SimCase) -> None:
        assert case.dept is not None
        case.returned_by.append(case.dept)
        case.version += 1
        self._set_step(case, S.FILED)
        self._event(case, A.RETURN, dept=case.dept, note="非本单位职责，申请退回")
        if case.buck_passing:
            self.stats.cases[case.no].buck_passing = True
        if len(case.returned_by) >= self.config.hard_after_returns and not case.hard:
            case.hard = True
            case.loop = r.Loop.BIG
            self._event(case, A.FLAG_HARD, note="多次退回，提交区级协调会商")
            lo, hi = self.config.council_hours
            self._at_abs(
                self.calendar.add_working_hours(self.now, self.rng.uniform(lo, hi)),
                "council",
                (case.no, case.version),
            )
            return
        self._at(self._minutes(10, 45), "dispatch", (case.no, case.version))

    def _on_escalate(self, payload: tuple[str, int]) -> None:
        case = self._live(payload)
        if case is None or case.escalated or case.loop is r.Loop.BIG:
            return
        street = case.grid.street
        if self._escalation_share(street) >= self.config.escalation_limit:
            self.stats.escalations_denied += 1
            self._escalations[street].append((self.now, False))
            return
        self._escalations[street].append((self.now, True))
        case.escalated = True
        case.loop = r.Loop.BIG
        case.version += 1
        self.stats.cases[case.no].escalated = True
        self._set_step(case, S.FILED)
        self._event(case, A.ESCALATE, dept=case.dept, note="街道无法解决，上报区级（请办）")
        self._at(self._minutes(10, 40), "dispatch", (case.no, case.version))

    def _on_feedback(self, payload: tuple[str, int]) -> None:
        case = self._live(payload)
        if case is None:
            return
        self._set_step(case, S.FEEDBACK)
        self._event(case, A.FEEDBACK, dept=case.dept, note="已处置，现场已恢复")
        self._at(self._urgent_minutes(case, 15, 90), "verify", (case.no, case.version))

    def _on_verify(self, payload: tuple[str, int]) -> None:
        case = self._live(payload)
        if case is None:
            return
        if self.rng.random() < self.config.rework:
            case.reworks += 1
            self._set_step(case, S.HANDLING)
            self._event(case, A.VERIFY_FAIL, dept=case.dept, note="核查未通过，返工")
            self._at_abs(self._handling_time(case, 0.3), "feedback", (case.no, case.version))
            return
        self._event(case, A.VERIFY_PASS, actor="城市管理监督员")
        self._close(case)

    def _close(self, case: SimCase) -> None:
        self._set_step(case, S.CLOSED)
        self._event(case, A.CLOSE, dept=case.dept)
        case.closed_at = self.now
        self.stats.cases[case.no].closed_at = self.now
        if self.district.channels[case.channel].public:
            self._at(self._minutes(60, 600), "callback", (case.no, case.version))
        else:
            self._at(self._minutes(30, 180), "evaluate", (case.no, case.version))

    def _on_callback(self, payload: tuple[str, int]) -> None:
        case = self._live(payload, closed_ok=True)
        if case is None:
            return
        case.resolved = self.rng.random() < self.config.resolved
        cfg = self.config  # some reporters are satisfied with an honest "cannot be solved"
        if_resolved = (cfg.satisfied - (1 - cfg.resolved) * cfg.satisfied_unresolved) / cfg.resolved
        case.satisfied = self.rng.random() < (if_resolved if case.resolved else cfg.satisfied_unresolved)
        summary = self.stats.cases[case.no]
        summary.resolved, summary.satisfied = case.resolved, case.satisfied
        note = "回访：满意" if case.satisfied else ("回访：已解决，不满意" if case.resolved else "回访：未解决")
        self._event(case, A.CALLBACK, note=note)
        self._on_evaluate((case.no, case.version))

    def _on_evaluate(self, payload: tuple[str, int]) -> None:
        case = self._live(payload, closed_ok=True)
        if case is None:
            return
        self._set_step(case, S.EVALUATED)
        self._event(case, A.EVALUATE, dept=case.dept)
        self._at(timedelta(days=self.config.retention_days), "purge", (case.no, case.version))

    def _on_purge(self, payload: tuple[str, int]) -> None:
        case = self._live(payload, closed_ok=True)
        if case is None:
            return
        del self.cases[case.no]
        self._changed[case.no] = None
        self._purged.add(case.no)
        # its decisions go with it (docs/protocol.md §16 allows it): kept, a backend that runs for
        # weeks would hold every decision ever taken (a 10-million-update soak: ~40,000 more)
        self._purged_decisions += [f"/decision/{case.no}/{n}" for n in range(1, case.decisions + 1)]

    def _on_council(self, payload: tuple[str, int]) -> None:
        """The simulated council decides, unless a console's decision came first."""
        case = self._live(payload)
        if case is None or case.decided:
            return
        dept = self._council_dept(case)
        decision = r.Decision(
            schema=1,
            case_no=case.no,
            n=case.decisions + 1,
            decided_at=self.now,
            action=r.DecisionAction.ASSIGN,
            dept=dept,
            note="会商决定：明确主责单位，限期办结",
            by="区级协调会商",
            role="council",
        )
        self._decisions.append(decision)
        self.stats.council_decisions += 1
        self.apply_decision(decision, from_console=False)

    # ------------------------------------------------------------------ cameras
    def _schedule_camera_failure(self, cam_id: str) -> None:
        days = self.rng.expovariate(self.config.camera_failures_per_day)
        self._at(timedelta(days=days), "camera_down", cam_id)

    def _on_camera_down(self, payload: object) -> None:
        cam_id = str(payload)
        self.camera_online[cam_id] = False
        self._camera_changes[cam_id] = False
        self._at(timedelta(hours=self.rng.expovariate(1 / self.config.camera_repair_hours)), "camera_up", cam_id)

    def _on_camera_up(self, payload: object) -> None:
        cam_id = str(payload)
        self.camera_online[cam_id] = True
        self._camera_changes[cam_id] = True
        self._schedule_camera_failure(cam_id)

    # ------------------------------------------------------------------ helpers
    def _day(self) -> str:
        today = self.now.date()
        if self._day_key is None or self._day_key[0] != today:
            self._day_key = (today, today.strftime("%Y%m%d"))
        return self._day_key[1]

    def _live(self, payload: tuple[str, int], closed_ok: bool = False) -> SimCase | None:
        """The case an event is for, unless the event is stale (the route changed since)."""
        no, version = payload
        case = self.cases.get(no)
        if case is None or case.version != version or (not closed_ok and not case.open):
            return None
        return case

    def _responsible(self, case: SimCase) -> str:
        d = self.district
        returned = set(case.returned_by)
        if case.loop is r.Loop.SMALL:
            return d.streets[case.grid.street].office
        if len(returned) >= self.config.buck_passing_returns:
            return self._council_dept(case)
        offices = {s.office for s in d.streets.values()}
        candidates = [x for x in case.category.departments if x not in offices and x not in returned]
        if not candidates:
            return self._council_dept(case)
        return self.rng.choice(candidates)

    def _council_dept(self, case: SimCase) -> str:
        """A council member suited to the case, other than those that returned it."""
        returned = set(case.returned_by)
        preferred = SOCIAL_COUNCIL_DEPT if case.category.domain == "social" else URBAN_COUNCIL_DEPT
        members = [x for x in case.category.departments if self.district.departments[x].council_member]
        for candidate in [*members, preferred]:
            if candidate not in returned and candidate in self.district.departments:
                return candidate
        return preferred

    def _escalation_share(self, street: str) -> float:
        window = self._escalations[street]
        horizon = self.now - timedelta(days=self.config.escalation_window_days)
        while window and window[0][0] < horizon:
            window.popleft()
        granted = sum(1 for _, ok in window if ok)
        return granted / max(self._small_filed(street, horizon), 1)

    def _small_filed(self, street: str, horizon: datetime) -> int:
        counts = self._small_counts.setdefault(street, deque())
        while counts and counts[0] < horizon:
            counts.popleft()
        return len(counts)

    def _handling_time(self, case: SimCase, share: float) -> datetime:
        """When the handler finishes: a log-normal share of the deadline, worked in calendar time.

        Field crews (street offices, urban management, utilities) work evenings and weekends, so
        handling runs on the clock; the deadline itself is still counted in working time.
        """
        c = case.category
        hours = c.deadline_value * {"working_days": 24.0, "days": 24.0}.get(c.deadline_unit.value, 1.0)
        median = self.config.handling_median * min(1.0, 4.0 / hours) ** self.config.long_deadline_slack
        fraction = share * median * math.exp(self.rng.gauss(0, self.config.handling_sigma))
        return self.now + timedelta(hours=max(hours * fraction, 0.1))

    def _set_step(self, case: SimCase, step: r.Step) -> None:
        case.step = step
        case.step_at = self.now
        self._changed[case.no] = None
        if step is S.FILED and case.loop is r.Loop.SMALL and not case.returned_by:
            self._small_counts.setdefault(case.grid.street, deque()).append(self.now)

    def _event(
        self, case: SimCase, action: r.Action, *, dept: str | None = None, actor: str = "", note: str = ""
    ) -> None:
        case.timeline.append(r.Event(at=self.now, step=case.step, action=action, dept=dept, actor=actor, note=note))
        self._changed[case.no] = None

    def _at(self, delay: timedelta, kind: str, payload: object) -> None:
        self._at_abs(self.now + delay, kind, payload)

    def _at_abs(self, when: datetime, kind: str, payload: object) -> None:
        heapq.heappush(self._heap, (when, next(self._order), kind, payload))

    def _minutes(self, lo: float, hi: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(lo, hi))

    def _urgent_minutes(self, case: SimCase, lo: float, hi: float) -> timedelta:
        """A hand-over delay, shorter for short deadlines (a 2-hour case is not left lying for 90 min)."""
        c = case.category
        hours = c.deadline_value * {"working_days": 24.0, "days": 24.0}.get(c.deadline_unit.value, 1.0)
        return self._minutes(lo, hi) * min(1.0, hours / 8.0)

    def _poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 40:
            return max(0, round(self.rng.gauss(lam, math.sqrt(lam))))
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    # ------------------------------------------------------------------ what and where
    def _prepare_leaves(self) -> None:
        by_domain: dict[str, list[Category]] = {}
        for c in self.district.categories.values():
            by_domain.setdefault(c.domain, []).append(c)
        for domain, leaves in by_domain.items():
            leaves.sort(key=lambda c: c.code)
            self._leaves[domain] = (
                leaves,
                [_leaf_weight(c, self.calendar.hours_per_day, self.config.deadline_skew) for c in leaves],
            )

    def _pick_category(self, channel: str, surge: profiles.Surge | None) -> Category:
        if surge is not None:
            leaves = [c for c in self.district.categories.values() if c.major in surge.majors]
            if leaves:
                return self.rng.choice(sorted(leaves, key=lambda c: c.code))
        domain = self.rng.choices(("component", "event", "social"), profiles.domain_mix(channel))[0]
        leaves, weights = self._leaves[domain]
        return self.rng.choices(leaves, weights)[0]

    def _pick_grid(self, channel: str, surge: profiles.Surge | None) -> UnitGrid:
        key = "ch-patrol" if channel == "ch-patrol" else "default"
        if surge is not None and surge.grid_types:
            key = f"surge:{','.join(surge.grid_types)}"
        weights = self._grid_weights.get(key)
        if weights is None:
            if key.startswith("surge:"):
                kinds = set(key[6:].split(","))
                weights = [g.area_m2 * (1.0 if g.type in kinds else 0.02) for g in self._grids]
            else:
                by_type = profiles.grid_weights(channel)
                weights = [g.area_m2 * by_type.get(g.type, 1.0) for g in self._grids]
            weights = list(itertools.accumulate(weights))
            self._grid_weights[key] = weights
        return self.rng.choices(self._grids, cum_weights=weights)[0]


_MAJOR_WEIGHT = {"E01": 4.0, "E04": 2.5, "C01": 1.5, "C03": 1.5, "E05": 0.4}
_URGENCY_WEIGHT = {"normal": 1.0, "urgent": 0.5, "emergency": 0.15}


def _leaf_weight(c: Category, hours_per_day: float, skew: float) -> float:
    """How often a leaf is reported: quick everyday problems far more than slow, complex ones."""
    unit = c.deadline_unit.value
    hours = c.deadline_value * {"working_days": hours_per_day, "days": 24.0}.get(unit, 1.0)
    return _MAJOR_WEIGHT.get(c.major, 1.0) * _URGENCY_WEIGHT[c.urgency] * float(min(1.0, 4.0 / hours) ** skew)


_DECISION_TEXT = {
    r.DecisionAction.ASSIGN: "会商决定：指定主责单位",
    r.DecisionAction.REROUTE: "会商决定：改派",
    r.DecisionAction.JOINT: "会商决定：联合办理",
    r.DecisionAction.CLOSE: "会商决定：结案",
    r.DecisionAction.NOTE: "会商记录",
}
_REPORT = {
    "ch-patrol": "网格监督员巡查发现：{place}{what}，已拍照上报。",
    "ch-12345": "市民来电反映：{place}{what}，希望尽快处理。",
    "ch-96010": "市民来电反映：{place}{what}，请相关部门处理。",
    "ch-wechat": "网友通过微信公众号反映：{place}{what}。",
    "ch-weibo": "网友微博反映：{place}{what}，已转办。",
    "ch-mayor-mailbox": "区长信箱来信：{place}{what}，请核实处理。",
    "ch-media": "媒体报道：{place}{what}，请核查。",
    "ch-zfhf": "政风行风热线听众反映：{place}{what}。",
    "ch-instruction": "领导批示：关注{place}{what}问题，限期解决。",
}


def _report_text(channel: str, place: str, category: Category) -> str:
    what = category.title.replace(" ", "")
    return _REPORT.get(channel, "{place}{what}").format(place=place, what=what)
