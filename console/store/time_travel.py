"""The situation at a past instant: the newest checkpoint at or before it, then the journal replayed.

Plain data comes back (key → body, the sequence and epoch in force); the core turns it into a
read-only situation. Within the kept window (from the oldest checkpoint to now) any instant can be
rebuilt; outside it ``OutsideWindow`` says why. Reads run in one read transaction, so a retention
pass or the writer committing meanwhile cannot tear the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select

from console.core.derived_cases import DerivedCases
from console.core.rules import Rules
from console.core.situation import Picture, Provenance, Situation
from console.store.checkpoint_codec import decode_state
from console.store.journal_bodies import JournalBodies
from console.store.schema import Base, Checkpoint, Journal
from server_link.district import District

_J = Base.metadata.tables[Journal.__tablename__].c
_C = Base.metadata.tables[Checkpoint.__tablename__].c


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
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive instant {instant!r}: give an aware datetime")
    instant = instant.astimezone(UTC)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if instant > now:
        raise OutsideWindow(f"{instant:%Y-%m-%d %H:%M:%S} UTC is in the future (now {now:%Y-%m-%d %H:%M:%S} UTC)")
    with engine.connect() as conn, conn.begin():
        cp = conn.execute(
            select(_C.taken_at, _C.journal_id, _C.sequence, _C.epoch, _C.blob)
            .where(_C.taken_at <= instant)
            .order_by(_C.taken_at.desc(), _C.id.desc())
            .limit(1)
        ).first()
        if cp is None:
            raise OutsideWindow(_before_window(conn, instant))
        taken_at = _aware(cp.taken_at)
        state = decode_state(cp.blob)
        open_body = (bodies or JournalBodies()).opener(conn)
        sequence, epoch, as_of, replayed = cp.sequence, cp.epoch, taken_at, 0
        # Received times never go backwards (the writer clamps them), so the time range bounds
        # the scan through the received_at index and id order is arrival order.
        rows = conn.execute(
            select(_J.key, _J.body, _J.sequence, _J.epoch, _J.received_at)
            .where(_J.id > cp.journal_id, _J.received_at >= taken_at, _J.received_at <= instant)
            .order_by(_J.id)
        )
        for row in rows:
            if row.body:
                state[row.key] = open_body(row.body)
            else:
                state.pop(row.key, None)
            replayed += 1
        if replayed:
            sequence, epoch, as_of = row.sequence, row.epoch, row.received_at
    return PastState(instant, _aware(as_of), sequence, epoch, state, taken_at, replayed)


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


def checkpoints_newest_first(engine: Engine) -> list[int]:
    """The kept checkpoints' ids, the newest first."""
    with engine.connect() as conn:
        return list(conn.execute(select(_C.id).order_by(_C.taken_at.desc(), _C.id.desc())).scalars())


def checkpoint_state(engine: Engine, checkpoint_id: int) -> dict[str, bytes] | None:
    """The map a checkpoint holds (None: retention removed it meanwhile)."""
    with engine.connect() as conn:
        blob = conn.execute(select(_C.blob).where(_C.id == checkpoint_id)).scalar_one_or_none()
    return None if blob is None else decode_state(blob)


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
    """The read-only situation at ``past.instant`` (marked PAST, with the data's age in ``as_of``);
    ``derived`` keeps the cases' derived states from one instant to the next."""
    return derive_past(past, district, rules=rules, derived=derived).held()


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
