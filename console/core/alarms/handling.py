"""Alarm handling on the wire: an operators' state as the ``/alarm/`` record every console shares
(docs/protocol.md §16.1), and back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from console.core.alarms.settings import Rule
from console.core.alarms.states import OperatorState, Shelving, alarm_id
from server_link import records as r

PREFIX: Final = "/alarm/"
TTL_SECONDS: Final = 8 * 86400  # handled alarms of the past fade from the backend after a week and a day


def handling_record(ident: str, op: OperatorState, *, by: str, role: str) -> tuple[str, bytes]:
    """The KVSET (key, body) carrying ``op`` for alarm ``ident`` ("rule/subject").

    Raises ``ValueError`` if the record cannot carry it (the same checks every console applies)."""
    rule, _, subject = ident.partition("/")
    shelving = op.shelving
    record = r.AlarmHandling(
        schema=r.SCHEMA_VERSION,
        rule=Rule(rule).value,
        subject=subject,
        acknowledged_at=_at(op.acknowledged_at),
        acknowledged_by=op.acknowledged_by,
        shelved_until=_at(shelving.until) if shelving else None,
        shelved_by=shelving.by if shelving else "",
        shelve_reason=shelving.reason if shelving else "",
        out_of_service_by=op.out_of_service_by,
        comment=op.comment,
        comment_by=op.comment_by,
        changed_at=_at(op.at) or datetime.now(UTC),
        by=by,
        role=role,
    )
    key, body = r.key_of(record), r.encode(record)
    try:
        r.decode(key, body)
    except r.RecordError as exc:
        raise ValueError(str(exc)) from None
    return key, body


def operator_state_of(record: r.AlarmHandling) -> tuple[str, OperatorState] | None:
    """(alarm id, operators' state) from a handling record; None for a rule this console does not know."""
    try:
        rule = Rule(record.rule)
    except ValueError:
        return None
    shelving = None
    if record.shelved_until is not None:
        shelving = Shelving(record.shelved_by, record.shelve_reason, record.shelved_until.timestamp())
    op = OperatorState(
        acknowledged_at=record.acknowledged_at.timestamp() if record.acknowledged_at else None,
        acknowledged_by=record.acknowledged_by,
        shelving=shelving,
        out_of_service_by=record.out_of_service_by,
        comment=record.comment,
        comment_by=record.comment_by,
        at=record.changed_at.timestamp(),
    )
    return alarm_id(rule, record.subject), op


def _at(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)
