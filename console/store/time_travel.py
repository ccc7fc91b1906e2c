"""The situation at a past instant: the newest checkpoint at or before it, then the journal replayed.

Plain data comes back (key → body, the sequence and epoch in force); the core turns it into a
read-only situation. Within the kept window (from the oldest checkpoint to now) any instant can be
rebuilt; outside it ``OutsideWindow`` says why. Reads run in one read transaction, so a retention
pass or the writer committing meanwhile cannot tear the result.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, func, select

from console.core.case_table import CaseTable
from console.core.derived_cases import DerivedCases
from console.core.rules import Rules
from console.core.situation import Picture, Provenance, Situation
from console.store.checkpoint_codec import decode_state
from console.store.journal_bodies import JournalBodies
from console.store.past_columns import columns_of, decode_columns, encode_columns
from console.store.schema import Base, Checkpoint, CheckpointCases, Journal
from server_link import records as r
from server_link.district import District

_J = Base.metadata.tables[Journal.__tablename__].c
_C = Base.metadata.tables[Checkpoint.__tablename__].c
_K = Base.metadata.tables[CheckpointCases.__tablename__].c
log = logging.getLogger(__name__)


class OutsideWindow(LookupError):
    """The instant is before the oldest kept checkpoint, or in the future."""


@dataclass(frozen=True, slots=True)
class PastState:
    """The hashmap as it was at ``instant``.

    ``as_of`` is when the newest update it contains was received (the console may have been off
    between ``as_of`` and ``instant``); ``sequence`` and ``epoch`` are the link's as of then.
    """

    instant: datetime
    as_of: datetime
    sequence: int
    epoch: str
    bodies: dict[str, bytes]
    checkpoint_at: datetime
    replayed: int  # journal rows applied on top of the checkpoint


@dataclass(frozen=True, slots=True)
class Window:
    """What time travel can reach: from the oldest checkpoint to the newest received update."""

    oldest: datetime
    newest: datetime


def kept_window(engine: Engine) -> Window | None:
    """The reachable span, or None when nothing has been checkpointed yet."""
    with engine.connect() as conn, conn.begin():
        oldest = conn.execute(select(func.min(_C.taken_at))).scalar_one_or_none()
        if oldest is None:
            return None
        newest = conn.execute(select(func.max(_J.received_at))).scalar_one_or_none()
        return Window(_aware(oldest), max(_aware(oldest), _aware(newest or oldest)))


def state_at(
    engine: Engine, instant: datetime, now: datetime | None = None, bodies: JournalBodies | None = None
) -> PastState:
    """Rebuild the map at ``instant`` (an aware datetime; ``now`` defaults to the clock); ``bodies``
    keeps the journal's dictionaries from one call to the next."""
    instant, now = _checked(instant, now)
    with engine.connect() as conn, conn.begin():
        cp = _checkpoint_before(conn, instant)
        taken_at = _aware(cp.taken_at)
        state = _checkpoint_blob(conn, cp.id)
        open_body = (bodies or JournalBodies()).opener(conn)
        sequence, epoch, as_of, replayed = cp.sequence, cp.epoch, taken_at, 0
        for row in conn.execute(_rows_after(conn, cp.journal_id, taken_at, instant)):
            if row.body:
                state[row.key] = open_body(row.body)
            else:
                state.pop(row.key, None)
            replayed += 1
        if replayed:
            sequence, epoch, as_of = row.sequence, row.epoch, row.received_at
    return PastState(instant, _aware(as_of), sequence, epoch, state, taken_at, replayed)


