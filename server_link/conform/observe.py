"""Follow a backend for a while and keep every frame it sent: the evidence the checks judge.

One thread owns every socket (this one). The SUB is subscribed to ``/`` and ``HUGZ`` first; the
first HUGZ is awaited (then the SUB surely receives every KVPUB published after it) and the updates
followed for another half second, to have KVPUBs to compare the snapshot with. Then a whole-map
snapshot and a ``/case/`` subtree snapshot are asked for, each on a new DEALER; then, when asked,
the test commands are sent on a PUSH; and the SUB is read until the time is up. Nothing is judged
here: ``checks`` does that on the ``Observation``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import zmq

from server_link import chp
from server_link.curve import KeyPair
from server_link.endpoints import Endpoints

SNAPSHOT_LIMIT_S = 10.0  # docs/protocol.md §20: a complete snapshot within 10 s
FIRST_HUGZ_S = 3.0  # a HUGZ is due within 1 s; wait a little longer before asking anyway
HISTORY_S = 0.5  # then follow this long before asking, to have KVPUBs to compare the snapshot with
ECHO_WAIT_S = 3.0  # time left after the last command for its echo (or its absence) to show
SUBTREE = b"/case/"


@dataclass(frozen=True, slots=True)
class Received:
    at: float  # time.monotonic() when read
    frames: list[bytes]


@dataclass
class SnapshotSeen:
    """One ICANHAZ? and what came back on its DEALER (KVSYNCs, then the KTHXBAI if it came)."""

    subtree: bytes
    asked_at: float
    messages: list[Received] = field(default_factory=list)
    complete: bool = False
    # The sequence of the last KVPUB read on the SUB before the request went out (0: none yet).
    seen_before: int = 0


@dataclass(frozen=True, slots=True)
class CommandSent:
    """A KVSET the checker sent: ``published`` says whether the page requires a KVPUB for it."""

    purpose: str
    key: str
    body: bytes
    published: bool
    sent_at: float
    uuid: bytes = b""  # the KVSET's UUID frame: a refusal names the command by it (§16.3)


@dataclass
class Observation:
    endpoint: str
    seconds: float
    started: float
    ended: float = 0.0
    subscribed_at: float | None = None  # when the first SUB message arrived
    first_hugz_at: float | None = None
    snapshot: SnapshotSeen | None = None
    subtree_snapshot: SnapshotSeen | None = None
    updates: list[Received] = field(default_factory=list)  # every SUB message, in order
    commands: list[CommandSent] = field(default_factory=list)
    tried_commands: bool = False
    command_note: str = ""  # why no command was sent, when asked to


Command = tuple[str, str, bytes, bool]  # purpose, key, body, whether the page requires its KVPUB
Commander = Callable[[Observation], tuple[list[Command], str]]
"""Given what was seen so far, the commands to send, or none and why."""


@dataclass(frozen=True)
class Security:
    """CurveZMQ for a non-loopback backend: the pinned server key and this client's pair."""

    server_public: bytes
    client: KeyPair


