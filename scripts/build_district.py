"""Build the deterministic Dongcheng district data set in ``resources/district/``.

Run from the repository root::

    .venv/bin/python scripts/build_district.py [--source DIR] [--out DIR]

Inputs are the public files in ``resources/district/source``, a copy of ../shared/data/dongcheng
(district outline and administrative codes from Vonng/adcode, CC BY 4.0, GCJ-02 coordinates).
Everything else -- street outlines, community positions that the source lacks, base and unit grids,
grid types and levels, cameras, departments, the case taxonomy and the intake channels -- is
synthesised here with a fixed seed, so two runs on the same machine produce byte-identical files. No
network access is needed.

Geometry is computed in a local metric frame (an affine equirectangular projection centred on the
district) and written as WGS84 longitude/latitude rounded to six decimals.  The generator needs
shapely >= 2.2 (``coverage_clean``, GEOS >= 3.14).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.polygon import orient

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Json = dict[str, Any]

SCHEMA = 1
ATTRIBUTION = "Vonng/adcode (CC BY 4.0)"
SEED = 110101
DISTRICT_CODE = "110101"
DISTRICT_NAME = "东城区"
BASE_GRID_TOTAL = 592
UNIT_GRID_TOTAL = 2322
CAMERA_COUNTS = {"road": 1000, "hotspot": 450, "area": 550}
COORD_DECIMALS = 6
COORD_GRID = 1e-6
OVERLAY_GRID_M = 1e-3
POINTS_PER_CELL = 80
COVERAGE_TOLERANCE = 0.995
FRAME_ORIGIN = (116.41, 39.92)

# (short name, pinyin, official area km2) in the order of the statistical codes 110101001...017.
STREETS: tuple[tuple[str, str, float], ...] = (
    ("东华门", "Donghuamen", 5.35),
    ("景山", "Jingshan", 1.64),
    ("交道口", "Jiaodaokou", 1.45),
    ("安定门", "Andingmen", 1.76),
    ("北新桥", "Beixinqiao", 2.62),
    ("东四", "Dongsi", 1.53),
    ("朝阳门", "Chaoyangmen", 1.24),
    ("建国门", "Jianguomen", 2.70),
    ("东直门", "Dongzhimen", 2.07),
    ("和平里", "Hepingli", 5.02),
    ("前门", "Qianmen", 1.10),
    ("崇文门外", "Chongwenmenwai", 1.10),
    ("东花市", "Donghuashi", 2.00),
    ("龙潭", "Longtan", 3.06),
    ("体育馆路", "Tiyuguanlu", 1.84),
    ("天坛", "Tiantan", 4.03),
    ("永定门外", "Yongdingmenwai", 3.33),
)

# Extra power-diagram sites (WGS84) for landmarks whose street is certain but that the source does
# not locate: the Temple of Heaven park lies in Tiantan street, the Palace Museum in Donghuamen.
LANDMARK_SITES: tuple[tuple[int, float, float], ...] = (
    (15, 116.4105, 39.8815),
    (0, 116.3972, 39.9169),
)

# Rough WGS84 positions of places that shape grid types and camera density:
# (name, lon, lat, commercial weight, crowd weight, institution weight).
HOTSPOTS: tuple[tuple[str, float, float, float, float, float], ...] = (
    ("王府井", 116.4108, 39.9147, 1.0, 1.0, 0.0),
    ("东单", 116.4177, 39.9087, 1.0, 0.4, 0.3),
    ("前门大街", 116.3979, 39.8950, 1.0, 1.0, 0.0),
    ("崇文门", 116.4170, 39.8990, 0.9, 0.5, 0.0),
    ("东直门", 116.4340, 39.9410, 0.8, 0.8, 0.0),
    ("簋街", 116.4250, 39.9405, 0.9, 0.5, 0.0),
    ("南锣鼓巷", 116.4033, 39.9373, 0.8, 1.0, 0.0),
    ("金宝街", 116.4235, 39.9140, 0.8, 0.2, 0.2),
    ("北京站", 116.4270, 39.9033, 0.6, 1.0, 0.2),
    ("雍和宫", 116.4172, 39.9475, 0.5, 0.9, 0.0),
    ("磁器口", 116.4195, 39.8930, 0.6, 0.3, 0.0),
    ("和平里", 116.4180, 39.9580, 0.4, 0.2, 0.6),
    ("隆福寺", 116.4120, 39.9250, 0.6, 0.4, 0.0),
    ("故宫", 116.3972, 39.9169, 0.0, 1.0, 0.3),
    ("天坛", 116.4105, 39.8815, 0.0, 1.0, 0.0),
    ("地坛", 116.4130, 39.9525, 0.0, 0.7, 0.0),
    ("龙潭公园", 116.4455, 39.8760, 0.0, 0.7, 0.0),
    ("景山", 116.3966, 39.9254, 0.0, 0.8, 0.0),
    ("永定门", 116.3985, 39.8680, 0.2, 0.6, 0.0),
    ("协和医院", 116.4165, 39.9128, 0.0, 0.7, 0.8),
    ("同仁医院", 116.4185, 39.9020, 0.0, 0.6, 0.8),
    ("东交民巷", 116.4050, 39.9035, 0.0, 0.2, 1.0),
    ("东长安街", 116.4150, 39.9075, 0.2, 0.3, 1.0),
    ("建国门", 116.4345, 39.9080, 0.4, 0.2, 0.9),
    ("国家体育总局", 116.4290, 39.8835, 0.0, 0.3, 0.9),
    ("东四十条", 116.4320, 39.9330, 0.3, 0.1, 0.8),
    ("朝阳门", 116.4330, 39.9240, 0.3, 0.1, 0.8),
)
HOTSPOT_RADIUS_M = 450.0

# Approximate WGS84 polylines of main roads (cameras are denser along them).
MAIN_ROADS: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    ("长安街", ((116.389, 39.9075), (116.447, 39.9075))),
    ("北二环", ((116.392, 39.9485), (116.434, 39.9485))),
    ("东二环", ((116.434, 39.9485), (116.434, 39.9080), (116.437, 39.8950), (116.440, 39.8720))),
    ("南二环", ((116.440, 39.8720), (116.398, 39.8665), (116.383, 39.8665))),
    ("东四东单大街", ((116.4175, 39.9485), (116.4175, 39.8990))),
    ("前门永定门大街", ((116.3978, 39.8990), (116.3978, 39.8660))),
    ("平安大街", ((116.395, 39.9330), (116.434, 39.9330))),
    ("朝阳门内大街", ((116.4175, 39.9245), (116.434, 39.9245))),
    ("两广路", ((116.398, 39.8935), (116.440, 39.8935))),
    ("安定门外大街", ((116.4085, 39.9485), (116.4085, 39.9700))),
    ("和平里东街", ((116.4220, 39.9485), (116.4220, 39.9680))),
    ("天坛路", ((116.405, 39.8850), (116.440, 39.8850))),
    ("南北河沿大街", ((116.4045, 39.9330), (116.4045, 39.9075))),
    ("鼓楼东大街", ((116.396, 39.9405), (116.434, 39.9405))),
    ("前门东大街", ((116.398, 39.8995), (116.4175, 39.8995))),
)

GRID_TYPES: tuple[tuple[str, str], ...] = (
    ("residential", "住宅"),
    ("commercial", "商务商业"),
    ("enterprise_institution", "企事业单位"),
    ("crowded_place", "人员密集场所"),
)
MANAGEMENT_LEVELS: tuple[tuple[str, str], ...] = (
    ("daily", "日常管理"),
    ("general_prevention", "一般防范"),
    ("key_attention", "重点关注"),
    ("comprehensive_governance", "综合治理"),
)
# Base level weights per grid type (daily, general, key, comprehensive).
LEVEL_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "residential": (0.55, 0.30, 0.12, 0.03),
    "commercial": (0.25, 0.35, 0.30, 0.10),
    "enterprise_institution": (0.40, 0.35, 0.20, 0.05),
    "crowded_place": (0.05, 0.20, 0.45, 0.30),
}
CAMERA_FEATURES = ("路口", "胡同口", "小区门口", "广场", "公交站", "停车场")
COMPASS = ("东", "东南", "南", "西南", "西", "西北", "北", "东北")


# --------------------------------------------------------------------------------------------
# Coordinates
# --------------------------------------------------------------------------------------------

_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 offset (degrees) that the standard obfuscation adds at WGS84 points."""
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad = lat / 180.0 * pi
    magic = 1.0 - _GCJ_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * sqrt_magic) * pi)
    dlon = dlon * 180.0 / (_GCJ_A / sqrt_magic * np.cos(rad) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply the forward GCJ-02 transform to WGS84 coordinates."""
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(
    lon: FloatArray, lat: FloatArray, tolerance: float = 1e-11, max_iter: int = 50
) -> tuple[FloatArray, FloatArray]:
    """Invert GCJ-02 by fixed-point iteration until the forward transform reproduces the input."""
    wlon = np.array(lon, dtype=np.float64)
    wlat = np.array(lat, dtype=np.float64)
    for _ in range(max_iter):
        glon, glat = wgs84_to_gcj02(wlon, wlat)
        err_lon = glon - lon
        err_lat = glat - lat
        wlon = wlon - err_lon
        wlat = wlat - err_lat
        if max(float(np.abs(err_lon).max()), float(np.abs(err_lat).max())) < tolerance:
            return wlon, wlat
    raise RuntimeError("GCJ-02 inversion did not converge")


@dataclass(frozen=True)
class LocalFrame:
    """Affine equirectangular projection (metres) around a WGS84 origin.

    Scale factors are the WGS84 ellipsoid's metres per degree at the origin latitude; across the
    district (0.12 degrees of latitude) the area distortion stays below 0.1 %.
    """

    lon0: float
    lat0: float
    kx: float
    ky: float

    @classmethod
    def at(cls, lon0: float, lat0: float) -> LocalFrame:
        """Create the frame centred at ``(lon0, lat0)``."""
        phi = math.radians(lat0)
        ky = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
        kx = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi) + 0.118 * math.cos(5 * phi)
        return cls(lon0, lat0, kx, ky)

    def to_xy(self, lonlat: FloatArray) -> FloatArray:
        """Project an (n, 2) lon/lat array to metres."""
        return np.column_stack(((lonlat[:, 0] - self.lon0) * self.kx, (lonlat[:, 1] - self.lat0) * self.ky))

    def to_lonlat(self, xy: FloatArray) -> FloatArray:
        """Unproject an (n, 2) metre array to lon/lat."""
        return np.column_stack((xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0))

    def geom_to_xy(self, geom: Any) -> Any:
        """Project a shapely geometry (or array of them) to metres."""
        return shapely.transform(geom, self.to_xy)

    def geom_to_lonlat(self, geom: Any) -> Any:
        """Unproject a shapely geometry (or array of them) to lon/lat."""
        return shapely.transform(geom, self.to_lonlat)

    def area_m2(self, geom: Any) -> Any:
        """Area in square metres of lon/lat geometries."""
        return shapely.area(geom) * self.kx * self.ky

    def point_xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Project a single lon/lat point."""
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky


# --------------------------------------------------------------------------------------------
# Source data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminRow:
    """One row of the adcode CSV; coordinates are WGS84 (converted) or None."""

    code: str
    parent: str
    name: str
    level: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Source:
    """The public inputs, converted to WGS84."""

    outline: FloatArray
    outline_gcj: FloatArray
    streets: list[AdminRow]
    communities: list[AdminRow]


def read_source(directory: Path) -> Source:
    """Read the outline GeoJSON and the admin-codes CSV and convert GCJ-02 to WGS84."""
    geo = json.loads((directory / "district-boundary-gcj02.geojson").read_text("utf-8"))
    if geo.get("type") == "Feature":
        geo = geo["geometry"]
    if geo["type"] != "Polygon":
        raise ValueError(f"expected a Polygon outline, got {geo['type']}")
    ring = np.asarray(geo["coordinates"][0], dtype=np.float64)
    wlon, wlat = gcj02_to_wgs84(ring[:, 0], ring[:, 1])
    rows = _read_admin_rows(directory / "admin-codes-110101.csv")
    streets = sorted((r for r in rows if r.level == "town"), key=lambda r: r.code)
    communities = sorted((r for r in rows if r.level == "village"), key=lambda r: r.code)
    return Source(np.column_stack((wlon, wlat)), ring, streets, communities)


def _read_admin_rows(path: Path) -> list[AdminRow]:
    """Parse the header-less adcode CSV (columns listed in the data README)."""
    rows: list[AdminRow] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for cells in csv.reader(handle):
            if not cells or cells[0] == "code":
                continue
            lon = lat = None
            if cells[12] and cells[13]:
                glon = np.array([float(cells[12])])
                glat = np.array([float(cells[13])])
                wlon, wlat = gcj02_to_wgs84(glon, glat)
                lon, lat = float(wlon[0]), float(wlat[0])
            rows.append(AdminRow(cells[0], cells[1], cells[2], cells[3], lon, lat))
    return rows


def check_streets(source: Source) -> None:
    """Fail unless the CSV lists the 17 streets of DOMAIN.md with the expected codes and names."""
    if len(source.streets) != len(STREETS):
        raise ValueError(f"expected {len(STREETS)} streets, found {len(source.streets)}")
    for index, (row, (short, _, _)) in enumerate(zip(source.streets, STREETS, strict=True)):
        expected = f"{DISTRICT_CODE}{index + 1:03d}000"
        if row.code != expected or not row.name.startswith(short):
            raise ValueError(f"street {index + 1}: {row.code} {row.name} does not match {short}")


# --------------------------------------------------------------------------------------------
# Generic geometry helpers
# --------------------------------------------------------------------------------------------


def polygon_parts(geom: Any) -> list[Polygon]:
    """Return the non-empty polygonal parts of any geometry, largest first."""
    parts: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            if not part.is_empty:
                parts.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            parts.extend(polygon_parts(part))
    return sorted(parts, key=lambda p: -p.area)


def single_polygon(geom: Any) -> Polygon:
    """The geometry as one counter-clockwise polygon; fail if it falls apart."""
    parts = polygon_parts(geom)
    if len(parts) != 1:
        raise ValueError(f"expected one connected polygon, got {len(parts)} parts")
    return orient(parts[0], sign=1.0)


def merge_fragments(cells: Sequence[Any], tolerance: float = 1e-2) -> list[Polygon]:
    """Make every cell one polygon.

    Each cell keeps its largest part; every other part is given to the cell with which it shares
    the longest border, so the cells still tile the same region.
    """
    mains: list[Polygon] = []
    pending: list[Polygon] = []
    for cell in cells:
        parts = polygon_parts(cell)
        if not parts:
            raise ValueError("a cell vanished while clipping")
        mains.append(parts[0])
        pending.extend(parts[1:])
    while pending:
        left: list[Polygon] = []
        for piece in pending:
            found = _longest_border(piece, mains, tolerance)
            if found is None:
                left.append(piece)
                continue
            mains[found[0]] = found[1]
        if len(left) == len(pending):
            raise ValueError("isolated fragment could not be merged")
        pending = left
    return mains


def _longest_border(piece: Polygon, mains: Sequence[Polygon], tolerance: float) -> tuple[int, Polygon] | None:
    """The polygon sharing the longest border with ``piece`` and their union (None if none
    touches). The shared length follows from the perimeters: P(a) + P(b) - P(a u b) = 2 L."""
    near = shapely.dwithin(np.asarray(mains, dtype=object), piece, tolerance)
    best: tuple[int, Polygon] | None = None
    best_length = tolerance
    for index in np.flatnonzero(near).tolist():
        union = polygon_parts(shapely.union(mains[index], piece, grid_size=OVERLAY_GRID_M))
        if len(union) != 1:
            continue
        length = (piece.length + mains[index].length - union[0].length) / 2
        if length > best_length:
            best, best_length = (index, union[0]), length
    return best


def lattice_points(poly: Polygon, count: int) -> FloatArray:
    """Regular lattice of roughly ``count`` points inside ``poly`` (refined if too sparse)."""
    spacing = math.sqrt(poly.area / count)
    minx, miny, maxx, maxy = poly.bounds
    while True:
        xs = np.arange(minx + spacing / 2, maxx, spacing)
        ys = np.arange(miny + spacing / 2, maxy, spacing)
        gx, gy = np.meshgrid(xs, ys)
        px, py = gx.ravel(), gy.ravel()
        inside = shapely.contains_xy(poly, px, py)
        if inside.sum() >= count // 2:
            return np.column_stack((px[inside], py[inside]))
        spacing /= 2


def kmeans(points: FloatArray, k: int, rng: np.random.Generator, iterations: int = 60) -> FloatArray:
    """Lloyd's k-means with k-means++ seeding; returns k distinct centres."""
    centres = np.empty((k, 2))
    centres[0] = points[rng.integers(len(points))]
    nearest = ((points - centres[0]) ** 2).sum(axis=1)
    for i in range(1, k):
        centres[i] = points[rng.choice(len(points), p=nearest / nearest.sum())]
        nearest = np.minimum(nearest, ((points - centres[i]) ** 2).sum(axis=1))
    for _ in range(iterations):
        labels, dist = _assign(points, centres)
        counts = np.bincount(labels, minlength=k)
        moved = centres.copy()
        for axis in (0, 1):
            sums = np.bincount(labels, weights=points[:, axis], minlength=k)
            moved[:, axis] = np.where(counts > 0, sums / np.maximum(counts, 1), centres[:, axis])
        for empty in np.flatnonzero(counts == 0):
            moved[empty] = points[int(np.argmax(dist))]
            dist[int(np.argmax(dist))] = 0.0
        shift = float(np.abs(moved - centres).max())
        centres = moved
        if shift < 1e-3:
            break
    return centres


def _assign(points: FloatArray, centres: FloatArray) -> tuple[IntArray, FloatArray]:
    """Nearest-centre labels and squared distances."""
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    labels = np.argmin(d2, axis=1)
    return labels, d2[np.arange(len(points)), labels]


def voronoi_split(poly: Polygon, centres: FloatArray) -> list[Polygon]:
    """Split ``poly`` into the Voronoi cells of ``centres`` (one connected polygon per centre)."""
    if len(centres) == 1:
        return [poly]
    envelope = box(*poly.buffer(100.0).bounds)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(centres), extend_to=envelope, ordered=True))
    if len(cells) != len(centres):
        raise ValueError("Voronoi diagram lost a centre (duplicate centres?)")
    clipped = shapely.intersection(cells, poly, grid_size=OVERLAY_GRID_M)
    return merge_fragments(list(clipped))


