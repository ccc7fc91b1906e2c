"""Alembic migrations of the store, run in code: no ``alembic.ini`` is needed on disk.

``upgrade(engine)`` brings a database to the head revision (the store calls it when it opens);
``alembic_config()`` gives a ``Config`` for the ``alembic`` commands (tests migrate to
``FIRST_REVISION`` with it, then to head). A developer adds a revision with::

    python -c "from alembic import command; from console.store.migrations import alembic_config; \
command.revision(alembic_config('sqlite:///dev.db'), 'what changed', autogenerate=True)"
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

SCRIPT_LOCATION: Final = str(Path(__file__).resolve().parent)
FIRST_REVISION: Final = "0001"
HEAD_REVISION: Final = "0008"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """A ``Config`` built in code: scripts in this package; a URL or an open connection to run on."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision`` (head by default), in one transaction."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(connection=conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database Alembic never touched."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest revision among the scripts (checked against ``HEAD_REVISION`` by the tests)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migration scripts in {SCRIPT_LOCATION}")
    return head
