"""The commands ``grid-link conform --try-commands`` sends: one the page requires a backend to take,
and three it requires a backend to refuse (docs/protocol.md §16).

The one taken is a real write: a ``note`` decision (it changes no route) on an open case, numbered
one past the highest decision held for that case, signed ``grid-link conform``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec

from server_link import records as r
from server_link import timeline
from server_link.conform.evidence import gather
from server_link.conform.observe import Command, Observation

NOTE = "grid-link conform: conformance check, please ignore"


def _open_case(held: dict[str, bytes]) -> str | None:
    """The number of an open case in the map, or None."""
    for key in sorted(held):
        if not key.startswith("/case/"):
            continue
        try:
            case = r.decode(key, held[key])
        except r.RecordError:
            continue
        if isinstance(case, r.Case) and case.step in timeline.OPEN:
            return case.no
    return None


def plan(obs: Observation) -> tuple[list[Command], str]:
    """The commands to send, given the map seen so far; none and why when no open case is held."""
    held = gather(obs).current_map()
    no = _open_case(held)
    if no is None:
        return [], "the backend holds no open case to write a decision on"
    prefix = f"/decision/{no}/"
    taken = [int(k[len(prefix) :]) for k in held if k.startswith(prefix)]
    n = max(taken, default=0) + 1
    if n + 2 > 999_999:
        return [], f"case {no} already has {n - 1} decisions"
    note = r.Decision(
        schema=r.SCHEMA_VERSION,
        case_no=no,
        n=n,
        decided_at=datetime.now(UTC),
        action=r.DecisionAction.NOTE,
        note=NOTE,
        by="grid-link conform",
        role="conform",
    )
    key, body = r.key_of(note), r.encode(note)
    elsewhere = r.encode(msgspec.structs.replace(note, n=n + 2))  # names /decision/<no>/<n+2>
    changed = r.encode(msgspec.structs.replace(note, note=NOTE + " (changed)"))
    return [
        ("a note decision on an open case", key, body, True),
        ("a decision whose body names another key", f"{prefix}{n + 1}", elsewhere, False),
        ("a decision changed after it was stored", key, changed, False),
        ("a decision deleted", key, b"", False),
    ], ""
