"""A hand-driven CHP server for hostile-input tests: every frame it sends is chosen by the test.

The snapshot ROUTER runs in a thread of its own and answers ICANHAZ? by a ``Snapshot`` strategy
(a normal snapshot, one that never ends, one that trickles); the test may also send it raw
frames for the last client that asked (a stray KTHXBAI, a KVSYNC after the snapshot). The PUB
socket is driven from the test's thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator

import zmq

from server_link import chp
from server_link.endpoints import Endpoints

# Called in the router thread for each ICANHAZ?: yields the frames (after the identity) to send,
# one message at a time; a None pauses for the router's next turn.
Snapshot = Callable[[], Iterator[list[bytes] | None]]


def kthxbai(sequence: int, epoch: str = "e1") -> list[bytes]:
    return [b"KTHXBAI", chp.encode_sequence(sequence), b"", chp.encode_properties({"epoch": epoch}), b"/"]


def kvsync(key: str, body: bytes, sequence: int = 0) -> list[bytes]:
    return [key.encode(), chp.encode_sequence(sequence), b"", b"", body]


class RogueServer:
    def __init__(self, endpoints: Endpoints, snapshot: Snapshot | None = None) -> None:
        self.ctx = zmq.Context.instance()
        self.pub = self.ctx.socket(zmq.PUB)
        self.pub.linger = 0
        self.pub.sndhwm = 0
        self.pub.bind(endpoints.updates)
        self.sequence = 0
        self.epoch = "e1"
        self.snapshot: Snapshot = snapshot or (lambda: iter([kthxbai(self.sequence, self.epoch)]))
        self.requests = 0
        self.sent_kvsync_bytes = 0
        self._to_router: queue.SimpleQueue[list[bytes]] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve_snapshots, args=(endpoints,), name="rogue-router")
        self._thread.start()
        self._ready.wait(5)

    # ------------------------------------------------------------------ PUB (test thread)
    def send(self, *frames: bytes) -> None:
        self.pub.send_multipart(list(frames))

    def kvpub(self, key: str | bytes, body: bytes) -> None:
        self.sequence += 1
        raw_key = key.encode() if isinstance(key, str) else key
        self.send(raw_key, chp.encode_sequence(self.sequence), b"", b"", body)

    def hugz(self) -> None:
        props = chp.encode_properties({"epoch": self.epoch})
        self.send(b"HUGZ", chp.encode_sequence(self.sequence), b"", props, b"")

    # ------------------------------------------------------------------ ROUTER
    def to_last_client(self, frames: list[bytes]) -> None:
        """Send ``frames`` on the snapshot socket to the client that asked last (from the router thread)."""
        self._to_router.put(frames)

    def _serve_snapshots(self, endpoints: Endpoints) -> None:
        router = self.ctx.socket(zmq.ROUTER)
        router.linger = 0
        router.router_mandatory = True
        router.sndhwm = 0
        router.bind(endpoints.snapshot)
        self._ready.set()
        answering: tuple[bytes, Iterator[list[bytes] | None]] | None = None
        last: bytes | None = None
        try:
            while not self._stop.is_set():
                if router.poll(0 if answering else 10):
                    identity, *_ = router.recv_multipart()
                    self.requests += 1
                    answering, last = (identity, self.snapshot()), identity
                while not self._to_router.empty() and last is not None:
                    router.send_multipart([last, *self._to_router.get()])
                if answering is not None:
                    answering = self._send_some(router, *answering)
        finally:
            router.close()

    def _send_some(
        self, router: zmq.Socket[bytes], identity: bytes, frames: Iterator[list[bytes] | None]
    ) -> tuple[bytes, Iterator[list[bytes] | None]] | None:
        deadline = time.monotonic() + 0.01
        while time.monotonic() < deadline:
            msg = next(frames, [])
            if msg is None:
                return identity, frames
            if not msg:
                return None
            try:
                router.send_multipart([identity, *msg])
            except zmq.ZMQError:  # the client went away (it abandoned the snapshot)
                return None
            if msg[0] != b"KTHXBAI":
                self.sent_kvsync_bytes += len(msg[4])
        return identity, frames

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.pub.close()
