"""The store's tables, as SQLAlchemy 2 declarative models (the head revision of the migrations).

Column types are chosen to mean the same on SQLite and PostgreSQL: bodies are ``LargeBinary``
(BLOB / BYTEA; an empty body in the journal is a delete, as on the wire), instants are UTC
(``UTCDateTime``: ``timestamptz`` on PostgreSQL, naive-UTC text on SQLite, always aware in Python),
sequences are ``BigInteger`` (CHP sequences are unsigned 64-bit; ours stay far below 2**63).
Kinds and statuses are short strings checked in Python, so adding one needs no migration.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

KEY_LENGTH: Final = 255  # chp.MAX_KEY_BYTES
SCOPE_LENGTH: Final = 16
SCOPE_ID_LENGTH: Final = 64  # a department id (records.Ident) or a street code
EPOCH_LENGTH: Final = 64
STILL_MAX_BYTES: Final = 2 * 1024 * 1024  # a still's JPEG (the console scales it to at most 1280 px wide)
LINK_EVENT_DETAIL_LENGTH: Final = 300  # characters; longer details are refused (cut them before recording)

# SQLite only auto-numbers an INTEGER PRIMARY KEY (its rowid); PostgreSQL gets a BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Payload = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant. Naive datetimes are refused, so no local time slips in unnoticed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store keeps UTC instants only")
        value = value.astimezone(UTC)
        # SQLite has no time zones: store naive UTC text, which also sorts in time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], Any] | None:
        """The usual conversion, remembering the last value: every row of a journal batch carries
        the same ``received_at`` object, and converting it per row was a third of the write time."""
        convert = super().bind_processor(dialect)
        if convert is None:
            return None
        last: tuple[datetime | None, Any] = (None, None)

        def process(value: datetime | None) -> Any:
            nonlocal last
            seen = last  # one read: another thread may replace it meanwhile
            if value is not None and seen[0] is value:
                return seen[1]
            result = convert(value)
            last = (value, result)
            return result

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ActionKind(enum.StrEnum):
    """What an operator did. Stored as text; new kinds need no migration."""

    ACKNOWLEDGE = "acknowledge"  # an alarm or case seen and taken in hand (with a comment, or only that)
    SHELVE = "shelve"  # an alarm shelved (taken off the list, with a reason, until …) or brought back
    NOTE = "note"  # free text attached to a case or the shift log
    DECISION = "decision"  # a council decision taken at the console (sent to the backend)
    ASSIGN = "assign"  # a case handed to an operator
    HANDOVER = "handover"  # shift handover note
    SHOW = "show"  # cameras asked of a wall console (sent to the backend, which relays it)
    PROPOSE = "propose"  # a case sent to the council's agenda ("to the council")
    AGENDA = "agenda"  # the council's agenda changed: a case moved or taken off
    PRESENT = "present"  # the case the council room's wall shows, from the console that drives it


class ActionStatus(enum.StrEnum):
    """Where an action stands with respect to the backend (local-only actions stay RECORDED)."""

    RECORDED = "recorded"  # committed locally; nothing to send, or not sent yet
    SENT = "sent"  # handed to the link as a KVSET
    CONFIRMED = "confirmed"  # seen back from the backend (its KVPUB)
    REFUSED = "refused"  # the backend refused it, or it never came back


class LinkEventKind(enum.StrEnum):
    """What happened to the link, for the time slider's marks. Stored as text; new kinds need no migration."""

    RESYNC = "resync"  # a snapshot replaced the picture (detail: the reason)
    STALE = "stale"  # the link went silent
    LIVE = "live"  # it came back
    STARTED = "started"  # the console started following the link
    STOPPED = "stopped"  # the console stopped following it


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class Journal(Base):
    """Every applied update, in the order the store received it (empty body = delete; other bodies
    raw or compressed with a dictionary, ``journal_bodies``)."""

    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    epoch: Mapped[str] = mapped_column(String(EPOCH_LENGTH), nullable=False)
    key: Mapped[str] = mapped_column(String(KEY_LENGTH), nullable=False)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (
        Index("ix_journal_received_at", "received_at"),
        Index("ix_journal_key", "key"),
    )


class JournalDictionary(Base):
    """A Zstandard dictionary the journal's bodies are compressed with (``journal_bodies``); a
    compressed body names it by ``id`` (the dictionary's own id), so it is kept as long as the store."""

    __tablename__ = "journal_dictionaries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    samples: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class State(Base):
    """The materialised hashmap: one row per live key, as of ``link_meta.last_sequence``."""

    __tablename__ = "state"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class LinkMeta(Base):
    """The single row saying which link state ``state`` holds; ``id`` is always 1.

    ``schema_version`` is the record schema (``server_link.records.SCHEMA_VERSION``) the stored
    bodies were written in; the table layout's own version is Alembic's.
    """

    __tablename__ = "link_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    epoch: Mapped[str] = mapped_column(String(EPOCH_LENGTH), nullable=False)
    last_sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    schema_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("id = 1", name="ck_link_meta_singleton"),)


