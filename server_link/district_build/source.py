"""The public inputs: the adcode district outline and administrative-codes CSV, converted to WGS84."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server_link.district_build.catalogue import Catalogue
from server_link.district_build.coords import FloatArray, gcj02_to_wgs84

DISTRICT_CODE = "110101"
DISTRICT_NAME = "东城区"
ATTRIBUTION = "Vonng/adcode (CC BY 4.0)"  # carried by every file derived from the source
SCHEMA = 1  # of every file written


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


def street_code(index: int) -> str:
    """9-digit statistical code of the street at ``index`` (0-based)."""
    return f"{DISTRICT_CODE}{index + 1:03d}"


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


def check_streets(source: Source, catalogue: Catalogue) -> None:
    """Fail unless the CSV lists the catalogue's streets with the expected codes and names."""
    expected_streets = catalogue.streets
    if len(source.streets) != len(expected_streets):
        raise ValueError(f"expected {len(expected_streets)} streets, found {len(source.streets)}")
    for index, (row, street) in enumerate(zip(source.streets, expected_streets, strict=True)):
        expected = f"{street_code(index)}000"
        if row.code != expected or not row.name.startswith(street.short_name):
            raise ValueError(f"street {index + 1}: {row.code} {row.name} does not match {street.short_name}")
