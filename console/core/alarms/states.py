"""An alarm and its ISA-18.2 state, and what operators do to it.

An alarm is one rule's condition on one subject (a case, a unit grid, a street, a department, a
camera, the link, the store); its id is ``rule/subject`` and stays the same for as long as the
subject exists, so the same alarm is never raised twice while its condition holds. Its state is
derived from four facts, as ISA-18.2's state model has it:

============================  =========  =============  =========  ==================
state                         condition  acknowledged   shelved    out of service
============================  =========  =============  =========  ==================
``UNACKNOWLEDGED``            active     no             no         no
``ACKNOWLEDGED``              active     yes            no         no
``RETURNED_UNACKNOWLEDGED``   cleared    no             no         no   (latched)
``NORMAL``                    cleared    yes            no         no   (off the list)
``SHELVED``                   any        any            until …    no
``OUT_OF_SERVICE``            any        any            any        yes
============================  =========  =============  =========  ==================

Each activation (the condition becoming true) starts unacknowledged at ``raised_at``. An
acknowledgement at an instant acknowledges the activation under way then, so consoles that raised
the same alarm a few milliseconds apart agree on what an operator's acknowledgement meant.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from console.core.alarms.settings import Priority, Rule


class AlarmState(enum.StrEnum):
    UNACKNOWLEDGED = "unacknowledged"
    ACKNOWLEDGED = "acknowledged"
    RETURNED_UNACKNOWLEDGED = "returned_unacknowledged"
    NORMAL = "normal"
    SHELVED = "shelved"
    OUT_OF_SERVICE = "out_of_service"


class SubjectKind(enum.StrEnum):
    CASE = "case"
    GRID = "grid"
    STREET = "street"
    DEPARTMENT = "department"
    CATEGORY = "category"
    CAMERA = "camera"
    LINK = "link"
    STORE = "store"


@dataclass(frozen=True)
class Shelving:
    """Shelved by whom, why, until when (epoch seconds)."""

    by: str
    reason: str
    until: float


@dataclass(frozen=True)
class OperatorState:
    """What operators did to an alarm: the part every console shares through the backend.

    The whole of it travels in each command (the newest writer wins), like a case record."""

    acknowledged_at: float | None = None
    acknowledged_by: str = ""
    shelving: Shelving | None = None
    out_of_service_by: str = ""
    comment: str = ""
    comment_by: str = ""
    at: float = 0.0  # when an operator last changed it


@dataclass
class Alarm:
    """One rule's alarm on one subject; mutable, held by the engine."""

    rule: Rule
    subject: str
    kind: SubjectKind
    priority: Priority
    latch: bool
    street: str = ""  # the street the subject lies in ("" for the link, the store, a department)
    active: bool = False
    raised_at: float = 0.0  # when the current (or last) activation began
    cleared_at: float | None = None
    acknowledged: bool = False
    figure: float = 0.0  # the figure that tripped it (red cases, reports, seconds stale, …)
    raises: int = 0  # activations since the engine first saw it
    operator: OperatorState = OperatorState()

    @property
    def id(self) -> str:
        return alarm_id(self.rule, self.subject)

    def state(self, now: float) -> AlarmState:
        if self.operator.out_of_service_by:
            return AlarmState.OUT_OF_SERVICE
        if self.operator.shelving is not None and now < self.operator.shelving.until:
            return AlarmState.SHELVED
        if self.active:
            return AlarmState.ACKNOWLEDGED if self.acknowledged else AlarmState.UNACKNOWLEDGED
        return AlarmState.NORMAL if self.acknowledged or not self.latch else AlarmState.RETURNED_UNACKNOWLEDGED

    def annunciated(self, now: float) -> bool:
        """Whether it calls for attention now (unacknowledged, not shelved or out of service)."""
        return self.state(now) in (AlarmState.UNACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED)

    def take_operator(self, op: OperatorState) -> None:
        """Take what operators did (here or on another console): an acknowledgement counts for the
        activation under way at its instant."""
        self.operator = op
        if op.acknowledged_at is not None and op.acknowledged_at >= self.raised_at:
            self.acknowledged = True


def alarm_id(rule: Rule, subject: str) -> str:
    return f"{rule.value}/{subject}"