class Checkpoint(Base):
    """The whole state after journal row ``journal_id`` (received at or before ``taken_at``).

    ``blob`` is zlib-compressed msgpack of ``[(key, body), ...]``. Time travel starts from the
    newest checkpoint at or before the instant and replays journal rows after ``journal_id``.
    """

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    journal_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sequence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    epoch: Mapped[str] = mapped_column(String(EPOCH_LENGTH), nullable=False)
    keys: Mapped[int] = mapped_column(Integer, nullable=False)
    blob: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class CheckpointCases(Base):
    """What checkpoint ``checkpoint_id`` keeps of its cases, derived: the case table's columns and
    the other keys' bodies (``console.store.past_columns``), for the ``basis`` (the district, the
    calendar and the rules) they were derived with. Removed with their checkpoint."""

    __tablename__ = "checkpoint_cases"

    checkpoint_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    basis: Mapped[str] = mapped_column(String(64), nullable=False)
    blob: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class OperatorAction(Base):
    """An acknowledgement, note or decision: who did what, when, and whether it reached the backend."""

    __tablename__ = "operator_actions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    who: Mapped[str] = mapped_column(String(64), nullable=False)
    role: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    case_no: Mapped[str | None] = mapped_column(String(32), index=True)
    key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    payload: Mapped[Any] = mapped_column(Payload, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=ActionStatus.RECORDED.value)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkEventRow(Base):
    """Where the link re-synced, went stale, came back, or was started or stopped (read as ``writer.LinkEvent``)."""

    __tablename__ = "link_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    detail: Mapped[str] = mapped_column(String(LINK_EVENT_DETAIL_LENGTH), nullable=False, default="")

    __table_args__ = (Index("ix_link_events_at", "at"),)


class AlarmBook(Base):
    """The duty alarms' own state, one row (``id`` 1): every alarm not back to normal, the operators'
    states and the raises of the last week (``console.core.alarms.engine.AlarmEngine.saved``), kept
    as the console runs so that a restart raises nothing again that is still the same alarm."""

    __tablename__ = "alarm_book"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    data: Mapped[Any] = mapped_column(Payload, nullable=False)

    __table_args__ = (CheckConstraint("id = 1", name="ck_alarm_book_singleton"),)


class DailyRow(Base):
    """The figures of one Beijing day for the district, a street or a department
    (``console.core.daily.DayFigures``: what each count means), kept for ``StoreConfig.daily_retention``.

    ``definitions`` is the version of the figures' definitions the row was computed with
    (``console.core.daily.DEFINITIONS``); ``written_at`` when it was written.
    """

    __tablename__ = "daily_figures"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH), primary_key=True)  # console.core.daily.Scope
    scope_id: Mapped[str] = mapped_column(String(SCOPE_ID_LENGTH), primary_key=True)
    received: Mapped[int] = mapped_column(Integer, nullable=False)
    closed: Mapped[int] = mapped_column(Integer, nullable=False)
    closed_on_time: Mapped[int] = mapped_column(Integer, nullable=False)
    open: Mapped[int] = mapped_column(Integer, nullable=False)
    overdue: Mapped[int] = mapped_column(Integer, nullable=False)
    hotline_settled: Mapped[int] = mapped_column(Integer, nullable=False)
    hotline_responded: Mapped[int] = mapped_column(Integer, nullable=False)
    hotline_callbacks: Mapped[int] = mapped_column(Integer, nullable=False)
    hotline_resolved: Mapped[int] = mapped_column(Integer, nullable=False)
    hotline_rated: Mapped[int] = mapped_column(Integer, nullable=False)
    hotline_satisfied: Mapped[int] = mapped_column(Integer, nullable=False)
    definitions: Mapped[int] = mapped_column(Integer, nullable=False)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class StillRow(Base):
    """A still from a camera kept as evidence of a case (read as ``console.store.stills.Still``):
    who kept it, in which role, when, from which camera, and when its frame was decoded; the picture
    as a JPEG of at most ``STILL_MAX_BYTES``."""

    __tablename__ = "stills"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(32), nullable=False)
    camera_id: Mapped[str] = mapped_column(String(20), nullable=False)
    camera_name: Mapped[str] = mapped_column(String(200), nullable=False)
    who: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(64), nullable=False)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    frame_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    jpeg: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    __table_args__ = (Index("ix_stills_case", "case_no", "frame_at"),)
