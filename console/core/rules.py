"""The domain rules, each defined here and nowhere else; views show what they say and never recompute them.

* the seven steps' order, and which of them are open (``STEPS``, ``STEP_ORDER``, ``OPEN_STEPS``, ``is_open_step``);
* a case's light at an instant: for one case (``light_at``) and, the same rule over numpy columns,
  for the case table (``lights_at``); overdue is the red light (``is_overdue``);
* when a headline figure is abnormal (``KpiThresholds``, ``Level``), and when a department's figure
  is trouble on the heat (``HeatThresholds``; judged in ``console.core.trouble``);
* the configurable figures the situation derives with (``Rules``): the yellow share of the allowed
  time, buck-passing, hard cases, "new in the last hour", the department score's weights.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from server_link import records as r

if TYPE_CHECKING:
    from console.core.aggregates import DistrictFigures

STEPS: Final[tuple[r.Step, ...]] = tuple(r.Step)
"""The seven-step closed loop, in order (the wire's enumeration order)."""
STEP_ORDER: Final[dict[r.Step, int]] = {s: i for i, s in enumerate(STEPS)}
"""A step's place in the loop (0 = collected): what the case table stores and sorts by."""
OPEN_STEPS: Final[tuple[r.Step, ...]] = (
    r.Step.COLLECTED, r.Step.FILED, r.Step.DISPATCHED, r.Step.HANDLING, r.Step.FEEDBACK,
)  # fmt: skip
"""The steps of a case still being worked on, in loop order; a case is closed once verified and
closed (``CLOSED``) or evaluated (``EVALUATED``)."""
_OPEN: Final = frozenset(OPEN_STEPS)
AWAITING_DISPATCH: Final = frozenset(s for s in OPEN_STEPS if STEP_ORDER[s] < STEP_ORDER[r.Step.DISPATCHED])
"""The steps of a case not yet handed to a department (collected, filed)."""


def is_open_step(step: r.Step) -> bool:
    """A case at ``step`` is open (in the backlog, with a light)."""
    return step in _OPEN


class Light(enum.IntEnum):
    """The district's case lights; NONE for closed cases."""

    NONE = 0
    GREEN = 1
    YELLOW = 2
    RED = 3


def is_overdue(deadline: float, now: float) -> bool:
    """An open case is overdue from its deadline on, the deadline's instant included; never when
    the deadline is unknown (NaN)."""
    return now >= deadline


def light_at(is_open: bool, deadline: float, yellow_at: float, now: float) -> Light:
    """A case's light at ``now``: NONE once closed; RED when overdue (``is_overdue``); YELLOW from its
    yellow instant on; GREEN before. An unknown (NaN) instant is never reached.

    ``lights_at`` is this rule over columns: change both together (tests/test_rules.py pins them equal).
    """
    if not is_open:
        return Light.NONE
    if now >= deadline:  # is_overdue, inlined: this runs for every case on every tick
        return Light.RED
    if now >= yellow_at:
        return Light.YELLOW
    return Light.GREEN


def lights_at(
    is_open: npt.NDArray[np.bool_],
    deadline: npt.NDArray[np.float64],
    yellow_at: npt.NDArray[np.float64],
    now: float,
) -> npt.NDArray[np.int8]:
    """``light_at`` for every row of the columns at once (``Light`` values as int8)."""
    out = np.full(len(deadline), Light.GREEN, dtype=np.int8)
    out[now >= yellow_at] = Light.YELLOW
    out[now >= deadline] = Light.RED
    out[~is_open] = Light.NONE
    return out


class Level(enum.StrEnum):
    """How abnormal a headline figure is (the KPI strip's ``level`` style property)."""

    NORMAL = "normal"
    WARN = "warn"
    ALARM = "alarm"


@dataclass(frozen=True)
class KpiThresholds:
    """When the district's headline figures are abnormal. A rate with nothing behind it (NaN) is normal."""

    overdue_alarm: int = 1  # this many overdue open cases or more: alarm
    hard_warn: int = 1  # this many open hard cases (waiting for the council) or more: warning
    response_warn: float = 0.99  # the 12345 response rate below this: warning
    resolution_warn: float = 0.95  # the 12345 resolution rate (of call-backs) below this: warning
    satisfaction_warn: float = 0.95  # the 12345 satisfaction rate (of call-backs) below this: warning
    closure_warn: float = 0.90  # the closure rate of held cases below this: warning

    def levels(self, d: DistrictFigures) -> dict[str, Level]:
        """Each judged figure's level, by the KPI strip's tile names."""
        return {
            "overdue": Level.ALARM if d.overdue >= self.overdue_alarm else Level.NORMAL,
            "hard": Level.WARN if d.hard_open >= self.hard_warn else Level.NORMAL,
            "response": _warn_below(d.response_rate, self.response_warn),
            "resolution": _warn_below(d.resolution_rate, self.resolution_warn),
            "satisfaction": _warn_below(d.satisfaction_rate, self.satisfaction_warn),
            "closure": _warn_below(d.closure_rate, self.closure_warn),
        }


def _warn_below(rate: float, floor: float) -> Level:
    return Level.WARN if rate < floor else Level.NORMAL  # NaN < floor is False: normal


@dataclass(frozen=True)
class Scale:
    """Where a figure becomes trouble (``start``: the first clear tint) and where it is at its worst
    (``full``: full red); ``full`` below ``start`` for a figure that is good when high."""

    start: float
    full: float

    def __post_init__(self) -> None:
        if self.start == self.full:
            raise ValueError(f"a scale needs two different ends, got {self.start} twice")


@dataclass(frozen=True)
class HeatThresholds:
    """When a department's figure is trouble on the heat (WALL.md: colour only for trouble).

    The open load as a share of the cases the department holds (a big department's many open cases
    are its work, not trouble; a department sitting on most of what it was given is stuck); overdue
    cases from the first. Rates (on-time closure, return, rework, 12345 satisfaction) against the
    district's targets. A share or a rate is judged only with ``min_cases`` or more behind it: a
    department with two cases is not red for one late one. The composite score in points below the
    district's median department.
    """

    open_share: Scale = field(default_factory=lambda: Scale(0.2, 0.5))
    overdue: Scale = field(default_factory=lambda: Scale(1.0, 10.0))
    on_time: Scale = field(default_factory=lambda: Scale(0.90, 0.60))
    return_rate: Scale = field(default_factory=lambda: Scale(0.25, 0.50))
    rework: Scale = field(default_factory=lambda: Scale(0.10, 0.30))
    satisfaction: Scale = field(default_factory=lambda: Scale(0.90, 0.60))
    composite_below_median: Scale = field(default_factory=lambda: Scale(5.0, 15.0))
    min_cases: int = 5


@dataclass(frozen=True)
class ScoreWeights:
    """The department composite score, in the manner of digital urban-management evaluation.

    score = 100 × (on_time × on-time closure rate + closure × closure rate
                   + rework × (1 − rework rate) + satisfaction × satisfaction rate
                   + returns × (1 − return rate))
    The weights are normalised to sum to 1; a rate with no cases behind it counts as perfect, so a
    department is not punished for having had nothing to do.
    """

    on_time: float = 0.35
    closure: float = 0.25
    rework: float = 0.15
    satisfaction: float = 0.15
    returns: float = 0.10

    def normalised(self) -> ScoreWeights:
        total = self.on_time + self.closure + self.rework + self.satisfaction + self.returns
        if total <= 0:
            raise ValueError("score weights must not all be zero")
        return ScoreWeights(
            *(w / total for w in (self.on_time, self.closure, self.rework, self.satisfaction, self.returns))
        )


@dataclass(frozen=True)
class Rules:
    """The figures the situation derives with, configurable per center."""

    yellow_share: float = 0.8  # a case turns yellow after this share of its allowed time
    buck_passing_departments: int = 2  # returns by this many different departments = buck-passing
    hard_after_returns: int = 3  # a case returned this often is hard even if the backend has not said so
    recent_hours: float = 1.0  # "new in the last hour"
    escalation_limit: float = 0.08  # the district's cap, when the backend publishes none for a street
    hotline_channel: str = "ch-12345"
    weights: ScoreWeights = field(default_factory=ScoreWeights)
    kpi: KpiThresholds = field(default_factory=KpiThresholds)
    heat: HeatThresholds = field(default_factory=HeatThresholds)

    @property
    def recent_seconds(self) -> float:
        return self.recent_hours * 3600

    def __post_init__(self) -> None:
        if not 0 < self.yellow_share < 1:
            raise ValueError(f"yellow_share {self.yellow_share} must be between 0 and 1")
        if self.buck_passing_departments < 2:
            raise ValueError("buck-passing needs returns by at least two departments")
