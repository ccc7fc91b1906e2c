"""What the link hands its owner: batches of updates, its state and its statistics (plain data)."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from server_link import records


class LinkState(enum.StrEnum):
    CONNECTING = "CONNECTING"  # no data yet
    SYNCING = "SYNCING"  # re-syncing after a gap or a new epoch; data shown is recent
    LIVE = "LIVE"
    STALE = "STALE"  # no message for longer than the HUGZ timeout; data shown is old
    STOPPED = "STOPPED"


class Update(NamedTuple):
    """One applied KVPUB/KVSYNC: ``record`` is None when the key was deleted."""

    key: str
    sequence: int
    record: records.Record | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Batch:
    """Updates in sequence order. ``reset``: a snapshot that replaces everything held before.

    ``received`` is when the link read the batch's oldest update (``time.monotonic()``, this
    process; None where nobody stamped it): how far behind the server a console is, is measured
    from it. ``nbytes`` is the keys' and bodies' size, for the budget on batches delivered and not
    yet taken (0 for a snapshot, which has a budget of its own while it is received).
    """

    reset: bool
    updates: tuple[Update, ...]
    sequence: int
    epoch: str
    received: float | None = None
    nbytes: int = 0


@dataclass(frozen=True, slots=True)
class LinkStats:
    state: LinkState
    endpoint: str
    epoch: str = ""
    last_sequence: int = 0
    server_sequence: int = 0  # the newest sequence the server announced (a KVPUB or a HUGZ)
    updates_total: int = 0
    updates_per_s: float = 0.0
    newest_at: float | None = None  # wall-clock time (time.time()) of the newest message
    gaps: int = 0
    heartbeats: int = 0  # HUGZ received: the update socket is connected and the server alive
    resyncs: int = 0
    last_resync: str = ""
    rejects: Mapping[str, int] = field(default_factory=dict)
    last_reject: str = ""
    snapshot_records: int = 0
    syncing_records: int = 0  # KVSYNCs received so far in a snapshot under way
    snapshot_bytes: int = 0  # their keys and bodies (within LinkConfig.max_snapshot_bytes)
    buffered_updates: int = 0  # KVPUBs held while the snapshot is under way
    buffered_bytes: int = 0
    backlog_bytes: int = 0  # batches delivered that the owner has not taken yet
    owner_behind: bool = False  # over the backlog budget: updates dropped, a re-sync follows
    retry_in: float | None = None  # seconds until a failed snapshot is asked for again
    commands_sent: int = 0
    commands_held: int = 0  # PUB collector: commands waiting for the server's subscription (docs/protocol.md §2.1)
    crashes: int = 0  # times the link's loop failed and was restarted with fresh sockets
    last_crash: str = ""
    disconnects: int = 0  # a connection dropped (the server went away, or sent a frame over the limit)
    last_disconnect: str = ""

    @property
    def rejects_total(self) -> int:
        return sum(self.rejects.values())

    def newest_age(self, now: float | None = None) -> float | None:
        """Seconds since the newest message arrived, or None before the first."""
        if self.newest_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.newest_at)
