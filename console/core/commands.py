"""The records an operator's commands carry, built from the situation on show (no Qt, no sockets).

A command is a KVSET of a record to a key (docs/protocol.md §16); the shell's command service
stores, sends and confirms it. Decisions on a case are numbered 1, 2, … per case: the next number
is one past the highest the situation holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from console.core.situation import Situation
from server_link import records as r


def next_decision(situation: Situation, case_no: str, pending: Iterable[str] = ()) -> int:
    """One past the highest decision number the situation holds for ``case_no``, or this console has
    sent and not yet seen back (``pending``: the keys of its unanswered commands)."""
    prefix = f"/decision/{case_no}/"
    taken = [x.n for k, x in situation.records.items() if k.startswith(prefix) and isinstance(x, r.Decision)]
    taken += [int(k[len(prefix) :]) for k in pending if k.startswith(prefix) and k[len(prefix) :].isdigit()]
    return max(taken, default=0) + 1


def note_on_case(
    situation: Situation, case_no: str, text: str, *, by: str, role: str, at: datetime, pending: Iterable[str] = ()
) -> tuple[str, bytes]:
    """A note on a case, recorded with the backend as a decision that changes no route: (key, body).

    Raises ``ValueError`` for a case the situation does not hold, or text the record cannot carry.
    """
    if case_no not in situation.cases:
        raise ValueError(f"no case {case_no} on show")
    text = text.strip()
    if not text:
        raise ValueError("the note is empty")
    decision = r.Decision(
        schema=r.SCHEMA_VERSION,
        case_no=case_no,
        n=next_decision(situation, case_no, pending),
        decided_at=at,
        action=r.DecisionAction.NOTE,
        note=text,
        by=by,
        role=role,
    )
    return _checked(decision)


def decision_on_case(
    situation: Situation,
    case_no: str,
    action: r.DecisionAction,
    *,
    dept: str | None = None,
    supporting: Sequence[str] = (),
    deadline: datetime | None = None,
    note: str = "",
    by: str,
    role: str,
    at: datetime,
    pending: Iterable[str] = (),
) -> tuple[str, bytes]:
    """A council decision on a case: (key, body), numbered one past the decisions held or pending on it.

    Raises ``ValueError`` for a case the situation does not hold, a routing decision without a lead
    department, a deadline not after now, or anything the record cannot carry.
    """
    if case_no not in situation.cases:
        raise ValueError(f"no case {case_no} on show")
    routes = (r.DecisionAction.ASSIGN, r.DecisionAction.REROUTE, r.DecisionAction.JOINT)
    if action in routes and not dept:
        raise ValueError(f"a {action.value} decision needs a lead department")
    if deadline is not None and deadline <= at:
        raise ValueError("the deadline must be later than now")
    decision = r.Decision(
        schema=r.SCHEMA_VERSION, case_no=case_no, n=next_decision(situation, case_no, pending), decided_at=at,
        action=action, dept=dept or None, supporting=[d for d in supporting if d and d != dept],
        deadline=deadline, note=note.strip(), by=by, role=role,
    )  # fmt: skip
    return _checked(decision)


def agenda_change(
    situation: Situation,
    case_no: str,
    *,
    listed: bool,
    rank: float | None = None,
    reason: str = "",
    by: str,
    role: str,
    at: datetime,
) -> tuple[str, bytes]:
    """A case put on the council's agenda (``listed``), placed (``rank``) or taken off it: (key, body).

    Raises ``ValueError`` for a case to list that the situation does not hold open, or anything the
    record cannot carry.
    """
    state = situation.cases.get(case_no)
    if listed and (state is None or not state.open):
        raise ValueError(f"no open case {case_no} on show")
    item = r.AgendaItem(
        schema=r.SCHEMA_VERSION, case_no=case_no, listed=listed, rank=rank, reason=reason.strip()[:200],
        changed_at=at, by=by, role=role,
    )  # fmt: skip
    return _checked(item)


def presentation(
    room: str, case_no: str | None, *, console: str, by: str, role: str, at: datetime
) -> tuple[str, bytes]:
    """The case the council room's wall shows, as its driving console says: (key, body)."""
    record = r.Presentation(
        schema=r.SCHEMA_VERSION, room=room, case_no=case_no, presented_at=at, console=console, by=by, role=role
    )
    return _checked(record)


def _checked(record: r.Record) -> tuple[str, bytes]:
    """(key, body) of ``record``, decoded again with the checks the backend and every console apply."""
    key, body = r.key_of(record), r.encode(record)
    r.decode(key, body)
    return key, body
