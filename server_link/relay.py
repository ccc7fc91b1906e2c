"""A relay: many walls on one backend, the Guide's clone pattern at one hop (docs/protocol.md §2.2).

Upstream, the relay is a CHP client of the backend: a ``LinkClient`` that follows the whole map by the
client rules of §6 (re-syncing on a gap, a new epoch or silence) and passes bodies on undecoded — its
followers check them, as they would check the backend's. Downstream, it is a CHP server to many
consoles: a ``ChpServer`` whose map, sequence and epoch are the backend's, updated by the link's
batches in order and published with the backend's own sequence numbers, so a follower holds the
backend's map numbered as the backend numbered it (its ``probe --verify`` digest is the backend's).

- A snapshot is served only while the upstream link is LIVE; requests that come meanwhile wait
  (at most ``max_waiting``; more are dropped and counted, the follower asks again). HUGZ go out
  while the upstream link is alive (LIVE or re-syncing), carrying the relay's last sequence and the
  backend's epoch; while the backend is unreachable the relay is silent, so its followers show STALE.
- An upstream re-sync replaces the map at once (one HUGZ follows): the followers see the jump or
  the new epoch and re-sync from the relay. A restarted relay is a server that continues the
  backend's sequence: its followers re-sync from it as they would from a restarted backend.
- Commands from followers arrive on both collectors (PULL at P+2, SUB at P+3) and pass the checks
  every collector of ours makes (framing, ``role=``, key, 256 KiB body, a declared role that matches,
  a valid record; refusals counted by reason in ``kvset_rejects``), then go upstream unchanged
  (uuid and properties as sent) through the link's collector (``LinkConfig.collector``). The backend
  decides; its echo comes back to every follower through the relay like any update.

One thread, the link's agent, owns every socket of the relay (the server side is its ``Guest``):
two busy Python threads in one process hand the interpreter lock to each other at every ZeroMQ call,
and on a loaded machine each hand-over waits for the scheduler.

Why not ZeroMQ's XPUB/XSUB proxy for the updates: a proxy forwards the backend's stream, but the
snapshots a relay serves come from its own copy of the map, which lags that stream by a batch; a
follower that subscribed at the proxy's position and got an older snapshot would see a gap, re-sync,
and get an older one again. Publishing from the copy keeps the snapshot and the stream one sequence.
Commands are not proxied either: each is checked and counted before it may reach the backend.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import zmq

from server_link import chp
from server_link.agent import LinkClient, LinkConfig
from server_link.curve import KeyPair
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkState, LinkStats
from server_link.server import ChpServer, accept_valid_record, send_kvpub

_ALIVE = frozenset({LinkState.LIVE, LinkState.SYNCING})


class Relay(ChpServer):
    """A relay bound to ``endpoints``, following ``upstream``. ``start()``, ``stop()``.

    A ``ChpServer`` by its state and its handlers (snapshots, collectors and their checks, HUGZ),
    run by the upstream link's thread instead of a thread of its own: it is that link's sink and
    ``Guest``. ``keys``/``authorized`` secure the followers' side (CurveZMQ with ZAP, as
    ``ChpServer``); the upstream side takes its keys from ``upstream`` (``server_key``,
    ``client_keys``). Statistics (``kvsets_received``, ``kvset_rejects``, ``kvsets_forwarded``,
    ``requests_dropped``, ``resets``, ``snapshots_served``) are read in that thread (``call``);
    ``upstream_stats()`` from any thread.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        upstream: LinkConfig,
        *,
        keys: KeyPair | None = None,
        authorized: str | Path | None = None,
        pub_hwm: int = 200_000,
        hugz_interval: float = 1.0,
        max_waiting: int = 256,
        context: zmq.Context[zmq.Socket[bytes]] | None = None,
    ) -> None:
        super().__init__(
            endpoints,
            keys=keys,
            authorized=authorized,
            pub_hwm=pub_hwm,
            hugz_interval=hugz_interval,
            on_kvset=accept_valid_record,
            context=context,
            # A relay publishes only what its backend published (the sequence is the backend's): a
            # command it refuses itself is counted, and its console hears nothing (protocol §2.2).
            publish_refusals=False,
        )
        self.upstream = dataclasses.replace(upstream, subtree="/", check_records=False, batch_interval=0.01)
        self.state = LinkState.CONNECTING  # the upstream link's
        self.synced = False  # a map has come from upstream
        self.resets = 0  # upstream snapshots taken over
        self.kvsets_forwarded = 0
        self.requests_dropped = 0  # snapshot requests over max_waiting while not LIVE
        self._max_waiting = max_waiting
        self._waiting: list[tuple[bytes, bytes]] = []  # (identity, subtree) of requests held
        self._socks: tuple[zmq.Socket[bytes], ...] = ()
        self._pub: zmq.Socket[bytes] | None = None
        self._send_kvset: Callable[[list[bytes]], None] | None = None
        self._next_hugz = 0.0
        self._link = LinkClient(self.upstream, self, guest=self)

    def start(self) -> Relay:
        self._link.start()
        self._ready.wait(10)
        if self._error is not None:
            self._link.stop()
            raise self._error
        return self

    def stop(self) -> None:
        """Stop the link, and with it the relay's sockets; a second call does nothing."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._link.stop()
        os.close(self._wake_r)
        os.close(self._wake_w)
        if self._own_ctx:
            self._ctx.term()

    def upstream_stats(self) -> LinkStats:
        return self._link.stats()

    def publish_many(self, items: Iterable[tuple[str, bytes]], ttl: float | None = None) -> None:
        raise TypeError("a relay publishes what its upstream publishes, nothing of its own")

    # ------------------------------------------------------------------ Guest (the link's thread)
    def open(self, poller: zmq.Poller, send_kvset: Callable[[list[bytes]], None]) -> None:
        try:
            self._socks = self._bind()
        except (OSError, ValueError, zmq.ZMQError) as exc:  # reported to start(), which stops the link
            self._error = exc
            self._ready.set()
            return
        router, self._pub, pull, sub = self._socks
        for sock in (router, pull, sub):
            poller.register(sock, zmq.POLLIN)
        poller.register(self._wake_r, zmq.POLLIN)
        self._send_kvset = send_kvset
        self._ready.set()

    def serve(self, events: Mapping[object, int], now: float) -> bool:
        if not self._socks:
            return False  # they could not be bound: start() says why
        router, pub, pull, sub = self._socks
        if self._wake_r in events:
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_r, 65536)
            self._drain_inbox(pub)  # call()
        if router in events:
            self._take_requests(router)
        if self._snapshots:
            self._send_snapshot_chunk(router)
        if pull in events:
            self._collect(pull, pub, "pull")
        if sub in events:
            self._collect(sub, pub, "sub")
        if now >= self._next_hugz:
            self._heartbeat(pub)
            self._next_hugz = now + self._hugz_interval
        return bool(self._snapshots)

    def close(self) -> None:
        for sock in self._socks:
            sock.close(linger=0)
        self._socks, self._pub = (), None
        if self._auth is not None:
            self._auth.stop()

    # ------------------------------------------------------------------ LinkSink (the link's thread)
    def deliver_batch(self, batch: Batch) -> None:
        pub = self._pub
        if pub is None:
            return
        if batch.reset:
            self._map = {u.key: (u.sequence, u.body) for u in batch.updates if u.body}
            self.sequence, self.epoch = batch.sequence, batch.epoch
            self.synced = True
            self.resets += 1
            self._heartbeat(pub)  # followers learn the jump or the new epoch now, not in a second
            return
        for u in batch.updates:
            if u.body:
                self._map[u.key] = (u.sequence, u.body)
            else:
                self._map.pop(u.key, None)
            send_kvpub(pub, u.key, u.sequence, u.body)
            self.published += 1
        self.sequence = batch.sequence  # beyond the last update if the link skipped one: HUGZ tell

    def deliver_state(self, stats: LinkStats) -> None:
        was, self.state = self.state, stats.state
        if self._pub is not None and self.state is LinkState.LIVE and was is not LinkState.LIVE and self.synced:
            self._heartbeat(self._pub)
            waiting, self._waiting = self._waiting, []
            for identity, subtree in waiting:
                super()._queue_snapshot(identity, subtree)

    def deliver_stats(self, stats: LinkStats) -> None:
        pass  # read with upstream_stats()

    def backlog_bytes(self) -> int:
        return 0  # each batch is published as it is delivered

    # ------------------------------------------------------------------ ChpServer's handlers, changed
    def _heartbeat(self, pub: zmq.Socket[bytes]) -> None:
        if self.synced and self.state in _ALIVE:
            super()._heartbeat(pub)

    def _queue_snapshot(self, identity: bytes, raw_subtree: bytes) -> None:
        if self.synced and self.state is LinkState.LIVE:
            super()._queue_snapshot(identity, raw_subtree)
        elif len(self._waiting) < self._max_waiting:
            self._waiting.append((identity, raw_subtree))
        else:
            self.requests_dropped += 1

    def _accept(self, msg: chp.Message, pub: zmq.Socket[bytes]) -> tuple[str, str]:
        """Forward a KVSET that passed the collectors' checks and is a valid record; the backend
        decides on it (write-once decisions, roles) and its echo, or its refusal, answers it."""
        taken = self.on_kvset(msg.key, msg.body, msg.properties)
        if taken is not True:
            return "refused", taken or "not a valid record"
        assert self._send_kvset is not None  # set in open(), before any socket is read
        self._send_kvset(
            [msg.key.encode(), chp.encode_sequence(0), msg.uuid, chp.encode_properties(msg.properties), msg.body]
        )
        self.kvsets_forwarded += 1
        return "", ""
