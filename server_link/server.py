"""The reference CHP server: snapshot ROUTER, PUB with HUGZ, PULL and SUB collectors (zguide clonesrv).

It holds the hashmap, assigns sequences (exactly +1 per KVPUB), applies KVSETs from its collectors
(with ``ttl``) — the PULL at P+2 (the Guide's Model 5) and the SUB at P+3 (RFC 12, Model 6), checked
alike (docs/protocol.md §2.1) — expires keys, and publishes HUGZ every ``hugz_interval`` carrying the current
sequence and the server's epoch. One thread owns the sockets; other threads hand it updates
through ``publish``/``publish_many``, which only enqueue and wake it.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import queue
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import zmq
from zmq.auth.thread import ThreadAuthenticator

from server_link import authority, chp, records
from server_link.curve import KeyPair, authorized_roles
from server_link.endpoints import Endpoints

KvsetHook = Callable[[str, bytes, Mapping[str, str]], "bool | str"]
"""Called in the server thread for each KVSET that passed the checks; True takes it, False or a
reason (said to the console in its refusal, docs/protocol.md §16.3) drops it."""


READ_ONLY_ROLES: Final = frozenset({"leader"})
"""Roles whose consoles send no command (the leaders' view): a KVSET declaring one is refused."""


class Producer(Protocol):
    """Something that makes updates inside the server thread (the simulated backend).

    ``produce`` is called about every ``interval`` seconds, or again at once while ``behind``; it
    should return within a few tens of milliseconds so snapshots and heartbeats keep flowing.
    Running producers in the socket owner's thread avoids two busy threads fighting for the GIL.
    """

    interval: float
    behind: bool

    def produce(self) -> list[tuple[str, bytes]]: ...


DECISIONS = "/decision/"
REFUSALS = "/refusal/"
REFUSAL_TTL: Final = 600.0  # seconds a refusal stays for its console to read (§16.3)
REFUSALS_PER_S: Final = 20.0  # refusals published per second at most; a burst of BURST first
REFUSAL_BURST: Final = 100
SNAPSHOT_CHUNK = 2000  # KVSYNCs sent per loop turn, so heartbeats and updates keep flowing
COLLECTOR_HWM = 10_000  # commands are few (docs/protocol.md §14)


def accept_valid_record(key: str, body: bytes, props: Mapping[str, str]) -> bool | str:
    """The default collector policy: a key of our key space and a valid record (or a delete)."""
    if not body:
        return records.is_key(key)
    try:
        records.decode(key, body)
    except records.RecordError:
        return False
    return True


log = logging.getLogger(__name__)
_EMPTY = b""
_send = zmq.backend.Socket.send


class ChpServer:
    """A CHP server bound to ``endpoints``. ``start()``, publish, ``stop()``.

    ``keys`` (with ``authorized`` — a folder of client public keys) turns on CurveZMQ with ZAP;
    binding a non-loopback address without keys is refused.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        keys: KeyPair | None = None,
        authorized: str | Path | None = None,
        pub_hwm: int = 200_000,
        hugz_interval: float = 1.0,
        on_kvset: KvsetHook = accept_valid_record,
        producer: Producer | None = None,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
        publish_refusals: bool = True,
    ) -> None:
        if not endpoints.is_loopback and keys is None:
            raise ValueError(f"refusing to serve {endpoints} without CurveZMQ keys")
        if keys is not None and (authorized is None or not Path(authorized).is_dir()):
            raise ValueError(f"CurveZMQ needs a folder of authorised console keys (got {authorized})")
        self.endpoints = endpoints
        self.epoch = secrets.token_hex(8)
        self.sequence = 0
        self.published = 0
        self.snapshots_served = 0
        self.kvsets_received = 0
        self.kvsets_rejected = 0
        self.kvset_rejects: Counter[str] = Counter()  # by reason
        self.kvsets_via: Counter[str] = Counter()  # received, by collector: "pull" (P+2), "sub" (P+3)
        self.publish_refusals = publish_refusals  # False: a refused command is only counted (a relay)
        self.refusals_published = 0
        self.refusals_unpublished = 0  # over the rate, or without a UUID to name them by
        self._refusal_tokens = float(REFUSAL_BURST)
        self._refusal_time = time.monotonic()
        # Each authorised console key with the role it was authorised for (CurveZMQ only, read at bind).
        self._key_roles: dict[bytes, str | None] | None = None
        self._keys = keys
        self._authorized = authorized
        self._pub_hwm = pub_hwm
        self._hugz_interval = hugz_interval
        self.on_kvset = on_kvset
        self.producer = producer
        # A CurveZMQ server gets a context of its own, so its ZAP handler sees only its sockets.
        self._own_ctx = context is None and keys is not None
        self._ctx = context or (zmq.Context() if keys is not None else zmq.Context.instance())
        self._map: dict[str, tuple[int, bytes]] = {}
        self._expiry: list[tuple[float, str]] = []
        self._ttl: dict[str, float] = {}
        self._snapshots: deque[_Snapshot] = deque()
        self._inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._auth: ThreadAuthenticator | None = None
        self._thread = threading.Thread(target=self._run, name="chp-server", daemon=True)

    # ------------------------------------------------------------------ owner API
    def start(self) -> ChpServer:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        """Stop the server thread and release its sockets; a second call does nothing."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake()
        self._thread.join(10)
        os.close(self._wake_r)
        os.close(self._wake_w)
        if self._own_ctx:
            self._ctx.term()

    def publish(self, key: str, body: bytes, ttl: float | None = None) -> None:
        self.publish_many([(key, body)], ttl)

    def publish_many(self, items: Iterable[tuple[str, bytes]], ttl: float | None = None) -> None:
        """Set (or with an empty body, delete) keys; each becomes one KVPUB.

        Raises ``ValueError`` for a body over ``records.MAX_BODY_BYTES`` (it would never reach a
        console) or a key that is not a CHP path.
        """
        batch = list(items)
        for key, body in batch:
            if len(body) > records.MAX_BODY_BYTES:
                raise ValueError(f"{key}: {len(body)} bytes is over the {records.MAX_BODY_BYTES}-byte limit")
            if not key.startswith("/") or len(key.encode()) > chp.MAX_KEY_BYTES:
                raise ValueError(f"{key[:80]!r} is not a CHP path of at most {chp.MAX_KEY_BYTES} bytes")
        self._inbox.put(("set", batch, ttl))
        self._wake()

    def call(self, fn: Callable[[ChpServer], Any]) -> Any:
        """Run ``fn(server)`` in the server thread (after what was published before) and return."""
        fut: Future[Any] = Future()
        self._inbox.put(("call", fn, fut))
        self._wake()
        return fut.result(30)

    def digest(self, subtree: str = "") -> str:
        """The hashmap's digest (``chp.map_digest``) as of everything published so far."""
        return str(self.call(lambda s: chp.map_digest(s.items(subtree))))

    def items(self, subtree: str = "") -> list[tuple[str, bytes]]:
        """Server thread only (use ``call``): the current (key, body) pairs."""
        return [(k, v[1]) for k, v in self._map.items() if k.startswith(subtree)]

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # full pipe: a wake-up is already pending
            os.write(self._wake_w, b"!")

    # ------------------------------------------------------------------ server thread
    def _run(self) -> None:
        try:
            socks = self._bind()
        except (OSError, ValueError, zmq.ZMQError) as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        router, pub, pull, sub = socks
        self._ready.set()
        poller = zmq.Poller()
        poller.register(router, zmq.POLLIN)
        poller.register(pull, zmq.POLLIN)
        poller.register(sub, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        next_hugz = next_produce = time.monotonic()
        try:
            while not self._stop.is_set():
                now = time.monotonic()
                wake = min(next_hugz, self._expiry[0][0] if self._expiry else next_hugz)
                if self.producer is not None:
                    wake = min(wake, next_produce)
                busy = self._snapshots or (self.producer is not None and self.producer.behind)
                timeout = 0 if busy else max(0, int((wake - now) * 1000)) + 1
                events = dict(poller.poll(timeout))
                if self._wake_r in events:
                    with contextlib.suppress(BlockingIOError):
                        os.read(self._wake_r, 65536)
                self._drain_inbox(pub)
                if router in events:
                    self._take_requests(router)
                if self._snapshots:
                    self._send_snapshot_chunk(router)
                if pull in events:
                    self._collect(pull, pub, "pull")
                if sub in events:
                    self._collect(sub, pub, "sub")
                now = time.monotonic()
                if self.producer is not None and now >= next_produce:
                    for key, body in self.producer.produce():
                        self._apply(pub, key, body, None)
                    next_produce = now if self.producer.behind else now + self.producer.interval
                self._expire(pub, now)
                if now >= next_hugz:
                    self._heartbeat(pub)
                    next_hugz = now + self._hugz_interval
        finally:
            for s in socks:
                s.close(linger=0)
            if self._auth is not None:
                self._auth.stop()

    def _heartbeat(self, pub: zmq.Socket[bytes]) -> None:
        props = chp.encode_properties({"epoch": self.epoch})
        pub.send_multipart([b"HUGZ", chp.encode_sequence(self.sequence), _EMPTY, props, _EMPTY])

    def _bind(self) -> tuple[zmq.Socket[bytes], zmq.Socket[bytes], zmq.Socket[bytes], zmq.Socket[bytes]]:
        if self._keys is not None:
            self._auth = ThreadAuthenticator(self._ctx)
            self._auth.start()
            self._auth.configure_curve(domain="*", location=str(self._authorized))
            self._key_roles = authorized_roles(str(self._authorized))
        router = self._ctx.socket(zmq.ROUTER)
        pub = self._ctx.socket(zmq.PUB)
        pull = self._ctx.socket(zmq.PULL)
        sub = self._ctx.socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")  # RFC 12's collector: every KVSET its clients publish
        router.router_mandatory = True
        router.sndhwm = 0  # a snapshot is bounded by the map; never drop part of one
        pub.sndhwm = self._pub_hwm
        pull.rcvhwm = sub.rcvhwm = COLLECTOR_HWM
        socks = (router, pub, pull, sub)
        for s in socks:
            s.linger = 0
            s.maxmsgsize = 1024 * 1024
            if self._keys is not None:
                self._keys.apply_server(s)
        try:
            router.bind(self.endpoints.snapshot)
            pub.bind(self.endpoints.updates)
            pull.bind(self.endpoints.collector)
            sub.bind(self.endpoints.collector_sub)
        except zmq.ZMQError as exc:
            for s in socks:
                s.close(linger=0)
            raise OSError(f"cannot bind {self.endpoints}: {exc}") from exc
        return socks

    def _drain_inbox(self, pub: zmq.Socket[bytes]) -> None:
        while True:
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return
            if item[0] == "set":
                _, items, ttl = item
                for key, body in items:
                    self._apply(pub, key, body, ttl)
            else:
                _, fn, fut = item
                try:
                    fut.set_result(fn(self))
                except Exception as exc:  # noqa: BLE001 - handed to the caller of call()
                    fut.set_exception(exc)

    def _apply(self, pub: zmq.Socket[bytes], key: str, body: bytes, ttl: float | None) -> None:
        self.sequence += 1
        seq = self.sequence
        if body:
            self._map[key] = (seq, body)
        else:
            self._map.pop(key, None)
        if ttl is not None and body:
            deadline = time.monotonic() + ttl
            self._ttl[key] = deadline
            heapq.heappush(self._expiry, (deadline, key))
        else:
            self._ttl.pop(key, None)
        send_kvpub(pub, key, seq, body)
        self.published += 1

    def _expire(self, pub: zmq.Socket[bytes], now: float) -> None:
        while self._expiry and self._expiry[0][0] <= now:
            deadline, key = heapq.heappop(self._expiry)
            if self._ttl.get(key) == deadline:
                self._apply(pub, key, _EMPTY, None)

    def _take_requests(self, router: zmq.Socket[bytes]) -> None:
        """Queue each ICANHAZ? with a copy of the map as of now (its KTHXBAI sequence)."""
        while True:
            try:
                frames = router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            if len(frames) != 3 or frames[1] != chp.ICANHAZ:
                continue  # not a CHP request; ignore it as the Guide's servers do
            identity, _, raw_subtree = frames
            self._queue_snapshot(identity, raw_subtree)

    def _queue_snapshot(self, identity: bytes, raw_subtree: bytes) -> None:
        """Queue a snapshot for ``identity`` with a copy of the map as of now (its KTHXBAI sequence)."""
        subtree = raw_subtree.decode(errors="replace")
        items = [(k, v) for k, v in self._map.items() if k.startswith(subtree)]
        self._snapshots.append(_Snapshot(identity, raw_subtree, self.sequence, iter(items)))

    def _send_snapshot_chunk(self, router: zmq.Socket[bytes]) -> None:
        snap = self._snapshots[0]
        try:
            sent = 0
            identity = snap.identity
            for key, (seq, body) in itertools.islice(snap.items, SNAPSHOT_CHUNK):
                # The Cython send frame by frame, as send_kvpub: a fifth of send_multipart's cost.
                _send(router, identity, zmq.SNDMORE)
                _send(router, key.encode(), zmq.SNDMORE)
                _send(router, seq.to_bytes(8, "big"), zmq.SNDMORE)
                _send(router, _EMPTY, zmq.SNDMORE)
                _send(router, _EMPTY, zmq.SNDMORE)
                _send(router, body, 0)
                sent += 1
            if sent == SNAPSHOT_CHUNK:  # maybe more: on a later turn, after a chunk of each other snapshot
                self._snapshots.rotate(-1)  # under way, so no client waiting for one goes silent for long
                return
            props = chp.encode_properties({"epoch": self.epoch})
            router.send_multipart(
                [snap.identity, b"KTHXBAI", chp.encode_sequence(snap.sequence), _EMPTY, props, snap.subtree]
            )
            self.snapshots_served += 1
            self._snapshots.popleft()
        except zmq.ZMQError:  # the client went away mid-snapshot (ROUTER_MANDATORY)
            self._snapshots.popleft()

    def _collect(self, collector: zmq.Socket[bytes], pub: zmq.Socket[bytes], via: str) -> None:
        for _ in range(10_000):
            try:
                parts = collector.recv_multipart(zmq.NOBLOCK, copy=False)
            except zmq.Again:
                return
            self.kvsets_received += 1
            self.kvsets_via[via] += 1
            # The key the console authenticated with (ZAP's User-Id, its Z85 form), on CurveZMQ only.
            user = str(parts[0].get("User-Id")) if self._key_roles is not None else None
            frames = [p.bytes for p in parts]
            msg: chp.Message | None = None
            try:
                msg = chp.decode(frames)
                reason, detail = self._judge(msg, user)
                if not reason:
                    reason, detail = self._accept(msg, pub)
            except chp.FrameError as exc:
                reason, detail = exc.reason, ""
            except Exception as exc:  # one command that breaks the hook is a reject, not a dead server
                reason, detail = f"unhandled: {type(exc).__name__}", "the backend failed on it"
                log.warning("KVSET could not be handled", exc_info=exc)
            if reason:
                self.kvsets_rejected += 1
                self.kvset_rejects[reason] += 1
                if msg is not None:
                    self._refuse(pub, msg, reason.split(":")[0], detail)

    def _judge(self, msg: chp.Message, user: str | None) -> tuple[str, str]:
        """The checks every collector makes before the backend sees a KVSET: (reason, detail), or
        ("", "") when it passes them (docs/protocol.md §16, §17.1)."""
        role = msg.properties.get("role", "")
        if not role:
            return "role", "a command must declare its role (role=)"
        if self._key_roles is not None:
            granted = self._key_roles.get(user.encode()) if user else None  # keys in their Z85 form
            if granted is None:
                return "role", "this console's key is authorised to follow, with no role to write"
            if granted not in (role, authority.RELAY):
                return "role", f"this console's key is authorised as {granted}, not {role}"
        if role in READ_ONLY_ROLES:
            return "role", f"the {role} role sends no commands"
        if msg.key in chp.COMMANDS or not msg.key.startswith("/"):
            return "key", "not a key of the key space"
        if len(msg.body) > records.MAX_BODY_BYTES:
            return "oversize", f"over {records.MAX_BODY_BYTES} bytes"
        if not records.is_key(msg.key):
            return "", ""  # the backend's policy refuses it
        try:
            record = records.decode(msg.key, msg.body) if msg.body else None
        except records.RecordError:
            return "", ""  # the backend's policy refuses it, with its own reason
        if record is not None and getattr(record, "role", role) != role:
            return "role", f"the record names the role {record.role}, the command {role}"  # type: ignore[union-attr]
        held = self._map.get(msg.key)
        why = authority.refusal(role, record, msg.key, _record_at(msg.key, held[1]) if held else None)
        return ("role", why) if why else ("", "")

    def _refuse(self, pub: zmq.Socket[bytes], msg: chp.Message, reason: str, detail: str) -> None:
        """Publish a refusal the console that sent ``msg`` can read (§16.3), if the command named
        itself with a UUID and the refusals of the last seconds are within the rate."""
        now = time.monotonic()
        self._refusal_tokens = min(REFUSAL_BURST, self._refusal_tokens + (now - self._refusal_time) * REFUSALS_PER_S)
        self._refusal_time = now
        if not self.publish_refusals or len(msg.uuid) != 16 or self._refusal_tokens < 1:
            self.refusals_unpublished += 1
            return
        self._refusal_tokens -= 1
        refusal = records.Refusal(
            schema=records.SCHEMA_VERSION, uuid=msg.uuid.hex(), key=msg.key[:255], reason=reason[:32],
            detail=detail[:200], role=msg.properties.get("role", "")[:64], refused_at=datetime.now(UTC),
        )  # fmt: skip
        self._apply(pub, records.key_of(refusal), records.encode(refusal), REFUSAL_TTL)
        self.refusals_published += 1

    def _accept(self, msg: chp.Message, pub: zmq.Socket[bytes]) -> tuple[str, str]:
        """Apply a KVSET that passed the checks every collector makes: (reason, detail) if refused,
        else ("", "")."""
        if msg.key.startswith(DECISIONS):
            # Decisions are a record of what was decided: never deleted, never changed by a
            # console (docs/protocol.md §16). A console that re-sends one it got no echo for gets
            # the echo again (one KVPUB of the same body), and it is not applied twice.
            held = self._map.get(msg.key)
            if not msg.body:
                return "decision_delete", "a decision is never deleted"
            if held is not None:
                if held[1] != msg.body:
                    return "decision_changed", f"decision {msg.key} is taken; decisions are never changed"
                self._apply(pub, msg.key, msg.body, None)
                return "", ""
        taken = self.on_kvset(msg.key, msg.body, msg.properties)
        if taken is not True:
            return "refused", taken or "the backend refused it"
        # A decision never expires: a ttl on one would delete it, and decisions are write-once.
        ttl = None if msg.key.startswith(DECISIONS) else _ttl_of(msg.properties)
        self._apply(pub, msg.key, msg.body, ttl)
        return "", ""


def send_kvpub(pub: zmq.Socket[bytes], key: str, sequence: int, body: bytes) -> None:
    """One KVPUB (empty uuid and properties), through the Cython send frame by frame:
    Socket.send_multipart's per-frame Python checks cost several times the send itself, and this
    is a server's hot path."""
    _send(pub, key.encode(), zmq.SNDMORE)
    _send(pub, sequence.to_bytes(8, "big"), zmq.SNDMORE)
    _send(pub, _EMPTY, zmq.SNDMORE)
    _send(pub, _EMPTY, zmq.SNDMORE)
    _send(pub, body, 0)


def _record_at(key: str, body: bytes) -> records.Record | None:
    try:
        return records.decode(key, body)
    except records.RecordError:
        return None


def _ttl_of(props: Mapping[str, str]) -> float | None:
    raw = props.get("ttl")
    if raw is None:
        return None
    try:
        ttl = float(raw)
    except ValueError:
        return None
    return ttl if ttl > 0 else None


@dataclass(eq=False)
class _Snapshot:
    """A snapshot being sent: the map as it was at ``sequence``, sent in chunks."""

    identity: bytes
    subtree: bytes
    sequence: int
    items: Iterator[tuple[str, tuple[int, bytes]]]
