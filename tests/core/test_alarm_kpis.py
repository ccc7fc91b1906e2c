"""The alarm KPIs equal a brute-force count over the same raises."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from console.core.alarms.engine import Raise
from console.core.alarms.kpis import alarm_kpis
from console.core.alarms.settings import Priority, Rule
from console.core.alarms.states import Alarm, SubjectKind

SINCE = 1_795_000_000.0
SPAN = 6 * 3600.0

raises = st.lists(
    st.builds(
        lambda at, n, rule: Raise(SINCE + at, f"{rule.value}/s{n}", rule, Priority.MEDIUM),
        st.floats(-600, SPAN + 600, allow_nan=False),
        st.integers(0, 6),
        st.sampled_from([Rule.CASE_RED, Rule.GRID_RED, Rule.HARD]),
    ),
    max_size=200,
).map(lambda xs: sorted(xs, key=lambda x: x.at))


@settings(max_examples=150, deadline=None)
@given(raises, st.integers(1, 12))
def test_the_kpis_equal_a_brute_force_count(log: list[Raise], flood: int) -> None:
    until = SINCE + SPAN
    held = [
        Alarm(Rule.CASE_RED, name, SubjectKind.CASE, Priority.LOW, False, active=active, raised_at=at)
        for name, active, at in (("old", True, until - 86401), ("new", True, until - 3600), ("gone", False, 0.0))
    ]
    k = alarm_kpis(log, SINCE, until, held, flood)
    inside = [x for x in log if SINCE <= x.at < until]
    assert k.total == len(inside)
    assert k.per_hour == len(inside) / 6
    hours = [sum(1 for x in inside if SINCE + h * 3600 <= x.at < SINCE + (h + 1) * 3600) for h in range(6)]
    assert k.busiest_hour == max(hours)
    tens = [sum(1 for x in inside if SINCE + t * 600 <= x.at < SINCE + (t + 1) * 600) for t in range(36)]
    assert k.flood_share == sum(1 for n in tens if n >= flood) / 36
    assert k.stale == 1
    chattering = set()
    for a, b, c in itertools.combinations(inside, 3):
        if a.alarm == b.alarm == c.alarm and max(a.at, b.at, c.at) - min(a.at, b.at, c.at) <= 60:
            chattering.add(a.alarm)
    assert set(k.chattering) == chattering
    counts = {a: sum(1 for x in inside if x.alarm == a) for a in {x.alarm for x in inside}}
    assert [n for _, n in k.top] == sorted(counts.values(), reverse=True)[:10]
    assert all(counts[a] == n for a, n in k.top)
    by_rule = {rule: sum(1 for x in inside if x.rule is rule) for rule in {x.rule for x in inside}}
    assert k.by_rule == by_rule
    assert k.largest_rule_share == (max(by_rule.values()) / len(inside) if inside else 0.0)
