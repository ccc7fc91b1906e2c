"""Coordinates: GCJ-02 to WGS84, and the local metric frame the geometry is built in."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

FRAME_ORIGIN = (116.41, 39.92)

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
