"""The console side of the link: a frontend object and an agent thread that owns every socket.

The agent (after zguide's ``clone.py``) subscribes first, then asks for a snapshot, buffering
updates so nothing between the two is lost. It applies the sequence rule (each KVPUB is exactly
one more than the last, so a jump means loss): a gap, a sequence that goes backwards or a new
server epoch starts a re-sync; HUGZ silence makes the link STALE and reconnects. Records are
decoded and validated here, off the GUI thread, and handed to a ``LinkSink`` in immutable
batches at most every ``batch_interval`` seconds. The owner talks to the agent through an inproc
pipe (commands to send, re-sync, stop).

Nothing from the wire may end the agent, take its neighbours with it or grow memory without a
bound: every message is handled on its own (whatever a handler raises is a reject counted with its
reason), every buffer has a byte budget (the snapshot under way, updates held while syncing,
updates not yet flushed, batches the owner has not taken yet), a snapshot has a time limit, and
failed snapshot requests are retried with back-off. A fault that still escapes the loop restarts the
agent with fresh sockets (STALE, counted in ``crashes``). The client's states and transitions are
written in ``docs/protocol.md`` ("The client's state machine").

Commands go to one of the server's two collectors, by ``LinkConfig.collector`` (docs/protocol.md
§2.1): ``push`` — a PUSH to the PULL at P+2 (the Guide's Model 5, the default); ``pub`` — a PUB to the
SUB at P+3 (RFC 12, the Guide's Model 6). A PUB drops what it sends before the server's subscription
has reached it (the slow joiner), so the link's PUB is an XPUB that sees the subscription arrive and
holds commands until then; what is still lost after that is covered, as for PUSH, by the command
service's echo and re-send.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import sys
import threading
import time
import traceback
import uuid as uuid_module
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol, cast

import zmq
import zmq.utils.monitor

from server_link import chp, records
from server_link.curve import KeyPair
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkState, LinkStats, Update

MAX_MESSAGE_BYTES = 1024 * 1024  # ZMQ_MAXMSGSIZE: a larger frame disconnects the peer (counted)
DEFAULT_UPDATE_HWM = 200_000
MiB = 1024 * 1024
_CHECK_INTERVAL = 0.1  # how often silence and snapshot time-outs are looked at
COLLECTORS: Final = ("push", "pub")  # PUSH to the PULL at P+2 (Model 5), PUB to the SUB at P+3 (RFC 12, Model 6)
COMMAND_HWM = 10_000  # commands queued for the collector (and, for PUB, held until it has joined)
UNCHECKED = cast(records.Record, object())
"""The record of an update passed on without decoding (``LinkConfig.check_records`` False)."""
_MONITORED = zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED
log = logging.getLogger(__name__)
_pipe_ids = itertools.count()
_recv = zmq.backend.Socket.recv
_get = zmq.backend.Socket.get


class LinkSink(Protocol):
    """What the agent calls, from its own thread. Implementations must not block."""

    def deliver_batch(self, batch: Batch) -> None: ...

    def deliver_state(self, stats: LinkStats) -> None: ...

    def deliver_stats(self, stats: LinkStats) -> None: ...

    def backlog_bytes(self) -> int:
        """Bytes of delivered batches the owner has not taken yet (0 if it takes them at once)."""
        ...


class Guest(Protocol):
    """Sockets of another party served in the agent's own thread, so that one thread owns every
    socket and no second busy thread fights it for the interpreter lock (a relay's server side:
    ``server_link/relay.py``). Called from the agent thread only."""

    def open(self, poller: zmq.Poller, send_kvset: Callable[[list[bytes]], None]) -> None:
        """Make and bind the sockets, register them in ``poller``; ``send_kvset(frames)`` sends a
        five-frame KVSET on the link's collector (held, queued and counted as the link's own)."""
        ...

    def serve(self, events: Mapping[object, int], now: float) -> bool:
        """Handle what one poll found (and timers); True while there is more to do at once."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LinkConfig:
    endpoints: Endpoints
    subtree: str = "/"
    hugz_timeout: float = 2.5  # two and a half heartbeats: one lost HUGZ is no alarm; a cut shows in < 3 s
    snapshot_timeout: float = 3.0  # silence in a snapshot under way before it is asked for again
    snapshot_limit: float = 120.0  # a whole snapshot, however busy, before it is abandoned
    max_snapshot_bytes: int = 512 * MiB  # keys and bodies of the snapshot under way
    max_buffer_bytes: int = 128 * MiB  # updates held while a snapshot is under way
    max_pending_bytes: int = 16 * MiB  # updates not yet flushed: over it, flushed at once
    max_backlog_bytes: int = 256 * MiB  # batches the owner has not taken: over it, drop and re-sync
    retry_min: float = 0.5  # back-off after a failed snapshot or a restart, doubling up to retry_max
    retry_max: float = 30.0
    batch_interval: float = 0.05
    stats_interval: float = 0.5
    update_hwm: int = DEFAULT_UPDATE_HWM
    max_buffer: int = 2_000_000  # updates held while syncing, by count (besides max_buffer_bytes)
    server_key: bytes | None = None
    client_keys: KeyPair | None = None
    role: str = "commander"  # sent as role= with every command; the console's default role
    collector: str = "push"  # "push" (PULL at P+2) or "pub" (SUB at P+3): docs/protocol.md §2.1
    check_records: bool = True  # False: bodies are passed on undecoded, as UNCHECKED (a relay: its followers check)

    def __post_init__(self) -> None:
        if self.collector not in COLLECTORS:
            raise ValueError(f"collector {self.collector!r} must be one of {', '.join(COLLECTORS)}")
        if self.subtree and not (self.subtree.startswith("/") and self.subtree.endswith("/")):
            raise ValueError(f"subtree {self.subtree!r} must be empty or /path/ ending in a slash")
        if self.server_key is not None and self.client_keys is None:
            raise ValueError("CurveZMQ needs this console's own key pair besides the server's public key")
        if not self.endpoints.is_loopback and self.server_key is None:
            raise ValueError(
                f"{self.endpoints} is not a loopback address: CurveZMQ is required, "
                "give the server's public key (--server-key)"
            )


