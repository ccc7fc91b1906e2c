"""The checkpoint blob: zlib-compressed msgpack of ``[(key, body), ...]``.

msgpack keeps bodies as raw bytes (no base64). zlib level 6 (the default): on a Dongcheng-sized map
(12,000 keys, 19 MB raw) it makes 2.1 MB in 0.4 s where level 1 makes 2.8 MB in 0.2 s, and it
decompresses a little faster. A checkpoint is written once per interval, outside the write lock,
and kept for seven days, so size matters more than the 0.2 s.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Final

import msgspec

LEVEL: Final = 6
_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(list[tuple[str, bytes]])


def encode_state(items: Iterable[tuple[str, bytes]] | Mapping[str, bytes]) -> bytes:
    pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
    return zlib.compress(_ENCODER.encode(pairs), LEVEL)


def decode_state(blob: bytes) -> dict[str, bytes]:
    """The map a checkpoint holds; raises ``ValueError`` for a damaged blob."""
    try:
        return dict(_DECODER.decode(zlib.decompress(blob)))
    except (zlib.error, msgspec.DecodeError) as exc:
        raise ValueError(f"damaged checkpoint: {exc}") from exc
