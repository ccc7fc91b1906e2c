"""The writer's hot statements, compiled once and run as driver-level ``executemany``.

Going through SQLAlchemy's per-row parameter processing cost as much as SQLite's own work for the
journal and state writes (profiled: 0.2 s of 0.5 s per 10,000 updates). These statements are
built with SQLAlchemy for the engine's dialect, compiled once, and handed rows that are already
in the driver's types (received times converted once per batch with the column type's own bind
processor), so the dialect differences stay SQLAlchemy's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Delete, Insert

from console.store.schema import UTCDateTime


@dataclass(frozen=True, slots=True)
class BulkStatement:
    """SQL text plus how to lay out a row tuple (given in ``names`` order) for the driver."""

    sql: str
    names: tuple[str, ...]
    order: tuple[int, ...] | None  # positional paramstyle: tuple positions; None: named (dicts)

    def run(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.order is None:
            params: list[Any] = [dict(zip(self.names, row, strict=True)) for row in rows]
        elif self.order == tuple(range(len(self.names))):
            params = list(rows)
        else:
            params = [tuple(row[i] for i in self.order) for row in rows]
        conn.exec_driver_sql(self.sql, params)


def compile_bulk(engine: Engine, stmt: Insert | Delete, names: Sequence[str]) -> BulkStatement:
    compiled = stmt.compile(dialect=engine.dialect)
    names = tuple(names)
    if compiled.positional:
        position = compiled.positiontup or []
        if sorted(position) != sorted(names):
            raise ValueError(f"statement parameters {position} are not {names}")
        return BulkStatement(compiled.string, names, tuple(names.index(p) for p in position))
    return BulkStatement(compiled.string, names, None)


def insert_rows(engine: Engine, table: Table, names: Sequence[str]) -> BulkStatement:
    """INSERT INTO table (names) VALUES (…)."""
    return compile_bulk(engine, insert(table).values({n: bindparam(n) for n in names}), names)


def upsert_rows(engine: Engine, table: Table, names: Sequence[str], keys: Sequence[str]) -> BulkStatement:
    """INSERT … ON CONFLICT (keys) DO UPDATE SET every other column to the new row's value."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        stmt: Any = sqlite.insert(table)
    elif dialect == "postgresql":
        stmt = postgresql.insert(table)
    else:
        raise ValueError(f"no upsert for {dialect}")
    stmt = stmt.values({n: bindparam(n) for n in names})
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={n: stmt.excluded[n] for n in names if n not in keys}
    )
    return compile_bulk(engine, stmt, names)


def delete_rows(engine: Engine, table: Table, key: str) -> BulkStatement:
    """DELETE FROM table WHERE key = …."""
    return compile_bulk(engine, delete(table).where(table.c[key] == bindparam(key)), (key,))


def time_converter(engine: Engine) -> Callable[[datetime], Any]:
    """Aware datetime → the driver's value for a ``UTCDateTime`` column (text on SQLite)."""
    process = UTCDateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
    if process is None:
        return lambda at: at
    return process
