"""The ``daily_figures`` table (``schema.DailyRow``): whole days written, spans read, old days dropped.

A day is the unit: writing rows replaces every row kept for their days, so a day rewritten from
fresher cases never keeps a scope the new rows no longer have. What each count means:
``console.core.daily``. ``Store`` (``writer``) runs these on its own engines and locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, delete, insert, select

from console.core.daily import COUNTS, DEFINITIONS, DayFigures, Scope
from console.store.schema import SCOPE_ID_LENGTH, Base, DailyRow

_D = Base.metadata.tables[DailyRow.__tablename__]
_SCOPES = frozenset(Scope)


def write_days(conn: Connection, rows: Sequence[DayFigures], written_at: datetime) -> list[date]:
    """Replace the kept rows of every day ``rows`` hold with ``rows``; the days, oldest first."""
    days = sorted({row.day for row in rows})
    for row in rows:
        if row.scope not in _SCOPES:
            raise ValueError(f"unknown scope {row.scope!r}")
        if len(row.scope_id) > SCOPE_ID_LENGTH:
            raise ValueError(f"scope id {row.scope_id[:80]!r} is longer than {SCOPE_ID_LENGTH} characters")
        if any(n < 0 for n in row.counts()):
            raise ValueError(f"negative count in {row}")
    if not days:
        return []
    conn.execute(delete(_D).where(_D.c.day.in_(days)))
    conn.execute(
        insert(_D),
        [
            {
                "day": row.day,
                "scope": row.scope.value,
                "scope_id": row.scope_id,
                **dict(zip(COUNTS, row.counts(), strict=True)),
                "definitions": DEFINITIONS,
                "written_at": written_at,
            }
            for row in rows
        ],
    )
    return days


def read(
    conn: Connection, since: date, until: date, scope: Scope | None = None, scope_id: str | None = None
) -> list[DayFigures]:
    """The kept rows with ``since <= day <= until`` (of one scope, or one scope id, if given) in the
    order ``day_figures`` gives them: by day, the district's, the streets', the departments', each by id.
    Rows of a scope this build does not know (a newer one wrote them) are left out."""
    stmt = select(_D.c.day, _D.c.scope, _D.c.scope_id, *(_D.c[name] for name in COUNTS)).where(
        _D.c.day >= since, _D.c.day <= until
    )
    if scope is not None:
        stmt = stmt.where(_D.c.scope == Scope(scope).value)
    if scope_id is not None:
        stmt = stmt.where(_D.c.scope_id == scope_id)
    known = {s.value: s for s in Scope}
    rows = [DayFigures(row[0], known[row[1]], row[2], *row[3:]) for row in conn.execute(stmt) if row[1] in known]
    # sorted here, not by the database: PostgreSQL's collation may order ids otherwise than Python
    rank = {s: i for i, s in enumerate(Scope)}
    rows.sort(key=lambda row: (row.day, rank[row.scope], row.scope_id))
    return rows


def days(conn: Connection, definitions: int | None = None) -> set[date]:
    """The days that have rows; with ``definitions``, only those whose rows were all computed by
    that version of the definitions (``console.core.daily.DEFINITIONS``)."""
    found = set(conn.execute(select(_D.c.day).distinct()).scalars())
    if definitions is not None:
        found -= set(conn.execute(select(_D.c.day).where(_D.c.definitions != definitions).distinct()).scalars())
    return found


def drop_before(conn: Connection, day: date) -> int:
    """Delete the rows of the days before ``day``; how many went."""
    return conn.execute(delete(_D).where(_D.c.day < day)).rowcount
