"""A CHP server's endpoints, derived from one base address as RFC 12 lays them out (P, P+1, P+2), and
the second collector our servers add at P+3 (docs/protocol.md §2.1)."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

_TCP = re.compile(r"^tcp://(?P<host>\[[0-9a-fA-F:]+\]|[^:/\[\]]+):(?P<port>\d{1,5})$")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Snapshot (ROUTER) at port P, updates (PUB) at P+1, collectors: PULL at P+2 and SUB at P+3."""

    host: str
    port: int

    @classmethod
    def parse(cls, address: str) -> Endpoints:
        """``tcp://HOST:PORT`` → Endpoints; a clear ``ValueError`` for anything else."""
        m = _TCP.match(address.strip())
        if not m:
            raise ValueError(f"endpoint {address!r} is not tcp://HOST:PORT")
        port = int(m["port"])
        if not 1 <= port <= 65532:
            raise ValueError(f"endpoint {address!r}: port must be 1..65532 (P to P+3 are used)")
        return cls(m["host"], port)

    @classmethod
    def free_loopback(cls, start: int = 0) -> Endpoints:
        """Four consecutive free ports on 127.0.0.1 (for the embedded demo and tests)."""
        for _ in range(200):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", start))
                base = probe.getsockname()[1]
            if base <= 65532 and all(_port_free(base + i) for i in range(4)):
                return cls("127.0.0.1", base)
        raise OSError("no four consecutive free ports on 127.0.0.1")

    def _at(self, offset: int) -> str:
        return f"tcp://{self.host}:{self.port + offset}"

    @property
    def snapshot(self) -> str:
        return self._at(0)

    @property
    def updates(self) -> str:
        return self._at(1)

    @property
    def collector(self) -> str:
        """The PULL collector (the Guide's Model 5): clients PUSH their KVSETs here."""
        return self._at(2)

    @property
    def collector_sub(self) -> str:
        """The SUB collector (RFC 12, the Guide's Model 6, one port up): clients PUB their KVSETs here."""
        return self._at(3)

    @property
    def is_loopback(self) -> bool:
        host = self.host.strip("[]")
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        return self.snapshot


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
