"""CurveZMQ: pinned server key, ZAP-authorised console keys; a wrong key gets nothing."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import zmq

from server_link.agent import LinkConfig
from server_link.curve import KeyPair, make_keys
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from tests.support.link import case, following, is_live, item


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, KeyPair]:
    """Key pairs made as ``grid-link keys`` makes them; only "console" is authorised."""
    out = {}
    for name in ("server", "console", "intruder"):
        public, secret = make_keys(tmp_path / "keys", name)
        out[name] = KeyPair.load(secret)
        assert KeyPair.load(public).secret is None
    authorized = tmp_path / "authorized"
    authorized.mkdir()
    shutil.copy(tmp_path / "keys" / "console.key", authorized / "console.key")
    return out


@pytest.fixture
def curve_server(endpoints: Endpoints, keys: dict[str, KeyPair], tmp_path: Path) -> Iterator[ChpServer]:
    server = ChpServer(endpoints, keys=keys["server"], authorized=tmp_path / "authorized").start()
    server.publish_many([item(case(n)) for n in range(1, 6)])
    yield server
    server.stop()


def test_authorised_console_with_pinned_key_follows(
    curve_server: ChpServer, endpoints: Endpoints, keys: dict[str, KeyPair]
) -> None:
    with following(endpoints, server_key=keys["server"].public, client_keys=keys["console"]) as (_, mirror):
        assert mirror.wait_for(lambda m: is_live(m) and len(m.bodies) == 5, 10)
        assert mirror.digest() == curve_server.digest()


@pytest.mark.parametrize("who", ["unauthorised console key", "wrong pinned server key", "no curve at all"])
def test_wrong_keys_get_nothing(
    curve_server: ChpServer, endpoints: Endpoints, keys: dict[str, KeyPair], who: str
) -> None:
    config: dict[str, object] = {
        "unauthorised console key": {"server_key": keys["server"].public, "client_keys": keys["intruder"]},
        "wrong pinned server key": {"server_key": keys["intruder"].public, "client_keys": keys["console"]},
        "no curve at all": {},
    }[who]  # type: ignore[assignment]
    with following(endpoints, snapshot_timeout=0.5, **config) as (client, mirror):
        time.sleep(3)
        curve_server.publish_many([item(case(n)) for n in range(10, 20)])
        time.sleep(1)
        assert mirror.batches == 0
        assert mirror.bodies == {}
        stats = client.stats()
        assert stats.updates_total == 0 and stats.newest_at is None


def test_a_pinned_server_key_needs_the_consoles_own_pair(keys: dict[str, KeyPair], endpoints: Endpoints) -> None:
    with pytest.raises(ValueError, match="own key pair"):
        LinkConfig(endpoints, server_key=keys["server"].public)


def test_curve_is_required_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="CurveZMQ is required"):
        LinkConfig(Endpoints.parse("tcp://10.20.30.40:5556"))
    with pytest.raises(ValueError, match="without CurveZMQ keys"):
        ChpServer(Endpoints.parse("tcp://10.20.30.40:5556"))


def test_bad_key_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        KeyPair.load(tmp_path / "missing.key")
    junk = tmp_path / "junk.key"
    junk.write_text("not a certificate")
    with pytest.raises(ValueError, match="not a ZeroMQ certificate"):
        KeyPair.load(junk)
    assert zmq.has("curve")
