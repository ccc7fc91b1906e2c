"""An ``Observation`` read once into what the checks need: messages decoded, the map rebuilt.

Framing faults are kept as text, never raised: a malformed message is evidence, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server_link import chp
from server_link import records as r
from server_link.conform.observe import Observation, Received, SnapshotSeen

HUGZ = chp.HUGZ.encode()
KTHXBAI = chp.KTHXBAI.encode()


@dataclass(frozen=True, slots=True)
class Seen:
    """A well-framed message and when it was read."""

    at: float
    msg: chp.Message


@dataclass
class SnapshotEvidence:
    asked: SnapshotSeen
    kvsyncs: list[chp.Message] = field(default_factory=list)
    kthxbai: chp.Message | None = None
    kthxbai_raw: list[bytes] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # framing faults, in words

    @property
    def items(self) -> dict[str, bytes]:
        return {m.key: m.body for m in self.kvsyncs}


@dataclass
class Evidence:
    obs: Observation
    kvpubs: list[Seen] = field(default_factory=list)
    hugz: list[tuple[Seen, int | None]] = field(default_factory=list)  # with the last KVPUB sequence read before
    hugz_raw: list[list[bytes]] = field(default_factory=list)
    update_faults: list[str] = field(default_factory=list)
    snapshot: SnapshotEvidence | None = None
    subtree: SnapshotEvidence | None = None
    decoded: tuple[list[tuple[str, str, r.Record]], list[str]] | None = None  # decode_all's, once

    def current_map(self) -> dict[str, bytes]:
        """The map as of the last KVPUB read: the snapshot plus every later KVPUB applied."""
        if self.snapshot is None or self.snapshot.kthxbai is None:
            return {}
        out = dict(self.snapshot.items)
        for seen in self.kvpubs:
            if seen.msg.sequence > self.snapshot.kthxbai.sequence:
                if seen.msg.body:
                    out[seen.msg.key] = seen.msg.body
                else:
                    out.pop(seen.msg.key, None)
        return out

    def records(self) -> list[tuple[str, str, bytes]]:
        """Every non-empty body seen, as (where, key, body): the snapshot's KVSYNCs and every KVPUB."""
        out: list[tuple[str, str, bytes]] = []
        if self.snapshot is not None:
            out += [("KVSYNC", m.key, m.body) for m in self.snapshot.kvsyncs if m.body]
        out += [(f"KVPUB {s.msg.sequence}", s.msg.key, s.msg.body) for s in self.kvpubs if s.msg.body]
        return out


def describe(frames: list[bytes]) -> str:
    """A message in a few words: frame count and sizes, and the first frame."""
    first = frames[0][:40] if frames else b""
    return f"{len(frames)} frames {[len(f) for f in frames]}, frame 0 {first!r}"


def _decode(frames: list[bytes]) -> tuple[chp.Message | None, str]:
    try:
        return chp.decode(frames), ""
    except chp.FrameError as exc:
        return None, f"{exc} ({describe(frames)})"


def _snapshot(asked: SnapshotSeen | None) -> SnapshotEvidence | None:
    if asked is None:
        return None
    ev = SnapshotEvidence(asked)
    for received in asked.messages:
        msg, fault = _decode(received.frames)
        if msg is None:
            ev.faults.append(f"snapshot message: {fault}")
            continue
        if received.frames[0] == KTHXBAI:
            ev.kthxbai, ev.kthxbai_raw = msg, received.frames
        elif not msg.body:
            ev.faults.append(f"KVSYNC {msg.key!r} has an empty body (deleted keys are not sent)")
        else:
            ev.kvsyncs.append(msg)
    return ev


def gather(obs: Observation) -> Evidence:
    ev = Evidence(obs, snapshot=_snapshot(obs.snapshot), subtree=_snapshot(obs.subtree_snapshot))
    last: int | None = None
    for received in obs.updates:
        _take_update(ev, received, last)
        if ev.kvpubs:
            last = ev.kvpubs[-1].msg.sequence
    return ev


def _take_update(ev: Evidence, received: Received, last: int | None) -> None:
    frames = received.frames
    msg, fault = _decode(frames)
    if msg is None:
        ev.update_faults.append(fault)
        return
    if frames[0] == HUGZ:
        ev.hugz.append((Seen(received.at, msg), last))
        ev.hugz_raw.append(frames)
    elif not msg.key.startswith("/"):
        ev.update_faults.append(f"key {msg.key[:40]!r} on the PUB is neither HUGZ nor a path")
    else:
        ev.kvpubs.append(Seen(received.at, msg))


def decode_all(ev: Evidence) -> tuple[list[tuple[str, str, r.Record]], list[str]]:
    """Every body seen at a key of the key space (``keys`` judges the others) decoded by the
    page's rules: the records, and the faults in words."""
    if ev.decoded is not None:
        return ev.decoded
    good: list[tuple[str, str, r.Record]] = []
    bad: list[str] = []
    for where, key, body in ev.records():
        if not r.is_key(key):
            continue
        try:
            good.append((where, key, r.decode(key, body)))
        except r.RecordError as exc:
            bad.append(f"{where} {key[:60]}: {str(exc)[:160]}")
    ev.decoded = (good, bad)
    return ev.decoded
