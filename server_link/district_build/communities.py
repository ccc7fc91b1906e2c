"""Communities: a point inside its street for every community of the adcode list."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon

from server_link.district_build.coords import FloatArray, LocalFrame
from server_link.district_build.geometry import assign_nearest, lattice_points
from server_link.district_build.source import Source


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
        labels, _ = assign_nearest(lattice, np.vstack((anchors, free)))
        for j in range(count):
            members = lattice[labels == len(anchors) + j]
            if len(members):
                mean = members.mean(axis=0)
                free[j] = members[int(np.argmin(((members - mean) ** 2).sum(axis=1)))]
    return [(float(x), float(y)) for x, y in free]


def _short_community(name: str) -> str:
    """'多福巷社区居委会' -> '多福巷社区'."""
    return name.removesuffix("居委会").removesuffix("居民委员会")
