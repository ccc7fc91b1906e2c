"""Where the district's public cameras are: the nearest to a point, with distance and compass
direction.

The district holds about 2,000 cameras. ``CameraIndex`` files them in square cells of ``CELL_M``
metres, so the nearest cameras of a point are found by looking at the cells around it, ring by ring,
and stopping once no unseen cell can hold a nearer one; distances are ``metres_between``'s, the same
as a brute-force search over every camera, with which the index agrees exactly (tests check it).
The index holds positions only: whether a camera is online is read from its current record, so a
camera going offline and back changes nothing here. ``camera_index(situation)`` keeps one index per
situation and builds it again only when a camera is added, removed or moved.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from console.core.cameras import EARTH_RADIUS_M, NEAR_M, QT_TRANSLATE_NOOP, SHOWN, metres_between
from server_link import records as r

CELL_M: Final = 250.0
_DEG_M: Final = EARTH_RADIUS_M * math.pi / 180  # metres in a degree of latitude
_SLACK: Final = 0.98  # cells are laid out at the district's latitude; distances use the point's

# Eight points of the compass, clockwise from north, for the direction of a camera seen from a point.
COMPASS: Final = (
    QT_TRANSLATE_NOOP("cameras", "北"),
    QT_TRANSLATE_NOOP("cameras", "东北"),
    QT_TRANSLATE_NOOP("cameras", "东"),
    QT_TRANSLATE_NOOP("cameras", "东南"),
    QT_TRANSLATE_NOOP("cameras", "南"),
    QT_TRANSLATE_NOOP("cameras", "西南"),
    QT_TRANSLATE_NOOP("cameras", "西"),
    QT_TRANSLATE_NOOP("cameras", "西北"),
)
HERE: Final = QT_TRANSLATE_NOOP("cameras", "此处")  # a camera less than a metre away has no direction


def bearing_deg(lon: float, lat: float, lon2: float, lat2: float) -> float:
    """The direction of (lon2, lat2) seen from (lon, lat), in degrees clockwise from north, [0, 360)."""
    east = math.radians(lon2 - lon) * math.cos(math.radians(lat))
    north = math.radians(lat2 - lat)
    return math.degrees(math.atan2(east, north)) % 360.0


def compass(bearing: float) -> str:
    """The compass point (a Chinese source string, context "cameras") nearest ``bearing``."""
    return COMPASS[round(bearing / 45.0) % 8]


@dataclass(frozen=True, slots=True)
class NearbyCamera:
    camera: r.Camera
    distance_m: float
    bearing_deg: float

    @property
    def direction(self) -> str:
        """Where the camera is from the point, as a compass point (translated where shown)."""
        return HERE if self.distance_m < 1.0 else compass(self.bearing_deg)


@dataclass(frozen=True, slots=True)
class _Placed:
    key: str
    lon: float
    lat: float


class CameraIndex:
    """The cameras' positions in cells of ``cell_m`` metres."""

    def __init__(self, cameras: Iterable[tuple[str, r.Camera]], *, cell_m: float = CELL_M) -> None:
        placed = [(key, c) for key, c in cameras]
        self.cell_m = cell_m
        ref_lat = sum(c.lat for _, c in placed) / len(placed) if placed else 39.9
        self._dlat = cell_m / _DEG_M
        self._dlon = self._dlat / max(math.cos(math.radians(ref_lat)), 0.1)
        self._cells: dict[tuple[int, int], list[_Placed]] = {}
        self.positions: dict[str, tuple[float, float]] = {}
        for key, c in placed:
            self._cells.setdefault(self._cell(c.lon, c.lat), []).append(_Placed(key, c.lon, c.lat))
            self.positions[key] = (c.lon, c.lat)
        cells = self._cells.keys()
        self._span = (
            (min(i for i, _ in cells), max(i for i, _ in cells), min(j for _, j in cells), max(j for _, j in cells))
            if cells
            else (0, 0, 0, 0)
        )

    def __len__(self) -> int:
        return len(self.positions)

    def _cell(self, lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / self._dlon), math.floor(lat / self._dlat)

    def nearest(
        self, lon: float, lat: float, *, limit: int = SHOWN, within_m: float = NEAR_M
    ) -> list[tuple[str, float, float]]:
        """(key, distance in metres, bearing) of the ``limit`` cameras nearest (lon, lat) within
        ``within_m`` metres, nearest first (ties by key)."""
        if limit <= 0 or not self._cells:
            return []
        ci, cj = self._cell(lon, lat)
        i0, i1, j0, j1 = self._span
        last_ring = max(abs(ci - i0), abs(ci - i1), abs(cj - j0), abs(cj - j1))
        found: list[tuple[float, str, _Placed]] = []
        for ring in range(last_ring + 1):
            for cell in _ring(ci, cj, ring):
                for p in self._cells.get(cell, ()):
                    d = metres_between(p.lon, p.lat, lon, lat)
                    if d <= within_m:
                        found.append((d, p.key, p))
            # every camera not yet seen lies at least ``ring`` whole cells away
            unseen_from = ring * self.cell_m * _SLACK
            if unseen_from > within_m:
                break
            if len(found) >= limit:
                found.sort(key=lambda f: (f[0], f[1]))
                del found[limit:]
                if found[-1][0] < unseen_from:
                    break
        found.sort(key=lambda f: (f[0], f[1]))
        return [(key, d, bearing_deg(lon, lat, p.lon, p.lat)) for d, key, p in found[:limit]]


def _ring(ci: int, cj: int, ring: int) -> Iterable[tuple[int, int]]:
    """The cells at Chebyshev distance ``ring`` from (ci, cj)."""
    if ring == 0:
        yield ci, cj
        return
    for i in range(ci - ring, ci + ring + 1):
        yield i, cj - ring
        yield i, cj + ring
    for j in range(cj - ring + 1, cj + ring):
        yield ci - ring, j
        yield ci + ring, j


def nearby_cameras(
    index: CameraIndex,
    records: Mapping[str, r.Record],
    lon: float,
    lat: float,
    *,
    limit: int = SHOWN,
    within_m: float = NEAR_M,
) -> list[NearbyCamera]:
    """The cameras nearest (lon, lat) as their current records (online or not), nearest first."""
    out = []
    for key, d, b in index.nearest(lon, lat, limit=limit, within_m=within_m):
        camera = records.get(key)
        if isinstance(camera, r.Camera):
            out.append(NearbyCamera(camera, d, b))
    return out
