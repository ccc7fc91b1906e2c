"""The coordination council's material: the hard cases its agenda gathers by rule, and each case's
dossier — the hand-overs and returns between departments drawn as a bounce graph, with the time each
cost and the time lost to bouncing, the departments whose duties cover the case, and the decisions
taken on it before.

Rules (``AgendaRules``): an open case comes on the agenda when it is buck-passed (returned by two or
more departments), returned three or more times, escalated from its street, flagged hard, or overdue
by more than a day; the console's own rules file can change the thresholds. Cases a commander sends
"to the council" come on it too (``added``), whatever the rules say.

The agenda every console of the room shows (``agenda``) is that, changed by the ``/agenda/`` records
the backend shares (docs/protocol.md §16.4): a case listed there is on it, one taken off is not, and
a case given a rank stands where the rank puts it among the others (those without one keep the
rules' order, after ``UNRANKED``).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final

from console.core.situation import Situation
from server_link import records as r

CENTRE = ""  # the district center (or a street's sub-center): who dispatches and takes returns back
UNRANKED: Final = 1e6  # the rank of the first case the meeting has not placed; the next one more


class Reason(enum.StrEnum):
    """Why a case is on the agenda (the order is the order they are shown in)."""

    ADDED = "added"  # a commander sent it to the council
    BUCK_PASSING = "buck_passing"
    RETURNS = "returns"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class AgendaRules:
    returns_at_least: int = 3
    overdue_for_s: float = 86_400.0


@dataclass(frozen=True, slots=True)
class AgendaItem:
    case_no: str
    reasons: tuple[Reason, ...]
    overdue_s: float  # how long past its deadline (0 when not overdue)
    rank: float = 0.0  # its place on the shared agenda (``agenda``)
    note: str = ""  # why a commander sent it to the council (untrusted text)


def gathered(sit: Situation, rules: AgendaRules = AgendaRules(), added: Iterable[str] = ()) -> list[AgendaItem]:
    """The open cases the rules name, and the ``added`` ones the situation holds open; most reasons
    first, then longest overdue, then by number."""
    extra = set(added)
    items = []
    for s in sit.open_cases():
        overdue_s = max(0.0, sit.now - s.deadline) if s.overdue and math.isfinite(s.deadline) else 0.0
        reasons = [
            reason
            for reason, holds in (
                (Reason.ADDED, s.no in extra),
                (Reason.BUCK_PASSING, s.buck_passing),
                (Reason.RETURNS, s.returns >= rules.returns_at_least),
                (Reason.OVERDUE, overdue_s > rules.overdue_for_s),
                (Reason.ESCALATED, s.escalated),
                (Reason.HARD, s.hard),
            )
            if holds
        ]
        if reasons:
            items.append(AgendaItem(s.no, tuple(reasons), overdue_s))
    items.sort(key=lambda i: (-len(i.reasons), -i.overdue_s, i.case_no))
    return items


def agenda(sit: Situation, rules: AgendaRules = AgendaRules()) -> list[AgendaItem]:
    """The council's agenda as the room shares it: ``gathered`` with the cases the ``/agenda/``
    records list, less those they take off, in the meeting's order."""
    held = {x.case_no: x for x in sit.records.values() if isinstance(x, r.AgendaItem)}
    listed = [no for no, x in held.items() if x.listed]
    items = []
    for k, item in enumerate(
        i for i in gathered(sit, rules, listed) if i.case_no not in held or held[i.case_no].listed
    ):
        record = held.get(item.case_no)
        rank = record.rank if record is not None and record.rank is not None else UNRANKED + k
        items.append(replace(item, rank=rank, note=record.reason if record is not None else ""))
    items.sort(key=lambda i: i.rank)
    return items


def rank_for(items: list[AgendaItem], case_no: str, to: int) -> float:
    """The rank that puts ``case_no`` at position ``to`` (0: first) of ``items`` (the agenda in its
    order), between the ranks of its new neighbours."""
    others = [i.rank for i in items if i.case_no != case_no]
    to = max(0, min(to, len(others)))
    if not others:
        return UNRANKED
    if to == 0:
        return others[0] - 1.0
    if to == len(others):
        return others[-1] + 1.0
    return (others[to - 1] + others[to]) / 2


class HopKind(enum.StrEnum):
    DISPATCH = "dispatch"  # the center gave it to a department
    RETURN = "return"  # the department gave it back: not its business
    DECISION = "decision"  # the council routed it


@dataclass(frozen=True, slots=True)
class Hop:
    """One arrow of the bounce graph: from ``source`` to ``target`` (``CENTRE`` for the center) at
    ``at``; ``held_s``: how long the case sat with ``source`` before this hop."""

    n: int
    kind: HopKind
    source: str
    target: str
    at: datetime
    held_s: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Dossier:
    case_no: str
    hops: tuple[Hop, ...]
    nodes: tuple[str, ...]  # the center first, then each department in the order it first got the case
    lost_s: float  # time with departments that gave it back, and back at the center until the next dispatch
    candidates: tuple[str, ...]  # departments whose published duties cover the case's category
    reports: int
    channel: str
    decisions: tuple[r.Decision, ...] = field(default=())


def dossier(sit: Situation, case_no: str) -> Dossier | None:
    """The dossier of a case the situation holds (None if it does not)."""
    case = sit.case_record(case_no)
    if case is None:
        return None
    hops: list[Hop] = []
    holder, since = CENTRE, case.received_at
    lost = 0.0
    bounced = False  # the case is back at the center after a return: the wait counts as lost
    for e in case.timeline:
        if e.action in (r.Action.DISPATCH, r.Action.DECISION) and e.dept:
            kind = HopKind.DISPATCH if e.action is r.Action.DISPATCH else HopKind.DECISION
            held = (e.at - since).total_seconds()
            if bounced:
                lost += held
            hops.append(Hop(len(hops) + 1, kind, holder, e.dept, e.at, held, e.note))
            holder, since, bounced = e.dept, e.at, False
        elif e.action is r.Action.RETURN and holder != CENTRE:
            held = (e.at - since).total_seconds()
            lost += held
            hops.append(Hop(len(hops) + 1, HopKind.RETURN, holder, CENTRE, e.at, held, e.note))
            holder, since, bounced = CENTRE, e.at, True
    nodes = [CENTRE]
    for h in hops:
        for d in (h.source, h.target):
            if d not in nodes:
                nodes.append(d)
    return Dossier(
        case.no, tuple(hops), tuple(nodes), lost, candidates(sit.records, case.category), case.reports,
        case.channel, tuple(decisions_on(sit.records, case.no)),
    )  # fmt: skip


def candidates(records: Mapping[str, r.Record], category: str) -> tuple[str, ...]:
    """The departments (by id) whose published categories (``/department/`` records, docs/protocol.md
    §11.5) cover ``category``: the leaf itself, or a code it starts with (``C03`` covers ``C030102``)."""
    out = []
    for x in records.values():
        if isinstance(x, r.Department) and any(c and category.startswith(c) for c in x.categories):
            out.append(x.id)
    return tuple(sorted(out))


def decisions_on(records: Mapping[str, r.Record], case_no: str) -> list[r.Decision]:
    prefix = f"/decision/{case_no}/"
    found = [x for k, x in records.items() if k.startswith(prefix) and isinstance(x, r.Decision)]
    return sorted(found, key=lambda d: d.n)
