"""The records an operator's commands carry, built from the situation on show (no Qt, no sockets).

A command is a KVSET of a record to a key (docs/protocol.md §16); the shell's command service
stores, sends and confirms it. Decisions on a case are numbered 1, 2, … per case: the next number
is one past the highest the situation holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from console.core.situation import Situation
from server_link import records as r


def next_decision(situation: Situation, case_no: str) -> int:
    """One past the highest decision number the situation holds for ``case_no``."""
    prefix = f"/decision/{case_no}/"
    taken = [x.n for k, x in situation.records.items() if k.startswith(prefix) and isinstance(x, r.Decision)]
    return max(taken, default=0) + 1


def note_on_case(
    situation: Situation, case_no: str, text: str, *, by: str, role: str, at: datetime
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
        n=next_decision(situation, case_no),
        decided_at=at,
        action=r.DecisionAction.NOTE,
        note=text,
        by=by,
        role=role,
    )
    body = r.encode(decision)
    r.decode(r.key_of(decision), body)  # the same checks the backend and every console apply
    return r.key_of(decision), body


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
) -> tuple[str, bytes]:
    """A council decision on a case: (key, body), numbered one past the decisions held on it.

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
        schema=r.SCHEMA_VERSION, case_no=case_no, n=next_decision(situation, case_no), decided_at=at,
        action=action, dept=dept or None, supporting=[d for d in supporting if d and d != dept],
        deadline=deadline, note=note.strip(), by=by, role=role,
    )  # fmt: skip
    body = r.encode(decision)
    r.decode(r.key_of(decision), body)  # the same checks the backend and every console apply
    return r.key_of(decision), body
