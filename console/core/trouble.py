"""Which department figures are trouble, and how much: the heat's colours (WALL.md: colour only for trouble).

Each figure becomes a badness: 0 where nothing is wrong (the calm grey), else from ``FIRST_TINT``
(a clear first tint where the figure crosses its ``Scale.start``) up to 1 (full red at
``Scale.full``). The scales are the center's (``Rules.heat``); the heat only paints what this says.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Final

from console.core.aggregates import DepartmentFigures
from console.core.rules import HeatThresholds, Scale, ScoreWeights

FIRST_TINT: Final = 0.3
"""The badness of a figure just past its scale's start: a tint that reads as "look here", not red."""

HEAT_METRICS: Final[tuple[str, ...]] = ("open", "overdue", "on_time", "returns", "rework", "satisfaction", "composite")
"""The heat's columns, in order: the figures judged."""


def on_scale(value: float, scale: Scale) -> float:
    """0 before ``scale.start`` (and for NaN); ``FIRST_TINT`` at it, rising to 1 at ``scale.full`` and beyond."""
    if math.isnan(value):
        return 0.0
    span = scale.full - scale.start
    past = (value - scale.start) / span  # ≥ 0 once the figure is trouble, whichever way is bad
    if past < 0:
        return 0.0
    return min(1.0, FIRST_TINT + (1.0 - FIRST_TINT) * past)


def department_badness(
    figures: Sequence[DepartmentFigures], weights: ScoreWeights, heat: HeatThresholds
) -> list[tuple[float, ...]]:
    """Each department's badness per ``HEAT_METRICS`` column (0 … 1). The composite score is judged
    against the median of the departments holding ``min_cases`` or more, and only for those (one with
    nothing to do scores a perfect 100, one with a single unfinished case 75: neither says anything)."""
    scores = [f.composite(weights) for f in figures]
    working = [s for f, s in zip(figures, scores, strict=True) if f.held >= heat.min_cases]  # scores that say something
    median_score = statistics.median(working) if working else math.nan

    def rate(value: float, cases: int, scale: Scale) -> float:
        return on_scale(value, scale) if cases >= heat.min_cases else 0.0

    out: list[tuple[float, ...]] = []
    for f, score in zip(figures, scores, strict=True):
        out.append(
            (
                rate(f.open / f.held if f.held else math.nan, f.held, heat.open_share),
                on_scale(float(f.overdue), heat.overdue),
                rate(f.on_time_rate(), f.closed, heat.on_time),
                rate(f.return_rate(), f.held + f.returns, heat.return_rate),
                rate(f.rework_rate(), f.held, heat.rework),
                rate(f.satisfaction_rate(), f.callbacks, heat.satisfaction),
                rate(median_score - score, f.held, heat.composite_below_median),
            )
        )
    return out
