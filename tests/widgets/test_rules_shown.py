"""Views show the core's rules and compute none: the queue's lights and countdowns, the shared
countdown label, and the KPI strip's levels all come from ``console/core/rules.py``."""

from __future__ import annotations

import math
import sys
from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from console.core import rules
from console.core.case_table import CaseFilter
from console.core.rules import KpiThresholds, Level, Light, Rules, light_at
from console.core.situation import Situation
from server_link import records as r
from server_link.link_state import Batch
from tests.widgets.test_case_queue import DISTRICT, NOW, Clock, case, situation_with, upd
from widgets import labels
from widgets.case_queue_model import CaseQueueModel, Column
from widgets.kpi_strip import KpiStrip

S = r.Step


def queue_cases() -> Situation:
    return situation_with(
        [
            case(1, left=timedelta(0)),  # due exactly now
            case(2, left=timedelta(minutes=10), in_step=timedelta(hours=2)),  # yellow
            case(3, left=timedelta(hours=5)),
            case(4, left=-timedelta(hours=1)),
            case(5, left=None),
            case(6, step=S.CLOSED, left=-timedelta(hours=3)),
        ]
    )


def cell(m: CaseQueueModel, no: str, col: Column) -> str:
    p = m.position_of(no)
    assert p is not None, no
    text = m.data(m.index(p, col))
    assert isinstance(text, str)
    return text


def test_the_queue_shows_the_cores_light_at_every_boundary(qtbot: QtBot) -> None:
    """At each case's yellow instant and deadline (and around them), every row's light and countdown
    say what ``rules.light_at`` says for that instant: red and 超 from the deadline's instant on."""
    sit = queue_cases()
    clock = Clock()
    m = CaseQueueModel(sit, clock=clock, coalesce_ms=0)
    m.set_filter(CaseFilter(open_only=False))
    m.flush()
    states = list(sit.cases.values())
    instants = {NOW} | {t + d for s in states for t in (s.yellow_at, s.deadline) if math.isfinite(t) for d in (-1, 0)}
    for now in sorted(instants):
        clock.t = now
        m.refresh_time_columns()
        for s in states:
            light = light_at(s.open, s.deadline, s.yellow_at, now)
            assert cell(m, s.no, Column.LIGHT) == labels.light_text(light), (s.no, now)
            countdown = cell(m, s.no, Column.DEADLINE)
            if s.open and math.isfinite(s.deadline):
                assert countdown.startswith("超 " if light is Light.RED else "剩 "), (s.no, now, countdown)
                assert countdown == labels.countdown(s.deadline, now)
            else:
                assert countdown == "—"
    assert labels.countdown(NOW, NOW) == "超 0时00分"  # the deadline's instant is overdue, as the light is red


def test_the_queue_shows_whatever_the_core_rule_says(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the core's rule wherever it is held: every light the queue shows changes with it, so
    the queue has no rule of its own."""
    sit = queue_cases()
    m = CaseQueueModel(sit, clock=Clock(), coalesce_ms=0)
    m.flush()
    holders = [mod for mod in list(sys.modules.values()) if getattr(mod, "light_at", None) is rules.light_at]
    assert holders
    for mod in holders:
        monkeypatch.setattr(mod, "light_at", lambda *_: Light.YELLOW)
    m.refresh_time_columns()
    shown = {cell(m, no, Column.LIGHT) for no in m.case_nos()}
    assert shown == {labels.light_text(Light.YELLOW)}


def test_the_kpi_strip_shows_the_cores_levels(qtbot: QtBot) -> None:
    """The same figures, judged by two sets of thresholds: the strip follows the situation's rules."""
    figures: dict[str, object] = {}
    for kpi in (KpiThresholds(), KpiThresholds(overdue_alarm=10**6, hard_warn=10**6, closure_warn=0.0)):
        sit = Situation(DISTRICT, rules=Rules(kpi=kpi))
        cases = [case(1, left=-timedelta(hours=1), hard=True), case(2), case(3, step=S.CLOSED, left=None)]
        sit.apply(Batch(True, tuple(upd(c) for c in cases), 1, "e"), NOW)
        strip = KpiStrip()
        qtbot.addWidget(strip)
        strip.show_situation(sit)
        expected = kpi.levels(sit.aggregates.district)
        shown = {name: strip.figures[name].property("level") for name in expected}
        assert shown == {name: level.value for name, level in expected.items()}
        figures[str(kpi)] = shown
    default, lax = figures.values()
    assert default["overdue"] == Level.ALARM and default["hard"] == Level.WARN and default["closure"] == Level.WARN
    assert lax["overdue"] == lax["hard"] == lax["closure"] == Level.NORMAL