def situation_at(
    engine: Engine,
    instant: datetime,
    now: datetime,
    district: District,
    *,
    basis: str,
    derived: DerivedCases | None = None,
    bodies: JournalBodies | None = None,
    decoded: MutableMapping[tuple[str, bytes], r.Record] | None = None,
) -> tuple[Situation, tuple[int, bytes] | None]:
    """The read-only situation at ``instant``, its cases held as columns: the newest checkpoint at
    or before it, as its derived columns of ``basis`` (``past_columns``), then the journal's rows
    after it up to ``instant``, the last of each key derived (through ``derived``; other records
    through ``decoded``). A checkpoint kept without such columns has them derived from its bodies
    here, and returned as (checkpoint id, blob) for the store to keep; else None. ``state_at`` and
    ``past_situation`` make the same situation from bodies alone."""
    instant, now = _checked(instant, now)
    with engine.connect() as conn, conn.begin():
        cp = _checkpoint_before(conn, instant)
        taken_at = _aware(cp.taken_at)
        open_body = (bodies or JournalBodies()).opener(conn)
        sequence, epoch, as_of = cp.sequence, cp.epoch, taken_at
        latest: dict[str, bytes] = {}  # each key's last row: the state at the instant
        for row in conn.execute(_rows_after(conn, cp.journal_id, taken_at, instant)):
            latest[row.key] = row.body
            sequence, epoch, as_of = row.sequence, row.epoch, _aware(row.received_at)
        latest = {key: open_body(body) if body else b"" for key, body in latest.items()}
        spare = sum(key.startswith("/case/") for key in latest)  # rows for cases the checkpoint lacks
        kept = conn.execute(select(_K.blob).where(_K.checkpoint_id == cp.id, _K.basis == basis)).scalar_one_or_none()
        columns, fresh = None, None
        if kept is not None:
            try:
                columns = decode_columns(kept)
                table = CaseTable.unpacked(columns.table, spare)
            except ValueError:
                log.exception("checkpoint %s: its derived columns are damaged; derived again", cp.id)
                columns = None
        if columns is None:
            columns = columns_of(_checkpoint_blob(conn, cp.id), district, basis, derived)
            table = CaseTable.unpacked(columns.table, spare)
            fresh = (cp.id, encode_columns(columns))
    sit = Situation.past_at(district, instant.timestamp(), as_of=as_of.timestamp())
    sit.sequence, sit.epoch = sequence, epoch
    if derived is not None:
        derived.bind(district, sit.calendar, sit.rules)
    records = dict(columns.records)
    for key, body in latest.items():
        if key.startswith("/case/"):
            case = sit.derived_state(key, body, derived) if body else None
            if case is None:
                table.remove(key[6:])  # gone, or a body that cannot be derived (counted)
            else:
                table.upsert(case)
        elif body:
            records[key] = body
        else:
            records.pop(key, None)
    for key, body in records.items():
        sit.take_record(key, body, decoded)
    sit.rejects.update(columns.rejects)
    sit.hold_table(table)
    return sit, fresh


def body_at(engine: Engine, key: str, instant: datetime, bodies: JournalBodies | None = None) -> bytes | None:
    """The body ``key`` had at ``instant`` (None: it was not held then, or not within the kept
    window): the journal's newest row for it up to then, else the checkpoint in force then (a key
    unchanged since before the journal's oldest kept row). One key: what a past situation, which
    holds no bodies, reads for the case it shows."""
    instant = instant.astimezone(UTC)
    with engine.connect() as conn, conn.begin():
        row = conn.execute(
            select(_J.body).where(_J.key == key, _J.received_at <= instant).order_by(_J.id.desc()).limit(1)
        ).first()
        if row is not None:
            return (bodies or JournalBodies()).opener(conn)(row.body) if row.body else None
        blob = conn.execute(
            select(_C.blob).where(_C.taken_at <= instant).order_by(_C.taken_at.desc(), _C.id.desc()).limit(1)
        ).scalar_one_or_none()
    return None if blob is None else decode_state(blob).get(key)


@dataclass(frozen=True, slots=True)
class JournalSpan:
    """What the link received after one instant up to another, in arrival order: (key, sequence,
    body) with an empty body for a key that went; the sequence and epoch in force at the end, and
    when the newest row was received (None: nothing was)."""

    rows: list[tuple[str, int, bytes]]
    sequence: int
    epoch: str
    as_of: datetime | None


def journal_between(
    engine: Engine, after: datetime, until: datetime, limit: int, bodies: JournalBodies | None = None
) -> JournalSpan | None:
    """The journal's rows received in (``after``, ``until``]: what moves the map at ``after`` to the
    map at ``until`` (``state_at`` applies the same rows in the same order); None when there are
    more than ``limit`` (rebuilding the later instant whole is then cheaper)."""
    after, until = after.astimezone(UTC), until.astimezone(UTC)
    if until < after:
        raise ValueError(
            f"{until:%Y-%m-%d %H:%M:%S} is before {after:%Y-%m-%d %H:%M:%S}: the journal only moves forward"
        )
    with engine.connect() as conn, conn.begin():
        found = conn.execute(
            select(_J.key, _J.body, _J.sequence, _J.epoch, _J.received_at)
            .where(_J.received_at > after, _J.received_at <= until)
            .order_by(_J.id)
            .limit(limit + 1)
        ).all()
        if len(found) > limit:
            return None
        open_body = (bodies or JournalBodies()).opener(conn)
        rows = [(row.key, row.sequence, open_body(row.body) if row.body else b"") for row in found]
    if not found:
        return JournalSpan([], 0, "", None)
    last = found[-1]
    return JournalSpan(rows, last.sequence, last.epoch, _aware(last.received_at))