def split_polygon(poly: Polygon, k: int, rng: np.random.Generator) -> list[Polygon]:
    """Split ``poly`` into ``k`` compact cells of similar area (Voronoi of k-means centroids)."""
    if k == 1:
        return [poly]
    points = lattice_points(poly, k * POINTS_PER_CELL)
    return voronoi_split(poly, kmeans(points, k, rng))


def apportion(weights: Sequence[float], total: int, minimum: int = 0) -> list[int]:
    """Largest-remainder apportionment of ``total`` seats, each share at least ``minimum``."""
    w = np.asarray(weights, dtype=np.float64)
    free = total - minimum * len(w)
    if free < 0:
        raise ValueError("total too small for the minimum")
    quotas = w / w.sum() * total - minimum
    quotas = np.clip(quotas, 0.0, None)
    quotas = quotas / quotas.sum() * free if quotas.sum() > 0 else np.full(len(w), free / len(w))
    seats = np.floor(quotas).astype(np.int64)
    order = sorted(range(len(w)), key=lambda i: (-(quotas[i] - seats[i]), i))
    for i in order[: free - int(seats.sum())]:
        seats[i] += 1
    return [int(s) + minimum for s in seats]


def reading_order(xy: FloatArray, row_height: float, top: float) -> list[int]:
    """Indices sorted north to south by row bands of ``row_height``, west to east inside a row."""
    rows = np.floor((top - xy[:, 1]) / row_height).astype(np.int64)
    return sorted(range(len(xy)), key=lambda i: (int(rows[i]), float(xy[i, 0]), float(xy[i, 1])))


# --------------------------------------------------------------------------------------------
# Streets: power diagram fitted to the official area shares
# --------------------------------------------------------------------------------------------


@dataclass
class StreetSites:
    """Power-diagram sites: each belongs to a street; all sites of a street share its weight."""

    xy: FloatArray
    owner: IntArray
    centre_source: list[str]


def street_sites(source: Source, frame: LocalFrame) -> StreetSites:
    """Sites per street: its CSV centre (or the mean of its communities), its community points
    and any landmark anchors; near-duplicate points are dropped."""
    points: list[tuple[float, float]] = []
    owner: list[int] = []
    centre_source: list[str] = []
    for index, street in enumerate(source.streets):
        located = [c for c in source.communities if c.parent == street.code and c.lon is not None]
        own: list[tuple[float, float]] = []
        if street.lon is not None and street.lat is not None:
            own.append(frame.point_xy(street.lon, street.lat))
            centre_source.append("adcode")
        elif located:
            xy = np.array([frame.point_xy(c.lon or 0.0, c.lat or 0.0) for c in located])
            own.append((float(xy[:, 0].mean()), float(xy[:, 1].mean())))
            centre_source.append("community_mean")
        else:
            raise ValueError(f"street {street.code} has no located centre or community")
        own.extend(frame.point_xy(c.lon or 0.0, c.lat or 0.0) for c in located)
        own.extend(frame.point_xy(lon, lat) for s, lon, lat in LANDMARK_SITES if s == index)
        kept: list[tuple[float, float]] = []
        for p in own:
            if all(math.dist(p, q) > 30.0 for q in kept + points):
                kept.append(p)
        points.extend(kept)
        owner.extend([index] * len(kept))
    return StreetSites(np.array(points), np.array(owner, dtype=np.int64), centre_source)


