"""A CHP server's three endpoints, derived from one base address as RFC 12 lays them out."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass

_TCP = re.compile(r"^tcp://(?P<host>\[[0-9a-fA-F:]+\]|[^:/\[\]]+):(?P<port>\d{1,5})$")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Snapshot (ROUTER) at port P, updates (PUB) at P+1, collector (PULL) at P+2."""

    host: str
    port: int

    @classmethod
    def parse(cls, address: str) -> Endpoints:
        """``tcp://HOST:PORT`` → Endpoints; a clear ``ValueError`` for anything else."""
        m = _TCP.match(address.strip())
        if not m:
            raise ValueError(f"endpoint {address!r} is not tcp://HOST:PORT")
        port = int(m["port"])
        if not 1 <= port <= 65533:
            raise ValueError(f"endpoint {address!r}: port must be 1..65533 (P, P+1, P+2 are used)")
        return cls(m["host"], port)

    @classmethod
    def free_loopback(cls, start: int = 0) -> Endpoints:
        """Three consecutive free ports on 127.0.0.1 (for the embedded demo and tests)."""
        for _ in range(200):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", start))
                base = probe.getsockname()[1]
            if base <= 65533 and all(_port_free(base + i) for i in range(3)):
                return cls("127.0.0.1", base)
        raise OSError("no three consecutive free ports on 127.0.0.1")

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
        return self._at(2)

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
