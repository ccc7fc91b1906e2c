"""A child Python process joined to its parent by two pipes, for work kept off the console's
interpreter lock (the store). Messages are pickled objects framed by
``multiprocessing.connection``; bulk rows travel as one msgpack blob (``ROWS``)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from multiprocessing.connection import Connection
from typing import Any, Final

import msgspec

PROTOCOL: Final = pickle.HIGHEST_PROTOCOL
# (key, sequence, body) rows of a batch as one blob: a fifth of the cost of pickling the tuples.
ROWS: Final = msgspec.msgpack.Encoder()
ROWS_DECODER: Final = msgspec.msgpack.Decoder(list[tuple[str, int, bytes]])


def spawn(module: str, *args: str) -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """Start ``python -m module FD_IN FD_OUT *args``: the child, the parent's sending end and its receiving end."""
    to_child_r, to_child_w = os.pipe()
    to_parent_r, to_parent_w = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", module, str(to_child_r), str(to_parent_w), *args],
            pass_fds=(to_child_r, to_parent_w),
            stdin=subprocess.DEVNULL,
        )
    except BaseException:
        for fd in (to_child_w, to_parent_r):
            os.close(fd)
        raise
    finally:
        os.close(to_child_r)
        os.close(to_parent_w)
    return child, Connection(to_child_w, readable=False), Connection(to_parent_r, writable=False)


def child_ends(argv: list[str]) -> tuple[Connection, Connection, list[str]]:
    """In the child: its receiving end, its sending end, and the rest of its arguments."""
    fd_in, fd_out, *rest = argv
    return Connection(int(fd_in), writable=False), Connection(int(fd_out), readable=False), rest


def send(conn: Connection, message: Any) -> None:
    conn.send_bytes(pickle.dumps(message, PROTOCOL))


def receive(conn: Connection) -> Any:
    """The next message; ``EOFError`` when the other side has closed its end (or died)."""
    return pickle.loads(conn.recv_bytes())
