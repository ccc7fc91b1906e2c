"""What each console role may write (docs/protocol.md §17.1): the rule the reference server and the
simulated backend enforce, and the one consoles hide their controls by.

A right is a kind of record, finer where the roles differ: ``note`` is a decision that changes no
route (any other decision needs ``decision``), ``agenda.list`` puts a case on the council's agenda
(moving or removing one needs ``agenda``). A role the table does not name may write everything a
console writes (the reference server's choice for other clients such as ``grid-link conform``; §16
lets a backend refuse it instead); ``relay`` is the role of a relay's own key, trusted to have checked
its followers' keys, so a command through it keeps the role its sender declared.
"""

from __future__ import annotations

from typing import Final

from server_link import records as r

RIGHTS: Final = frozenset({"note", "decision", "alarm", "show", "agenda.list", "agenda", "present"})
WRITES: Final[dict[str, frozenset[str]]] = {
    "commander": frozenset({"note", "alarm", "show", "agenda.list"}),
    "council": RIGHTS,
    "leader": frozenset(),
}
RELAY: Final = "relay"


# Deleting a decision is refused as such (decisions are write-once); the right is the least one.
_DELETES: Final = {
    "/decision/": "note",
    "/alarm/": "alarm",
    "/show/": "show",
    "/agenda/": "agenda",
    "/present/": "present",
}


def right_of(record: r.Record | None, key: str, held: r.Record | None) -> str | None:
    """The right writing ``record`` at ``key`` needs (``None``: deleting it), given the record
    ``held`` there; None when it is not a record a console writes."""
    match record:
        case None:
            return next((right for prefix, right in _DELETES.items() if key.startswith(prefix)), None)
        case r.Decision():
            return "note" if record.action is r.DecisionAction.NOTE else "decision"
        case r.AlarmHandling():
            return "alarm"
        case r.ShowRequest():
            return "show"
        case r.AgendaItem():
            new = held is None or (isinstance(held, r.AgendaItem) and not held.listed)
            return "agenda.list" if record.listed and new else "agenda"
        case r.Presentation():
            return "present"
    return None


def may(role: str, right: str) -> bool:
    """Whether a console acting as ``role`` may use ``right``."""
    rights = WRITES.get(role)
    return right in RIGHTS if rights is None else right in rights


def refusal(role: str, record: r.Record | None, key: str, held: r.Record | None) -> str | None:
    """Why ``role`` may not write ``record`` at ``key`` (None: a delete), or None when it may."""
    right = right_of(record, key, held)
    if right is None:
        return f"{key.split('/')[1] or key} records are the backend's to write"
    if not may(role, right):
        return f"the {role} role may not write {right}"
    return None