def _clip_halfplane(poly: list[tuple[float, float]], a: float, b: float, c: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: keep the part of a convex polygon where ``a*x + b*y <= c``.

    Returns ``poly`` itself (the same object) when the half-plane does not cut it.
    """
    values = [a * x + b * y - c for x, y in poly]
    if max(values) <= 0:
        return poly
    out: list[tuple[float, float]] = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp, fq = values[i], values[(i + 1) % n]
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def power_cells(sites: StreetSites, weights: FloatArray, bounds: Polygon) -> list[Polygon]:
    """Power-diagram cell of every site (distance |x - p|^2 - w), clipped to ``bounds``.

    Half-planes are applied in order of their bisector's offset from the site; once that offset
    exceeds the cell's current radius around the site, no further bisector can cut the cell.
    """
    w = weights[sites.owner]
    xy = sites.xy
    sq = (xy**2).sum(axis=1)
    frame_ring = [(float(x), float(y)) for x, y in list(bounds.exterior.coords)[:-1]]
    cells: list[Polygon] = []
    for i in range(len(xy)):
        px, py = float(xy[i, 0]), float(xy[i, 1])
        dist = np.hypot(xy[:, 0] - px, xy[:, 1] - py)
        dist[i] = 1.0
        offset = (dist**2 + w[i] - w) / (2.0 * dist)
        offset[i] = np.inf
        normals = (2.0 * (xy - xy[i])).tolist()
        consts = (sq - sq[i] - w + w[i]).tolist()
        ring = frame_ring
        radius = max(math.hypot(x - px, y - py) for x, y in ring)
        for j in np.argsort(offset, kind="stable").tolist():
            if len(ring) < 3 or float(offset[j]) > radius:
                break
            cut = _clip_halfplane(ring, normals[j][0], normals[j][1], consts[j])
            if cut is not ring:
                ring = cut
                radius = max(math.hypot(x - px, y - py) for x, y in ring)
        cells.append(Polygon(ring) if len(ring) >= 3 else Polygon())
    return cells


def street_regions(sites: StreetSites, weights: FloatArray, outline: Polygon) -> list[Polygon]:
    """Street polygons: union of each street's power cells, clipped to the outline, connected."""
    bounds = box(*outline.buffer(50.0).bounds)
    cells = power_cells(sites, weights, bounds)
    regions = []
    for s in range(len(STREETS)):
        own = [cells[i] for i in np.flatnonzero(sites.owner == s)]
        union = shapely.union_all(own, grid_size=OVERLAY_GRID_M)
        regions.append(shapely.intersection(union, outline, grid_size=OVERLAY_GRID_M))
    return merge_fragments(regions)


def fit_street_weights(sites: StreetSites, outline: Polygon, targets: FloatArray) -> FloatArray:
    """Fit per-street power weights so street areas match ``targets`` (relative error < 1e-4).

    Sign-adaptive steps (Rprop): a street's step grows while its error keeps its sign and halves
    when the sign flips, which copes with the coupling between neighbouring streets.
    """
    weights = np.zeros(len(STREETS))
    step = np.full(len(STREETS), 20000.0)
    previous = np.zeros(len(STREETS))
    for _ in range(400):
        areas = np.array([r.area for r in street_regions(sites, weights, outline)])
        if np.abs(areas / targets - 1.0).max() < 1e-4:
            return weights
        sign = np.sign(targets - areas)
        step = np.where(
            sign * previous > 0, np.minimum(step * 1.2, 2e5), np.where(sign * previous < 0, step * 0.5, step)
        )
        weights = weights + sign * step
        previous = sign
    raise RuntimeError("street weights did not converge")


# --------------------------------------------------------------------------------------------
# Communities
# --------------------------------------------------------------------------------------------


@dataclass
class Community:
    """A community (社区) with its assigned point in metres."""

    code: str
    name: str
    street: int
    xy: tuple[float, float]
    position: str
    moved_m: float = 0.0


def place_communities(
    source: Source, streets: Sequence[Polygon], frame: LocalFrame, rng: np.random.Generator
) -> list[Community]:
    """Give every community a point inside its street.

    CSV points are kept (snapped inside the street when the derived outline excludes them);
    missing or duplicated points are placed by a constrained k-means that fills the street's
    area not yet covered by located communities.
    """
    result: list[Community] = []
    for index, street in enumerate(source.streets):
        poly = streets[index]
        members = [c for c in source.communities if c.parent == street.code]
        lattice = lattice_points(poly, 4000)
        fixed: list[tuple[float, float]] = []
        placed: dict[str, Community] = {}
        for c in members:
            if c.lon is None or c.lat is None:
                continue
            xy = frame.point_xy(c.lon, c.lat)
            if any(math.dist(xy, q) < 60.0 for q in fixed):
                continue
            community = Community(c.code, _short_community(c.name), index, xy, "adcode")
            if not poly.buffer(-20.0).contains(shapely.Point(xy)):
                inside = _nearest_inside(lattice, xy, poly)
                community = Community(c.code, community.name, index, inside, "adcode_adjusted", math.dist(xy, inside))
            fixed.append(community.xy)
            placed[c.code] = community
        free = [c for c in members if c.code not in placed]
        for c, xy in zip(free, _fill_points(lattice, fixed, len(free), rng), strict=True):
            placed[c.code] = Community(c.code, _short_community(c.name), index, xy, "synthetic")
        result.extend(placed[c.code] for c in members)
    return result


def _nearest_inside(lattice: FloatArray, xy: tuple[float, float], poly: Polygon) -> tuple[float, float]:
    """The lattice point nearest to ``xy`` that lies at least 20 m inside ``poly``."""
    inner = shapely.contains_xy(poly.buffer(-20.0), lattice[:, 0], lattice[:, 1])
    candidates = lattice[inner] if inner.any() else lattice
    i = int(np.argmin(((candidates - np.asarray(xy)) ** 2).sum(axis=1)))
    return float(candidates[i, 0]), float(candidates[i, 1])


def _fill_points(
    lattice: FloatArray, fixed: list[tuple[float, float]], count: int, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """Place ``count`` new points in the lattice, away from ``fixed`` (constrained k-means)."""
    if count == 0:
        return []
    anchors = np.array(fixed) if fixed else np.empty((0, 2))
    chosen: list[int] = []
    if len(anchors):
        nearest = ((lattice[:, None, :] - anchors[None, :, :]) ** 2).sum(axis=2).min(axis=1)
    else:
        nearest = ((lattice - lattice[rng.integers(len(lattice))]) ** 2).sum(axis=1)
    for _ in range(count):
        i = int(np.argmax(nearest))
        chosen.append(i)
        nearest = np.minimum(nearest, ((lattice - lattice[i]) ** 2).sum(axis=1))
    free = lattice[chosen].copy()
    for _ in range(15):
        labels, _ = _assign(lattice, np.vstack((anchors, free)))
        for j in range(count):
            members = lattice[labels == len(anchors) + j]
            if len(members):
                mean = members.mean(axis=0)
                free[j] = members[int(np.argmin(((members - mean) ** 2).sum(axis=1)))]
    return [(float(x), float(y)) for x, y in free]


def _short_community(name: str) -> str:
    """'多福巷社区居委会' -> '多福巷社区'."""
    return name.removesuffix("居委会").removesuffix("居民委员会")


# --------------------------------------------------------------------------------------------
# Tiling: base grids and unit grids
# --------------------------------------------------------------------------------------------


@dataclass
class UnitGrid:
    """One unit grid (单元网格) in lon/lat with its attributes."""

    poly: Polygon
    street: int
    base: int
    code: str = ""
    community: str = ""
    grid_type: str = ""
    level: str = ""
    area_m2: float = 0.0
    centroid: tuple[float, float] = (0.0, 0.0)


@dataclass
class BaseGrid:
    """One base grid (基础网格): a contiguous group of unit grids."""

    street: int
    units: list[int] = field(default_factory=list)
    id: str = ""
    poly: Polygon = field(default_factory=Polygon)
    area_m2: float = 0.0
    centroid: tuple[float, float] = (0.0, 0.0)


def tile_district(
    streets_xy: Sequence[Polygon], frame: LocalFrame, rng: np.random.Generator
) -> tuple[list[BaseGrid], list[UnitGrid]]:
    """Split streets into base grids and base grids into unit grids (counts by area share)."""
    areas = [p.area for p in streets_xy]
    base_counts = apportion(areas, BASE_GRID_TOTAL, minimum=1)
    unit_counts = apportion(areas, UNIT_GRID_TOTAL, minimum=1)
    bases: list[BaseGrid] = []
    pieces: list[tuple[Polygon, int, int]] = []
    for s, poly in enumerate(streets_xy):
        base_polys = split_polygon(poly, base_counts[s], rng)
        per_base = apportion([p.area for p in base_polys], unit_counts[s], minimum=1)
        for base_poly, k in zip(base_polys, per_base, strict=True):
            bases.append(BaseGrid(street=s))
            pieces.extend((cell, s, len(bases) - 1) for cell in split_polygon(base_poly, k, rng))
    lonlat = frame.geom_to_lonlat(np.array([p for p, _, _ in pieces], dtype=object))
    cleaned = clean_coverage(lonlat)
    units = [UnitGrid(poly, s, b) for poly, (_, s, b) in zip(cleaned, pieces, strict=True)]
    for i, unit in enumerate(units):
        bases[unit.base].units.append(i)
    return bases, units


def clean_coverage(polys: Any) -> list[Polygon]:
    """Snap lon/lat polygons to the 1e-6 degree grid and make shared edges identical."""
    snapped = shapely.set_precision(polys, COORD_GRID)
    cleaned = shapely.coverage_clean(snapped, snapping_distance=COORD_GRID)
    rounded = shapely.transform(cleaned, lambda c: np.round(c, COORD_DECIMALS))
    result: list[Polygon] = []
    for geom in rounded:
        parts = polygon_parts(geom)
        if len(parts) != 1 or not parts[0].is_valid:
            raise ValueError("coverage cleaning produced an invalid or split cell")
        result.append(orient(parts[0], sign=1.0))
    return result


def describe_grids(
    bases: list[BaseGrid],
    units: list[UnitGrid],
    communities: list[Community],
    street_polys: Sequence[Polygon],
    frame: LocalFrame,
) -> None:
    """Fill in centroids, areas, community membership, codes and base-grid ids."""
    for unit in units:
        c = unit.poly.centroid
        unit.centroid = (round(c.x, COORD_DECIMALS), round(c.y, COORD_DECIMALS))
        unit.area_m2 = float(frame.area_m2(unit.poly))
    _assign_communities(units, communities, frame)
    row_unit = math.sqrt(sum(u.area_m2 for u in units) / len(units))
    row_base = row_unit * math.sqrt(len(units) / len(bases))
    by_key: dict[tuple[int, str], list[int]] = defaultdict(list)
    for i, unit in enumerate(units):
        by_key[(unit.street, unit.community)].append(i)
    for (s, community), members in sorted(by_key.items()):
        top = street_polys[s].bounds[3]
        xy = frame.to_xy(np.array([units[i].centroid for i in members]))
        for seq, j in enumerate(reading_order(xy, row_unit, top), start=1):
            units[members[j]].code = f"{community}{seq:03d}"
    for s in range(len(STREETS)):
        members = [b for b, base in enumerate(bases) if base.street == s]
        for b in members:
            base = bases[b]
            base.poly = single_polygon(shapely.coverage_union_all([units[i].poly for i in base.units]))
            base.area_m2 = float(sum(units[i].area_m2 for i in base.units))
            c = base.poly.centroid
            base.centroid = (round(c.x, COORD_DECIMALS), round(c.y, COORD_DECIMALS))
        xy = frame.to_xy(np.array([bases[b].centroid for b in members]))
        for seq, j in enumerate(reading_order(xy, row_base, street_polys[s].bounds[3]), start=1):
            bases[members[j]].id = f"{street_code(s)}J{seq:03d}"


def _assign_communities(units: list[UnitGrid], communities: list[Community], frame: LocalFrame) -> None:
    """Nearest community point within the street; every community gets at least one grid."""
    for s in range(len(STREETS)):
        members = [c for c in communities if c.street == s]
        points = np.array([c.xy for c in members])
        idx = [i for i, u in enumerate(units) if u.street == s]
        xy = frame.to_xy(np.array([units[i].centroid for i in idx]))
        labels, _ = _assign(xy, points)
        for _ in range(len(members)):
            counts = np.bincount(labels, minlength=len(members))
            empty = np.flatnonzero(counts == 0)
            if not len(empty):
                break
            c = int(empty[0])
            d2 = ((xy - points[c]) ** 2).sum(axis=1)
            d2[counts[labels] < 2] = np.inf
            labels[int(np.argmin(d2))] = c
        for i, label in zip(idx, labels, strict=True):
            units[i].community = members[int(label)].code


def street_code(index: int) -> str:
    """9-digit statistical code of the street at ``index`` (0-based)."""
    return f"{DISTRICT_CODE}{index + 1:03d}"


# --------------------------------------------------------------------------------------------
# Grid types, levels and cameras
# --------------------------------------------------------------------------------------------


def hotspot_scores(xy: FloatArray, frame: LocalFrame) -> FloatArray:
    """(n, 3) commercial / crowd / institution intensity at metre points."""
    spots = np.array([frame.point_xy(lon, lat) for _, lon, lat, *_ in HOTSPOTS])
    weights = np.array([h[3:] for h in HOTSPOTS])
    d2 = ((xy[:, None, :] - spots[None, :, :]) ** 2).sum(axis=2)
    scores: FloatArray = np.exp(-d2 / HOTSPOT_RADIUS_M**2) @ weights
    return scores


def classify_grids(units: list[UnitGrid], frame: LocalFrame, rng: np.random.Generator) -> None:
    """Draw grid types and management levels, weighted by nearby hotspots."""
    xy = frame.to_xy(np.array([u.centroid for u in units]))
    scores = hotspot_scores(xy, frame)
    for unit, (com, crowd, inst) in zip(units, scores, strict=True):
        type_w = np.array([1.0, 0.12 + 2.5 * com, 0.12 + 1.6 * inst, 0.02 + 1.6 * crowd])
        grid_type = GRID_TYPES[int(rng.choice(4, p=type_w / type_w.sum()))][0]
        heat = com + crowd
        level_w = np.array(LEVEL_WEIGHTS[grid_type]) * np.array([1.0, 1.0, 1 + 2 * heat, 1 + 3 * heat])
        unit.grid_type = grid_type
        unit.level = MANAGEMENT_LEVELS[int(rng.choice(4, p=level_w / level_w.sum()))][0]


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
    rng: np.random.Generator,
) -> list[Camera]:
    """Place cameras along main roads, in busy grids and across the district."""
    tree = shapely.STRtree([u.poly for u in units])
    spots = _road_cameras(tree, frame, rng)
    weights = np.array([{"crowded_place": 3.0, "commercial": 1.5}.get(u.grid_type, 0.0) for u in units])
    spots += _area_cameras(units, weights, CAMERA_COUNTS["hotspot"], "hotspot", rng)
    spots += _area_cameras(units, np.array([u.area_m2 for u in units]), CAMERA_COUNTS["area"], "area", rng)
    spots.sort(key=lambda c: (-c.lat, c.lon))
    names = {c.code: c.name.removesuffix("社区") for c in communities}
    counters: dict[str, int] = defaultdict(int)
    cameras: list[Camera] = []
    for serial, spot in enumerate(spots, start=1):
        place = names[units[spot.unit].community]
        prefix = f"{spot.road}{place}段" if spot.road else _area_label(spot.lon, spot.lat, place, frame, rng)
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


def _road_cameras(tree: shapely.STRtree, frame: LocalFrame, rng: np.random.Generator) -> list[CameraSpot]:
    """Cameras spread uniformly along the main-road polylines (a little lateral jitter), facing
    along the road."""
    segments: list[tuple[str, FloatArray, FloatArray]] = []
    for road, line in MAIN_ROADS:
        xy = frame.to_xy(np.array(line))
        segments.extend((road, xy[i], xy[i + 1]) for i in range(len(xy) - 1))
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


def _area_label(lon: float, lat: float, place: str, frame: LocalFrame, rng: np.random.Generator) -> str:
    """Name prefix for a non-road camera: nearest hotspot within 500 m (else the community name)
    followed by a street-furniture word."""
    xy = np.array(frame.point_xy(lon, lat))
    spots = np.array([frame.point_xy(h[1], h[2]) for h in HOTSPOTS])
    d = np.hypot(*(spots - xy).T)
    feature = CAMERA_FEATURES[int(rng.integers(len(CAMERA_FEATURES)))]
    if d.min() < 500.0:
        place = HOTSPOTS[int(np.argmin(d))][0]
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


# --------------------------------------------------------------------------------------------
# Catalogue: taxonomy, departments, channels
# --------------------------------------------------------------------------------------------

DEADLINE_UNITS = {"wh": "working_hours", "wd": "working_days", "h": "hours", "d": "days"}
URGENCIES = ("normal", "urgent", "emergency")


@dataclass(frozen=True)
class Tax:
    """A taxonomy node; leaves carry a deadline such as '4h' or '20d'; handlers are inherited."""

    name: str
    name_en: str
    children: tuple[Tax, ...] = ()
    deadline: str = ""
    urgency: str = "normal"
    handlers: str = ""


def leaf(name: str, name_en: str, deadline: str, handlers: str = "", urgency: str = "normal") -> Tax:
    """A leaf category with its handling deadline, urgency and (optionally) handlers."""
    return Tax(name, name_en, (), deadline, urgency, handlers)


def node(name: str, name_en: str, *children: Tax, handlers: str = "") -> Tax:
    """An inner category; ``handlers`` apply to leaves below that name none."""
    return Tax(name, name_en, children, handlers=handlers)


def cover(name: str, name_en: str, handlers: str) -> Tax:
    """A manhole-cover component with the usual three problems."""
    return node(
        name,
        name_en,
        leaf("破损", "Damaged", "24h", urgency="urgent"),
        leaf("丢失", "Missing", "2h", urgency="emergency"),
        leaf("移位或不平", "Displaced or uneven", "3wd"),
        handlers=handlers,
    )


TELECOM = "u-telecom u-mobile u-unicom u-tower u-gehua"

COMPONENTS: tuple[Tax, ...] = (
    node(
        "公用设施",
        "Public facilities",
        cover("上水井盖", "Water-supply manhole cover", "u-water"),
        cover("污水井盖", "Sewage manhole cover", "u-drain"),
        cover("雨水井盖", "Storm-water manhole cover", "u-drain"),
        cover("电力井盖", "Power manhole cover", "u-power"),
        cover("通信井盖", "Telecom manhole cover", TELECOM),
        cover("燃气井盖", "Gas manhole cover", "u-gas"),
        cover("热力井盖", "Heating manhole cover", "u-heat"),
        cover("无主井盖", "Unowned manhole cover", "d-szsr d-cgw"),
        node(
            "消防栓",
            "Fire hydrant",
            leaf("损坏", "Damaged", "24h", urgency="urgent"),
            leaf("漏水", "Leaking", "4h", urgency="urgent"),
            handlers="u-water d-xfzd",
        ),
        node(
            "路灯",
            "Street lamp",
            leaf("不亮", "Not lit", "3wd"),
            leaf("白天亮灯", "Lit in daytime", "2wd"),
            leaf("灯杆倾斜", "Leaning pole", "24h", urgency="urgent"),
            leaf("线路外露", "Exposed wiring", "4h", urgency="urgent"),
            handlers="d-ldgs",
        ),
        node(
            "配电设施",
            "Power distribution equipment",
            leaf("变压器箱破损", "Damaged transformer box", "24h", urgency="urgent"),
            leaf("电力线缆外露", "Exposed power cable", "2h", urgency="emergency"),
            handlers="u-power",
        ),
        leaf("通信交接箱", "Telecom cabinet", "5wd", "u-telecom u-mobile u-unicom u-tower"),
        leaf("邮筒与快递柜", "Post box and parcel locker", "5wd", "u-post"),
    ),
    node(
        "道路交通设施",
        "Traffic facilities",
        node(
            "交通信号灯",
            "Traffic light",
            leaf("故障", "Malfunction", "2h", urgency="urgent"),
            leaf("被遮挡", "Obstructed", "3wd"),
            handlers="d-jgzd",
        ),
        leaf("交通标志牌", "Traffic sign", "5wd", "d-jgzd"),
        leaf("交通护栏", "Traffic barrier", "3wd", "d-jgzd d-szsr"),
        leaf("公交站亭", "Bus shelter", "5wd", "u-bus"),
        leaf("停车设施", "Parking facility", "5wd", "d-tcgl"),
        leaf("过街天桥与地下通道", "Footbridge and underpass", "3wd", "d-szsr"),
        leaf("隔离墩与路桩", "Bollard", "3wd", "d-szsr street"),
        leaf("自行车停放设施", "Bicycle parking rack", "5wd", "d-tcgl d-cgw"),
        leaf("地铁出入口设施", "Metro entrance facility", "3wd", "u-metro"),
        node(
            "道路",
            "Road surface",
            leaf("坑槽", "Pothole", "24h", urgency="urgent"),
            leaf("路面破损", "Damaged pavement", "3wd"),
            leaf("人行道方砖松动", "Loose sidewalk paving", "3wd"),
            handlers="d-szsr u-road",
        ),
    ),
    node(
        "市容环境设施",
        "City-appearance facilities",
        node(
            "公共厕所",
            "Public toilet",
            leaf("设施损坏", "Damaged fittings", "1d"),
            leaf("保洁不到位", "Not cleaned", "2wh"),
            leaf("未按时开放", "Not open on time", "4h"),
            handlers="d-hwzx",
        ),
        leaf("果皮箱", "Litter bin", "1d", "d-hwzx"),
        leaf("垃圾分类桶站", "Waste-sorting station", "1d", "street d-hwzx"),
        leaf("垃圾楼与转运站", "Waste transfer station", "1d", "d-hwzx u-sanit"),
        leaf("报刊亭", "Newsstand", "5wd", "d-cgw"),
        leaf("牌匾标识设施", "Signboard structure", "5wd", "d-cgw d-cgzf"),
        leaf("景观照明设施", "Decorative lighting", "3wd", "d-ldgs"),
    ),
    node(
        "园林绿化设施",
        "Landscaping facilities",
        node(
            "行道树",
            "Street tree",
            leaf("倒伏", "Fallen", "2h", urgency="emergency"),
            leaf("枯死", "Dead", "10wd"),
            leaf("枝杈影响通行", "Branches obstructing", "3wd"),
            handlers="d-yllh",
        ),
        leaf("绿地", "Green space", "5wd", "d-yllh street"),
        leaf("花坛花箱", "Flower bed and planter", "5wd", "d-yllh street"),
        leaf("护树设施", "Tree guard", "5wd", "d-yllh"),
        leaf("公园设施", "Park facility", "5wd", "d-yllh"),
    ),
    node(
        "房屋土地设施",
        "Housing and land facilities",
        node(
            "直管公房",
            "Directly managed public housing",
            leaf("房屋漏雨", "Leaking roof", "3d", urgency="urgent"),
            leaf("墙体开裂", "Cracked wall", "24h", urgency="urgent"),
            handlers="d-fwtd",
        ),
        leaf("危旧房屋", "Dilapidated building", "24h", "d-zjw street", "urgent"),
        leaf("文物建筑", "Heritage building", "5wd", "d-wlj"),
        leaf("地下空间", "Underground space", "5wd", "d-rfb d-zjw"),
        leaf("区属国有房产", "District state-owned property", "10wd", "d-gzw"),
    ),
    node(
        "其他设施",
        "Other facilities",
        leaf("健身器材", "Fitness equipment", "5wd", "d-tyj street"),
        leaf("视频监控设施", "Surveillance camera", "3wd", "d-gafj d-kxj"),
        leaf("消防设施", "Fire-fighting equipment", "24h", "d-xfzd", "urgent"),
        leaf("充电设施", "Charging facility", "5wd", "d-fgw u-power"),
        leaf("无障碍设施", "Accessibility facility", "5wd", "o-cl d-szsr"),
        leaf("科普宣传设施", "Science-outreach facility", "10wd", "o-kx"),
    ),
)

EVENTS: tuple[Tax, ...] = (
    node(
        "市容环境",
        "City appearance",
        node(
            "私搭乱建",
            "Illegal structure",
            node(
                "新生违法建设",
                "New illegal construction",
                leaf("屋顶违建", "Rooftop structure", "20d"),
                leaf("院内违建", "Courtyard structure", "20d"),
                leaf("临街违建", "Street-front structure", "20d"),
            ),
            leaf("存量违法建设", "Existing illegal construction", "30d"),
            handlers="street d-cgzf d-ghzr",
        ),
        node(
            "暴露垃圾",
            "Exposed rubbish",
            node(
                "生活垃圾",
                "Household waste",
                leaf("垃圾桶满溢", "Overflowing bins", "4h"),
                leaf("散落垃圾", "Scattered rubbish", "4h"),
            ),
            leaf("建筑垃圾", "Construction waste", "24h"),
            leaf("大件垃圾", "Bulky waste", "1d"),
            handlers="street d-hwzx u-sanit",
        ),
        leaf("道路不洁", "Unclean road", "2wh", "d-hwzx street"),
        leaf("积存垃圾渣土", "Accumulated muck", "1d", "street d-hwzx"),
        leaf("垃圾清运不及时", "Late waste collection", "4h", "u-sanit d-hwzx"),
        leaf("水域不洁", "Dirty water surface", "1d", "d-swj"),
        leaf("绿地脏乱", "Untidy green space", "1d", "d-yllh street"),
        leaf("焚烧垃圾树叶", "Burning rubbish or leaves", "2h", "d-cgzf d-sthj", "urgent"),
        leaf("乱堆物料", "Materials piled in public space", "1d", "street d-cgzf"),
        leaf("沿街晾晒", "Laundry hung along the street", "1d", "street"),
    ),
    node(
        "宣传广告",
        "Advertising",
        node(
            "非法小广告",
            "Illegal small ads",
            leaf("张贴", "Posted", "1d"),
            leaf("喷涂", "Sprayed", "2d"),
            leaf("散发", "Handed out", "4h"),
            handlers="street d-cgzf",
        ),
        leaf("违规户外广告", "Unauthorised outdoor advertising", "5wd", "d-cgw d-cgzf"),
        leaf("广告牌匾破损", "Damaged signboard", "24h", "d-cgw", "urgent"),
        leaf("占道广告", "Advertising on the pavement", "4h", "street d-cgzf"),
        leaf("违规条幅标语", "Unauthorised banners", "1d", "street"),
    ),
    node(
        "施工管理",
        "Construction management",
        leaf("夜间施工扰民", "Night-time construction noise", "2h", "d-cgzf d-zjw", "urgent"),
        leaf("施工占道", "Construction occupying the road", "1d", "d-jgzd d-cgzf"),
        leaf("道路遗撒", "Spillage on roads", "4h", "d-cgzf d-hwzx", "urgent"),
        leaf("工地扬尘", "Construction dust", "24h", "d-sthj d-zjw"),
        leaf("无证掘路", "Unauthorised road excavation", "1d", "d-cgw d-cgzf"),
        leaf("施工废弃料", "Construction waste left on site", "3d", "d-cgzf"),
        leaf("违规装修", "Illegal renovation", "5wd", "d-zjw street"),
        leaf("施工围挡破损", "Damaged site hoarding", "1d", "d-zjw"),
    ),
    node(
        "街面秩序",
        "Street order",
        node(
            "无照经营",
            "Unlicensed trading",
            leaf("游商", "Mobile vendors", "2h"),
            leaf("无照门店", "Unlicensed shop", "5wd"),
            handlers="street d-cgzf d-scjg",
        ),
        leaf("占道经营", "Business occupying the road", "2h", "street d-cgzf"),
        leaf("店外经营", "Trading outside the shop", "4h", "street d-cgzf"),
        leaf("机动车乱停放", "Illegally parked vehicles", "2h", "d-jgzd d-tcgl"),
        leaf("共享单车乱停放", "Shared bikes parked in disorder", "2h", "street d-cgw"),
        leaf("露天烧烤", "Open-air barbecue", "2h", "street d-cgzf"),
        leaf("乞讨卖艺", "Begging and busking", "4h", "d-mzj d-gafj"),
        leaf("非法营运", "Unlicensed taxi service", "1d", "d-jgzd"),
    ),
    node(
        "突发事件",
        "Emergencies",
        node(
            "管道破裂",
            "Burst pipe",
            leaf("上水管道", "Water main", "2h", "u-water", "emergency"),
            node(
                "燃气管道",
                "Gas pipe",
                leaf("燃气泄漏", "Gas leak", "2h", urgency="emergency"),
                leaf("管体破损", "Damaged pipe", "2h", urgency="emergency"),
                handlers="u-gas",
            ),
            leaf("热力管道", "Heating pipe", "2h", "u-heat", "emergency"),
            leaf("排水管道", "Drain pipe", "2h", "u-drain", "emergency"),
        ),
        leaf("路面塌陷", "Road collapse", "2h", "d-szsr u-road d-yjj", "emergency"),
        leaf("道路积水", "Waterlogged road", "2h", "d-swj u-drain street", "emergency"),
        leaf("火情", "Fire", "2h", "d-xfzd", "emergency"),
        leaf("树木倒伏阻路", "Fallen tree blocking the road", "2h", "d-yllh street", "emergency"),
        leaf("积雪结冰", "Snow and ice", "12h", "d-hwzx street", "urgent"),
        leaf("危险化学品泄漏", "Hazardous chemical leak", "2h", "d-yjj d-xfzd d-sthj", "emergency"),
        leaf("大面积停电", "Large power outage", "2h", "u-power d-yjj", "emergency"),
    ),
    node(
        "其他事件",
        "Other events",
        leaf("违规养犬", "Unlicensed dog", "3wd", "d-gafj"),
        leaf("动物尸体", "Animal carcass", "4h", "d-hwzx"),
        leaf("废弃车辆", "Abandoned vehicle", "5wd", "d-jgzd street"),
        leaf("公共设施被盗", "Theft of public facilities", "24h", "d-gafj", "urgent"),
        leaf("病媒生物孳生", "Pest breeding (rats, mosquitoes)", "3wd", "d-jkzx d-wjw street"),
    ),
    node(
        "生态环境",
        "Environmental protection",
        node(
            "大气污染",
            "Air pollution",
            leaf("餐饮油烟", "Restaurant fumes", "3wd"),
            leaf("露天焚烧", "Open burning", "2h", urgency="urgent"),
            leaf("散煤燃烧", "Loose coal burning", "1d"),
            handlers="d-sthj d-cgzf",
        ),
        leaf("水污染", "Water pollution", "1d", "d-sthj d-swj", "urgent"),
        node(
            "噪声污染",
            "Noise pollution",
            leaf("商业噪声", "Commercial noise", "4h"),
            leaf("社会生活噪声", "Neighbourhood noise", "1d"),
            handlers="d-sthj d-gafj",
        ),
        leaf("危险废物", "Hazardous waste", "24h", "d-sthj", "urgent"),
    ),
    node(
        "市政公用服务",
        "Public-utility service",
        leaf("停水与水质", "Water outage or quality", "24h", "u-water"),
        leaf("停电", "Power outage", "24h", "u-power"),
        leaf("燃气供应", "Gas supply", "24h", "u-gas"),
        leaf("供暖不热", "Inadequate heating", "24h", "u-heat"),
        leaf("排水不畅", "Blocked drainage", "24h", "u-drain street"),
        leaf("通信与有线电视故障", "Telecom or cable TV fault", "7d", TELECOM),
    ),
    node(
        "房屋与物业管理",
        "Housing and property management",
        leaf("物业服务", "Property-management service", "7d", "d-zjw street"),
        leaf("老旧小区改造", "Old-estate renovation", "15d", "d-zjw"),
        leaf("电梯故障", "Lift fault", "24h", "d-scjg d-zjw", "urgent"),
        leaf("群租房", "Overcrowded rentals", "7d", "d-zjw d-gafj street"),
        leaf("公房修缮", "Repair of public housing", "7d", "d-fwtd"),
    ),
    node(
        "交通出行",
        "Traffic and mobility",
        leaf("交通拥堵", "Traffic congestion", "2h", "d-jgzd", "urgent"),
        leaf("公交运营", "Bus service", "7d", "u-bus"),
        leaf("地铁运营", "Metro service", "7d", "u-metro"),
        leaf("停车收费", "Parking charges", "7d", "d-tcgl"),
        leaf("出租车服务", "Taxi service", "7d", "d-jgzd"),
    ),
    node(
        "市场监管",
        "Market supervision",
        node(
            "食品安全",
            "Food safety",
            leaf("过期变质食品", "Expired or spoiled food", "24h", urgency="urgent"),
            leaf("无证餐饮", "Unlicensed catering", "5wd"),
            handlers="d-scjg",
        ),
        leaf("价格违法", "Price violations", "7d", "d-scjg"),
        leaf("消费纠纷", "Consumer dispute", "7d", "d-scjg o-xx"),
        leaf("便民商业网点", "Neighbourhood shops and services", "15d", "d-swu street"),
        leaf("民营企业诉求", "Private-enterprise request", "15d", "o-gsl d-swu"),
    ),
    node(
        "文化旅游",
        "Culture and tourism",
        leaf("黑导游与非法一日游", "Unlicensed tour touting", "1d", "d-wlj d-gafj"),
        leaf("文物损毁", "Damage to cultural relics", "24h", "d-wlj", "urgent"),
        leaf("文化娱乐场所", "Entertainment venues", "7d", "d-wlj"),
        leaf("宗教场所", "Religious venues", "15d", "d-tzb"),
        leaf("公共文化活动", "Public cultural activities", "15d", "o-wl d-wlj street"),
    ),
    node(
        "公共安全隐患",
        "Public-safety hazards",
        leaf("消防通道堵塞", "Blocked fire lane", "24h", "d-xfzd street", "urgent"),
        leaf("电动车违规充电", "Unsafe e-bike charging", "24h", "d-xfzd street", "urgent"),
        leaf("燃气使用隐患", "Unsafe gas use", "24h", "u-gas d-yjj", "urgent"),
        leaf("高空坠物隐患", "Risk of falling objects", "4h", "d-zjw street", "urgent"),
        leaf("地下空间违规住人", "People living in underground space", "7d", "d-rfb d-zjw"),
        leaf("校园周边安全", "School-surroundings safety", "24h", "d-jw d-gafj", "urgent"),
        leaf("安全生产隐患", "Workplace-safety hazard", "24h", "d-yjj", "urgent"),
    ),
)

SOCIAL: tuple[Tax, ...] = (
    node(
        "矫正帮教",
        "Community correction and assistance",
        leaf("社区矫正对象管理", "Supervision under community correction", "1wd", "d-sfj"),
        leaf("刑满释放人员帮教", "Assistance to released prisoners", "15d", "d-sfj street"),
        leaf("脱管漏管", "Person out of supervision", "24h", "d-sfj d-gafj", "urgent"),
    ),
    node(
        "流动人口管理",
        "Floating-population management",
        leaf("流动人口登记", "Floating-population registration", "7d", "d-gafj street"),
        leaf("出租房屋登记", "Rental-housing registration", "7d", "d-gafj street"),
        leaf("居住证服务", "Residence-permit service", "15d", "d-gafj"),
    ),
    node(
        "矛盾调解",
        "Dispute mediation",
        leaf("邻里纠纷", "Neighbour dispute", "7d", "street d-sfj"),
        leaf("家庭纠纷", "Family dispute", "7d", "street d-sfj o-fl"),
        leaf("劳动争议", "Labour dispute", "15d", "d-rsj o-zgh"),
        leaf("医患纠纷", "Doctor-patient dispute", "15d", "d-wjw d-sfj"),
        leaf("物业纠纷", "Property-management dispute", "15d", "street d-zjw"),
    ),
    node(
        "事件台账",
        "Event ledger",
        leaf("安全生产检查", "Safety inspection record", "7d", "d-yjj street"),
        leaf("重点人员走访", "Visit to persons of concern", "7d", "d-gafj d-zzb d-zfw"),
        leaf("群体性事件苗头", "Early sign of a mass incident", "2h", "d-zzb d-zfw d-gafj d-xfb", "emergency"),
    ),
    node(
        "民情日志",
        "Public-sentiment log",
        leaf("居民诉求", "Resident request", "7d", "street d-shb"),
        leaf("社情民意", "Public-opinion note", "7d", "d-shb street"),
        leaf("政策咨询", "Policy enquiry", "7d", "d-zwfw"),
    ),
    node(
        "特殊人群服务",
        "Services for vulnerable groups",
        leaf("困难家庭救助", "Aid to families in hardship", "7d", "d-mzj street d-czj"),
        leaf("残疾人服务", "Services for the disabled", "7d", "o-cl"),
        leaf("独居老人关爱", "Care for elderly people living alone", "7d", "d-mzj o-ll street"),
        leaf("退役军人服务", "Services for veterans", "7d", "d-tyjr"),
        leaf("人道救助", "Humanitarian relief", "7d", "o-hszh"),
        leaf("归侨侨眷服务", "Services for returned overseas Chinese", "15d", "o-ql"),
    ),
    node(
        "社区服务",
        "Community services",
        leaf("为老服务", "Elderly services", "7d", "o-ll d-mzj street"),
        leaf("就业服务", "Employment services", "7d", "d-rsj street"),
        leaf("医疗保障", "Medical insurance", "15d", "d-ybj"),
        leaf("志愿服务", "Volunteer services", "15d", "d-wmb o-tw"),
        leaf("未成年人保护", "Child protection", "24h", "o-tw o-fl d-mzj", "urgent"),
        leaf("基层卫生服务", "Community health services", "7d", "d-wjw"),
    ),
    node(
        "信访与舆情",
        "Petitions and public opinion",
        leaf("信访事项", "Petition", "15d", "d-xfb"),
        leaf("网络舆情", "Online public opinion", "24h", "d-wxb d-xcb", "urgent"),
        leaf("媒体曝光问题", "Issue exposed by the media", "24h", "d-xcb d-wmb", "urgent"),
    ),
)

COUNCIL_MEMBERS = ("d-zzb", "d-shb", "d-wmb", "d-cgw", "d-sfj", "d-gafj")

# (id, name, full name, English name) of district-level departments (government and party).
DISTRICT_DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("d-zzb", "区综治办", "东城区委政法委综治办", "District Comprehensive Governance Office"),
    ("d-shb", "区社会办", "东城区社会建设工作办公室", "District Social Affairs Office"),
    ("d-wmb", "区文明办", "东城区精神文明建设办公室", "District Civilization Office"),
    ("d-cgw", "区城管委", "东城区城市管理委员会", "District Urban Management Commission"),
    ("d-sfj", "区司法局", "东城区司法局", "District Justice Bureau"),
    ("d-gafj", "公安分局", "北京市公安局东城分局", "Dongcheng Public Security Sub-bureau"),
    ("d-cgzf", "区城管执法局", "东城区城市管理综合行政执法局", "District Urban Management Law Enforcement Bureau"),
    (
        "d-zjw",
        "区住房城乡建设委",
        "东城区住房和城乡建设委员会",
        "District Housing and Urban-Rural Development Commission",
    ),
    ("d-ghzr", "区规划自然资源分局", "北京市规划和自然资源委员会东城分局", "Planning and Natural Resources Sub-bureau"),
    ("d-sthj", "区生态环境局", "北京市东城区生态环境局", "District Ecology and Environment Bureau"),
    ("d-yllh", "区园林绿化局", "东城区园林绿化局", "District Landscaping Bureau"),
    ("d-swj", "区水务局", "东城区水务局", "District Water Affairs Bureau"),
    ("d-jgzd", "东城交通支队", "北京市公安局公安交通管理局东城交通支队", "Dongcheng Traffic Police Detachment"),
    ("d-scjg", "区市场监管局", "东城区市场监督管理局", "District Market Supervision Bureau"),
    ("d-wjw", "区卫生健康委", "东城区卫生健康委员会", "District Health Commission"),
    ("d-jw", "区教委", "东城区教育委员会", "District Education Commission"),
    ("d-mzj", "区民政局", "东城区民政局", "District Civil Affairs Bureau"),
    ("d-rsj", "区人力社保局", "东城区人力资源和社会保障局", "District Human Resources and Social Security Bureau"),
    ("d-yjj", "区应急管理局", "东城区应急管理局", "District Emergency Management Bureau"),
    ("d-xfzd", "区消防救援支队", "北京市东城区消防救援支队", "District Fire and Rescue Detachment"),
    ("d-swu", "区商务局", "东城区商务局", "District Commerce Bureau"),
    ("d-wlj", "区文化和旅游局", "东城区文化和旅游局", "District Culture and Tourism Bureau"),
    ("d-tyj", "区体育局", "东城区体育局", "District Sports Bureau"),
    ("d-fgw", "区发展改革委", "东城区发展和改革委员会", "District Development and Reform Commission"),
    ("d-czj", "区财政局", "东城区财政局", "District Finance Bureau"),
    (
        "d-kxj",
        "区科技和信息化局",
        "东城区科学技术和信息化局",
        "District Science, Technology and Informatization Bureau",
    ),
    ("d-tyjr", "区退役军人事务局", "东城区退役军人事务局", "District Veterans Affairs Bureau"),
    ("d-ybj", "区医疗保障局", "东城区医疗保障局", "District Healthcare Security Bureau"),
    ("d-gzw", "区国资委", "东城区人民政府国有资产监督管理委员会", "District State-owned Assets Commission"),
    ("d-fwtd", "区房屋土地经营管理中心", "东城区房屋土地经营管理中心", "District Housing and Land Management Centre"),
    ("d-rfb", "区人防办", "东城区人民防空办公室", "District Civil Air Defence Office"),
    ("d-xfb", "区信访办", "东城区信访办公室", "District Petitions Office"),
    ("d-zwfw", "区政务服务局", "东城区政务服务和数据管理局", "District Government Services Bureau"),
    ("d-hwzx", "区环卫中心", "东城区环境卫生服务中心", "District Sanitation Service Centre"),
    ("d-szsr", "区市政市容管理中心", "东城区市政市容管理服务中心", "District Municipal Facilities Management Centre"),
    ("d-tcgl", "区停车管理中心", "东城区停车管理服务中心", "District Parking Management Centre"),
    ("d-ldgs", "区城市照明管理所", "东城区城市照明管理所", "District Street Lighting Office"),
    ("d-xcb", "区委宣传部", "中共东城区委宣传部", "Publicity Department of the District Committee"),
    (
        "d-zfw",
        "区委政法委",
        "中共东城区委政法委员会",
        "Political and Legal Affairs Commission of the District Committee",
    ),
    ("d-tzb", "区委统战部", "中共东城区委统一战线工作部", "United Front Work Department of the District Committee"),
    (
        "d-wxb",
        "区委网信办",
        "中共东城区委网络安全和信息化委员会办公室",
        "Cyberspace Affairs Office of the District Committee",
    ),
    ("d-jkzx", "区疾控中心", "东城区疾病预防控制中心", "District Centre for Disease Control"),
)