def client_socket(ctx: zmq.Context[zmq.Socket[bytes]], kind: int, cfg: LinkConfig) -> zmq.Socket[bytes]:
    """A client socket with the link's limits and, when a server key is pinned, CurveZMQ."""
    s = ctx.socket(kind)
    s.linger = 0
    s.maxmsgsize = MAX_MESSAGE_BYTES
    s.reconnect_ivl = 100
    s.reconnect_ivl_max = 1000
    if cfg.server_key is not None:
        assert cfg.client_keys is not None  # LinkConfig insists on a pair with a server key
        cfg.client_keys.apply_client(s, cfg.server_key)
    return s


def fetch_snapshot(
    cfg: LinkConfig, timeout: float = 10.0, context: zmq.Context[zmq.Socket[bytes]] | None = None
) -> tuple[int, str, dict[str, bytes]]:
    """Ask the server for a snapshot of ``cfg.subtree``: (sequence, epoch, key → body).

    Raises ``TimeoutError`` if the server does not finish within ``timeout`` seconds.
    """
    ctx = context or zmq.Context.instance()
    dealer = client_socket(ctx, zmq.DEALER, cfg)
    dealer.rcvhwm = 0
    try:
        dealer.connect(cfg.endpoints.snapshot)
        try:
            dealer.send_multipart([chp.ICANHAZ, cfg.subtree.encode()], zmq.NOBLOCK)
        except zmq.Again:
            raise TimeoutError(f"no connection to {cfg.endpoints} took the snapshot request") from None
        result: dict[str, bytes] = {}
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if not dealer.poll(int(left * 1000) + 1):
                break
            msg = chp.decode(dealer.recv_multipart())
            if msg.key == chp.KTHXBAI:
                return msg.sequence, msg.properties.get("epoch", ""), result
            if msg.body:
                result[msg.key] = msg.body
        raise TimeoutError(f"no complete snapshot from {cfg.endpoints} within {timeout:g} s")
    finally:
        dealer.close()


def where_is(thread: threading.Thread) -> str:
    """The Python stack a running thread is at: what a thread that will not stop is waiting for."""
    frame = sys._current_frames().get(thread.ident or 0)
    return "".join(traceback.format_stack(frame)) if frame is not None else "(not running)"


