"""CurveZMQ keys: made by ``grid-link keys``, pinned by consoles, authorised by servers (ZAP)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import zmq
import zmq.auth


@dataclass(frozen=True, slots=True)
class KeyPair:
    public: bytes
    secret: bytes | None = None

    @classmethod
    def load(cls, path: str | Path) -> KeyPair:
        """Read a ZeroMQ certificate (``NAME.key`` or ``NAME.key_secret``); a clear error if bad."""
        p = Path(path)
        if not p.is_file():
            raise ValueError(f"key file {p} does not exist")
        try:
            public, secret = zmq.auth.load_certificate(p)
        except (ValueError, OSError) as exc:
            raise ValueError(f"key file {p} is not a ZeroMQ certificate: {exc}") from exc
        return cls(public, secret)

    def apply_client(self, sock: zmq.Socket[bytes], server_public: bytes) -> None:
        if self.secret is None:
            raise ValueError("a client key pair needs its secret half (NAME.key_secret)")
        sock.curve_secretkey = self.secret
        sock.curve_publickey = self.public
        sock.curve_serverkey = server_public

    def apply_server(self, sock: zmq.Socket[bytes]) -> None:
        if self.secret is None:
            raise ValueError("the server key pair needs its secret half (NAME.key_secret)")
        sock.curve_secretkey = self.secret
        sock.curve_publickey = self.public
        sock.curve_server = True


def make_keys(directory: str | Path, name: str) -> tuple[Path, Path]:
    """Write ``NAME.key`` (public, to hand out) and ``NAME.key_secret`` (keep private)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    public, secret = zmq.auth.create_certificates(d, name)
    Path(secret).chmod(0o600)
    return Path(public), Path(secret)


def client_keys(server_key: str | Path, client_key: str | Path | None) -> tuple[KeyPair, bytes]:
    """The console's own pair and the pinned server key; the server must authorise the pair."""
    if client_key is None:
        raise ValueError(
            "a client key pair is required with the server key: make one with "
            "'grid-link keys --dir DIR --name NAME', pass DIR/NAME.key_secret and have the "
            "backend authorise DIR/NAME.key"
        )
    return KeyPair.load(client_key), KeyPair.load(server_key).public
