"""A small self-running CHP backend that keeps docs/protocol.md, except for the faults it is told to make.

Unlike ``rogue.RogueServer`` (every frame chosen by the test), it runs on its own — a case update
every 50 ms from ``ScriptedFeed``, a HUGZ every 0.5 s, snapshots, a collector that takes decisions
— so that ``grid-link conform`` can follow it for a few seconds. Each name in ``faults`` breaks
one rule of the page (``FAULTS`` lists them with the rule). One thread owns the three sockets.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime

import msgspec
import zmq

from server_link import chp
from server_link import records as r
from server_link.endpoints import Endpoints
from server_link.feed import ScriptedFeed
from tests.support.rogue import kthxbai

FAULTS = {
    "sequence_skip": "every tenth KVPUB skips a sequence number (§5)",
    "kthxbai_behind": "KTHXBAI carries the highest KVSYNC sequence, not the current one (§4.3, A2)",
    "snapshot_gap": "the snapshot leaves out the key set last before it (§4.3)",
    "subtree_ignored": "a subtree snapshot holds the whole map (§4.1)",
    "kvsync_frames": "a KVSYNC of four frames (§4.2)",
    "kvpub_uuid": "every tenth KVPUB has a 3-byte uuid frame (§4.4)",
    "hugz_slow": "a HUGZ every 2.5 s (§4.5)",
    "hugz_sequence": "HUGZ always carries sequence 0 (§4.5, A3)",
    "epoch_changes": "each HUGZ carries a new epoch (§7)",
    "bad_key": "a KVPUB at /cases/... (§10)",
    "bad_body": "a case without its title (§11)",
    "member_order": "bodies with schema before kind (§11)",
    "timeline_jump": "a case collected, then closed (§11.3)",
    "escalated_small": "an escalated case in the small loop (§11.2)",
    "no_echo": "commands sent by consoles are dropped, unanswered (§16, §16.3)",
    "accepts_invalid": "every KVSET is published, whatever it holds (§16)",
}
TICK_S = 0.05
HUGZ_S = 0.5


class FaultyBackend:
    def __init__(self, endpoints: Endpoints, faults: frozenset[str] = frozenset()) -> None:
        unknown = faults - FAULTS.keys()
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        self.faults = faults
        self.endpoints = endpoints
        self.feed = ScriptedFeed(cases=40, seed=4)
        self.sequence = 0
        self.published = 0
        self.epoch = "faulty0"
        self.map: dict[str, tuple[int, bytes]] = {}
        self.last_key = ""  # the last key set
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faulty-backend", daemon=True)

    def __enter__(self) -> FaultyBackend:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the faulty backend did not start")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    # ------------------------------------------------------------------ the server thread
    def _run(self) -> None:
        ctx = zmq.Context.instance()
        router, pub, pull = ctx.socket(zmq.ROUTER), ctx.socket(zmq.PUB), ctx.socket(zmq.PULL)
        for s in (router, pub, pull):
            s.linger = 0
        pub.sndhwm = 0
        router.bind(self.endpoints.snapshot)
        pub.bind(self.endpoints.updates)
        pull.bind(self.endpoints.collector)
        poller = zmq.Poller()
        poller.register(router, zmq.POLLIN)
        poller.register(pull, zmq.POLLIN)
        for key, body in self.feed.reference():
            self._publish(pub, key, body)
        self._ready.set()
        next_tick = next_hugz = time.monotonic()
        ticks = 0
        try:
            while not self._stop.is_set():
                events = dict(poller.poll(10))
                if router in events:
                    self._snapshot(router)
                if pull in events:
                    self._collect(pull, pub)
                now = time.monotonic()
                if now >= next_tick:
                    ticks += 1
                    self._tick(pub, ticks)
                    next_tick = now + TICK_S
                if now >= next_hugz:
                    self._hugz(pub)
                    next_hugz = now + (2.5 if "hugz_slow" in self.faults else HUGZ_S)
        finally:
            for s in (router, pub, pull):
                s.close(linger=0)

    def _publish(self, pub: zmq.Socket[bytes], key: str, body: bytes) -> None:
        self.published += 1
        skip = "sequence_skip" in self.faults and self.published % 10 == 0
        self.sequence += 2 if skip else 1
        uuid = b"xyz" if "kvpub_uuid" in self.faults and self.published % 10 == 0 else b""
        if body:
            self.last_key = key
        if body:
            self.map[key] = (self.sequence, body)
        else:
            self.map.pop(key, None)
        pub.send_multipart([key.encode(), chp.encode_sequence(self.sequence), uuid, b"", body])

    def _hugz(self, pub: zmq.Socket[bytes]) -> None:
        if "epoch_changes" in self.faults:
            self.epoch = f"faulty{self.published}"
        seq = 0 if "hugz_sequence" in self.faults else self.sequence
        pub.send_multipart([b"HUGZ", chp.encode_sequence(seq), b"", chp.encode_properties({"epoch": self.epoch}), b""])

    def _tick(self, pub: zmq.Socket[bytes], ticks: int) -> None:
        key, body = self.feed.next_update()
        if "member_order" in self.faults:
            obj = json.loads(body)
            body = json.dumps({"schema": obj.pop("schema"), **obj}, ensure_ascii=False).encode()
        self._publish(pub, key, body)
        if "kthxbai_behind" in self.faults:  # the last update is a delete, as after a purge
            self._publish(pub, "/case/TMP0000", body.replace(key[6:].encode(), b"TMP0000"))
            self._publish(pub, "/case/TMP0000", b"")
        if ticks % 20 == 1:
            for bad_key, bad_body in self._bad_records(key, body):
                self._publish(pub, bad_key, bad_body)

    def _bad_records(self, key: str, body: bytes) -> list[tuple[str, bytes]]:
        case = r.decode(key, body)
        assert isinstance(case, r.Case)
        out: list[tuple[str, bytes]] = []
        if "bad_key" in self.faults:
            out.append(("/cases/X0000001", body))
        if "bad_body" in self.faults:
            obj = json.loads(body)
            del obj["title"]
            out.append(("/case/BAD0000001", json.dumps({**obj, "no": "BAD0000001"}, ensure_ascii=False).encode()))
        first = r.Event(at=case.received_at, step=r.Step.COLLECTED, action=r.Action.COLLECT)
        if "timeline_jump" in self.faults:
            closed = r.Event(at=case.received_at, step=r.Step.CLOSED, action=r.Action.CLOSE)
            jump = msgspec.structs.replace(case, no="JUMP000001", step=r.Step.CLOSED, timeline=[first, closed])
            out.append((r.key_of(jump), r.encode(jump)))
        if "escalated_small" in self.faults:
            small = msgspec.structs.replace(
                case, no="ESC0000001", step=r.Step.COLLECTED, loop=r.Loop.SMALL, escalated=True, timeline=[first]
            )
            out.append((r.key_of(small), r.encode(small)))
        return out

    def _snapshot(self, router: zmq.Socket[bytes]) -> None:
        while True:
            try:
                identity, command, subtree = router.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            except ValueError:
                continue
            if command != chp.ICANHAZ:
                continue
            prefix = "" if "subtree_ignored" in self.faults else subtree.decode()
            items = [(k, v) for k, v in self.map.items() if k.startswith(prefix)]
            if "snapshot_gap" in self.faults:
                items = [(k, v) for k, v in items if k != self.last_key]
            for i, (k, (seq, body)) in enumerate(items):
                frames = [k.encode(), chp.encode_sequence(seq), b"", b"", body]
                if "kvsync_frames" in self.faults and i == 0:
                    del frames[2]
                router.send_multipart([identity, *frames])
            highest = max((seq for _, (seq, _) in items), default=0)
            current = highest if "kthxbai_behind" in self.faults else self.sequence
            reply = kthxbai(current, self.epoch)
            reply[4] = subtree
            router.send_multipart([identity, *reply])

    def _collect(self, pull: zmq.Socket[bytes], pub: zmq.Socket[bytes]) -> None:
        while True:
            try:
                frames = pull.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            if "no_echo" in self.faults:
                continue
            msg = chp.decode(frames)
            if "accepts_invalid" in self.faults or self._valid_decision(msg):
                self._publish(pub, msg.key, msg.body)
            elif len(msg.uuid) == 16:  # the refusal the console can read (§16.3)
                refusal = r.Refusal(
                    schema=1, uuid=msg.uuid.hex(), key=msg.key, reason="refused", refused_at=datetime.now(UTC)
                )
                self._publish(pub, r.key_of(refusal), r.encode(refusal))

    def _valid_decision(self, msg: chp.Message) -> bool:
        if not msg.key.startswith("/decision/") or not msg.body:
            return False
        held = self.map.get(msg.key)
        if held is not None and held[1] != msg.body:
            return False
        try:
            return isinstance(r.decode(msg.key, msg.body), r.Decision)
        except r.RecordError:
            return False
