"""Engines for the store's three kinds of work, with the durability each one needs.

* ``JOURNAL``: the writer thread's transactions. On SQLite, WAL mode with ``synchronous=NORMAL``:
  a commit is safe against the console process dying (SIGKILL, crash) because the WAL is in the
  operating system's cache; only a power cut or kernel crash can lose the last commits, and the
  journal is re-filled from the backend's snapshot in that case anyway. On PostgreSQL the same
  trade is ``SET LOCAL synchronous_commit = off``.
* ``DURABLE``: operator actions. ``synchronous`` is a per-connection setting, so these run on
  connections of their own with ``synchronous=FULL``: the commit fsyncs the WAL before it
  returns, so an action the screen confirmed survives a power cut too (PostgreSQL: the default
  ``synchronous_commit = on``). A separate engine keeps the two settings from leaking into each other.
* ``READ``: last-known state and time travel; deferred transactions, so a read sees one snapshot
  of the WAL and never blocks the writer.

On SQLite the Python driver's own transaction handling is switched off and the engine emits
``BEGIN`` itself (as SQLAlchemy's documentation recommends): reads become real snapshot
transactions, and writers use ``BEGIN IMMEDIATE`` so they take the write lock at the start
(waiting ``busy_timeout`` for it) instead of failing when upgrading a read lock.
"""

from __future__ import annotations

import enum
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

BUSY_TIMEOUT_MS: Final = 30_000


class Role(enum.Enum):
    JOURNAL = "journal"
    DURABLE = "durable"
    READ = "read"


def make_engine(url: URL, role: Role) -> Engine:
    """An engine on ``url`` configured for ``role`` (see the module docstring)."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, role)
    if backend == "postgresql":
        return _postgres_engine(url, role)
    raise ValueError(f"{url.render_as_string(hide_password=True)}: the store supports SQLite and PostgreSQL only")


def _sqlite_engine(url: URL, role: Role) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=2,
        max_overflow=4,
    )
    synchronous = "FULL" if role is Role.DURABLE else "NORMAL"
    begin = "BEGIN" if role is Role.READ else "BEGIN IMMEDIATE"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN; see _on_begin
        cursor = dbapi_connection.cursor()
        try:
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise RuntimeError(f"SQLite refused WAL mode (got {mode!r}); is the file on a network share?")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if role is Role.JOURNAL:
                cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: state upserts touch many pages
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _postgres_engine(url: URL, role: Role) -> Engine:
    engine = create_engine(url, pool_size=2, max_overflow=4, pool_pre_ping=True)
    if role is Role.JOURNAL:

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("SET LOCAL synchronous_commit = off")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
