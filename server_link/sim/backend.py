"""The simulated case backend: a ``Simulation`` producing updates inside the reference CHP server.

It speaks nothing but CHP, so a console cannot tell it from a real backend. Clock mode runs the
simulated clock at ``speed`` × real time; load mode (``rate``) publishes that many updates per
second whatever the clock says. The simulation lives in the server's thread (it is the server's
``Producer`` and its collector hook), so council decisions arriving as KVSETs on ``/decision/...``
are applied at once: a decision the simulation cannot apply is refused and never published; one it
applies is stored and published, followed by the re-routed case, and every console sees both.
With ``video``, the cameras' links point at live streams served on loopback (``sim.video``), and a
camera the simulation takes offline stops streaming.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from server_link import records as r
from server_link.curve import KeyPair
from server_link.district import District, load_district
from server_link.endpoints import Endpoints
from server_link.server import ChpServer
from server_link.sim.engine import Simulation
from server_link.sim.profiles import Surge
from server_link.workcal import BEIJING

if TYPE_CHECKING:
    from server_link.sim.video import CameraFeeds

log = logging.getLogger(__name__)
META_NAME = "backend"
_BUDGET = 0.04  # seconds of simulation per produce() call in load mode


class SimBackend:
    """The server's producer and collector hook; every method runs in the server thread."""

    def __init__(
        self,
        sim: Simulation,
        *,
        speed: float = 1.0,
        rate: float | None = None,
        tick: float = 0.05,
        feeds: CameraFeeds | None = None,
        limit: int | None = None,
    ) -> None:
        if not 0 < speed <= 100_000:
            raise ValueError(f"speed {speed:g} must be in (0, 100000]")
        if rate is not None and rate <= 0:
            raise ValueError(f"rate {rate:g} must be positive")
        self.sim = sim
        self.feeds = feeds  # the cameras' video (make_backend's ``video``), started and stopped with the server
        self.speed = speed
        self.rate = rate
        self.interval = tick
        self.behind = False
        self.published = 0
        self.limit = limit  # stop producing once this many updates are published (then only serve)
        self._started: tuple[float, datetime, int] | None = None
        self._next_meta = 0.0

    def initial(self) -> list[tuple[str, bytes]]:
        """Reference records, the pre-generated past and the meta record, to publish first."""
        return [*self.sim.reference(), *self.sim.drain(), self._meta()]

    def produce(self) -> list[tuple[str, bytes]]:
        if self.limit is not None and self.published >= self.limit:
            self.behind = False
            return []  # done: the map stays as it is, so a follower can be compared with it
        now = time.monotonic()
        if self._started is None:
            self._started = (now, self.sim.now, self.published)
        wall0, sim0, published0 = self._started
        if self.rate is None:
            self.sim.run(until=sim0 + timedelta(seconds=(now - wall0) * self.speed))
            items = self.sim.drain()
        else:
            due = int((now - wall0) * self.rate) - (self.published - published0)
            items = self._produce_at_rate(due, now + _BUDGET)
            self.behind = len(items) < due
        if now >= self._next_meta:
            items.append(self._meta())
            self._next_meta = now + 1.0
        if self.limit is not None:
            items = items[: self.limit - self.published]
        self.published += len(items)
        return items

    def _produce_at_rate(self, due: int, deadline: float) -> list[tuple[str, bytes]]:
        items: list[tuple[str, bytes]] = []
        while len(items) < due and time.monotonic() < deadline:
            # Drain often: the longer changes pile up, the more of them coalesce per case, and
            # the more events it takes per published update.
            if not self.sim.run(max_events=100):
                break
            items += self.sim.drain()
        return items

    def accept_kvset(self, key: str, body: bytes, props: Mapping[str, str]) -> bool | str:
        """Collector hook: decisions the simulation can apply, and valid alarm handlings, camera show
        requests, agenda items and presentations (kept and echoed as they are, docs/protocol.md §16.1,
        §16.2, §16.4), are taken; anything else is refused with the reason."""
        relayed = {
            "/alarm/": r.AlarmHandling, "/show/": r.ShowRequest, "/agenda/": r.AgendaItem, "/present/": r.Presentation
        }  # fmt: skip
        kind = next((k for prefix, k in relayed.items() if key.startswith(prefix)), None)
        if kind is None and not key.startswith("/decision/"):
            return "the backend takes decisions, alarm handlings, show requests and the agenda only"
        if not body:
            return "the backend deletes no record for a console"
        try:
            record = r.decode(key, body)
        except r.RecordError as exc:
            log.warning("%s refused: %s", key.split("/")[1], exc)
            return f"not a valid record ({exc.reason})"
        if kind is not None:
            return isinstance(record, kind)
        assert isinstance(record, r.Decision)  # decode checked the kind against the key
        why = self.sim.apply_decision(record)
        if why is not None:
            self.sim.stats.rejected_decisions += 1
            log.warning("decision %s/%d refused: %s", record.case_no, record.n, why)
            return why
        return True

    def _meta(self) -> tuple[str, bytes]:
        meta = r.ServerMeta(
            schema=1, name=META_NAME, district="110101", clock=self.sim.now, speed=self.speed, simulated=True
        )
        return r.key_of(meta), r.encode(meta)


