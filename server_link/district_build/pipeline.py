"""The whole derivation of the district data set, its measured figures and the checks it must pass
before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from server_link.district_build.cameras import Camera, place_cameras
from server_link.district_build.catalogue import Catalogue
from server_link.district_build.communities import Community, place_communities
from server_link.district_build.coords import FRAME_ORIGIN, FloatArray, LocalFrame
from server_link.district_build.geometry import COORD_DECIMALS, single_polygon
from server_link.district_build.grids import (
    BASE_GRID_TOTAL,
    UNIT_GRID_TOTAL,
    BaseGrid,
    UnitGrid,
    classify_grids,
    describe_grids,
    tile_district,
)
from server_link.district_build.source import Source, check_streets, read_source
from server_link.district_build.streets import StreetSites, fit_street_weights, street_regions, street_sites
from server_link.district_build.taxonomy import Json, build_departments, build_taxonomy

SEED = 110101
COVERAGE_TOLERANCE = 0.995


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
    catalogue: Catalogue
    taxonomy: Json
    departments: Json
    metrics: Metrics


def stage_rng(stage: int) -> np.random.Generator:
    """Independent, seeded random stream per stage (changing one stage leaves others intact)."""
    return np.random.default_rng([SEED, stage])


def build(source_dir: Path, catalogue: Catalogue) -> District:
    """Run the whole derivation."""
    source = read_source(source_dir)
    check_streets(source, catalogue)
    frame = LocalFrame.at(*FRAME_ORIGIN)
    outline = orient(Polygon(np.round(source.outline, COORD_DECIMALS)), sign=1.0)
    if not outline.is_valid:
        raise ValueError("district outline is not a valid polygon")
    outline_xy = frame.geom_to_xy(outline)
    official = np.array([s.official_area_km2 for s in catalogue.streets])
    targets = official / official.sum() * outline_xy.area
    sites = street_sites(source, frame, catalogue)
    streets_xy = street_regions(sites, fit_street_weights(sites, outline_xy, targets), outline_xy)
    communities = place_communities(source, streets_xy, frame, stage_rng(1))
    bases, units = tile_district(streets_xy, frame, stage_rng(2))
    describe_grids(bases, units, communities, streets_xy, frame)
    classify_grids(units, frame, catalogue, stage_rng(3))
    cameras = place_cameras(units, communities, frame, catalogue, stage_rng(4))
    streets = [
        single_polygon(shapely.coverage_union_all([u.poly for u in units if u.street == s]))
        for s in range(len(catalogue.streets))
    ]
    street_areas = [sum(u.area_m2 for u in units if u.street == s) for s in range(len(catalogue.streets))]
    metrics = measure(
        outline, [u.poly for u in units], frame, street_areas, list(targets * frame.area_m2(outline) / outline_xy.area)
    )
    taxonomy, handled = build_taxonomy(catalogue)
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
        catalogue,
        taxonomy,
        build_departments(catalogue, handled),
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
