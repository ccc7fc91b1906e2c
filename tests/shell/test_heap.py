"""console.shell.heap: survivors frozen out of the cycle collector's way, cycles collected at the next settle."""

from __future__ import annotations

import gc
import weakref

from console.shell import heap


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector can free it


def tracked(obj: object) -> bool:
    """Whether the collector still looks at ``obj`` (frozen objects are not among its generations)."""
    return any(o is obj for o in gc.get_objects())


def test_settle_freezes_what_survives_and_collects_its_cycles_at_the_next_settle() -> None:
    node = Node()
    ref = weakref.ref(node)
    assert tracked(node)
    heap.settle()
    assert gc.get_freeze_count() > 0 and not tracked(node)
    del node
    gc.collect()
    assert ref() is not None  # frozen: a collection does not see the cycle
    heap.settle()
    assert ref() is None  # the next settle unfreezes first


def test_settle_collects_garbage_before_it_freezes() -> None:
    node = Node()
    ref = weakref.ref(node)
    del node
    heap.settle()
    assert ref() is None
