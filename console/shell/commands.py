"""The one outbound path for operator commands: stored first, sent, pending until the backend echoes it.

An operator's command (a note on a case, later acknowledgements, agenda changes and council
decisions) is a KVSET of a record to a key. The service

1. records it in the store, durably, before anything else (``record_action``: it survives a crash
   from this instant on);
2. sends it over the link's collector and marks it SENT;
3. holds it as pending, shown as such by the views, until the backend publishes the same body at the
   same key (its echo, in a KVPUB or in a snapshot): then CONFIRMED;
4. sends it again when no echo came within ``resend_after`` seconds, up to ``attempts`` times in all;
   after that it is REFUSED (the backend decides what a console's role may do, and a refusal is
   silence on the wire).

At start, commands stored but never confirmed (the console stopped or crashed meanwhile) are taken up
again. The console only hides what its role may not send; ``send`` refuses a command outside the role
too, so a hidden button is not the only guard.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.store import ActionKind, ActionStatus, StoredAction
from server_link.link_state import Batch

RESEND_AFTER_S: Final = 5.0
ATTEMPTS: Final = 4
RESUME_WITHIN: Final = timedelta(days=1)  # older unconfirmed commands are not sent again at start


class ActionStore(Protocol):
    """The part of the store the command service uses (``StoreBridge`` provides it)."""

    def record_action(
        self,
        kind: ActionKind | str,
        who: str,
        role: str,
        text: str = "",
        *,
        case_no: str | None = None,
        key: str | None = None,
        payload: dict[str, Any] | None = None,
        status: ActionStatus = ActionStatus.RECORDED,
    ) -> StoredAction: ...

    def set_action_status(self, action_id: int, status: ActionStatus) -> None: ...

    def actions(self, *, since: datetime | None = None) -> list[StoredAction]: ...


@dataclass
class Pending:
    """A command sent and not yet echoed."""

    action: StoredAction
    key: str
    body: bytes
    sent_at: float
    attempts: int


class CommandRefused(PermissionError):
    """The console's role may not send this kind of command."""


class CommandService(QObject):
    """Stores, sends and confirms the console's commands; see the module docstring.

    Signals:
        pending_changed(): a command became pending, was confirmed or refused.
        confirmed(int): the action id the backend echoed.
        refused(int): the action id that got no echo after every attempt.
    """

    pending_changed = Signal()
    confirmed = Signal(int)
    refused = Signal(int)

    def __init__(
        self,
        store: ActionStore,
        send: Callable[[str, bytes], None],
        *,
        who: str,
        role: str,
        allowed: Iterable[ActionKind],
        resend_after: float = RESEND_AFTER_S,
        attempts: int = ATTEMPTS,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._send = send
        self.who, self.role = who, role
        self.allowed = frozenset(allowed)
        self._resend_after = resend_after
        self.attempts = attempts
        self._clock = clock
        self.pending: dict[int, Pending] = {}  # by action id
        self._timer = QTimer(self)
        self._timer.setInterval(int(min(1.0, resend_after / 2) * 1000))
        self._timer.timeout.connect(self._check)
        self._timer.start()

    def may(self, kind: ActionKind) -> bool:
        """Whether this console's role sends this kind of command (the views hide what it may not)."""
        return kind in self.allowed

    def send(
        self, kind: ActionKind, key: str, body: bytes, *, text: str = "", case_no: str | None = None
    ) -> StoredAction:
        """Store the command (durably), send it, and hold it pending; return it as stored.

        Raises ``CommandRefused`` outside the role, and whatever the store raises if it could not
        be stored (then nothing was sent).
        """
        if not self.may(kind):
            raise CommandRefused(f"the {self.role} role does not send {kind.value} commands")
        action = self._store.record_action(
            kind, self.who, self.role, text, case_no=case_no, key=key, payload={"body": body.decode()}
        )
        self._transmit(Pending(action, key, body, self._clock(), 0))
        return action

    def resume(self) -> int:
        """Take up commands stored but never confirmed (a console stopped meanwhile); how many."""
        since = datetime.now(UTC) - RESUME_WITHIN
        taken = 0
        for action in self._store.actions(since=since):
            if action.status not in (ActionStatus.RECORDED, ActionStatus.SENT) or action.key is None:
                continue
            body = action.payload.get("body") if isinstance(action.payload, dict) else None
            if not isinstance(body, str) or action.id in self.pending:
                continue
            self._transmit(Pending(action, action.key, body.encode(), self._clock(), 0))
            taken += 1
        return taken

    def is_pending(self, key: str) -> bool:
        return any(p.key == key for p in self.pending.values())

    def observe(self, batch: Batch) -> None:
        """The backend's updates (live or a snapshot): an update carrying a pending command's body
        at its key is its echo."""
        if not self.pending:
            return
        by_key = {p.key: p for p in self.pending.values()}
        done = [by_key[u.key].action.id for u in batch.updates if u.key in by_key and u.body == by_key[u.key].body]
        for action_id in done:
            self._settle(action_id, ActionStatus.CONFIRMED)
            self.confirmed.emit(action_id)
        if done:
            self.pending_changed.emit()

    # ------------------------------------------------------------------ internals
    def _transmit(self, p: Pending) -> None:
        self._send(p.key, p.body)
        p.attempts += 1
        p.sent_at = self._clock()
        if p.attempts == 1:
            self._store.set_action_status(p.action.id, ActionStatus.SENT)
        self.pending[p.action.id] = p
        self.pending_changed.emit()

    def _check(self) -> None:
        now = self._clock()
        for p in list(self.pending.values()):
            if now - p.sent_at < self._resend_after:
                continue
            if p.attempts < self.attempts:
                self._transmit(p)
            else:
                self._settle(p.action.id, ActionStatus.REFUSED)
                self.refused.emit(p.action.id)
                self.pending_changed.emit()

    def _settle(self, action_id: int, status: ActionStatus) -> None:
        self.pending.pop(action_id, None)
        self._store.set_action_status(action_id, status)