class LinkClient:
    """Frontend of the link. Create, ``start()``, ``send()`` commands, ``stop()``.

    Methods are safe to call from any thread; the sink is called from the agent thread.
    """

    def __init__(
        self,
        config: LinkConfig,
        sink: LinkSink,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
        guest: Guest | None = None,
    ) -> None:
        self.config = config
        self._ctx = context or zmq.Context.instance()
        self._pipe_addr = f"inproc://grid-link-{id(self)}-{next(_pipe_ids)}"
        self._pipe = self._ctx.socket(zmq.PAIR)
        self._pipe.linger = 0
        self._pipe.bind(self._pipe_addr)
        self._lock = threading.Lock()
        self._agent = _Agent(config, sink, self._ctx, self._pipe_addr, guest)
        self._thread = threading.Thread(target=self._agent.run, name="grid-link-agent", daemon=True)

    def start(self) -> LinkClient:
        self._thread.start()
        return self

    def stats(self) -> LinkStats:
        """The statistics as last published (at most ``stats_interval`` old)."""
        return self._agent.stats_snapshot()

    def send(self, key: str, body: bytes, ttl: float | None = None, *, uuid: bytes | None = None) -> None:
        """Send a KVSET to the server's collector (empty body deletes the key). ``uuid`` (16 bytes)
        names the command: its re-sends carry the same one, and a refusal names it (§16.3); a new
        random one by default."""
        props = {"role": self.config.role}
        if ttl is not None:
            props["ttl"] = f"{ttl:.3f}".rstrip("0").rstrip(".")
        name = uuid if uuid is not None else uuid_module.uuid4().bytes
        if len(name) != 16:
            raise ValueError("a command's uuid is 16 bytes")
        self._command([b"SEND", key.encode(), body, chp.encode_properties(props), name])

    def resync(self) -> None:
        self._command([b"RESYNC"])

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._command([b"STOP"])
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("the link agent did not stop within %g s; it is at:\n%s", timeout, where_is(self._thread))
        with self._lock:
            self._pipe.close()

    def _command(self, frames: list[bytes]) -> None:
        with self._lock:
            if self._pipe.closed:
                raise RuntimeError("the link is stopped")
            self._pipe.send_multipart(frames)


