"""The one outbound path for operator commands: stored first, sent, pending until the backend echoes it.

An operator's command (a note on a case, later acknowledgements, agenda changes and council
decisions) is a KVSET of a record to a key. The service

1. records it in the store, durably, before anything else (``record_actions``: it survives a crash
   from this instant on);
2. sends it over the link's collector and marks it SENT;
3. holds it as pending, shown as such by the views, until the backend publishes the same body at the
   same key (its echo, in a KVPUB or in a snapshot): then CONFIRMED;
4. sends it again, under the same UUID, when no echo came within ``resend_after`` seconds, then
   twice as long after each re-send (5, 10, 20 s by default), up to ``attempts`` times in all; after
   that it is REFUSED as unanswered;
5. or takes the backend's refusal (a ``/refusal/<uuid>`` record naming the command, docs/protocol.md
   §16.3): REFUSED at once, with the backend's reason (``reason_of``). The backend decides what a
   console's role may do.

At start, commands stored but never confirmed (the console stopped or crashed meanwhile) are taken up
again. The console only hides what its role may not send; ``send`` refuses a command outside the role
too, so a hidden button is not the only guard.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from console.store import ActionKind, ActionStatus, NewAction, StoredAction
from server_link import records as r
from server_link.link_state import Batch

log = logging.getLogger(__name__)
RESEND_AFTER_S: Final = 5.0
ATTEMPTS: Final = 4
RESUME_WITHIN: Final = timedelta(days=1)  # older unconfirmed commands are not sent again at start


class ActionStore(Protocol):
    """The part of the store the command service uses (``StoreBridge`` provides it)."""

    def record_actions(self, who: str, role: str, actions: Sequence[NewAction]) -> list[StoredAction]: ...

    def set_actions_status(self, action_ids: Sequence[int], status: ActionStatus) -> None: ...

    def actions(self, *, since: datetime | None = None) -> list[StoredAction]: ...


@dataclass(frozen=True, slots=True)
class Command:
    """One command to send: a KVSET of ``body`` to ``key``, with what the operators' log says of it."""

    kind: ActionKind
    key: str
    body: bytes
    text: str = ""
    case_no: str | None = None


@dataclass
class Pending:
    """A command sent and not yet echoed."""

    action: StoredAction
    key: str
    body: bytes
    uuid: bytes  # names the command on the wire, the same for each re-send
    sent_at: float
    attempts: int


class CommandRefused(PermissionError):
    """The console's role may not send this kind of command."""