def checkpoints_lacking_columns(engine: Engine, basis: str) -> list[int]:
    """The kept checkpoints without derived columns of ``basis``, the newest first."""
    with engine.connect() as conn:
        kept = select(_K.checkpoint_id).where(_K.basis == basis)
        return list(
            conn.execute(select(_C.id).where(_C.id.not_in(kept)).order_by(_C.taken_at.desc(), _C.id.desc())).scalars()
        )


def checkpoint_state(engine: Engine, checkpoint_id: int) -> dict[str, bytes] | None:
    """The map a checkpoint holds (None: retention removed it meanwhile)."""
    with engine.connect() as conn:
        blob = conn.execute(select(_C.blob).where(_C.id == checkpoint_id)).scalar_one_or_none()
    return None if blob is None else decode_state(blob)


def _checkpoint_before(conn: Connection, instant: datetime) -> Row[Any, Any, Any, Any, Any]:
    """The newest checkpoint taken at or before ``instant``: its id, taken_at, journal_id, sequence and
    epoch (``OutsideWindow`` if none is kept)."""
    cp = conn.execute(
        select(_C.id, _C.taken_at, _C.journal_id, _C.sequence, _C.epoch)
        .where(_C.taken_at <= instant)
        .order_by(_C.taken_at.desc(), _C.id.desc())
        .limit(1)
    ).first()
    if cp is None:
        raise OutsideWindow(_before_window(conn, instant))
    return cp


def _checkpoint_blob(conn: Connection, checkpoint_id: int) -> dict[str, bytes]:
    """The map a checkpoint holds (its bodies)."""
    return decode_state(conn.execute(select(_C.blob).where(_C.id == checkpoint_id)).scalar_one())


def _rows_after(conn: Connection, journal_id: int, taken_at: datetime, instant: datetime) -> Select[Any]:
    """The journal's rows after a checkpoint (after its ``journal_id``, from its ``taken_at``) up to
    ``instant``, in arrival order. Bounded above by the next checkpoint's ``journal_id`` too: by ids
    alone SQLite scanned from the checkpoint to the journal's end (265 ms for 649 rows a week back at
    ten times the demo's rate, against 1.4 ms by the received times' index)."""
    after = conn.execute(select(func.min(_C.journal_id)).where(_C.taken_at > instant)).scalar_one_or_none()
    bounds = [_J.id > journal_id, _J.received_at >= taken_at, _J.received_at <= instant]
    if after is not None:
        bounds.append(_J.id <= after)
    return select(_J.key, _J.body, _J.sequence, _J.epoch, _J.received_at).where(*bounds).order_by(_J.id)


def _checked(instant: datetime, now: datetime | None) -> tuple[datetime, datetime]:
    """``instant`` and ``now`` (default: the clock) in UTC; ``instant`` must be aware, and not after ``now``."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive instant {instant!r}: give an aware datetime")
    instant = instant.astimezone(UTC)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if instant > now:
        raise OutsideWindow(f"{instant:%Y-%m-%d %H:%M:%S} UTC is in the future (now {now:%Y-%m-%d %H:%M:%S} UTC)")
    return instant, now


def _before_window(conn: Connection, instant: datetime) -> str:
    oldest = conn.execute(select(func.min(_C.taken_at))).scalar_one_or_none()
    if oldest is None:
        return "no checkpoint yet: nothing has been recorded, so no past situation can be rebuilt"
    return (
        f"{instant:%Y-%m-%d %H:%M:%S} UTC is before the kept window, "
        f"which starts at {_aware(oldest):%Y-%m-%d %H:%M:%S} UTC (older history was removed by retention)"
    )


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def past_situation(
    past: PastState, district: District, *, rules: Rules | None = None, derived: DerivedCases | None = None
) -> Situation:
    """The read-only situation at ``past.instant`` (marked PAST, with the data's age in ``as_of``),
    its cases held as columns and their bodies read from ``past``; ``derived`` keeps the cases'
    derived states from one instant to the next."""
    sit = derive_past(past, district, rules=rules, derived=derived).held_as_columns()
    sit.fetch_body = lambda no: past.bodies.get(f"/case/{no}")
    return sit


def derive_past(
    past: PastState, district: District, *, rules: Rules | None = None, derived: DerivedCases | None = None
) -> Picture:
    """``past_situation`` up to its cases, derived but not yet held (``Situation.picture``)."""
    return Situation.picture(
        district,
        past.bodies,
        past.instant.timestamp(),
        provenance=Provenance.PAST,
        as_of=past.as_of.timestamp(),
        rules=rules,
        derived=derived,
    )