UTILITIES: tuple[tuple[str, str, str], ...] = (
    ("u-water", "北京自来水集团东城分公司", "Beijing Waterworks Group, Dongcheng branch"),
    ("u-drain", "北京城市排水集团东城管理处", "Beijing Drainage Group, Dongcheng office"),
    ("u-power", "国网北京东城供电公司", "State Grid Beijing Dongcheng Power Supply Company"),
    ("u-gas", "北京燃气集团东城分公司", "Beijing Gas Group, Dongcheng branch"),
    ("u-heat", "北京热力集团东城分公司", "Beijing District Heating Group, Dongcheng branch"),
    ("u-telecom", "中国电信北京东城分公司", "China Telecom Beijing, Dongcheng branch"),
    ("u-mobile", "中国移动北京东城分公司", "China Mobile Beijing, Dongcheng branch"),
    ("u-unicom", "中国联通北京东城分公司", "China Unicom Beijing, Dongcheng branch"),
    ("u-gehua", "歌华有线东城分公司", "Gehua Cable, Dongcheng branch"),
    ("u-tower", "中国铁塔北京东城办事处", "China Tower, Dongcheng office"),
    ("u-bus", "北京公交集团第一客运分公司", "Beijing Public Transport Group, first bus branch"),
    ("u-metro", "北京地铁运营有限公司", "Beijing Metro Operation Co."),
    ("u-post", "中国邮政东城区分公司", "China Post, Dongcheng branch"),
    ("u-road", "北京市政路桥养护集团东城项目部", "Beijing road maintenance group, Dongcheng unit"),
    ("u-sanit", "北京环卫集团东城分公司", "Beijing Environment Sanitation Group, Dongcheng branch"),
)