def make_backend(
    endpoints: Endpoints,
    *,
    seed: int = 1,
    speed: float = 1.0,
    history_days: float = 0.0,
    rate: float | None = None,
    now: datetime | None = None,
    surges: Iterable[Surge] = (),
    keys: KeyPair | None = None,
    authorized: Path | None = None,
    hwm: int = 200_000,
    video: bool = False,
    video_port: int = 0,
    updates: int | None = None,
) -> tuple[ChpServer, SimBackend]:
    """A server driven by a simulation whose past is pre-generated; start it with ``start_backend``,
    stop it with ``stop_backend``. With ``video``, the cameras' links are their streams on
    127.0.0.1:``video_port`` (0: a free port), served by ``backend.feeds``."""
    now = now or datetime.now(BEIJING)
    district, feeds = load_district(), None
    if video:
        from server_link.sim.video import CameraFeeds  # PyAV loads only when video is asked for

        feeds = CameraFeeds(port=video_port)  # bound now: the camera records carry its port
        district = _relinked(district, feeds.url_for)
    try:
        sim = Simulation(district, seed=seed, start=now - timedelta(days=history_days), surges=surges)
        sim.run(until=now)  # the pre-generated past: backlog and closed history
        backend = SimBackend(sim, speed=speed, rate=rate, feeds=feeds, limit=updates)
        server = ChpServer(
            endpoints, keys=keys, authorized=authorized, pub_hwm=hwm, on_kvset=backend.accept_kvset, producer=backend
        )
    except BaseException:
        if feeds is not None:
            feeds.stop()
        raise
    return server, backend


def start_backend(server: ChpServer, backend: SimBackend) -> None:
    """Start the server with the backend's initial records published before anything else, and the
    cameras' video if it has some."""
    if backend.feeds is not None:
        backend.feeds.start(backend.sim.camera_online)
    try:
        server.publish_many(backend.initial())
        server.start()
    except BaseException:
        if backend.feeds is not None:
            backend.feeds.stop()
        raise


def stop_backend(server: ChpServer, backend: SimBackend) -> None:
    """Stop the server, then the cameras' video."""
    server.stop()
    if backend.feeds is not None:
        backend.feeds.stop()


def _relinked(district: District, url_for: Callable[[str], str]) -> District:
    """``district`` with each camera's link replaced by ``url_for(camera id)``."""
    cameras = {i: dataclasses.replace(c, url=url_for(i)) for i, c in district.cameras.items()}
    return dataclasses.replace(district, cameras=cameras)
