"""Build link batches for the store's tests, and a plain model of what the store should hold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from server_link import records as r
from server_link.link_state import Batch, Update
from tests.support.link import case, item


def body(n: int, version: int = 0) -> tuple[str, bytes]:
    """A valid case record: key ``/case/DC<n>``, content varying with ``version``."""
    return item(case(n, title=f"井盖破损 v{version}", minutes=version))


def update(key: str, sequence: int, data: bytes) -> Update:
    return Update(key, sequence, r.decode(key, data) if data else None, data)


@dataclass
class Feed:
    """Makes consecutive batches (sequence +1 per update) and keeps the map they produce."""

    epoch: str = "epoch-a"
    sequence: int = 0
    bodies: dict[str, bytes] = field(default_factory=dict)

    def batch(self, items: Iterable[tuple[str, bytes]]) -> Batch:
        """A live batch; an empty body deletes the key."""
        ups = []
        for key, data in items:
            self.sequence += 1
            ups.append(update(key, self.sequence, data))
            if data:
                self.bodies[key] = data
            else:
                self.bodies.pop(key, None)
        return Batch(False, tuple(ups), self.sequence, self.epoch)

    def reset(self, items: Sequence[tuple[str, bytes]], epoch: str | None = None, sequence: int | None = None) -> Batch:
        """A snapshot that replaces everything: the map becomes exactly ``items``."""
        if epoch is not None:
            self.epoch = epoch
        if sequence is not None:
            self.sequence = sequence
        self.bodies = {k: b for k, b in items if b}
        ups = tuple(update(k, self.sequence, b) for k, b in items if b)
        return Batch(True, ups, self.sequence, self.epoch)