ORGANISATIONS: tuple[tuple[str, str, str], ...] = (
    ("o-zgh", "区总工会", "District Federation of Trade Unions"),
    ("o-tw", "团区委", "District Committee of the Communist Youth League"),
    ("o-fl", "区妇联", "District Women's Federation"),
    ("o-cl", "区残联", "District Disabled Persons' Federation"),
    ("o-hszh", "区红十字会", "District Red Cross Society"),
    ("o-gsl", "区工商联", "District Federation of Industry and Commerce"),
    ("o-kx", "区科协", "District Association for Science and Technology"),
    ("o-ql", "区侨联", "District Federation of Returned Overseas Chinese"),
    ("o-wl", "区文联", "District Federation of Literary and Art Circles"),
    ("o-xx", "区消费者协会", "District Consumers' Association"),
    ("o-ll", "区老龄协会", "District Association for the Aged"),
)

DEPARTMENT_TOTAL = 85

# (id, name, English name, public, medium)
CHANNELS: tuple[tuple[str, str, str, bool, str], ...] = (
    ("ch-96010", "96010便民服务热线", "96010 public service hotline", True, "phone"),
    ("ch-12345", "12345市民服务热线", "12345 citizen service hotline", True, "phone"),
    ("ch-wechat", "微信公众号", "WeChat official account", True, "online"),
    ("ch-media", "媒体与舆情监督", "Media and public-opinion supervision", True, "media"),
    ("ch-mayor-mailbox", "区长信箱", "District mayor's mailbox", True, "online"),
    ("ch-instruction", "领导批示件", "Leaders' written instructions", False, "document"),
    ("ch-weibo", "政务微博", "Government microblog", True, "online"),
    ("ch-zfhf", "政风行风热线", "Government-conduct hotline (radio call-in)", True, "radio"),
    ("ch-patrol", "网格监督员巡查上报（城管通）", "Grid supervisors' patrol reports (PDA)", False, "field_terminal"),
)


