"""The data files as JSON: GeoJSON helpers, the records of streets, communities, grids and cameras,
and the compact UTF-8 serialisation every file uses."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import numpy as np
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient
from shapely.ops import polylabel

from server_link.district_build.cameras import Camera
from server_link.district_build.geometry import COORD_DECIMALS
from server_link.district_build.grids import BaseGrid, UnitGrid
from server_link.district_build.pipeline import District
from server_link.district_build.source import ATTRIBUTION, DISTRICT_CODE, DISTRICT_NAME, SCHEMA, street_code
from server_link.district_build.taxonomy import Json, build_channels, street_office_id

LABEL_TOLERANCE_M = 1.0  # a street's label point: its pole of inaccessibility, to a metre


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


def outline_payload(d: District) -> Json:
    """outline.geojson."""
    props = {"code": DISTRICT_CODE, "name": DISTRICT_NAME, "area_m2": round(d.metrics.outline_area_m2, 1)}
    return feature_collection([feature(d.outline, props)], crs_note="WGS84, converted from GCJ-02")


def street_records(d: District) -> list[Json]:
    """Attributes of the 17 streets."""
    records = []
    for s, street in enumerate(d.catalogue.streets):
        units = [u for u in d.units if u.street == s]
        area = sum(u.area_m2 for u in units)
        c = d.streets[s].centroid
        pole = polylabel(d.frame.geom_to_xy(d.streets[s]), LABEL_TOLERANCE_M)  # in metres: not squeezed by lon/lat
        label = d.frame.to_lonlat(np.array([[pole.x, pole.y]]))[0]
        records.append(
            {
                "code": street_code(s),
                "name": f"{street.short_name}街道",
                "short_name": street.short_name,
                "name_en": street.pinyin,
                "office_name": d.source.streets[s].name,
                "office_department_id": street_office_id(d.catalogue, s),
                "official_area_km2": street.official_area_km2,
                "target_area_km2": round(float(d.targets[s]) / 1e6, 4),
                "derived_area_km2": round(area / 1e6, 4),
                "area_error_pct": round(d.metrics.street_errors[s], 3) + 0.0,
                "centroid": lonlat((c.x, c.y)),
                "label_point": lonlat((float(label[0]), float(label[1]))),
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
        "type_zh": d.catalogue.grid_type_names()[u.grid_type],
        "level": u.level,
        "level_zh": d.catalogue.level_names()[u.level],
        "centroid": lonlat(u.centroid),
        "area_m2": round(u.area_m2, 1),
    }


def base_properties(d: District, b: BaseGrid) -> Json:
    """Properties of one base grid."""
    return {
        "id": b.id,
        "name": f"{d.catalogue.streets[b.street].short_name}街道基础网格{b.id[-3:]}",
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
    grid_vocab = {"grid_types": d.catalogue.grid_type_names(), "management_levels": d.catalogue.level_names()}
    return {
        "outline.geojson": outline_payload(d),
        "streets.json": {"schema": SCHEMA, "attribution": ATTRIBUTION, "streets": street_records(d)},
        "streets.geojson": feature_collection(
            [
                feature(d.streets[s], {"code": street_code(s), "name": f"{street.short_name}街道"})
                for s, street in enumerate(d.catalogue.streets)
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
        "channels.json": build_channels(d.catalogue),
    }


def dump_json(payload: Json) -> bytes:
    """Compact UTF-8 JSON with a trailing newline."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")
