"""What each role may write (docs/protocol.md §17.1), and the reference server enforcing it by the
CurveZMQ key a console authenticated with, not by the role it declares. Real ZeroMQ on 127.0.0.1."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import msgspec
import zmq

from server_link import authority, chp
from server_link import records as r
from server_link.curve import KeyPair, authorized_roles, make_keys, role_in
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.support.link import T0

NOTE = r.Decision(schema=1, case_no="DC2026112700017", n=1, decided_at=T0, action=r.DecisionAction.NOTE, by="王",
                  role="commander")  # fmt: skip
ASSIGN = r.Decision(schema=1, case_no="DC2026112700017", n=2, decided_at=T0, action=r.DecisionAction.ASSIGN,
                    dept="d-cgzf", by="王", role="commander")  # fmt: skip


def _item(listed: bool, rank: float = 1.0, role: str = "commander") -> r.AgendaItem:
    return r.AgendaItem(
        schema=1, case_no="DC2026112700017", listed=listed, rank=rank, changed_at=T0, by="王", role=role
    )


def test_the_commander_notes_and_proposes_the_council_decides_and_the_leader_writes_nothing() -> None:
    listed, moved, removed = _item(True), _item(True, rank=0.5), _item(False)
    assert authority.refusal("commander", NOTE, r.key_of(NOTE), None) is None
    assert authority.refusal("commander", ASSIGN, r.key_of(ASSIGN), None) == "the commander role may not write decision"
    assert authority.refusal("commander", listed, r.key_of(listed), None) is None  # to the council
    assert authority.refusal("commander", listed, r.key_of(listed), removed) is None  # back on it
    assert authority.refusal("commander", moved, r.key_of(moved), listed) == "the commander role may not write agenda"
    assert authority.refusal("commander", removed, r.key_of(removed), listed) is not None
    for record in (NOTE, ASSIGN, listed, moved, removed):
        assert authority.refusal("council", record, r.key_of(record), listed) is None
        assert authority.refusal("leader", record, r.key_of(record), None) is not None
    assert (
        authority.refusal("council", None, "/case/DC2026112700017", None) == "case records are the backend's to write"
    )


def test_a_keys_role_lives_in_its_public_certificates_metadata(tmp_path: Path) -> None:
    public, secret = make_keys(tmp_path, "desk-1", role="council")
    make_keys(tmp_path, "watcher")  # no role: may follow, not write
    assert role_in(public.read_text()) == role_in(secret.read_text()) == "council"
    assert sorted(map(str, authorized_roles(tmp_path).values())) == ["None", "council"]
    assert role_in('metadata\n    role = "x" y\ncurve\n') is None  # not a role: ignored, not half-read
    assert role_in("curve\n    role = council\n") is None  # only the metadata section counts


def test_the_server_takes_the_role_from_the_key_not_from_the_command(tmp_path: Path, endpoints: Endpoints) -> None:
    make_keys(tmp_path / "server", "backend")
    for name, role in (("desk", "commander"), ("hall", "relay")):
        make_keys(tmp_path / "authorized", name, role=role)
    server_keys = KeyPair.load(tmp_path / "server" / "backend.key_secret")
    server = ChpServer(endpoints, keys=server_keys, authorized=tmp_path / "authorized").start()
    ctx: zmq.Context[zmq.Socket[bytes]] = zmq.Context()
    try:

        def push(name: str, role: str, record: r.Decision) -> bytes:
            sock = ctx.socket(zmq.PUSH)
            KeyPair.load(tmp_path / "authorized" / f"{name}.key_secret").apply_client(sock, server_keys.public)
            sock.connect(endpoints.collector)
            name_ = uuid.uuid4().bytes
            sock.send_multipart(chp.Message(r.key_of(record), 0, r.encode(record), {"role": role}, name_).frames())
            sock.close(linger=5000)
            return name_

        council_note = msgspec.structs.replace(NOTE, role="council")
        lied = push("desk", "council", council_note)  # a commander's key declaring the council
        overreached = push("desk", "commander", ASSIGN)  # a commander's key routing a case
        push("desk", "commander", NOTE)  # as it should be
        deadline = time.monotonic() + 10
        while server.call(lambda s: s.kvsets_received) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        refusals = {
            x.uuid: x.detail
            for k, b in server.call(lambda s: s.items("/refusal/"))
            if isinstance(x := r.decode(k, b), r.Refusal)
        }
        assert refusals == {
            lied.hex(): "this console's key is authorised as commander, not council",
            overreached.hex(): "the commander role may not write decision",
        }
        assert server.call(lambda s: s.items("/decision/")) == [(r.key_of(NOTE), r.encode(NOTE))]
        # a relay's key keeps the role its follower declared (the relay checked the follower's key)
        push("hall", "council", msgspec.structs.replace(council_note, n=3))
        deadline = time.monotonic() + 10
        while len(server.call(lambda s: s.items("/decision/"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(server.call(lambda s: s.items("/decision/"))) == 2
    finally:
        server.stop()
        ctx.term()