def street_office_id(index: int) -> str:
    """Department id of the street office of the street at ``index``."""
    return f"s-{STREETS[index][1].lower()}"


def parse_deadline(spec: str) -> Json:
    """'2wh' -> {'value': 2, 'unit': 'working_hours'}."""
    match = re.fullmatch(r"(\d+)(wh|wd|h|d)", spec)
    if not match:
        raise ValueError(f"bad deadline {spec!r}")
    return {"value": int(match.group(1)), "unit": DEADLINE_UNITS[match.group(2)]}


def build_taxonomy() -> tuple[Json, dict[str, list[str]]]:
    """Taxonomy JSON and the mapping leaf code -> handling department ids."""
    handled: dict[str, list[str]] = {}
    levels = ("major", "sub", "detail", "micro")
    counts = dict.fromkeys(levels, 0)

    def emit(tax: Tax, code: str, depth: int, inherited: str) -> Json:
        counts[levels[depth]] += 1
        handlers = tax.handlers or inherited
        out: Json = {"code": code, "level": levels[depth], "name": tax.name, "name_en": tax.name_en}
        if tax.children:
            out["children"] = [
                emit(child, f"{code}{i:02d}", depth + 1, handlers) for i, child in enumerate(tax.children, start=1)
            ]
            return out
        if tax.urgency not in URGENCIES:
            raise ValueError(f"bad urgency {tax.urgency!r} for {code}")
        departments = _expand_handlers(handlers)
        if not departments:
            raise ValueError(f"leaf {code} has no handling department")
        handled[code] = departments
        out.update(
            deadline=parse_deadline(tax.deadline),
            urgency=tax.urgency,
            handling_level="street" if "street" in handlers.split() else "district",
            departments=departments,
        )
        return out

    def tree(prefix: str, majors: Sequence[Tax], domain: str) -> list[Json]:
        nodes = []
        for i, major in enumerate(majors, start=1):
            nodes.append({"domain": domain} | emit(major, f"{prefix}{i:02d}", 0, ""))
        return nodes

    urban = tree("C", COMPONENTS, "component") + tree("E", EVENTS, "event")
    urban_counts = dict(counts)
    social = tree("S", SOCIAL, "social")
    payload: Json = {
        "schema": SCHEMA,
        "levels": list(levels),
        "deadline_units": sorted(DEADLINE_UNITS.values()),
        "urgencies": list(URGENCIES),
        "code_scheme": "domain letter (C component, E event, S social) + 2 digits per level",
        "counts": {"urban": urban_counts, "leaves": len(handled)},
        "majors": urban,
        "social": social,
    }
    return payload, handled


def _expand_handlers(handlers: str) -> list[str]:
    """Department ids for a handler string; 'street' means all 17 street offices."""
    ids: set[str] = set()
    for token in handlers.split():
        if token == "street":
            ids.update(street_office_id(i) for i in range(len(STREETS)))
        else:
            ids.add(token)
    return sorted(ids)


def build_departments(handled: dict[str, list[str]]) -> Json:
    """The 85 departments with the leaf codes each handles."""
    rows: list[Json] = []
    for dept_id, name, full_name, name_en in DISTRICT_DEPARTMENTS:
        rows.append(_department(dept_id, name, full_name, name_en, "district", None))
    for index, (short, pinyin, _) in enumerate(STREETS):
        rows.append(
            _department(
                street_office_id(index),
                f"{short}街道办事处",
                f"东城区{short}街道办事处",
                f"{pinyin} Street Office",
                "street",
                street_code(index),
            )
        )
    for dept_id, name, name_en in UTILITIES:
        rows.append(_department(dept_id, name, name, name_en, "utility", None))
    for dept_id, name, name_en in ORGANISATIONS:
        rows.append(_department(dept_id, name, f"东城{name}", name_en, "organisation", None))
    by_id = {row["id"]: row for row in rows}
    if len(by_id) != DEPARTMENT_TOTAL:
        raise ValueError(f"expected {DEPARTMENT_TOTAL} departments, got {len(by_id)}")
    for code, departments in sorted(handled.items()):
        for dept_id in departments:
            if dept_id not in by_id:
                raise ValueError(f"leaf {code} names unknown department {dept_id}")
            by_id[dept_id]["handles"].append(code)
    idle = [d for d, row in by_id.items() if not row["handles"]]
    if idle:
        raise ValueError(f"departments without categories: {idle}")
    return {"schema": SCHEMA, "attribution": ATTRIBUTION, "departments": sorted(rows, key=lambda r: r["id"])}


def _department(dept_id: str, name: str, full_name: str, name_en: str, kind: str, street: str | None) -> Json:
    """One department record (``handles`` is filled in afterwards)."""
    return {
        "id": dept_id,
        "name": name,
        "full_name": full_name,
        "name_en": name_en,
        "kind": kind,
        "council_member": dept_id in COUNCIL_MEMBERS,
        "street_code": street,
        "handles": [],
    }


def build_channels() -> Json:
    """The nine intake channels."""
    return {
        "schema": SCHEMA,
        "channels": [
            {"id": cid, "name": name, "name_en": name_en, "public": public, "medium": medium}
            for cid, name, name_en, public, medium in CHANNELS
        ],
    }


# --------------------------------------------------------------------------------------------
# Measurements and output
# --------------------------------------------------------------------------------------------


@dataclass
class Metrics:
    """Figures reported in the README and checked before writing."""

    outline_area_m2: float
    coverage: float
    uncovered_m2: float
    outside_m2: float
    overlap_m2: float
    overlap_pairs: int
    street_errors: list[float]


