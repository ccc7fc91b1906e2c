"""Invariants of the generated district data in ``resources/district`` (no Qt, no network).

The files are made by ``server_link.district_build`` (``scripts/build_district.py``); the last test
rebuilds them into a temporary directory and demands byte-identical output.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape

from server_link.district_build import cli
from server_link.district_build.coords import gcj02_to_wgs84, wgs84_to_gcj02

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "resources" / "district"
SOURCE = ROOT / "resources" / "district" / "source"  # ../shared/data/dongcheng (CC BY 4.0) + catalogue.json
ATTRIBUTION = "Vonng/adcode (CC BY 4.0)"

STREETS = (
    ("东华门", 5.35),
    ("景山", 1.64),
    ("交道口", 1.45),
    ("安定门", 1.76),
    ("北新桥", 2.62),
    ("东四", 1.53),
    ("朝阳门", 1.24),
    ("建国门", 2.70),
    ("东直门", 2.07),
    ("和平里", 5.02),
    ("前门", 1.10),
    ("崇文门外", 1.10),
    ("东花市", 2.00),
    ("龙潭", 3.06),
    ("体育馆路", 1.84),
    ("天坛", 4.03),
    ("永定门外", 3.33),
)
COUNCIL = {"区综治办", "区社会办", "区文明办", "区城管委", "区司法局", "公安分局"}
GRID_TYPES = {
    "residential": "住宅",
    "commercial": "商务商业",
    "enterprise_institution": "企事业单位",
    "crowded_place": "人员密集场所",
}
LEVELS = {
    "daily": "日常管理",
    "general_prevention": "一般防范",
    "key_attention": "重点关注",
    "comprehensive_governance": "综合治理",
}
DEADLINE_UNITS = {"working_hours", "working_days", "hours", "days"}
COVERAGE_MIN = 0.995
# Square metres per square degree near 39.92 N (WGS84): tolerances below are in m².
M2_PER_DEG2 = 111_412.84 * math.cos(math.radians(39.92)) * 111_034.0
STREAM_FORMS = (
    re.compile(r"^rtsp://(?P<host>[\w.-]+)/(?P<app>\w+)/(?P<stream>\d{20})$"),
    re.compile(r"^http://(?P<host>[\w.-]+)/(?P<app>\w+)/(?P<stream>\d{20})\.live\.flv$"),
    re.compile(r"^http://(?P<host>[\w.-]+)/(?P<app>\w+)/(?P<stream>\d{20})/hls\.m3u8$"),
)


@functools.cache
def load(name: str) -> Any:
    """Parse one data file (cached across tests)."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@functools.cache
def unit_features() -> list[dict[str, Any]]:
    return list(load("unit_grids.geojson")["features"])


@functools.cache
def unit_shapes() -> Any:
    return np.array([shape(f["geometry"]) for f in unit_features()], dtype=object)


@functools.cache
def outline() -> Any:
    return shape(load("outline.geojson")["features"][0]["geometry"])


def area_m2(geom: Any) -> Any:
    return shapely.area(geom) * M2_PER_DEG2


