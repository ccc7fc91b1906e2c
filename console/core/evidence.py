"""Evidence of a case from the public cameras: stills, and what the cameras saw before and after the
department said the job was done.

A still is the picture a tile showed, as a JPEG, with who kept it, in which role, when, from which
camera (its id and its name as the backend gave it: untrusted text, drawn as such), and when the frame
was decoded. ``before_after`` splits a case's stills at its feedback (处理反馈, the first ``feedback``
event of its timeline).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from server_link import records as r


@dataclass(frozen=True, slots=True)
class Still:
    case_no: str
    camera_id: str
    camera_name: str
    who: str
    role: str
    saved_at: datetime
    frame_at: datetime
    width: int
    height: int
    jpeg: bytes
    id: int = 0


def feedback_at(case: r.Case) -> datetime | None:
    """When the department first said the job was done (the case's first feedback), if it has."""
    return next((e.at for e in case.timeline if e.action is r.Action.FEEDBACK), None)


def before_after(stills: Sequence[Still], feedback_at: datetime | None) -> tuple[list[Still], list[Still]]:
    """The stills whose frames came before the case's feedback, and those at or after it (all are
    "before" while the case has had no feedback)."""
    if feedback_at is None:
        return list(stills), []
    return [s for s in stills if s.frame_at < feedback_at], [s for s in stills if s.frame_at >= feedback_at]
