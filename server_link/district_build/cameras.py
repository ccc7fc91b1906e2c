"""Cameras: public camera points along main roads, in busy grids and across the district, with
GB/T 28181 ids, names and intranet-looking stream addresses."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from server_link.district_build.catalogue import Catalogue, MainRoad
from server_link.district_build.communities import Community
from server_link.district_build.coords import FloatArray, LocalFrame
from server_link.district_build.geometry import COORD_DECIMALS
from server_link.district_build.grids import UnitGrid
from server_link.district_build.source import DISTRICT_CODE

CAMERA_COUNTS = {"road": 1000, "hotspot": 450, "area": 550}
COMPASS = ("东", "东南", "南", "西南", "西", "西北", "北", "东北")  # clockwise from east: _along counts on it


@dataclass
class Camera:
    """A public camera point."""

    id: str
    name: str
    device_type: str
    lon: float
    lat: float
    unit: int
    placement: str
    stream_url: str


@dataclass(frozen=True)
class CameraSpot:
    """Where a camera goes, before it gets an id and a name."""

    lon: float
    lat: float
    unit: int
    placement: str
    road: str = ""
    facings: tuple[str, ...] = COMPASS


def place_cameras(
    units: list[UnitGrid],
    communities: list[Community],
    frame: LocalFrame,
    catalogue: Catalogue,
    rng: np.random.Generator,
) -> list[Camera]:
    """Place cameras along main roads, in busy grids and across the district."""
    tree = shapely.STRtree([u.poly for u in units])
    spots = _road_cameras(tree, frame, catalogue.main_roads, rng)
    weights = np.array([{"crowded_place": 3.0, "commercial": 1.5}.get(u.grid_type, 0.0) for u in units])
    spots += _area_cameras(units, weights, CAMERA_COUNTS["hotspot"], "hotspot", rng)
    spots += _area_cameras(units, np.array([u.area_m2 for u in units]), CAMERA_COUNTS["area"], "area", rng)
    spots.sort(key=lambda c: (-c.lat, c.lon))
    names = {c.code: c.name.removesuffix("社区") for c in communities}
    counters: dict[str, int] = defaultdict(int)
    cameras: list[Camera] = []
    for serial, spot in enumerate(spots, start=1):
        place = names[units[spot.unit].community]
        prefix = f"{spot.road}{place}段" if spot.road else _area_label(spot.lon, spot.lat, place, frame, catalogue, rng)
        counters[prefix] += 1
        facing = spot.facings[int(rng.integers(len(spot.facings)))]
        device = "131" if rng.random() < 0.35 else "132"
        gb_id = f"{DISTRICT_CODE}0008{device}6{serial:06d}"
        cameras.append(
            Camera(
                id=gb_id,
                name=f"{prefix}{counters[prefix]:02d} 朝{facing}",
                device_type=device,
                lon=round(spot.lon, COORD_DECIMALS),
                lat=round(spot.lat, COORD_DECIMALS),
                unit=spot.unit,
                placement=spot.placement,
                stream_url=stream_url(gb_id, units[spot.unit].street, serial),
            )
        )
    return sorted(cameras, key=lambda c: c.id)


def _road_cameras(
    tree: shapely.STRtree, frame: LocalFrame, roads: Sequence[MainRoad], rng: np.random.Generator
) -> list[CameraSpot]:
    """Cameras spread uniformly along the main-road polylines (a little lateral jitter), facing
    along the road."""
    segments: list[tuple[str, FloatArray, FloatArray]] = []
    for main_road in roads:
        xy = frame.to_xy(np.array(main_road.line))
        segments.extend((main_road.name, xy[i], xy[i + 1]) for i in range(len(xy) - 1))
    lengths = np.array([float(np.hypot(*(b - a))) for _, a, b in segments])
    out: list[CameraSpot] = []
    while len(out) < CAMERA_COUNTS["road"]:
        k = int(rng.choice(len(segments), p=lengths / lengths.sum()))
        road, a, b = segments[k]
        t = float(rng.random())
        normal = np.array([-(b - a)[1], (b - a)[0]]) / lengths[k]
        p = a + t * (b - a) + normal * float(rng.normal(0.0, 10.0))
        lon, lat = (float(v) for v in frame.to_lonlat(p[None, :])[0])
        unit = _unit_at(tree, lon, lat)
        if unit is not None:
            out.append(CameraSpot(lon, lat, unit, "road", road, _along(b - a)))
    return out


def _along(direction: FloatArray) -> tuple[str, str]:
    """The two compass words (东, 东南, … clockwise from east) along a direction vector."""
    index = round(-math.degrees(math.atan2(float(direction[1]), float(direction[0]))) / 45.0) % 8
    return COMPASS[index], COMPASS[(index + 4) % 8]


def _area_cameras(
    units: list[UnitGrid],
    weights: FloatArray,
    count: int,
    placement: str,
    rng: np.random.Generator,
) -> list[CameraSpot]:
    """Cameras at random points of unit grids drawn with the given weights."""
    out: list[CameraSpot] = []
    for unit in rng.choice(len(units), size=count, p=weights / weights.sum()).tolist():
        poly = units[unit].poly
        minx, miny, maxx, maxy = poly.bounds
        while True:
            lon = float(rng.uniform(minx, maxx))
            lat = float(rng.uniform(miny, maxy))
            if poly.contains(shapely.Point(lon, lat)):
                break
        out.append(CameraSpot(lon, lat, unit, placement))
    return out


def _unit_at(tree: shapely.STRtree, lon: float, lat: float) -> int | None:
    """Index of the unit grid containing the point, or None."""
    hits = tree.query(shapely.Point(lon, lat), predicate="within")
    return int(min(hits)) if len(hits) else None


def _area_label(
    lon: float, lat: float, place: str, frame: LocalFrame, catalogue: Catalogue, rng: np.random.Generator
) -> str:
    """Name prefix for a non-road camera: nearest hotspot within 500 m (else the community name)
    followed by a street-furniture word."""
    xy = np.array(frame.point_xy(lon, lat))
    spots = np.array([frame.point_xy(h.lon, h.lat) for h in catalogue.hotspots])
    d = np.hypot(*(spots - xy).T)
    features = catalogue.camera_features
    feature = features[int(rng.integers(len(features)))]
    if d.min() < 500.0:
        place = catalogue.hotspots[int(np.argmin(d))].name
    return f"{place}{feature}"


def stream_url(gb_id: str, street: int, serial: int) -> str:
    """Intranet-looking stream address in one of the three platform forms."""
    form = serial % 3
    if form == 0:
        return f"rtsp://10.11.{street + 1}.{10 + serial % 40}/live/{gb_id}"
    host = f"vs{street + 1:02d}.dc.intranet"
    if form == 1:
        return f"http://{host}/live/{gb_id}.live.flv"
    return f"http://{host}/hls/{gb_id}/hls.m3u8"
