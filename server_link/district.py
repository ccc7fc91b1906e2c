"""The district as data: streets, communities, grids, departments, taxonomy, channels, cameras.

Read from ``resources/district`` (made by ``server_link.district_build``). Geometry stays in the
GeoJSON files for the map; this module keeps what the simulator and the core reason with.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from server_link.workcal import DeadlineUnit

ATTRIBUTION = "Vonng/adcode (CC BY 4.0)"


@dataclass(frozen=True, slots=True)
class Street:
    code: str
    name: str
    short_name: str
    name_en: str  # its pinyin (Donghuamen), for the wall in English
    area_km2: float
    office: str  # department id of the street office
    lon: float
    lat: float
    label_lon: float  # where the map writes the street's name: the point inside it farthest from its border
    label_lat: float


@dataclass(frozen=True, slots=True)
class Community:
    code: str
    name: str
    street: str


@dataclass(frozen=True, slots=True)
class BaseGrid:
    id: str
    name: str
    street: str


@dataclass(frozen=True, slots=True)
class UnitGrid:
    code: str
    street: str
    community: str
    base_grid: str
    type: str  # residential | commercial | enterprise_institution | crowded_place
    level: str  # daily | general_prevention | key_attention | comprehensive_governance
    lon: float
    lat: float
    area_m2: float


@dataclass(frozen=True, slots=True)
class Category:
    """A taxonomy leaf: what a case is about, how fast it must be handled and by whom."""

    code: str
    name: str
    name_en: str
    title: str  # the leaf with its parent, e.g. "上水井盖 破损"
    domain: str  # component | event | social
    major: str  # code of the major category
    major_name: str
    deadline_value: float
    deadline_unit: DeadlineUnit
    urgency: str  # normal | urgent | emergency
    handling_level: str  # street | district
    departments: tuple[str, ...]
    title_en: str = ""  # the same in English ("Water-supply manhole cover: damaged")
    major_name_en: str = ""


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    name: str
    name_en: str
    kind: str  # district | street | utility | organisation
    council_member: bool
    street: str | None
    handles: frozenset[str]


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str
    name_en: str
    public: bool


@dataclass(frozen=True, slots=True)
class CameraSite:
    id: str
    name: str
    lon: float
    lat: float
    unit_grid: str
    street: str
    url: str


@dataclass(frozen=True)
class District:
    streets: Mapping[str, Street]
    communities: Mapping[str, Community]
    base_grids: Mapping[str, BaseGrid]
    unit_grids: Mapping[str, UnitGrid]
    departments: Mapping[str, Department]
    categories: Mapping[str, Category]
    majors: Mapping[str, str]  # major code → name
    channels: Mapping[str, Channel]
    cameras: Mapping[str, CameraSite]

    def street_office(self, street: str) -> Department:
        return self.departments[self.streets[street].office]


def data_dir() -> Path:
    return Path(str(resources.files("resources.district")))


@functools.cache
def load_district(directory: Path | None = None) -> District:
    """Read the district files (cached); a clear ``ValueError`` if they are missing or broken."""
    d = directory or data_dir()
    try:
        streets = _read(d, "streets.json")["streets"]
        communities = _read(d, "communities.json")["communities"]
        bases = _read(d, "base_grids.json")["base_grids"]
        units = _read(d, "unit_grids.geojson")["features"]
        departments = _read(d, "departments.json")["departments"]
        taxonomy = _read(d, "taxonomy.json")
        channels = _read(d, "channels.json")["channels"]
        cameras = _read(d, "cameras.json")["cameras"]
        categories = dict(_leaves(taxonomy))
        return District(
            streets={
                s["code"]: Street(
                    s["code"],
                    s["name"],
                    s["short_name"],
                    s["name_en"],
                    s["official_area_km2"],
                    s["office_department_id"],
                    *s["centroid"],
                    *s["label_point"],
                )
                for s in streets
            },
            communities={c["code"]: Community(c["code"], c["name"], c["street_code"]) for c in communities},
            base_grids={b["id"]: BaseGrid(b["id"], b["name"], b["street_code"]) for b in bases},
            unit_grids={u.code: u for u in map(_unit_grid, units)},
            departments={
                x["id"]: Department(
                    x["id"],
                    x["name"],
                    x["name_en"],
                    x["kind"],
                    x["council_member"],
                    x["street_code"],
                    frozenset(x["handles"]),
                )
                for x in departments
            },
            categories=categories,
            majors={m["code"]: m["name"] for m in [*taxonomy["majors"], *taxonomy["social"]]},
            channels={c["id"]: Channel(c["id"], c["name"], c["name_en"], c["public"]) for c in channels},
            cameras={
                c["id"]: CameraSite(
                    c["id"],
                    c["name"],
                    c["lon"],
                    c["lat"],
                    c["unit_grid_code"],
                    c["street_code"],
                    c["stream_url"],
                )
                for c in cameras
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"district data in {d} is malformed: {exc!r}") from exc


def _read(directory: Path, name: str) -> Any:
    path = directory / name
    if not path.is_file():
        raise ValueError(f"district file {path} is missing (run scripts/build_district.py)")
    return json.loads(path.read_text(encoding="utf-8"))


def _unit_grid(feature: Mapping[str, Any]) -> UnitGrid:
    p = feature["properties"]
    lon, lat = p["centroid"]
    return UnitGrid(
        p["code"],
        p["street_code"],
        p["community_code"],
        p["base_grid_id"],
        p["type"],
        p["level"],
        lon,
        lat,
        p["area_m2"],
    )


def _leaves(taxonomy: Mapping[str, Any]) -> Iterator[tuple[str, Category]]:
    for major in [*taxonomy["majors"], *taxonomy["social"]]:
        stack: list[tuple[Mapping[str, Any], tuple[str, str]]] = [(major, ("", ""))]
        while stack:
            node, parent = stack.pop()
            if "children" in node:
                stack.extend((child, (node["name"], node["name_en"])) for child in node["children"])
                continue
            deadline = node["deadline"]
            under = parent[0] and parent[0] != major["name"]  # the leaf's parent, unless that is the major itself
            title = f"{parent[0]} {node['name']}" if under else node["name"]
            title_en = f"{parent[1]}: {node['name_en']}" if under else node["name_en"]
            yield (
                node["code"],
                Category(
                    node["code"],
                    node["name"],
                    node["name_en"],
                    title,
                    major["domain"],
                    major["code"],
                    major["name"],
                    float(deadline["value"]),
                    DeadlineUnit(deadline["unit"]),
                    node["urgency"],
                    node["handling_level"],
                    tuple(node["departments"]),
                    title_en,
                    major["name_en"],
                ),
            )