class _Follower:
    def __init__(self, endpoints: Endpoints, obs: Observation, security: Security | None) -> None:
        self.endpoints = endpoints
        self.obs = obs
        self.security = security
        self.ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
        self.sub = self._socket(zmq.SUB)
        self.sub.rcvhwm = 0  # the checker must not lose what the server sent
        self.sub.setsockopt(zmq.SUBSCRIBE, b"/")
        self.sub.setsockopt(zmq.SUBSCRIBE, b"HUGZ")
        self.sub.connect(endpoints.updates)

    def _socket(self, kind: int) -> zmq.Socket[bytes]:
        sock = self.ctx.socket(kind)
        sock.linger = 0
        sock.maxmsgsize = 1024 * 1024
        if self.security is not None:
            self.security.client.apply_client(sock, self.security.server_public)
        return sock

    def close(self) -> None:
        self.ctx.destroy(linger=0)

    def read_updates(self, until: float) -> None:
        """Read the SUB until ``until`` (monotonic)."""
        while (left := until - time.monotonic()) > 0:
            if self.sub.poll(int(left * 1000) + 1):
                self._drain_sub()

    def _drain_sub(self) -> None:
        while True:
            try:
                frames = self.sub.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            now = time.monotonic()
            if self.obs.subscribed_at is None:
                self.obs.subscribed_at = now
            if self.obs.first_hugz_at is None and frames[:1] == [chp.HUGZ.encode()]:
                self.obs.first_hugz_at = now
            self.obs.updates.append(Received(now, frames))

    def last_kvpub(self) -> int:
        for msg in reversed(self.obs.updates):
            if msg.frames and msg.frames[0] != chp.HUGZ.encode() and len(msg.frames) == 5 and len(msg.frames[1]) == 8:
                return chp.sequence_of(msg.frames[1])
        return 0

    def ask_snapshot(self, subtree: bytes) -> SnapshotSeen:
        """ICANHAZ? on a new DEALER; read it and the SUB until KTHXBAI or the time limit."""
        self._drain_sub()
        snap = SnapshotSeen(subtree, time.monotonic(), seen_before=self.last_kvpub())
        dealer = self._socket(zmq.DEALER)
        dealer.rcvhwm = 0
        dealer.connect(self.endpoints.snapshot)
        dealer.send_multipart([chp.ICANHAZ, subtree])
        poller = zmq.Poller()
        poller.register(dealer, zmq.POLLIN)
        poller.register(self.sub, zmq.POLLIN)
        deadline = snap.asked_at + SNAPSHOT_LIMIT_S
        try:
            while not snap.complete and (left := deadline - time.monotonic()) > 0:
                events = dict(poller.poll(int(left * 1000) + 1))
                if self.sub in events:
                    self._drain_sub()
                if dealer in events:
                    while True:
                        try:
                            frames = dealer.recv_multipart(zmq.NOBLOCK)
                        except zmq.Again:
                            break
                        snap.messages.append(Received(time.monotonic(), frames))
                        if frames and frames[0] == chp.KTHXBAI.encode():
                            snap.complete = True
                            break
        finally:
            dealer.close(linger=0)
        return snap

    def send(self, commands: list[Command]) -> None:
        push = self._socket(zmq.PUSH)
        push.connect(self.endpoints.collector)
        try:
            for purpose, key, body, published in commands:
                msg = chp.Message(key, 0, body, {"role": "conform"}, uuid.uuid4().bytes)
                push.send_multipart(msg.frames())
                self.obs.commands.append(CommandSent(purpose, key, body, published, time.monotonic(), msg.uuid))
                self.read_updates(time.monotonic() + 0.3)  # one at a time: an echo before the next
        finally:
            push.close(linger=2000)  # let the last command leave before the socket goes


def follow(
    endpoints: Endpoints,
    seconds: float,
    *,
    commander: Commander | None = None,
    security: Security | None = None,
) -> Observation:
    """Follow the backend at ``endpoints`` for ``seconds`` (longer if a snapshot or a command's
    echo needs it) and return everything seen."""
    obs = Observation(str(endpoints), seconds, time.monotonic())
    f = _Follower(endpoints, obs, security)
    try:
        end = obs.started + seconds
        f.read_updates(obs.started + 0.05)
        first = obs.started + FIRST_HUGZ_S
        while obs.first_hugz_at is None and time.monotonic() < first:
            f.read_updates(min(first, time.monotonic() + 0.1))
        f.read_updates(time.monotonic() + HISTORY_S)
        obs.snapshot = f.ask_snapshot(b"/")
        if obs.snapshot.complete:
            obs.subtree_snapshot = f.ask_snapshot(SUBTREE)
        if commander is not None:
            obs.tried_commands = True
            commands, obs.command_note = commander(obs) if obs.snapshot.complete else ([], "no snapshot")
            if commands:
                f.send(commands)
                end = max(end, time.monotonic() + ECHO_WAIT_S)
        f.read_updates(end)
    finally:
        obs.ended = time.monotonic()
        f.close()
    return obs