class CommandService(QObject):
    """Stores, sends and confirms the console's commands; see the module docstring.

    Signals:
        pending_changed(): a command became pending, was confirmed or refused.
        confirmed(int): the action id the backend echoed.
        refused(int): the action id the backend refused (``reason_of`` says why) or that got no
            echo after every attempt.
    """

    pending_changed = Signal()
    confirmed = Signal(int)
    refused = Signal(int)

    def __init__(
        self,
        store: ActionStore,
        send: Callable[..., None],
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
        self._pending_keys: Counter[str] = Counter()  # how many of them wait at each key
        self.refusals: dict[int, str] = {}  # by action id: the backend's reason, for those it refused
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
        return self.send_all([Command(kind, key, body, text, case_no)])[0]

    def send_all(self, commands: Sequence[Command]) -> list[StoredAction]:
        """``send`` for several commands at once (a flood group acknowledged with one key): stored
        in one transaction, all or none, then sent one after the other. Raises as ``send``."""
        refused = sorted({c.kind.value for c in commands if not self.may(c.kind)})
        if refused:
            raise CommandRefused(f"the {self.role} role does not send {', '.join(refused)} commands")
        names = [uuid.uuid4().bytes for _ in commands]
        actions = self._store.record_actions(
            self.who,
            self.role,
            [
                NewAction(c.kind, c.text, c.case_no, c.key, {"body": c.body.decode(), "uuid": name.hex()})
                for c, name in zip(commands, names, strict=True)
            ],
        )
        now = self._clock()
        self._transmit(
            [Pending(a, c.key, c.body, name, now, 0) for a, c, name in zip(actions, commands, names, strict=True)]
        )
        return actions

    def resume(self) -> int:
        """Take up commands stored but never confirmed (a console stopped meanwhile); how many."""
        since = datetime.now(UTC) - RESUME_WITHIN
        taken = []
        for action in self._store.actions(since=since):
            if action.status not in (ActionStatus.RECORDED, ActionStatus.SENT) or action.key is None:
                continue
            payload = action.payload if isinstance(action.payload, dict) else {}
            body, name = payload.get("body"), _uuid_in(payload.get("uuid"))
            if not isinstance(body, str) or action.id in self.pending:
                continue
            taken.append(Pending(action, action.key, body.encode(), name, self._clock(), 0))
        if taken:
            self._transmit(taken)
        return len(taken)

    def is_pending(self, key: str) -> bool:
        return self._pending_keys[key] > 0

    def reason_of(self, action_id: int) -> str:
        """Why the backend refused a command ("": it did not say, or did not refuse it)."""
        return self.refusals.get(action_id, "")

    def observe(self, batch: Batch) -> None:
        """The backend's updates (live or a snapshot): an update carrying a pending command's body
        at its key is its echo; a refusal naming a pending command's UUID refuses it."""
        if not self.pending:
            return
        by_echo = {(p.key, p.body): p for p in self.pending.values()}  # several may wait at one key
        by_uuid = {p.uuid.hex(): p for p in self.pending.values()}
        echoed = (by_echo[u.key, u.body].action.id for u in batch.updates if (u.key, u.body) in by_echo)
        done = list(dict.fromkeys(echoed))  # once each, though echoed twice in one batch
        refused = [
            (by_uuid[u.record.uuid].action.id, u.record)
            for u in batch.updates
            if isinstance(u.record, r.Refusal)
            and u.record.uuid in by_uuid
            and u.record.key == by_uuid[u.record.uuid].key
        ]
        for action_id in self._settle(done, ActionStatus.CONFIRMED):
            self.confirmed.emit(action_id)
        reasons = {i: x for i, x in refused if i in self.pending}  # not echoed in the same batch
        for action_id in self._settle(list(reasons), ActionStatus.REFUSED):
            refusal = reasons[action_id]
            self.refusals[action_id] = f"{refusal.reason}: {refusal.detail}" if refusal.detail else refusal.reason
            self.refused.emit(action_id)
        if done or refused:
            self.pending_changed.emit()

    # ------------------------------------------------------------------ internals
    def _transmit(self, pending: Sequence[Pending]) -> None:
        now = self._clock()
        for p in pending:
            self._send(p.key, p.body, uuid=p.uuid)
            p.attempts += 1
            p.sent_at = now
            if p.action.id not in self.pending:
                self.pending[p.action.id] = p
                self._pending_keys[p.key] += 1
        first = [p.action.id for p in pending if p.attempts == 1]
        if first:
            self._store.set_actions_status(first, ActionStatus.SENT)
        self.pending_changed.emit()

    def _check(self) -> None:
        now = self._clock()
        again: list[Pending] = []
        unanswered: list[Pending] = []
        for p in self.pending.values():
            if now - p.sent_at < self._resend_after * 2 ** (p.attempts - 1):  # backing off
                continue
            (again if p.attempts < self.attempts else unanswered).append(p)
        if again:
            self._transmit(again)
        settled = self._settle([p.action.id for p in unanswered], ActionStatus.REFUSED)
        for action_id in settled:
            self.refused.emit(action_id)
        if settled:
            self.pending_changed.emit()

    def pending_keys(self) -> list[str]:
        """The keys of the commands waiting for the backend's answer."""
        return [p.key for p in self.pending.values()]

    def _settle(self, action_ids: Sequence[int], status: ActionStatus) -> list[int]:
        """Record where commands ended (in one transaction); a store that cannot take it now
        (restarting, its disk full) leaves them pending, to be settled by a next echo or refusal.
        The ids settled."""
        if not action_ids:
            return []
        try:
            self._store.set_actions_status(action_ids, status)
        except (RuntimeError, OSError, TimeoutError) as exc:
            log.warning("%d command(s) stay pending: their %s could not be stored: %s", len(action_ids), status, exc)
            return []
        for action_id in action_ids:
            p = self.pending.pop(action_id, None)
            if p is not None:
                self._pending_keys[p.key] -= 1
                if self._pending_keys[p.key] <= 0:
                    del self._pending_keys[p.key]
        return list(action_ids)


def _uuid_in(text: object) -> bytes:
    """The UUID a stored command was sent under; a new one for a command stored before UUIDs were kept."""
    try:
        return bytes.fromhex(text) if isinstance(text, str) and len(text) == 32 else uuid.uuid4().bytes
    except ValueError:
        return uuid.uuid4().bytes
