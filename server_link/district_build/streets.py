"""Street outlines: a power diagram of the streets' sites, its weights fitted to the official area
shares (the public sources give no street outlines)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon, box

from server_link.district_build.catalogue import Catalogue
from server_link.district_build.coords import FloatArray, IntArray, LocalFrame
from server_link.district_build.geometry import OVERLAY_GRID_M, merge_fragments
from server_link.district_build.source import Source


@dataclass
class StreetSites:
    """Power-diagram sites: each belongs to a street; all sites of a street share its weight."""

    xy: FloatArray
    owner: IntArray
    centre_source: list[str]


def street_sites(source: Source, frame: LocalFrame, catalogue: Catalogue) -> StreetSites:
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
        own.extend(
            frame.point_xy(site.lon, site.lat)
            for site in catalogue.landmark_sites
            if catalogue.street_index(site.street) == index
        )
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
    for s in range(len(weights)):
        own = [cells[i] for i in np.flatnonzero(sites.owner == s)]
        union = shapely.union_all(own, grid_size=OVERLAY_GRID_M)
        regions.append(shapely.intersection(union, outline, grid_size=OVERLAY_GRID_M))
    return merge_fragments(regions)


def fit_street_weights(sites: StreetSites, outline: Polygon, targets: FloatArray) -> FloatArray:
    """Fit per-street power weights so street areas match ``targets`` (relative error < 1e-4).

    Sign-adaptive steps (Rprop): a street's step grows while its error keeps its sign and halves
    when the sign flips, which copes with the coupling between neighbouring streets.
    """
    weights = np.zeros(len(targets))
    step = np.full(len(targets), 20000.0)
    previous = np.zeros(len(targets))
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
