"""The console's persistent store: journal, materialised state, checkpoints, operator actions, link events.

Layer rule (ARCHITECTURE.md): SQLAlchemy, Alembic, the core and ``server_link`` records only —
no Qt, no sockets. ``Store`` (in ``writer``) is the one object the rest of the console uses.
"""

from console.store.schema import ActionKind, ActionStatus, LinkEventKind
from console.store.time_travel import JournalSpan, OutsideWindow, PastState, Window
from console.store.writer import (
    AlarmKind,
    LastKnown,
    LinkEvent,
    NewAction,
    Store,
    StoreConfig,
    StoredAction,
    StoreStats,
)

__all__ = [
    "ActionKind",
    "ActionStatus",
    "AlarmKind",
    "JournalSpan",
    "LastKnown",
    "LinkEvent",
    "LinkEventKind",
    "NewAction",
    "OutsideWindow",
    "PastState",
    "Store",
    "StoreConfig",
    "StoreStats",
    "StoredAction",
    "Window",
]
