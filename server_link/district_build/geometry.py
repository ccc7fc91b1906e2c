"""Generic geometry for the district build: polygon parts, k-means and Voronoi splits, apportionment
and the north-to-south reading order of codes. Geometry here is in the local metric frame."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.polygon import orient

from server_link.district_build.coords import FloatArray, IntArray

COORD_DECIMALS = 6
COORD_GRID = 1e-6
OVERLAY_GRID_M = 1e-3
POINTS_PER_CELL = 80


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
        labels, dist = assign_nearest(points, centres)
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


def assign_nearest(points: FloatArray, centres: FloatArray) -> tuple[IntArray, FloatArray]:
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
