"""Checkpoint blobs: written with Zstandard, read in either format, damage said as such."""

from __future__ import annotations

import zlib

import msgspec
import pytest

from console.store.checkpoint_codec import ZSTD_MAGIC, decode_state, encode_state

STATE = {f"/case/DC{i:010d}": f'{{"title": "案件 {i}"}}'.encode() for i in range(500)} | {"/street/x": b""}


def test_a_checkpoint_comes_back_as_it_was_written() -> None:
    blob = encode_state(STATE)
    assert blob[:4] == ZSTD_MAGIC and len(blob) < len(msgspec.msgpack.encode(list(STATE.items()))) / 5
    assert decode_state(blob) == STATE
    assert decode_state(encode_state(list(STATE.items()))) == STATE


def test_a_checkpoint_of_the_older_zlib_format_is_still_read() -> None:
    old = zlib.compress(msgspec.msgpack.encode(list(STATE.items())), 6)
    assert decode_state(old) == STATE


@pytest.mark.parametrize(
    "blob",
    [
        encode_state(STATE)[:-20],  # cut short
        ZSTD_MAGIC + b"\x00" * 40,  # a frame that is not one
        b"\x78\x9c" + b"\xff" * 40,  # nor is this zlib
        zlib.compress(b"\x93not msgpack of pairs"),
    ],
)
def test_a_damaged_checkpoint_is_said_to_be_damaged(blob: bytes) -> None:
    with pytest.raises(ValueError, match="damaged checkpoint"):
        decode_state(blob)
