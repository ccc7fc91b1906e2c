"""The camera index: the nearest cameras of a point equal a brute-force search over every camera;
compass directions; a situation's index follows cameras that come, go and move,
and not those that only go offline."""

from __future__ import annotations

import random

import pytest

from console.core.camera_index import CameraIndex, bearing_deg, compass, nearby_cameras
from console.core.cameras import metres_between
from console.core.situation import Situation
from server_link import records as r
from server_link.district import load_district
from server_link.link_state import Batch, Update

DISTRICT = load_district()
LON0, LON1, LAT0, LAT1 = 116.38, 116.45, 39.86, 39.96  # about the district's extent


def camera(n: int, lon: float, lat: float, *, online: bool = True) -> r.Camera:
    return r.Camera(schema=1, id=f"{n:020d}", name=f"摄像头{n}", lon=lon, lat=lat,
                    url="rtsp://10.0.0.1/x", online=online)  # fmt: skip


def brute_force(cams: list[r.Camera], lon: float, lat: float, limit: int, within: float) -> list[tuple[str, float]]:
    found = [(metres_between(c.lon, c.lat, lon, lat), r.key_of(c)) for c in cams]
    found = sorted((d, k) for d, k in found if d <= within)
    return [(k, d) for d, k in found[:limit]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_nearest_cameras_of_a_point_equal_a_brute_force_search(seed: int) -> None:
    rng = random.Random(seed)
    cams = [camera(n, rng.uniform(LON0, LON1), rng.uniform(LAT0, LAT1)) for n in range(2000)]
    # a few cameras on the same spot and on a cell's edge: ties are ordered by key
    cams += [camera(5000 + n, cams[0].lon, cams[0].lat) for n in range(3)]
    index = CameraIndex((r.key_of(c), c) for c in cams)
    assert len(index) == len(cams)
    points = [(rng.uniform(LON0 - 0.02, LON1 + 0.02), rng.uniform(LAT0 - 0.02, LAT1 + 0.02)) for _ in range(300)]
    points.append((cams[0].lon, cams[0].lat))
    for lon, lat in points:
        for limit, within in ((5, 500.0), (16, 2000.0), (4, float("inf")), (1, 50.0)):
            got = [(k, d) for k, d, _ in index.nearest(lon, lat, limit=limit, within_m=within)]
            assert got == brute_force(cams, lon, lat, limit, within), (lon, lat, limit, within)


def test_a_point_far_outside_the_district_still_finds_the_nearest_when_reach_is_unbounded() -> None:
    cams = [camera(1, 116.40, 39.90), camera(2, 116.41, 39.90)]
    index = CameraIndex((r.key_of(c), c) for c in cams)
    got = index.nearest(117.0, 39.90, limit=1, within_m=float("inf"))
    assert [k for k, _, _ in got] == ["/camera/" + f"{2:020d}"]
    assert index.nearest(117.0, 39.90, limit=1) == []  # nothing within 500 m
    assert CameraIndex([]).nearest(116.4, 39.9) == []


def test_directions_are_the_compass_points_seen_from_the_point() -> None:
    lon, lat = 116.40, 39.90
    d = 0.001
    assert compass(bearing_deg(lon, lat, lon, lat + d)) == "北"
    assert compass(bearing_deg(lon, lat, lon + d, lat)) == "东"
    assert compass(bearing_deg(lon, lat, lon, lat - d)) == "南"
    assert compass(bearing_deg(lon, lat, lon - d, lat)) == "西"
    assert compass(bearing_deg(lon, lat, lon + d, lat + d)) == "东北"
    assert compass(bearing_deg(lon, lat, lon - d, lat - d)) == "西南"
    assert compass(bearing_deg(lon, lat, lon + d, lat - d * 0.1)) == "东"  # 6° south of east
    assert round(bearing_deg(lon, lat, lon, lat - d)) == 180


def test_a_situations_index_follows_cameras_that_come_go_and_move_but_not_those_going_offline() -> None:
    sit = Situation(DISTRICT)
    seq = 0

    def put(*records: r.Camera, delete: str | None = None) -> None:
        nonlocal seq
        updates = []
        for c in records:
            seq += 1
            updates.append(Update(r.key_of(c), seq, c, r.encode(c)))
        if delete is not None:
            seq += 1
            updates.append(Update(delete, seq, None, b""))
        sit.apply(Batch(False, tuple(updates), seq, "e"), 0.0)

    a, b = camera(1, 116.40, 39.90), camera(2, 116.40, 39.901)
    put(a, b)
    first = sit.camera_index
    assert [n.camera.id for n in nearby_cameras(first, sit.records, 116.40, 39.90)] == [a.id, b.id]
    put(camera(1, 116.40, 39.90, online=False))
    assert sit.camera_index is first  # offline moves nothing
    assert [n.camera.online for n in nearby_cameras(sit.camera_index, sit.records, 116.40, 39.90)] == [False, True]
    put(camera(1, 116.40, 39.95))  # moved away
    assert sit.camera_index is not first
    assert [n.camera.id for n in nearby_cameras(sit.camera_index, sit.records, 116.40, 39.90)] == [b.id]
    put(delete=r.key_of(b))
    assert nearby_cameras(sit.camera_index, sit.records, 116.40, 39.90) == []
