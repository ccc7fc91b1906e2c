"""Base grids and unit grids: the tiling of the streets, the grids' codes, types and levels."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from server_link.district_build.catalogue import Catalogue, Hotspot
from server_link.district_build.communities import Community
from server_link.district_build.coords import FloatArray, LocalFrame
from server_link.district_build.geometry import (
    COORD_DECIMALS,
    COORD_GRID,
    apportion,
    assign_nearest,
    polygon_parts,
    reading_order,
    single_polygon,
    split_polygon,
)
from server_link.district_build.source import street_code

BASE_GRID_TOTAL = 592
UNIT_GRID_TOTAL = 2322
HOTSPOT_RADIUS_M = 450.0


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
    _assign_communities(units, communities, frame, len(street_polys))
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
    for s in range(len(street_polys)):
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


def _assign_communities(
    units: list[UnitGrid], communities: list[Community], frame: LocalFrame, street_count: int
) -> None:
    """Nearest community point within the street; every community gets at least one grid."""
    for s in range(street_count):
        members = [c for c in communities if c.street == s]
        points = np.array([c.xy for c in members])
        idx = [i for i, u in enumerate(units) if u.street == s]
        xy = frame.to_xy(np.array([units[i].centroid for i in idx]))
        labels, _ = assign_nearest(xy, points)
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


def hotspot_scores(xy: FloatArray, frame: LocalFrame, hotspots: Sequence[Hotspot]) -> FloatArray:
    """(n, 3) commercial / crowd / institution intensity at metre points."""
    spots = np.array([frame.point_xy(h.lon, h.lat) for h in hotspots])
    weights = np.array([(h.commercial, h.crowd, h.institution) for h in hotspots])
    d2 = ((xy[:, None, :] - spots[None, :, :]) ** 2).sum(axis=2)
    scores: FloatArray = np.exp(-d2 / HOTSPOT_RADIUS_M**2) @ weights
    return scores


def classify_grids(units: list[UnitGrid], frame: LocalFrame, catalogue: Catalogue, rng: np.random.Generator) -> None:
    """Draw grid types and management levels, weighted by nearby hotspots.

    The weights below are written for the grid types and levels of ``GRID_TYPE_IDS`` and
    ``MANAGEMENT_LEVEL_IDS`` (catalogue.py) in that order, which ``check_catalogue`` demands.
    """
    types = [t.id for t in catalogue.grid_types]
    levels = [level.id for level in catalogue.management_levels]
    xy = frame.to_xy(np.array([u.centroid for u in units]))
    scores = hotspot_scores(xy, frame, catalogue.hotspots)
    for unit, (com, crowd, inst) in zip(units, scores, strict=True):
        type_w = np.array([1.0, 0.12 + 2.5 * com, 0.12 + 1.6 * inst, 0.02 + 1.6 * crowd])
        grid_type = types[int(rng.choice(4, p=type_w / type_w.sum()))]
        heat = com + crowd
        level_w = np.array(catalogue.level_weights(grid_type)) * np.array([1.0, 1.0, 1 + 2 * heat, 1 + 3 * heat])
        unit.grid_type = grid_type
        unit.level = levels[int(rng.choice(4, p=level_w / level_w.sum()))]
