"""Keyed timers: one instant per key, earliest first, and a heap that does not grow with each set."""

from __future__ import annotations

import pickle

from console.core.timers import Timers


def test_due_keys_come_earliest_first_each_at_its_latest_instant() -> None:
    t: Timers[str] = Timers()
    t.set("a", 30.0)
    t.set("b", 10.0)
    t.set("c", 20.0)
    t.set("b", 25.0)  # moved later: not due at 10 any more
    t.cancel("c")
    assert list(t.due(15.0)) == []
    assert list(t.due(30.0)) == ["b", "a"]
    assert len(t) == 0 and list(t.due(1e9)) == []


def test_a_key_set_again_while_due_is_given_again_at_its_new_instant() -> None:
    t: Timers[str] = Timers()
    t.set("a", 1.0)
    for key in t.due(1.0):
        t.set(key, 2.0)  # as a case's next flip is set when its flip is handled
    assert t.at("a") == 2.0 and list(t.due(1.5)) == [] and list(t.due(2.0)) == ["a"]


def test_setting_keys_over_and_over_keeps_the_heap_bounded_by_the_keys() -> None:
    t: Timers[int] = Timers()
    for i in range(200_000):  # a thousand cases, each set two hundred times at a new instant
        t.set(i % 1000, 1e6 + i)
    assert len(t) == 1000 and t.entries() <= 2 * 1000 + 64
    for _ in range(10):  # the same instants again: nothing is added
        for k in range(1000):
            t.set(k, t.at(k) or 0.0)
    assert t.entries() <= 2 * 1000 + 64
    assert list(t.due(1e6 + 199_000 - 1)) == []
    assert list(t.due(1e6 + 200_000)) == list(range(1000))


def test_timers_pickle_with_what_holds_them() -> None:
    t: Timers[str] = Timers()
    t.set("a", 5.0)
    back = pickle.loads(pickle.dumps(t))
    assert back == t and list(back.due(5.0)) == ["a"]


def test_cancelling_keys_keeps_the_heap_bounded_by_the_keys_left() -> None:
    t: Timers[int] = Timers()
    for i in range(10_000):
        t.set(i, 1e9 + i)
    for i in range(9_990):  # cancelled before their instant, with no set after: nothing pops them
        t.cancel(i)
    assert len(t) == 10 and t.entries() <= 2 * 10 + 64
    assert list(t.due(2e9)) == list(range(9_990, 10_000))