def leaves(nodes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """All leaf categories below ``nodes``."""
    for node in nodes:
        if "children" in node:
            assert node["children"], f"{node['code']} has an empty children list"
            for child in node["children"]:
                assert child["code"].startswith(node["code"]), "codes must be hierarchical"
            yield from leaves(node["children"])
        else:
            yield node


def all_leaves() -> list[dict[str, Any]]:
    taxonomy = load("taxonomy.json")
    return [*leaves(taxonomy["majors"]), *leaves(taxonomy["social"])]


# ---------------------------------------------------------------------------------------------


def test_every_file_has_schema_and_derived_files_carry_attribution() -> None:
    derived = {
        "outline.geojson",
        "streets.json",
        "streets.geojson",
        "communities.json",
        "base_grids.json",
        "base_grids.geojson",
        "unit_grids.geojson",
        "cameras.json",
        "departments.json",
    }
    names = {p.name for p in DATA.iterdir() if p.suffix in (".json", ".geojson")}
    assert derived | {"taxonomy.json", "channels.json"} == names
    for name in names:
        assert load(name)["schema"] == 1, name
    for name in derived:
        assert load(name)["attribution"] == ATTRIBUTION, name
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert ATTRIBUTION in readme and "CC BY 4.0" in readme
    assert (DATA / "__init__.py").is_file()


def test_streets_have_official_codes_names_and_areas() -> None:
    streets = load("streets.json")["streets"]
    assert [s["code"] for s in streets] == [f"110101{i:03d}" for i in range(1, 18)]
    assert [(s["short_name"], s["official_area_km2"]) for s in streets] == list(STREETS)
    assert [s["name"] for s in streets] == [f"{name}街道" for name, _ in STREETS]
    assert math.isclose(sum(s["official_area_km2"] for s in streets), 41.84, abs_tol=1e-9)
    features = load("streets.geojson")["features"]
    assert [f["properties"]["code"] for f in features] == [s["code"] for s in streets]
    total = area_m2(outline())
    for s, f in zip(streets, features, strict=True):
        target = s["official_area_km2"] / 41.84 * total
        assert abs(area_m2(shape(f["geometry"])) / target - 1) < 0.01, s["name"]
        assert abs(s["area_error_pct"]) < 1.0


def test_counts() -> None:
    assert len(load("base_grids.json")["base_grids"]) == 592
    assert len(load("base_grids.geojson")["features"]) == 592
    assert len(unit_features()) == 2322
    assert len(load("departments.json")["departments"]) == 85
    assert len(load("channels.json")["channels"]) == 9
    assert len(load("taxonomy.json")["majors"]) == 19
    assert 1500 <= len(load("cameras.json")["cameras"]) <= 3000
    streets = load("streets.json")["streets"]
    assert sum(s["unit_grid_count"] for s in streets) == 2322
    assert sum(s["base_grid_count"] for s in streets) == 592


def test_outline_is_wgs84_shifted_from_the_gcj02_source() -> None:
    if not SOURCE.is_dir():
        pytest.fail(f"source data {SOURCE} missing")
    gcj = json.loads((SOURCE / "district-boundary-gcj02.geojson").read_text(encoding="utf-8"))
    g = np.asarray(gcj["coordinates"][0])
    w = np.asarray(load("outline.geojson")["features"][0]["geometry"]["coordinates"][0])
    assert len(g) == len(w)
    shift = (w - g).mean(axis=0)
    assert abs(shift[0] + 0.0062) < 0.0003 and abs(shift[1] + 0.0014) < 0.0003
    minx, miny, maxx, maxy = outline().bounds
    assert 4.8 < (maxx - minx) * 85_400 / 1000 < 6.5  # km east-west
    assert 12.0 < (maxy - miny) * 111_000 / 1000 < 13.5  # km north-south
    assert abs(area_m2(outline()) / 1e6 - 41.84) < 0.2


def test_gcj02_inversion_round_trips() -> None:
    lon = np.array([116.38, 116.41, 116.45])
    lat = np.array([39.86, 39.92, 39.97])
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    glon, glat = wgs84_to_gcj02(wlon, wlat)
    assert np.abs(glon - lon).max() < 1e-9 and np.abs(glat - lat).max() < 1e-9
    assert np.all((lon - wlon > 0.005) & (lon - wlon < 0.007))


def test_communities_belong_to_their_street() -> None:
    streets = {f["properties"]["code"]: shape(f["geometry"]) for f in load("streets.geojson")["features"]}
    communities = load("communities.json")["communities"]
    assert len(communities) == len({c["code"] for c in communities}) >= 177
    for c in communities:
        assert re.fullmatch(r"110101\d{6}", c["code"]) and c["code"].startswith(c["street_code"])
        assert c["code3"] == c["code"][-3:]
        assert c["position"] in {"adcode", "adcode_adjusted", "synthetic"}
        assert streets[c["street_code"]].contains(Point(c["point"])), c["name"]
        assert c["unit_grid_count"] >= 1
    assert sum(c["unit_grid_count"] for c in communities) == 2322


def test_unit_grid_codes_are_well_formed() -> None:
    communities = {c["code"]: c for c in load("communities.json")["communities"]}
    codes = [f["properties"]["code"] for f in unit_features()]
    assert len(set(codes)) == len(codes)
    sequences: dict[str, list[int]] = defaultdict(list)
    for f in unit_features():
        p = f["properties"]
        code = p["code"]
        assert re.fullmatch(r"\d{15}", code)
        assert code[:6] == "110101"
        assert code[:9] == p["street_code"]
        assert p["community_code"] == code[:12]
        assert communities[p["community_code"]]["street_code"] == p["street_code"]
        sequences[code[:12]].append(int(code[12:]))
    for community, seqs in sequences.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), community


