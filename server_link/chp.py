"""CHP (ZeroMQ RFC 12, Clustered Hashmap Protocol) messages on the wire.

Every CHP message is five frames::

    frame 0  key          UTF-8 string: a CHP path ("/case/DC2026...") or a command
                          ("KTHXBAI", "HUGZ"); ICANHAZ? is the only two-frame message
    frame 1  sequence     8 bytes, unsigned, network order (struct "!Q")
    frame 2  uuid         empty or 16 bytes
    frame 3  properties   UTF-8, zero or more "name=value\\n" lines
    frame 4  body         bytes; for KVPUB/KVSET/KVSYNC a JSON record, empty = delete the key

Bytes live on the wire only: ``Message`` holds ``str`` keys and properties and ``bytes`` bodies.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ICANHAZ = b"ICANHAZ?"
KTHXBAI = "KTHXBAI"
HUGZ = "HUGZ"
COMMANDS = frozenset({KTHXBAI, HUGZ})

_SEQ = struct.Struct("!Q")
MAX_KEY_BYTES = 255
MAX_PROPERTIES_BYTES = 4096


class FrameError(ValueError):
    """A multipart message that is not a well-formed CHP message.

    ``reason`` is a short machine word ("frames", "sequence", "key", "uuid", "properties")
    used to count rejects.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Message:
    """One five-frame CHP message (KVSYNC, KTHXBAI, KVPUB, KVSET or HUGZ)."""

    key: str
    sequence: int = 0
    body: bytes = b""
    properties: Mapping[str, str] = field(default_factory=dict)
    uuid: bytes = b""

    def frames(self) -> list[bytes]:
        """The five frames to send."""
        return [
            self.key.encode(),
            _SEQ.pack(self.sequence),
            self.uuid,
            encode_properties(self.properties),
            self.body,
        ]


def encode_sequence(sequence: int) -> bytes:
    return _SEQ.pack(sequence)


def encode_properties(properties: Mapping[str, str]) -> bytes:
    """``name=value\\n`` lines; names and values may not contain ``=``/newlines respectively."""
    if not properties:
        return b""
    lines = []
    for name, value in properties.items():
        if not name or "=" in name or "\n" in name or "\n" in value:
            raise ValueError(f"property {name!r}={value!r} cannot be encoded")
        lines.append(f"{name}={value}\n")
    return "".join(lines).encode()


def decode_properties(raw: bytes) -> dict[str, str]:
    if not raw:
        return {}
    if len(raw) > MAX_PROPERTIES_BYTES:
        raise FrameError("properties", f"{len(raw)} bytes, limit {MAX_PROPERTIES_BYTES}")
    try:
        text = raw.decode()
    except UnicodeDecodeError as exc:
        raise FrameError("properties", "not UTF-8") from exc
    props: dict[str, str] = {}
    for line in text.split("\n"):
        if not line:
            continue
        name, sep, value = line.partition("=")
        if not sep or not name:
            raise FrameError("properties", f"line {line[:40]!r} is not name=value")
        props[name] = value
    return props


def decode(frames: list[bytes]) -> Message:
    """Parse a five-frame message; raise ``FrameError`` if it is malformed."""
    if len(frames) != 5:
        raise FrameError("frames", f"{len(frames)} frames, expected 5")
    raw_key, raw_seq, uuid, raw_props, body = frames
    if len(raw_seq) != 8:
        raise FrameError("sequence", f"{len(raw_seq)} bytes, expected 8")
    if len(uuid) not in (0, 16):
        raise FrameError("uuid", f"{len(uuid)} bytes, expected 0 or 16")
    if not raw_key or len(raw_key) > MAX_KEY_BYTES:
        raise FrameError("key", f"{len(raw_key)} bytes, expected 1..{MAX_KEY_BYTES}")
    try:
        key = raw_key.decode()
    except UnicodeDecodeError as exc:
        raise FrameError("key", "not UTF-8") from exc
    return Message(key, _SEQ.unpack(raw_seq)[0], body, decode_properties(raw_props), uuid)


def sequence_of(raw: bytes) -> int:
    """The sequence frame as an int; raise ``FrameError`` if it is not 8 bytes."""
    if len(raw) != 8:
        raise FrameError("sequence", f"{len(raw)} bytes, expected 8")
    return int(_SEQ.unpack(raw)[0])


def in_subtree(key: str, subtree: str) -> bool:
    return key.startswith(subtree)


def map_digest(items: Iterable[tuple[str, bytes]]) -> str:
    """SHA-256 over a hashmap's (key, body) pairs in key order: equal maps, equal digests."""
    h = hashlib.sha256()
    for key, body in sorted(items):
        kb = key.encode()
        h.update(_SEQ.pack(len(kb)))
        h.update(kb)
        h.update(_SEQ.pack(len(body)))
        h.update(body)
    return h.hexdigest()