def measure(
    outline: Polygon, polys: list[Polygon], frame: LocalFrame, street_areas: Sequence[float], targets: Sequence[float]
) -> Metrics:
    """Coverage of the outline, pairwise overlap and per-street area error (in %)."""
    arr = np.array(polys, dtype=object)
    tree = shapely.STRtree(arr)
    left, right = tree.query(arr, predicate="intersects")
    keep = left < right
    overlaps = frame.area_m2(shapely.intersection(arr[left[keep]], arr[right[keep]]))
    union = shapely.coverage_union_all(arr)
    outline_area = float(frame.area_m2(outline))
    uncovered = float(frame.area_m2(shapely.difference(outline, union)))
    return Metrics(
        outline_area_m2=outline_area,
        coverage=1.0 - uncovered / outline_area,
        uncovered_m2=uncovered,
        outside_m2=float(frame.area_m2(shapely.difference(union, outline))),
        overlap_m2=float(overlaps.sum()),
        overlap_pairs=int((overlaps > 1e-6).sum()),
        street_errors=[100.0 * (a / t - 1.0) for a, t in zip(street_areas, targets, strict=True)],
    )


def coords(ring: Any) -> list[list[float]]:
    """Ring coordinates rounded to six decimals."""
    return [[round(x, COORD_DECIMALS), round(y, COORD_DECIMALS)] for x, y in ring.coords]


def polygon_json(poly: Polygon) -> Json:
    """GeoJSON Polygon (RFC 7946 winding: exterior counter-clockwise)."""
    poly = orient(poly, sign=1.0)
    return {"type": "Polygon", "coordinates": [coords(poly.exterior)] + [coords(r) for r in poly.interiors]}


def feature_collection(features: list[Json], **extra: Any) -> Json:
    """A FeatureCollection carrying the schema version and attribution as foreign members."""
    return {"type": "FeatureCollection", "schema": SCHEMA, "attribution": ATTRIBUTION, **extra, "features": features}


def feature(poly: Polygon, properties: Json) -> Json:
    """A GeoJSON Feature."""
    return {"type": "Feature", "properties": properties, "geometry": polygon_json(poly)}


def lonlat(point: tuple[float, float]) -> list[float]:
    """[lon, lat] rounded."""
    return [round(point[0], COORD_DECIMALS), round(point[1], COORD_DECIMALS)]


@dataclass
class District:
    """Everything the generator derives, ready to serialise."""

    source: Source
    frame: LocalFrame
    outline: Polygon
    sites: StreetSites
    targets: FloatArray
    streets: list[Polygon]
    communities: list[Community]
    bases: list[BaseGrid]
    units: list[UnitGrid]
    cameras: list[Camera]
    taxonomy: Json
    departments: Json
    metrics: Metrics


def stage_rng(stage: int) -> np.random.Generator:
    """Independent, seeded random stream per stage (changing one stage leaves others intact)."""
    return np.random.default_rng([SEED, stage])


def build(source_dir: Path) -> District:
    """Run the whole derivation."""
    source = read_source(source_dir)
    check_streets(source)
    frame = LocalFrame.at(*FRAME_ORIGIN)
    outline = orient(Polygon(np.round(source.outline, COORD_DECIMALS)), sign=1.0)
    if not outline.is_valid:
        raise ValueError("district outline is not a valid polygon")
    outline_xy = frame.geom_to_xy(outline)
    official = np.array([area for _, _, area in STREETS])
    targets = official / official.sum() * outline_xy.area
    sites = street_sites(source, frame)
    streets_xy = street_regions(sites, fit_street_weights(sites, outline_xy, targets), outline_xy)
    communities = place_communities(source, streets_xy, frame, stage_rng(1))
    bases, units = tile_district(streets_xy, frame, stage_rng(2))
    describe_grids(bases, units, communities, streets_xy, frame)
    classify_grids(units, frame, stage_rng(3))
    cameras = place_cameras(units, communities, frame, stage_rng(4))
    streets = [
        single_polygon(shapely.coverage_union_all([u.poly for u in units if u.street == s]))
        for s in range(len(STREETS))
    ]
    street_areas = [sum(u.area_m2 for u in units if u.street == s) for s in range(len(STREETS))]
    metrics = measure(
        outline, [u.poly for u in units], frame, street_areas, list(targets * frame.area_m2(outline) / outline_xy.area)
    )
    taxonomy, handled = build_taxonomy()
    return District(
        source,
        frame,
        outline,
        sites,
        targets,
        streets,
        communities,
        bases,
        units,
        cameras,
        taxonomy,
        build_departments(handled),
        metrics,
    )


def check(district: District) -> None:
    """Refuse to write data that breaks the invariants promised in the README."""
    m = district.metrics
    problems = []
    if len(district.units) != UNIT_GRID_TOTAL or len(district.bases) != BASE_GRID_TOTAL:
        problems.append("grid counts")
    if len({u.code for u in district.units}) != UNIT_GRID_TOTAL:
        problems.append("duplicate unit-grid codes")
    if m.coverage < COVERAGE_TOLERANCE:
        problems.append(f"coverage {m.coverage:.5f}")
    if m.overlap_m2 > 1.0:
        problems.append(f"overlap {m.overlap_m2:.3f} m2")
    if max(abs(e) for e in m.street_errors) > 1.0:
        problems.append("street area error above 1 %")
    if problems:
        raise ValueError("invariants broken: " + ", ".join(problems))


def outline_payload(d: District) -> Json:
    """outline.geojson."""
    props = {"code": DISTRICT_CODE, "name": DISTRICT_NAME, "area_m2": round(d.metrics.outline_area_m2, 1)}
    return feature_collection([feature(d.outline, props)], crs_note="WGS84, converted from GCJ-02")


def street_records(d: District) -> list[Json]:
    """Attributes of the 17 streets."""
    records = []
    for s, (short, pinyin, official) in enumerate(STREETS):
        units = [u for u in d.units if u.street == s]
        area = sum(u.area_m2 for u in units)
        c = d.streets[s].centroid
        records.append(
            {
                "code": street_code(s),
                "name": f"{short}街道",
                "short_name": short,
                "name_en": pinyin,
                "office_name": d.source.streets[s].name,
                "office_department_id": street_office_id(s),
                "official_area_km2": official,
                "target_area_km2": round(float(d.targets[s]) / 1e6, 4),
                "derived_area_km2": round(area / 1e6, 4),
                "area_error_pct": round(d.metrics.street_errors[s], 3) + 0.0,
                "centroid": lonlat((c.x, c.y)),
                "centre_source": d.sites.centre_source[s],
                "community_count": sum(1 for cm in d.communities if cm.street == s),
                "base_grid_count": sum(1 for b in d.bases if b.street == s),
                "unit_grid_count": len(units),
            }
        )
    return records


def community_records(d: District) -> list[Json]:
    """Attributes of the communities."""
    by_code: dict[str, list[UnitGrid]] = defaultdict(list)
    for u in d.units:
        by_code[u.community].append(u)
    records = []
    for cm in sorted(d.communities, key=lambda c: c.code):
        lon, lat = d.frame.to_lonlat(np.array([cm.xy]))[0]
        records.append(
            {
                "code": cm.code,
                "code3": cm.code[-3:],
                "name": cm.name,
                "street_code": street_code(cm.street),
                "point": lonlat((float(lon), float(lat))),
                "position": cm.position,
                "area_m2": round(sum(u.area_m2 for u in by_code[cm.code]), 1),
                "unit_grid_count": len(by_code[cm.code]),
            }
        )
    return records


def unit_properties(d: District, u: UnitGrid) -> Json:
    """Properties of one unit-grid feature."""
    return {
        "code": u.code,
        "street_code": street_code(u.street),
        "community_code": u.community,
        "base_grid_id": d.bases[u.base].id,
        "type": u.grid_type,
        "type_zh": dict(GRID_TYPES)[u.grid_type],
        "level": u.level,
        "level_zh": dict(MANAGEMENT_LEVELS)[u.level],
        "centroid": lonlat(u.centroid),
        "area_m2": round(u.area_m2, 1),
    }


def base_properties(d: District, b: BaseGrid) -> Json:
    """Properties of one base grid."""
    return {
        "id": b.id,
        "name": f"{STREETS[b.street][0]}街道基础网格{b.id[-3:]}",
        "street_code": street_code(b.street),
        "community_codes": sorted({d.units[i].community for i in b.units}),
        "unit_grid_count": len(b.units),
        "centroid": lonlat(b.centroid),
        "area_m2": round(b.area_m2, 1),
    }


def camera_record(d: District, c: Camera) -> Json:
    """One camera record."""
    unit = d.units[c.unit]
    return {
        "id": c.id,
        "name": c.name,
        "device_type": c.device_type,
        "device_kind": "camera" if c.device_type == "131" else "ip_camera",
        "lon": c.lon,
        "lat": c.lat,
        "unit_grid_code": unit.code,
        "street_code": street_code(unit.street),
        "placement": c.placement,
        "stream_url": c.stream_url,
    }


def payloads(d: District) -> dict[str, Json]:
    """All JSON/GeoJSON files keyed by file name."""
    units = sorted(d.units, key=lambda u: u.code)
    bases = sorted(d.bases, key=lambda b: b.id)
    grid_vocab = {"grid_types": dict(GRID_TYPES), "management_levels": dict(MANAGEMENT_LEVELS)}
    return {
        "outline.geojson": outline_payload(d),
        "streets.json": {"schema": SCHEMA, "attribution": ATTRIBUTION, "streets": street_records(d)},
        "streets.geojson": feature_collection(
            [
                feature(d.streets[s], {"code": street_code(s), "name": f"{STREETS[s][0]}街道"})
                for s in range(len(STREETS))
            ]
        ),
        "communities.json": {"schema": SCHEMA, "attribution": ATTRIBUTION, "communities": community_records(d)},
        "base_grids.json": {
            "schema": SCHEMA,
            "attribution": ATTRIBUTION,
            "id_scheme": "9-digit street code + 'J' + 3-digit sequence",
            "base_grids": [base_properties(d, b) for b in bases],
        },
        "base_grids.geojson": feature_collection([feature(b.poly, base_properties(d, b)) for b in bases]),
        "unit_grids.geojson": feature_collection(
            [feature(u.poly, unit_properties(d, u)) for u in units],
            code_scheme="110101 + 3-digit street + 3-digit community + 3-digit sequence",
            **grid_vocab,
        ),
        "cameras.json": {
            "schema": SCHEMA,
            "attribution": ATTRIBUTION,
            "id_scheme": "GB/T 28181: centre 11010100 + industry 08 + type 131|132 + network 6 + 6-digit serial",
            "cameras": [camera_record(d, c) for c in d.cameras],
        },
        "departments.json": d.departments,
        "taxonomy.json": d.taxonomy,
        "channels.json": build_channels(),
    }


def dump_json(payload: Json) -> bytes:
    """Compact UTF-8 JSON with a trailing newline."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def write_outputs(d: District, out: Path) -> list[Path]:
    """Write every file into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, payload in payloads(d).items():
        (out / name).write_bytes(dump_json(payload))
        written.append(out / name)
    (out / "README.md").write_bytes(readme(d).encode("utf-8"))
    written.append(out / "README.md")
    return written


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _share(values: Sequence[str], vocabulary: Sequence[tuple[str, str]]) -> str:
    """'住宅 61.2 %, ...' for a list of vocabulary keys."""
    total = len(values)
    return ", ".join(f"{zh} ({key}) {100.0 * values.count(key) / total:.1f} %" for key, zh in vocabulary)


