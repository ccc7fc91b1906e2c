"""CurveZMQ keys: made by ``grid-link keys``, pinned by consoles, authorised by servers (ZAP)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

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


def make_keys(directory: str | Path, name: str, role: str | None = None) -> tuple[Path, Path]:
    """Write ``NAME.key`` (public, to hand out) and ``NAME.key_secret`` (keep private); with ``role``,
    both name it in their metadata (``role = council``), which a server authorising the key reads."""
    if role is not None and ROLE.fullmatch(role) is None:
        raise ValueError(f"role {role!r} is not 1..64 letters, digits, '_', '.' or '-'")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    public, secret = zmq.auth.create_certificates(d, name, metadata={"role": role} if role else None)
    Path(secret).chmod(0o600)
    if role:  # pyzmq writes metadata into the secret file only; the public one is what servers read
        text = Path(public).read_text(encoding="utf-8")
        Path(public).write_text(text.replace("metadata\n", f'metadata\n    role = "{role}"\n', 1), encoding="utf-8")
    return Path(public), Path(secret)


ROLE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", re.ASCII)
_META_ROLE: Final = re.compile(r'^[ \t]+role[ \t]*=[ \t]*"?([A-Za-z0-9][A-Za-z0-9_.-]{0,63})"?[ \t]*$', re.ASCII)


def authorized_roles(folder: str | Path) -> dict[bytes, str | None]:
    """Each authorised public key (``*.key`` in ``folder``; Z85, as ZAP names it) with the role its
    metadata names, or None (a key without a role may follow the backend but not write). A file that
    is not a certificate is a clear error."""
    roles: dict[bytes, str | None] = {}
    for path in sorted(Path(folder).glob("*.key")):
        public = KeyPair.load(path).public
        roles[public] = role_in(path.read_text(encoding="utf-8", errors="replace"))
    return roles


def role_in(certificate: str) -> str | None:
    """The ``role`` a ZPL certificate's ``metadata`` section names (ZeroMQ RFC 4 and 32), or None."""
    section = ""
    for line in certificate.splitlines():
        if line and not line[0].isspace():
            section = line.split("#")[0].strip()
        elif section == "metadata" and (m := _META_ROLE.match(line)):
            return m.group(1)
    return None


def client_keys(server_key: str | Path, client_key: str | Path | None) -> tuple[KeyPair, bytes]:
    """The console's own pair and the pinned server key; the server must authorise the pair."""
    if client_key is None:
        raise ValueError(
            "a client key pair is required with the server key: make one with "
            "'grid-link keys --dir DIR --name NAME', pass DIR/NAME.key_secret and have the "
            "backend authorise DIR/NAME.key"
        )
    return KeyPair.load(client_key), KeyPair.load(server_key).public


def embedded_keys(folder: str | Path, role: str) -> tuple[KeyPair, KeyPair]:
    """For a backend started inside the console (``--demo``): a server key pair, and a console key
    pair authorised in ``folder`` as ``role``: (server, console). The server reads ``folder`` when
    it starts; it may be removed after."""
    public, secret = zmq.curve_keypair()
    make_keys(folder, "console", role)
    console = KeyPair.load(Path(folder) / "console.key_secret")
    (Path(folder) / "console.key_secret").unlink()  # the authorised folder holds public keys only
    return KeyPair(public, secret), console