class _Agent:
    """Owns the sockets; runs in the agent thread only (except ``stats_snapshot``)."""

    def __init__(
        self,
        config: LinkConfig,
        sink: LinkSink,
        ctx: zmq.Context[zmq.Socket[bytes]],
        pipe_addr: str,
        guest: Guest | None = None,
    ) -> None:
        self.cfg = config
        self.sink = sink
        self.guest = guest
        self.guest_busy = False
        self.ctx = ctx
        self.pipe_addr = pipe_addr
        self.state = LinkState.CONNECTING
        self.epoch = ""
        self.last_seq = 0
        self.server_seq = 0  # the newest sequence the server has announced (KVPUB or HUGZ)
        self.snapshot_seq = 0  # KVPUBs up to here are in the snapshot, wherever they were queued
        self.syncing = True
        self.buffer: list[list[bytes]] = []  # KVPUBs held while the snapshot is under way
        self.buffer_bytes = 0
        self.snapshot: dict[str, bytes] = {}
        self.snapshot_bytes = 0
        self.pending: list[Update] = []  # decoded, not yet flushed
        self.pending_bytes = 0
        self.pending_since = 0.0  # when the oldest pending update arrived (time.monotonic)
        self.owner_behind = False  # the owner has not taken max_backlog_bytes: updates dropped until it has
        self.rejects: Counter[str] = Counter()
        self.last_reject = ""
        self.recent_rejects: deque[str] = deque(maxlen=50)
        self.gaps = 0
        self.heartbeats = 0
        self.resyncs = 0
        self.last_resync = ""
        self.updates_total = 0
        self.snapshot_records = 0
        self.commands_sent = 0
        self.collector_joined = False  # PUB collector: the server's subscription has reached us
        self.held: dict[tuple[bytes, bytes], list[bytes]] = {}  # PUB commands waiting for it, by (key, body)
        self.crashes = 0
        self.last_crash = ""
        self.disconnects = 0
        self.last_disconnect = ""
        self.failures = 0  # snapshot failures and restarts in a row: the back-off grows with them
        self.retry_at: float | None = None  # when the next snapshot request goes out (backing off)
        self.newest_at: float | None = None
        self.newest_mono = time.monotonic()
        self.snapshot_mono = time.monotonic()  # the snapshot's newest message
        self.snapshot_started = time.monotonic()
        self.rate = 0.0
        self._rate_mark = (time.monotonic(), 0)
        self._stats = LinkStats(LinkState.CONNECTING, str(config.endpoints))
        self._stats_lock = threading.Lock()
        self.sub: zmq.Socket[bytes] | None = None
        self.monitors: dict[zmq.Socket[bytes], str] = {}  # monitor socket → what it watches
        self._monitor_of: dict[zmq.Socket[bytes], zmq.Socket[bytes]] = {}
        self.dealer: zmq.Socket[bytes] | None = None
        self.poller = zmq.Poller()

    # ----------------------------------------------------------------- sockets
    def _socket(self, kind: int) -> zmq.Socket[bytes]:
        return client_socket(self.ctx, kind, self.cfg)

    def _open_subscriber(self) -> None:
        self._close_subscriber()
        sub = self._socket(zmq.SUB)
        sub.rcvhwm = self.cfg.update_hwm
        # Subscribe to every key: the sequence rule can only be checked over all KVPUBs, so a
        # subtree is filtered here, after the sequence check.
        sub.setsockopt(zmq.SUBSCRIBE, b"/")
        sub.setsockopt(zmq.SUBSCRIBE, chp.HUGZ.encode())
        self._watch(sub, "updates")
        sub.connect(self.cfg.endpoints.updates)
        self.sub = sub
        self.poller.register(sub, zmq.POLLIN)

    def _watch(self, sock: zmq.Socket[bytes], what: str) -> None:
        """Count the socket's disconnections: a frame over MAX_MESSAGE_BYTES makes ZeroMQ drop the
        connection, and nothing else would say why the data stopped."""
        monitor = sock.get_monitor_socket(_MONITORED)
        self.monitors[monitor] = what
        self._monitor_of[sock] = monitor
        self.poller.register(monitor, zmq.POLLIN)

    def _close(self, sock: zmq.Socket[bytes]) -> None:
        monitor = self._monitor_of.pop(sock, None)
        if monitor is not None:
            sock.disable_monitor()
            self.poller.unregister(monitor)
            del self.monitors[monitor]
            monitor.close()
        self.poller.unregister(sock)
        sock.close()

    def _close_subscriber(self) -> None:
        if self.sub is not None:
            self._close(self.sub)
            self.sub = None

    def _close_dealer(self) -> None:
        if self.dealer is not None:
            self._close(self.dealer)
            self.dealer = None

    def _request_snapshot(self) -> None:
        self._close_dealer()
        dealer = self._socket(zmq.DEALER)
        dealer.rcvhwm = 0  # a snapshot must never be cut short by a HWM (its size is budgeted here)
        self._watch(dealer, "snapshot")
        dealer.connect(self.cfg.endpoints.snapshot)
        self.dealer = dealer
        self.poller.register(dealer, zmq.POLLIN)
        self.syncing = True
        self.retry_at = None
        self._drop_snapshot()
        self.snapshot_mono = self.snapshot_started = time.monotonic()
        try:  # never a blocking send: a DEALER without a connection would wait for ever, deaf to STOP
            dealer.send_multipart([chp.ICANHAZ, self.cfg.subtree.encode()], zmq.NOBLOCK)
        except zmq.Again:
            self._snapshot_failed("snapshot_unsent", "the snapshot request found no connection to take it")

    def _drop_snapshot(self) -> None:
        self.snapshot, self.snapshot_bytes = {}, 0
        self.buffer, self.buffer_bytes = [], 0

    # ----------------------------------------------------------------- loop
    def run(self) -> None:
        pipe = self.ctx.socket(zmq.PAIR)
        pipe.linger = 0
        pipe.connect(self.pipe_addr)
        collector = self._open_collector()
        self.poller.register(pipe, zmq.POLLIN)
        try:
            if self.guest is not None:
                self.guest.open(self.poller, lambda frames: self._send_command(collector, frames))
            while True:
                try:
                    self._serve(pipe, collector)
                    return
                except Exception as exc:  # noqa: BLE001 - the last line of defence: restart, never die
                    if not self._restart_after(exc, pipe, collector):
                        return
        finally:
            if self.guest is not None:
                self.guest.close()
            self._close_subscriber()
            self._close_dealer()
            collector.close()
            pipe.close()
            with contextlib.suppress(Exception):  # an owner gone already cannot be told
                self._set_state(LinkState.STOPPED)

    def _open_collector(self) -> zmq.Socket[bytes]:
        """The socket commands go out on: a PUSH to P+2, or an XPUB to P+3 (polled: it reads the
        server's subscription, so commands wait until the server can receive them)."""
        if self.cfg.collector == "push":
            push = self._socket(zmq.PUSH)
            push.sndhwm = COMMAND_HWM
            push.connect(self.cfg.endpoints.collector)
            return push
        xpub = self._socket(zmq.XPUB)
        xpub.sndhwm = COMMAND_HWM
        xpub.setsockopt(zmq.XPUB_NODROP, 1)  # a full queue is an error we count, never a silent drop
        xpub.connect(self.cfg.endpoints.collector_sub)
        self.poller.register(xpub, zmq.POLLIN)
        return xpub

    def _serve(self, pipe: zmq.Socket[bytes], collector: zmq.Socket[bytes]) -> None:
        """Follow the server until the owner says STOP."""
        self._open_subscriber()
        self._request_snapshot()
        next_flush = next_stats = next_check = time.monotonic()
        while True:
            now = time.monotonic()
            wake = min(next_flush if self.pending else next_check, next_check)
            events = dict(self.poller.poll(0 if self.guest_busy else max(0, int((wake - now) * 1000)) + 1))
            if pipe in events and not self._on_pipe(pipe, collector):
                self._flush()
                return
            if collector in events:
                self._on_subscription(collector)
            for monitor, what in list(self.monitors.items()):
                if monitor in events:
                    self._on_monitor(monitor, what)
            if self.dealer is not None and self.dealer in events:
                self._drain(self.dealer, self._on_snapshot)
            if self.sub is not None and self.sub in events:
                self._drain(self.sub, self._on_update)
            now = time.monotonic()
            if self.guest is not None:
                self.guest_busy = self.guest.serve(events, now)
            if self.pending and (now >= next_flush or self.pending_bytes > self.cfg.max_pending_bytes):
                self._flush()
                next_flush = now + self.cfg.batch_interval
            if now >= next_check:
                self._check_timers(now)
                next_check = now + _CHECK_INTERVAL
            if now >= next_stats:
                self._publish_stats(now)
                next_stats = now + self.cfg.stats_interval

    def _restart_after(self, exc: Exception, pipe: zmq.Socket[bytes], collector: zmq.Socket[bytes]) -> bool:
        """The loop itself failed: count it, show STALE, wait (answering the pipe), start afresh.

        Returns False when the owner said STOP while waiting."""
        self.crashes += 1
        self.last_crash = f"{type(exc).__name__}: {exc}"[:300]
        log.exception("the link agent failed; restarting it with fresh sockets")
        self._close_subscriber()
        self._close_dealer()
        self.pending, self.pending_bytes = [], 0
        self._drop_snapshot()
        self.syncing, self.owner_behind = True, False
        self.failures += 1
        with contextlib.suppress(Exception):  # the sink itself may be what failed
            self._set_state(LinkState.STALE)
        resume = time.monotonic() + self._backoff()
        while (left := resume - time.monotonic()) > 0:
            if pipe.poll(int(left * 1000) + 1) and not self._on_pipe(pipe, collector):
                return False
        return True

    def _backoff(self) -> float:
        return float(min(self.cfg.retry_max, self.cfg.retry_min * 2 ** max(0, self.failures - 1)))

    def _drain(self, sock: zmq.Socket[bytes], handle: object) -> None:
        # The Cython recv/get, not Socket.recv_multipart: its per-frame Python wrappers and
        # getsockopt(RCVMORE) calls cost more than decoding the record.
        recv = _recv
        more = _get
        rcvmore = zmq.RCVMORE
        noblock = zmq.NOBLOCK
        fn = handle  # bound method; typed as object to keep the hot loop lean
        got = 0
        for _ in range(5000):
            try:
                frames = [recv(sock, noblock)]
            except zmq.Again:
                break
            while more(sock, rcvmore):
                frames.append(recv(sock, noblock))
            got += 1
            try:
                fn(frames)  # type: ignore[operator]
            except Exception as exc:  # noqa: BLE001 - one message that breaks a handler is a reject, not a dead link
                self._unhandled(frames, exc)
            if sock is not self.sub and sock is not self.dealer:
                return  # the socket was replaced by a re-sync
        if got and sock is self.sub:
            self.newest_mono = time.monotonic()  # once per drain, not per message
            self.newest_at = time.time()

    def _unhandled(self, frames: list[bytes], exc: Exception) -> None:
        key = frames[0][:80].decode(errors="replace") if frames else "?"
        self._reject("unhandled", f"{key}: {type(exc).__name__}: {exc}")
        if self.rejects["unhandled"] <= 10:  # the first few with their traceback; all are counted
            log.warning("message %r could not be handled", key, exc_info=exc)

    def _on_pipe(self, pipe: zmq.Socket[bytes], collector: zmq.Socket[bytes]) -> bool:
        frames = pipe.recv_multipart()
        cmd = frames[0]
        if cmd == b"STOP":
            return False
        if cmd == b"RESYNC":
            if self.sub is not None:  # not while restarting: a snapshot is asked for then anyway
                self._resync("requested")
        elif cmd == b"SEND":
            _, key, body, props, name = frames
            self._send_command(collector, [key, chp.encode_sequence(0), name, props, body])
        return True

    def _send_command(self, collector: zmq.Socket[bytes], msg: list[bytes]) -> None:
        key, body = msg[0], msg[4]
        if self.cfg.collector == "pub" and not self.collector_joined:
            if len(self.held) >= COMMAND_HWM and (key, body) not in self.held:
                self._reject("command_queue_full", key.decode(errors="replace"))
                return
            self.held[(key, body)] = msg  # a re-send of the same command replaces the one held
            return
        try:
            collector.send_multipart(msg, zmq.NOBLOCK)
            self.commands_sent += 1
        except zmq.Again:
            self._reject("command_queue_full", key.decode(errors="replace"))

    def _on_subscription(self, collector: zmq.Socket[bytes]) -> None:
        """The PUB collector's XPUB read a (un)subscription: once the server has subscribed, send
        what was held. Its connection keeps queueing across reconnects from then on."""
        while True:
            try:
                event = collector.recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            if event[:1] == b"\x01":
                self.collector_joined = True
        if self.collector_joined and self.held:
            held, self.held = self.held, {}
            for msg in held.values():
                self._send_command(collector, msg)

    def _on_monitor(self, monitor: zmq.Socket[bytes], what: str) -> None:
        while True:
            try:
                event = zmq.utils.monitor.recv_monitor_message(monitor, zmq.NOBLOCK)
            except zmq.Again:
                return
            if event["event"] == zmq.EVENT_DISCONNECTED:
                self.disconnects += 1
                self.last_disconnect = (
                    f"{what} connection to {event['endpoint']!r} dropped "
                    f"(the server went away, or sent a frame over {MAX_MESSAGE_BYTES // MiB} MiB)"
                )

    # ----------------------------------------------------------------- snapshot
    def _on_snapshot(self, frames: list[bytes]) -> None:
        if not self.syncing:
            key = frames[0][:80].decode(errors="replace") if frames else "?"
            self._reject("out_of_state", f"{key} after the snapshot was complete")
            return
        self.snapshot_mono = time.monotonic()
        try:
            msg = chp.decode(frames)
        except chp.FrameError as exc:
            self._reject(exc.reason, str(exc))
            return
        if msg.key == chp.KTHXBAI:
            self._complete_snapshot(msg)
            return
        if msg.key == chp.HUGZ or not msg.key.startswith(self.cfg.subtree):
            self._reject("key", f"KVSYNC {msg.key[:80]!r} is not in the subtree {self.cfg.subtree!r} asked for")
            return
        size = len(msg.key) + len(msg.body)
        old = self.snapshot.get(msg.key)
        self.snapshot_bytes += size - (0 if old is None else len(msg.key) + len(old))
        self.snapshot[msg.key] = msg.body
        if self.snapshot_bytes > self.cfg.max_snapshot_bytes:
            self._snapshot_failed("snapshot_too_big", f"over {self.cfg.max_snapshot_bytes // MiB} MiB")

    def _snapshot_failed(self, reason: str, detail: str) -> None:
        """Abandon the snapshot under way (freeing what it held) and ask again after a back-off."""
        self._reject(reason, f"snapshot abandoned: {detail}")
        self.last_resync = f"{reason}: {detail}"
        self._close_dealer()
        self._drop_snapshot()
        self.failures += 1
        self.retry_at = time.monotonic() + self._backoff()

    def _complete_snapshot(self, done: chp.Message) -> None:
        updates = []
        for key, body in self.snapshot.items():
            if not body:
                continue
            record = self._decode(key, body)
            if record is not None:
                updates.append(Update(key, done.sequence, record, body))
        self.snapshot, self.snapshot_bytes = {}, 0
        self._flush()
        self.epoch = done.properties.get("epoch", "")
        self.last_seq = self.snapshot_seq = done.sequence
        self.server_seq = max(self.server_seq, done.sequence)
        self.snapshot_records = len(updates)
        self.syncing = False
        self.failures = 0
        now = time.monotonic()
        self.newest_mono, self.newest_at = now, time.time()
        self.sink.deliver_batch(Batch(True, tuple(updates), done.sequence, self.epoch, now))
        buffered, self.buffer, self.buffer_bytes = self.buffer, [], 0
        self._set_state(LinkState.LIVE)
        for frames in buffered:
            self._on_update(frames, replay=True)
            if self.syncing:  # the buffer itself had a gap
                break

    # ----------------------------------------------------------------- updates
    def _on_update(self, frames: list[bytes], replay: bool = False) -> None:
        if len(frames) != 5:
            self._reject("frames", f"{len(frames)} frames, expected 5")
            return
        raw_seq = frames[1]
        if len(raw_seq) != 8:
            self._reject("sequence", f"{len(raw_seq)} bytes, expected 8")
            return
        if self.syncing:
            self._hold(frames)
            return
        seq = int.from_bytes(raw_seq, "big")
        raw_key = frames[0]
        if raw_key == b"HUGZ":
            self._on_hugz(seq, frames[3], replay)
            return
        last = self.last_seq
        if seq != last + 1:
            if seq <= last:
                if replay or seq <= self.snapshot_seq:
                    return  # already in the snapshot (buffered, or still queued on the SUB socket)
                self._resync("sequence went backwards")
            else:
                self.gaps += 1
                self._resync(f"gap: {last} → {seq}")
            return
        self.last_seq = seq
        if seq > self.server_seq:
            self.server_seq = seq
        self.snapshot_seq = 0  # in order again: from now on an old sequence means a restarted server
        if self.owner_behind:
            return  # dropped: a re-sync follows once the owner has caught up
        try:
            key = raw_key.decode()
        except UnicodeDecodeError:
            self._reject("key", "not UTF-8")
            return
        if not key.startswith(self.cfg.subtree):
            if not key.startswith("/"):  # e.g. "HUGZ…": subscribed to, but not a heartbeat nor a path
                self._reject("key", f"{key[:80]!r} is neither HUGZ nor a CHP path")
            return
        body = frames[4]
        if body:
            record = self._decode(key, body)
            if record is None:
                return
        else:
            if not records.is_key(key):
                self._reject("key", f"{key[:80]!r} is not a known key path")
                return
            record = None
        if not self.pending:
            self.pending_since = time.monotonic()
        self.pending.append(Update(key, seq, record, body))
        self.pending_bytes += len(key) + len(body)
        self.updates_total += 1

    def _hold(self, frames: list[bytes]) -> None:
        """Keep a KVPUB that arrived while the snapshot is under way, within the buffer's budgets."""
        if self.dealer is None:
            return  # no snapshot asked for yet (backing off): the one asked for later covers it
        size = sum(len(f) for f in frames)
        if len(self.buffer) >= self.cfg.max_buffer or self.buffer_bytes + size > self.cfg.max_buffer_bytes:
            self._snapshot_failed(
                "buffer_full",
                f"updates held while syncing passed {self.cfg.max_buffer:,} or {self.cfg.max_buffer_bytes // MiB} MiB",
            )
            return
        self.buffer.append(frames)
        self.buffer_bytes += size

    def _on_hugz(self, seq: int, raw_props: bytes, replay: bool = False) -> None:
        self.heartbeats += 1
        try:
            epoch = chp.decode_properties(raw_props).get("epoch", "")
        except chp.FrameError as exc:
            self._reject(exc.reason, str(exc))
            return
        if epoch and self.epoch and epoch != self.epoch:
            self._resync("new server epoch")
        elif seq > self.last_seq:
            self.gaps += 1
            self._resync(f"heartbeat at {seq}, last update {self.last_seq}")
        elif self.snapshot_seq < seq < self.last_seq and not replay:  # older ones predate the snapshot
            self._resync("sequence went backwards")

    def _decode(self, key: str, body: bytes) -> records.Record | None:
        if not self.cfg.check_records:
            return UNCHECKED
        try:
            return records.decode(key, body)
        except records.RecordError as exc:
            self._reject(exc.reason, f"{key[:80]}: {exc}")
            return None

    def _reject(self, reason: str, detail: str) -> None:
        self.rejects[reason] += 1
        self.last_reject = detail[:300]
        self.recent_rejects.append(self.last_reject)

    # ----------------------------------------------------------------- state
    def _resync(self, why: str) -> None:
        self.resyncs += 1
        self.last_resync = why
        self._flush()
        if self.state is not LinkState.STALE:
            self._set_state(LinkState.SYNCING if self.state is not LinkState.CONNECTING else self.state)
        self._request_snapshot()

    def _check_timers(self, now: float) -> None:
        if now - self.newest_mono > self.cfg.hugz_timeout and self.state is not LinkState.CONNECTING:
            if not self.syncing:  # the picture is replaced by the snapshot asked for now: a re-sync
                self.resyncs += 1  # (as after a gap; a console frozen 10 s under load can come back this way)
                self.last_resync = f"silent for more than {self.cfg.hugz_timeout:g} s"
            self._set_state(LinkState.STALE)
            self.newest_mono = now  # reconnect at most once per time-out
            self._open_subscriber()
            self._request_snapshot()
        elif self.syncing and self.dealer is not None:
            if now - self.snapshot_mono > self.cfg.snapshot_timeout:
                self._snapshot_failed("snapshot_timeout", f"silent for {self.cfg.snapshot_timeout:g} s")
            elif now - self.snapshot_started > self.cfg.snapshot_limit:
                self._snapshot_failed("snapshot_too_slow", f"not complete in {self.cfg.snapshot_limit:g} s")
        elif self.syncing and self.retry_at is not None and now >= self.retry_at:
            self._request_snapshot()
        if self.owner_behind and self.sink.backlog_bytes() <= self.cfg.max_backlog_bytes // 2:
            self.owner_behind = False
            self._resync(f"the console fell behind by more than {self.cfg.max_backlog_bytes // MiB} MiB")

    def _flush(self) -> None:
        if not self.pending:
            return
        if self.owner_behind or self.sink.backlog_bytes() > self.cfg.max_backlog_bytes:
            # The owner is not taking what it was given: hold no more, re-sync when it has caught up.
            self.owner_behind = True
            self.pending, self.pending_bytes = [], 0
            return
        batch = Batch(False, tuple(self.pending), self.last_seq, self.epoch, self.pending_since, self.pending_bytes)
        self.pending, self.pending_bytes = [], 0
        self.sink.deliver_batch(batch)

    def _set_state(self, state: LinkState) -> None:
        if state is self.state:
            return
        self.state = state
        self.sink.deliver_state(self._make_stats(time.monotonic()))

    def _make_stats(self, now: float) -> LinkStats:
        t0, n0 = self._rate_mark
        if now - t0 >= 0.25:
            self.rate = (self.updates_total - n0) / (now - t0)
            self._rate_mark = (now, self.updates_total)
        stats = LinkStats(
            state=self.state,
            endpoint=str(self.cfg.endpoints),
            epoch=self.epoch,
            last_sequence=self.last_seq,
            server_sequence=self.server_seq,
            updates_total=self.updates_total,
            updates_per_s=self.rate,
            newest_at=self.newest_at,
            gaps=self.gaps,
            heartbeats=self.heartbeats,
            resyncs=self.resyncs,
            last_resync=self.last_resync,
            rejects=dict(self.rejects),
            last_reject=self.last_reject,
            snapshot_records=self.snapshot_records,
            syncing_records=len(self.snapshot) if self.syncing else 0,
            snapshot_bytes=self.snapshot_bytes,
            buffered_updates=len(self.buffer),
            buffered_bytes=self.buffer_bytes,
            backlog_bytes=self.sink.backlog_bytes(),
            owner_behind=self.owner_behind,
            retry_in=None if self.retry_at is None else max(0.0, self.retry_at - now),
            commands_sent=self.commands_sent,
            commands_held=len(self.held),
            crashes=self.crashes,
            last_crash=self.last_crash,
            disconnects=self.disconnects,
            last_disconnect=self.last_disconnect,
        )
        with self._stats_lock:
            self._stats = stats
        return stats

    def _publish_stats(self, now: float) -> None:
        self.sink.deliver_stats(self._make_stats(now))

    def stats_snapshot(self) -> LinkStats:
        with self._stats_lock:
            return self._stats