def readme(d: District) -> str:
    """The data README, with the measured figures of this build."""
    m = d.metrics
    shift = (d.source.outline - d.source.outline_gcj).mean(axis=0)
    positions = [c.position for c in d.communities]
    areas = np.array([u.area_m2 for u in d.units])
    base_areas = np.array([b.area_m2 for b in d.bases])
    street_rows = [
        (
            r["code"],
            r["name"],
            f"{r['official_area_km2']:.2f}",
            f"{r['target_area_km2']:.3f}",
            f"{r['derived_area_km2']:.3f}",
            f"{r['area_error_pct']:+.3f}",
            r["centre_source"],
            r["community_count"],
            r["base_grid_count"],
            r["unit_grid_count"],
        )
        for r in street_records(d)
    ]
    counts = d.taxonomy["counts"]["urban"]
    devices = [c.device_type for c in d.cameras]
    placements = [c.placement for c in d.cameras]
    provenance = [
        ("`outline.geojson`", "district outline (adcode), converted GCJ-02 → WGS84", "—"),
        (
            "`streets.json`, `streets.geojson`",
            "17 codes 110101001…017, names, official areas",
            "street outlines (not public)",
        ),
        (
            "`communities.json`",
            f"{len(d.communities)} codes and names (adcode 2016 list; 177 official in 2020)",
            f"{positions.count('synthetic')} positions (no or duplicate point in the source), "
            f"{positions.count('adcode_adjusted')} adcode points moved inside the derived street; "
            "all areas",
        ),
        (
            "`base_grids.*`, `unit_grids.geojson`",
            "counts 592 / 2322, the 15-digit code layout (DB11)",
            "all geometry, codes, types, levels",
        ),
        (
            "`cameras.json`",
            "id and URL *formats* (GB/T 28181, common platform URLs)",
            "every camera: position, id, name, URL; hosts are fictitious intranet names, never contacted",
        ),
        (
            "`departments.json`",
            "the six council members, the 17 street offices, typical Dongcheng bodies and utilities",
            "the exact set of 85 and which categories each handles",
        ),
        (
            "`taxonomy.json`",
            "the national top classes (public, traffic, city-appearance, landscaping, other facilities; city "
            "appearance, advertising, construction, street order, emergencies, other events), the "
            "social-management categories of DOMAIN.md and the deadlines it quotes",
            "the other majors, every sub/detail/micro entry, codes, the other deadlines and urgencies",
        ),
        ("`channels.json`", "the nine channels", "ids, media"),
    ]
    return README_TEMPLATE.format(
        attribution=ATTRIBUTION,
        provenance_table=_table(("file", "real", "synthetic"), provenance),
        shift_lon=f"{shift[0]:.5f}",
        shift_lat=f"{shift[1]:.5f}",
        outline_km2=f"{m.outline_area_m2 / 1e6:.3f}",
        sites=len(d.sites.xy),
        street_table=_table(
            (
                "code",
                "street",
                "official km²",
                "target km²",
                "derived km²",
                "error %",
                "centre",
                "communities",
                "base grids",
                "unit grids",
            ),
            street_rows,
        ),
        max_error=f"{max(abs(e) for e in m.street_errors):.3f}",
        communities=len(d.communities),
        n_adcode=positions.count("adcode"),
        n_adjusted=positions.count("adcode_adjusted"),
        max_moved=f"{max(c.moved_m for c in d.communities):.0f}",
        n_synthetic=positions.count("synthetic"),
        coverage=f"{100.0 * m.coverage:.4f}",
        tolerance=f"{100.0 * COVERAGE_TOLERANCE:.1f}",
        uncovered=f"{m.uncovered_m2:.1f}",
        outside=f"{m.outside_m2:.1f}",
        overlap=f"{m.overlap_m2:.4f}",
        overlap_pairs=m.overlap_pairs,
        unit_mean=f"{areas.mean():,.0f}",
        unit_min=f"{areas.min():,.0f}",
        unit_max=f"{areas.max():,.0f}",
        base_mean=f"{base_areas.mean():,.0f}",
        base_min=f"{base_areas.min():,.0f}",
        base_max=f"{base_areas.max():,.0f}",
        types=_share([u.grid_type for u in d.units], GRID_TYPES),
        levels=_share([u.level for u in d.units], MANAGEMENT_LEVELS),
        cameras=len(d.cameras),
        cam_road=placements.count("road"),
        cam_hotspot=placements.count("hotspot"),
        cam_area=placements.count("area"),
        cam_131=devices.count("131"),
        cam_132=devices.count("132"),
        majors=counts["major"],
        subs=counts["sub"],
        details=counts["detail"],
        micros=counts["micro"],
        leaves=d.taxonomy["counts"]["leaves"],
        social=len(d.taxonomy["social"]),
        departments=len(d.departments["departments"]),
        seed=SEED,
    )


README_TEMPLATE = """\
# Dongcheng district data (generated)

Generated by `scripts/build_district.py`; do not edit by hand. Regenerate with

    .venv/bin/python scripts/build_district.py            # reads resources/district/source
    .venv/bin/python scripts/build_district.py --source DIR --out DIR

The build is deterministic (seed {seed}, no network): two runs on the same machine give
byte-identical files (`tests/test_district_data.py` checks this). It needs numpy and
shapely >= 2.2 (GEOS >= 3.14, for `coverage_clean`).

## Provenance and licence

The district outline and the street/community codes, names and centre points come from the
public repository **Vonng/adcode** (`data/fences/110101.json`, `data/adcode/110101.csv`; National
Bureau of Statistics 2016 codes, Ministry of Civil Affairs, Amap boundaries), licensed under
Creative Commons Attribution 4.0 International. Every file derived from it carries
`"attribution": "{attribution}"`; show that credit wherever these data or maps drawn from them are
shipped or displayed. Official street areas, grid counts, channel names, the coordination-council
members and the deadlines quoted below are public figures restated in `DOMAIN.md`.

## What is real and what is synthetic

{provenance_table}

## Methods

**GCJ-02 → WGS84.** The standard GCJ-02 forward transform is inverted by fixed-point iteration
(w ← w − (gcj(w) − g)) to 1e-11°. Mean shift over the outline: {shift_lon}° longitude,
{shift_lat}° latitude. The WGS84 outline encloses {outline_km2} km² (official: 41.84 km²).

**Local frame.** Geometry is built in an affine equirectangular frame centred on 116.41 E,
39.92 N (WGS84 metres per degree at that latitude; area distortion < 0.1 % across the district)
and written as lon/lat rounded to 6 decimals (≈ 0.1 m). Every `area_m2` uses this frame.

**Streets.** A power (additively weighted) Voronoi diagram of {sites} sites: each street's adcode
centre (or, where missing, the mean of its located communities), its located community points
and two landmark anchors (Palace Museum → 东华门, Temple of Heaven → 天坛). All sites of a street
share one weight; the weights are fitted with sign-adaptive (Rprop) steps on the exact diagram
until each street's area is within 0.01 % of its official share of the real outline area
(official km² / 41.84 × outline area).
Cells are clipped to the outline; detached fragments go to the neighbour with the longest
shared border. Street polygons in `streets.geojson` are the unions of their unit grids.
Maximum area error {max_error} %:

{street_table}

**Communities.** All {communities} communities of the adcode list are kept (the list dates from
2016 and has 182 entries; 177 were official in 2020). {n_adcode} keep their adcode point as given;
{n_adjusted} whose point falls outside the derived street are moved to the nearest point at least
20 m inside it (by at most {max_moved} m); the {n_synthetic} without a usable point (missing, or
within 60 m of another community's point) are placed by a constrained k-means that fills the part
of the street not served by located communities. Each unit grid belongs to the community whose
point is nearest to its centroid within the street (every community gets at least one grid); a
community's area is the sum of its grids.

**Tiling.** Base grids (592) and unit grids (2322) are apportioned to streets by area (largest
remainder); unit grids to base grids likewise. A street is split into its base grids, and each
base grid into its unit grids, by the Voronoi cells of k-means centroids of a lattice inside the
polygon (k exactly the target), clipped to the parent, fragments merged. The lon/lat polygons are
snapped to the 1e-6° grid and passed through GEOS coverage cleaning so neighbours share
identical edges. Base-grid polygons are unions of their unit grids, so every unit grid lies in
exactly one base grid and one street. Unit grids average {unit_mean} m² (min {unit_min}, max
{unit_max}): the seed speaks of about 10,000 m², but 2322 cells that tile the whole outline
(parks and the Palace Museum included) must average about 18,000 m². Base grids average {base_mean} m² (min
{base_min}, max {base_max}).

**Codes.** Unit grid: `110101` + 3-digit street + 3-digit community (last 3 digits of the
community's 12-digit code) + 3-digit sequence, numbered within street+community in rows of about
one grid height from north to south and west to east inside a row. Base grid id: 9-digit street
code + `J` + 3-digit sequence in the same reading order within the street (e.g. `110101001J001`).

**Types and levels.** Drawn per unit grid with weights raised near rough coordinates of busy
places (王府井, 前门, 东直门, 簋街, 南锣鼓巷, 北京站, 故宫, 天坛, hospitals, ministries …):
{types}. Levels: {levels}.

**Cameras.** {cameras} cameras: {cam_road} along approximate main-road lines (Chang'an Avenue,
the 2nd Ring, Dongsi–Dongdan, Qianmen–Yongdingmen, Ping'an Avenue …), {cam_hotspot} in
crowded-place and commercial grids, {cam_area} spread by area. Ids: centre code `11010100`,
industry `08`, type `131` ({cam_131}) or `132` ({cam_132}), network digit `6`, 6-digit serial
(north to south). Stream URLs rotate through `rtsp://host/app/stream`,
`http://host/app/stream.live.flv` and `http://host/app/stream/hls.m3u8`.

**Catalogue.** `taxonomy.json` holds 19 urban-management majors ({majors} majors, {subs} subs,
{details} details, {micros} micros — a representative subset of the seed's 19/220/651/883) and
{social} social-management categories, {leaves} leaves in all. Codes: `C` component, `E` event,
`S` social, then two digits per level (`E0101`, `E010101` …); codes are positional, so append new
entries at the end of a list. Each leaf has a deadline (`working_hours`, `working_days`, `hours`
or `days`), an urgency and its departments; a department handles a leaf if listed on it.
`departments.json` holds {departments} departments (district, street, utility, organisation);
street offices handle the street-level leaves (`handling_level: street`) in their own street.

## Files

All files are compact UTF-8 JSON with `"schema": 1`; coordinates are WGS84 `[lon, lat]`; records are
sorted by code or id (channels and taxonomy children keep their defined order); GeoJSON files
carry `schema`/`attribution` as foreign members.

- `outline.geojson` — one feature: `code`, `name`, `area_m2`.
- `streets.json` — `streets[]`: `code`, `name`, `short_name`, `name_en`, `office_name`,
  `office_department_id`, `official_area_km2`, `target_area_km2`, `derived_area_km2`,
  `area_error_pct`, `centroid`, `centre_source`, `community_count`, `base_grid_count`,
  `unit_grid_count`. `streets.geojson` — one polygon per street (`code`, `name`).
- `communities.json` — `communities[]`: `code` (12 digits), `code3`, `name`, `street_code`, `point`,
  `position` (`adcode` | `adcode_adjusted` | `synthetic`), `area_m2`, `unit_grid_count`.
- `base_grids.json` / `.geojson` — `id`, `name`, `street_code`, `community_codes`,
  `unit_grid_count`, `centroid`, `area_m2`.
- `unit_grids.geojson` — `code`, `street_code`, `community_code`, `base_grid_id`, `type`,
  `type_zh`, `level`, `level_zh`, `centroid`, `area_m2`; the vocabularies are in `grid_types` and
  `management_levels`.
- `cameras.json` — `cameras[]`: `id`, `name`, `device_type` (131/132), `device_kind`, `lon`, `lat`,
  `unit_grid_code`, `street_code`, `placement` (`road` | `hotspot` | `area`), `stream_url`.
- `departments.json` — `departments[]`: `id`, `name`, `full_name`, `name_en`, `kind`,
  `council_member`, `street_code` (street offices only), `handles` (leaf codes).
- `taxonomy.json` — `majors[]` (urban) and `social[]`: nested nodes `code`, `level`, `name`,
  `name_en`, `children`; top nodes add `domain`; leaves add `deadline {{value, unit}}`, `urgency`,
  `handling_level`, `departments`.
- `channels.json` — `channels[]`: `id`, `name`, `name_en`, `public`, `medium`.

## Measured figures

- Coverage of the outline by the union of unit grids: {coverage} % (tolerance ≥ {tolerance} %);
  uncovered {uncovered} m², outside the outline {outside} m².
- Pairwise overlap of unit grids: {overlap} m² in total ({overlap_pairs} pairs with more than
  1e-6 m²).
- Per-street area errors: see the table above.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--source",
        type=Path,
        default=root / "resources/district/source",
        help="directory with the adcode outline and CSV",
    )
    parser.add_argument("--out", type=Path, default=root / "resources/district", help="output directory")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    district = build(args.source)
    check(district)
    written = write_outputs(district, args.out)
    m = district.metrics
    print(
        f"wrote {len(written)} files to {args.out} in {time.perf_counter() - started:.1f} s; "
        f"coverage {100 * m.coverage:.4f} %, overlap {m.overlap_m2:.4f} m², "
        f"max street area error {max(abs(e) for e in m.street_errors):.3f} %"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
