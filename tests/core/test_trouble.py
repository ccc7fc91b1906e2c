"""The heat's judgement (WALL.md: colour only for trouble): a figure is 0 until it crosses its scale's
start, a first tint there, full red at its scale's end; the composite follows the district's median
department; shares and rates with too few cases behind them are not judged."""

from __future__ import annotations

import math

import pytest

from console.core.aggregates import DepartmentFigures
from console.core.rules import HeatThresholds, Scale, ScoreWeights
from console.core.trouble import FIRST_TINT, HEAT_METRICS, department_badness, on_scale

W = ScoreWeights()
COLUMN = {name: k for k, name in enumerate(HEAT_METRICS)}


@pytest.mark.parametrize(
    ("value", "scale", "expected"),
    [
        (0.0, Scale(1, 10), 0.0),  # no overdue case: nothing to colour
        (1.0, Scale(1, 10), FIRST_TINT),  # the first: a clear tint
        (5.5, Scale(1, 10), FIRST_TINT + (1 - FIRST_TINT) * 0.5),
        (40.0, Scale(1, 10), 1.0),  # beyond the end: full red, no further
        (0.95, Scale(0.90, 0.60), 0.0),  # a rate above its target (good when high)
        (0.75, Scale(0.90, 0.60), FIRST_TINT + (1 - FIRST_TINT) * 0.5),
        (math.nan, Scale(0.90, 0.60), 0.0),  # nothing behind it
    ],
)
def test_a_figure_is_coloured_only_past_its_start(value: float, scale: Scale, expected: float) -> None:
    assert on_scale(value, scale) == pytest.approx(expected)


def test_a_scale_needs_two_ends() -> None:
    with pytest.raises(ValueError, match="two different ends"):
        Scale(1.0, 1.0)


def fine(open_: int = 4) -> DepartmentFigures:
    """A department doing its job: everything closed on time, nobody unhappy."""
    return DepartmentFigures(open=open_, held=40, closed=36, closed_on_time=35, callbacks=20, satisfied=20)


def test_departments_doing_their_job_are_not_coloured_at_all() -> None:
    """However many open cases a big department has: they are its work, not trouble."""
    big = DepartmentFigures(open=60, held=800, closed=740, closed_on_time=700, callbacks=200, satisfied=196)
    rows = department_badness([fine(), fine(3), fine(6), big], W, HeatThresholds())
    assert all(v == 0.0 for row in rows for v in row)


def test_each_kind_of_trouble_colours_its_own_cell_only() -> None:
    late = DepartmentFigures(open=4, held=40, closed=30, closed_on_time=15, callbacks=20, satisfied=20)
    drowning = DepartmentFigures(open=60, overdue=12, held=80, closed=20, closed_on_time=19, callbacks=20, satisfied=20)
    bouncing = DepartmentFigures(open=2, held=20, closed=18, closed_on_time=18, returns=20, callbacks=10, satisfied=10)
    rows = department_badness([fine(), fine(5), late, drowning, bouncing], W, HeatThresholds())
    assert rows[0] == rows[1] == (0.0,) * len(HEAT_METRICS)
    assert rows[2][COLUMN["on_time"]] > FIRST_TINT  # half on time against a 90 % target
    assert rows[2][COLUMN["overdue"]] == rows[2][COLUMN["open"]] == 0.0
    assert rows[3][COLUMN["open"]] > FIRST_TINT  # sitting on three quarters of what it holds
    assert rows[3][COLUMN["overdue"]] == 1.0
    assert rows[3][COLUMN["on_time"]] == 0.0
    assert rows[4][COLUMN["returns"]] == 1.0  # half of what it was sent, sent back
    assert rows[4][COLUMN["open"]] == rows[4][COLUMN["on_time"]] == 0.0


def test_rates_over_a_handful_of_cases_are_not_judged() -> None:
    """One late case of two is a 50 % on-time rate, and no reason for a red cell."""
    tiny = DepartmentFigures(open=1, held=2, closed=2, closed_on_time=1, callbacks=1, satisfied=0)
    row = department_badness([fine(), tiny], W, HeatThresholds(min_cases=5))[1]
    assert row[COLUMN["on_time"]] == row[COLUMN["satisfaction"]] == 0.0
    judged = department_badness([fine(), tiny], W, HeatThresholds(min_cases=1))[1]
    assert judged[COLUMN["on_time"]] == 1.0 and judged[COLUMN["satisfaction"]] == 1.0


def test_the_composite_is_judged_against_the_median_department() -> None:
    """At or up to 5 points below the median score: no colour; 15 points below: full red."""
    worse = [
        DepartmentFigures(open=1, held=100, closed=100, closed_on_time=on_time) for on_time in (100, 90, 80, 70, 50, 20)
    ]
    scores = [f.composite(W) for f in worse]
    rows = department_badness(worse, W, HeatThresholds())
    median = (scores[2] + scores[3]) / 2
    for score, row in zip(scores, rows, strict=True):
        below = median - score
        shade = row[COLUMN["composite"]]
        assert (shade == 0.0) == (below < 5.0), (score, shade)
        assert (shade == 1.0) == (below >= 15.0), (score, shade)