def test_unit_grid_numbering_runs_north_to_south() -> None:
    by_community: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for f in unit_features():
        p = f["properties"]
        by_community[p["community_code"]].append((int(p["code"][12:]), p["centroid"][1]))
    for community, rows in by_community.items():
        rows.sort()
        if len(rows) >= 4:
            first, last = rows[: len(rows) // 4], rows[-(len(rows) // 4) :]
            assert np.mean([lat for _, lat in first]) > np.mean([lat for _, lat in last]), community


def test_unit_grid_attributes() -> None:
    bases = {b["id"]: b for b in load("base_grids.json")["base_grids"]}
    per_base: Counter[str] = Counter()
    for f in unit_features():
        p = f["properties"]
        assert GRID_TYPES[p["type"]] == p["type_zh"]
        assert LEVELS[p["level"]] == p["level_zh"]
        assert bases[p["base_grid_id"]]["street_code"] == p["street_code"]
        assert 3_000 < p["area_m2"] < 60_000
        per_base[p["base_grid_id"]] += 1
        geom = shape(f["geometry"])
        assert geom.geom_type == "Polygon" and geom.is_valid
        assert geom.contains(Point(p["centroid"])) or geom.distance(Point(p["centroid"])) < 1e-4
    for base_id, base in bases.items():
        assert re.fullmatch(r"110101\d{3}J\d{3}", base_id)
        assert base_id[:9] == base["street_code"]
        assert per_base[base_id] == base["unit_grid_count"] >= 1
    types = Counter(f["properties"]["type"] for f in unit_features())
    levels = Counter(f["properties"]["level"] for f in unit_features())
    assert set(types) == set(GRID_TYPES) and set(levels) == set(LEVELS)
    assert types["residential"] == max(types.values())


def test_busy_places_have_more_commercial_and_crowded_grids() -> None:
    wangfujing, qianmen = (116.4108, 39.9147), (116.3979, 39.8950)
    near: list[bool] = []
    far: list[bool] = []
    for f in unit_features():
        p = f["properties"]
        busy = p["type"] in ("commercial", "crowded_place")
        d = min(math.dist(p["centroid"], spot) for spot in (wangfujing, qianmen))
        (near if d < 0.005 else far).append(busy)
    assert len(near) > 20
    assert np.mean(near) > np.mean(far) + 0.2


def test_unit_grids_lie_in_their_street_and_base_grid() -> None:
    streets = {f["properties"]["code"]: shape(f["geometry"]) for f in load("streets.geojson")["features"]}
    bases = {f["properties"]["id"]: shape(f["geometry"]) for f in load("base_grids.geojson")["features"]}
    units = unit_shapes()
    props = [f["properties"] for f in unit_features()]
    outside_street = area_m2(shapely.difference(units, [streets[p["street_code"]] for p in props]))
    outside_base = area_m2(shapely.difference(units, [bases[p["base_grid_id"]] for p in props]))
    assert outside_street.max() < 1.0
    assert outside_base.max() < 1.0
    # and no unit grid reaches into another street by more than a sliver
    street_list = list(streets.values())
    codes = list(streets)
    for unit, p in zip(units, props, strict=True):
        for code, poly in zip(codes, street_list, strict=True):
            if code != p["street_code"] and poly.intersects(unit):
                assert area_m2(poly.intersection(unit)) < 1.0


def test_unit_grids_do_not_overlap() -> None:
    units = unit_shapes()
    left, right = shapely.STRtree(units).query(units, predicate="intersects")
    keep = left < right
    overlap = area_m2(shapely.intersection(units[left[keep]], units[right[keep]]))
    assert overlap.sum() < 1.0, f"{overlap.sum():.3f} m² of overlap"


def test_unit_grids_cover_the_outline() -> None:
    union = shapely.union_all(unit_shapes())
    coverage = area_m2(shapely.intersection(union, outline())) / area_m2(outline())
    assert coverage >= COVERAGE_MIN
    assert area_m2(shapely.difference(union, outline())) < 0.001 * area_m2(outline())


def test_cameras() -> None:
    cameras = load("cameras.json")["cameras"]
    units = {f["properties"]["code"]: shape(f["geometry"]) for f in unit_features()}
    ids = [c["id"] for c in cameras]
    assert len(set(ids)) == len(ids)
    prepared = outline()
    shapely.prepare(prepared)
    for c in cameras:
        gb = c["id"]
        assert re.fullmatch(r"\d{20}", gb)
        assert gb[:6] == "110101" and gb[8:10] == "08" and gb[10:13] in ("131", "132")
        assert c["device_type"] == gb[10:13]
        point = Point(c["lon"], c["lat"])
        assert prepared.contains(point)
        assert units[c["unit_grid_code"]].distance(point) < 1e-6
        assert c["street_code"] == c["unit_grid_code"][:9]
        assert c["name"]
        match = next((m for form in STREAM_FORMS if (m := form.match(c["stream_url"]))), None)
        assert match is not None, c["stream_url"]
        assert match["stream"] == gb
        assert match["host"].startswith("10.") or match["host"].endswith(".dc.intranet")
    forms = Counter(next(i for i, f in enumerate(STREAM_FORMS) if f.match(c["stream_url"])) for c in cameras)
    assert len(forms) == 3


def test_cameras_are_denser_along_changan_avenue() -> None:
    cameras = load("cameras.json")["cameras"]
    minx, _, maxx, _ = outline().bounds
    band = shapely.box(minx, 39.9075 - 0.0006, maxx, 39.9075 + 0.0006).intersection(outline())
    share_of_area = band.area / outline().area
    share_of_cameras = np.mean([abs(c["lat"] - 39.9075) < 0.0006 for c in cameras])
    assert share_of_cameras > 3 * share_of_area


def test_departments() -> None:
    departments = load("departments.json")["departments"]
    ids = [d["id"] for d in departments]
    assert len(set(ids)) == 85
    assert all(re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", i) for i in ids)
    assert {d["name"] for d in departments if d["council_member"]} == COUNCIL
    kinds = Counter(d["kind"] for d in departments)
    assert set(kinds) == {"district", "street", "utility", "organisation"} and kinds["street"] == 17
    offices = {d["street_code"]: d for d in departments if d["kind"] == "street"}
    streets = load("streets.json")["streets"]
    assert set(offices) == {s["code"] for s in streets}
    for s in streets:
        assert offices[s["code"]]["id"] == s["office_department_id"]
        assert offices[s["code"]]["name"] == f"{s['short_name']}街道办事处"
    assert all(d["street_code"] is None for d in departments if d["kind"] != "street")


def test_every_leaf_has_a_deadline_and_a_department() -> None:
    departments = {d["id"]: d for d in load("departments.json")["departments"]}
    handles = defaultdict(set)
    for d in departments.values():
        for code in d["handles"]:
            handles[code].add(d["id"])
    codes = [leaf["code"] for leaf in all_leaves()]
    assert len(codes) == len(set(codes))
    for leaf in all_leaves():
        assert leaf["deadline"]["unit"] in DEADLINE_UNITS and leaf["deadline"]["value"] > 0, leaf["code"]
        assert leaf["urgency"] in ("normal", "urgent", "emergency")
        assert leaf["name"] and leaf["name_en"]
        assert leaf["departments"], leaf["code"]
        assert set(leaf["departments"]) <= set(departments)
        assert set(leaf["departments"]) == handles[leaf["code"]]
        street_offices = {d for d in leaf["departments"] if departments[d]["kind"] == "street"}
        assert (leaf["handling_level"] == "street") == (len(street_offices) == 17), leaf["code"]
    assert set(handles) == set(codes), "departments name categories that are not leaves"


def test_taxonomy_structure_and_domain_deadlines() -> None:
    taxonomy = load("taxonomy.json")
    majors = taxonomy["majors"]
    assert Counter(m["domain"] for m in majors) == {"component": 6, "event": 13}
    names = {m["name"] for m in majors}
    assert {
        "公用设施",
        "道路交通设施",
        "市容环境设施",
        "园林绿化设施",
        "其他设施",
        "市容环境",
        "宣传广告",
        "施工管理",
        "街面秩序",
        "突发事件",
        "其他事件",
    } <= names
    assert {"矫正帮教", "流动人口管理", "矛盾调解", "事件台账", "民情日志"} <= {s["name"] for s in taxonomy["social"]}
    levels: Counter[str] = Counter()

    def walk(node: dict[str, Any], depth: int) -> None:
        assert node["level"] == ("major", "sub", "detail", "micro")[depth]
        levels[node["level"]] += 1
        for child in node.get("children", []):
            walk(child, depth + 1)

    for major in majors:
        walk(major, 0)
    assert levels["sub"] >= 3 * 19 and levels["detail"] > 0 and levels["micro"] > 0
    by_name = {leaf["name"]: leaf for leaf in all_leaves()}
    assert by_name["道路不洁"]["deadline"] == {"value": 2, "unit": "working_hours"}
    assert by_name["垃圾桶满溢"]["deadline"] == {"value": 4, "unit": "hours"}
    assert by_name["屋顶违建"]["deadline"] == {"value": 20, "unit": "days"}
    assert by_name["燃气泄漏"]["urgency"] == "emergency"
    assert by_name["燃气泄漏"]["deadline"] == {"value": 2, "unit": "hours"}
    assert by_name["停水与水质"]["deadline"] == {"value": 24, "unit": "hours"}


def test_channels() -> None:
    channels = load("channels.json")["channels"]
    assert len({c["id"] for c in channels}) == 9
    assert all(c["id"].isascii() for c in channels)
    joined = " ".join(c["name"] for c in channels)
    for word in ("96010", "12345", "微信", "区长信箱", "批示", "微博", "政风行风", "城管通"):
        assert word in joined
    public = {c["id"]: c["public"] for c in channels}
    assert public["ch-12345"] and not public["ch-patrol"]


# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the build's command once into a temporary directory (source and catalogue of the tree)."""
    if not SOURCE.is_dir():
        pytest.fail(f"source data {SOURCE} missing; cannot check reproducibility")
    out = tmp_path_factory.mktemp("district")
    args = ["--source", str(SOURCE), "--catalogue", str(SOURCE / "catalogue.json"), "--out", str(out)]
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert cli.main(args) == 0
    assert printed.getvalue().startswith(f"wrote 12 files to {out}")
    return out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_generator_reproduces_the_files_byte_for_byte(regenerated: Path) -> None:
    shipped = {p.name for p in DATA.iterdir() if p.is_file() and p.name != "__init__.py"}
    made = {p.name for p in regenerated.iterdir() if p.is_file()}
    assert made == shipped
    for name in sorted(shipped):
        assert (regenerated / name).read_bytes() == (DATA / name).read_bytes(), f"{name} differs"
