"""The district build's pure parts and its hand-written catalogue (no Qt, no network, no geometry run).

The whole build is rebuilt byte for byte by ``tests/server_link/test_district_data.py``; these tests are the cheap
ones: apportionment, reading order, coordinates, deadlines, the catalogue's schema and its checks, and
the taxonomy, departments and channels files made from the catalogue alone.
"""

from __future__ import annotations

import copy
import json
import math
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from server_link.district_build.cameras import stream_url
from server_link.district_build.catalogue import (
    DEADLINE_UNITS,
    GRID_TYPE_IDS,
    MANAGEMENT_LEVEL_IDS,
    URGENCIES,
    Catalogue,
    decode_catalogue,
    default_catalogue_path,
    leaves,
    load_catalogue,
    parse_deadline,
)
from server_link.district_build.coords import LocalFrame, gcj02_to_wgs84, wgs84_to_gcj02
from server_link.district_build.geometry import apportion, reading_order
from server_link.district_build.output import dump_json
from server_link.district_build.taxonomy import build_channels, build_departments, build_taxonomy, expand_handlers

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "resources" / "district"
CATALOGUE = DATA / "source" / "catalogue.json"
WORKCAL_UNITS = {"working_hours", "working_days", "hours", "days"}  # server_link.workcal.DeadlineUnit
DISTRICT_BOX = (116.37, 39.85, 116.46, 39.98)  # lon/lat bounds around Dongcheng (WGS84)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE)


def raw_catalogue() -> dict[str, Any]:
    return dict(json.loads(CATALOGUE.read_text(encoding="utf-8")))


# --- apportionment and reading order -----------------------------------------------------------


def test_apportion_gives_the_largest_remainders_and_breaks_ties_by_position() -> None:
    assert apportion([1, 1, 1], 10) == [4, 3, 3]
    assert apportion([5, 3, 2], 10) == [5, 3, 2]
    assert apportion([0.26, 0.26, 0.48], 10) == [3, 2, 5]
    assert apportion([100, 1], 10, minimum=2) == [8, 2]
    with pytest.raises(ValueError, match="too small"):
        apportion([1, 1, 1], 5, minimum=2)


@given(
    weights=st.lists(st.floats(0.01, 1000.0), min_size=1, max_size=30),
    total=st.integers(0, 3000),
)
def test_apportion_hands_out_every_seat_within_one_of_its_quota(weights: list[float], total: int) -> None:
    seats = apportion(weights, total)
    assert sum(seats) == total
    for w, s in zip(weights, seats, strict=True):
        quota = w / sum(weights) * total
        assert math.floor(quota - 1e-9) <= s <= math.ceil(quota + 1e-9)


@given(
    weights=st.lists(st.floats(0.01, 1000.0), min_size=1, max_size=20),
    extra=st.integers(0, 500),
    minimum=st.integers(1, 5),
)
def test_apportion_keeps_the_minimum(weights: list[float], extra: int, minimum: int) -> None:
    total = minimum * len(weights) + extra
    seats = apportion(weights, total, minimum=minimum)
    assert sum(seats) == total and min(seats) >= minimum


def test_reading_order_runs_north_to_south_then_west_to_east() -> None:
    # a 3 x 3 block of points 100 m apart, slightly jittered inside their row, given in scrambled order
    points = [(x * 100.0 + 3.0 * ((x + y) % 2), -y * 100.0 + 7.0 * (x % 2)) for y in range(3) for x in range(3)]
    scrambled = [points[i] for i in (5, 0, 8, 3, 1, 7, 2, 6, 4)]
    order = reading_order(np.array(scrambled), row_height=100.0, top=20.0)
    assert [scrambled[i] for i in order] == points
    # one row band per 100 m: the same points read as one row when the band is 1 km high
    flat = reading_order(np.array(scrambled), row_height=1000.0, top=20.0)
    assert [round(scrambled[i][0], -2) for i in flat] == [0.0, 0.0, 0.0, 100.0, 100.0, 100.0, 200.0, 200.0, 200.0]


# --- coordinates ---------------------------------------------------------------------------------


@given(
    lon=st.floats(DISTRICT_BOX[0], DISTRICT_BOX[2]),
    lat=st.floats(DISTRICT_BOX[1], DISTRICT_BOX[3]),
)
def test_gcj02_inversion_round_trips_across_the_district(lon: float, lat: float) -> None:
    wlon, wlat = gcj02_to_wgs84(np.array([lon]), np.array([lat]))
    glon, glat = wgs84_to_gcj02(wlon, wlat)
    assert abs(float(glon[0]) - lon) < 1e-9 and abs(float(glat[0]) - lat) < 1e-9
    # GCJ-02 lies east and north of WGS84 here by roughly 600 m and 150 m
    assert 0.005 < lon - float(wlon[0]) < 0.007 and 0.0008 < lat - float(wlat[0]) < 0.002


def test_local_frame_is_metric_and_invertible() -> None:
    frame = LocalFrame.at(116.41, 39.92)
    lonlat = np.array([[116.41, 39.92], [116.42, 39.92], [116.41, 39.93], [116.38, 39.87]])
    xy = frame.to_xy(lonlat)
    assert np.allclose(frame.to_lonlat(xy), lonlat, rtol=0, atol=1e-12)
    assert np.allclose(xy[0], [0.0, 0.0])
    # metres per degree on the WGS84 ellipsoid at 39.92 N, from the closed forms
    a, e2, phi = 6378137.0, 0.00669437999014, math.radians(39.92)
    w = 1.0 - e2 * math.sin(phi) ** 2
    per_lon = math.radians(1.0) * a * math.cos(phi) / math.sqrt(w)
    per_lat = math.radians(1.0) * a * (1.0 - e2) / w**1.5
    assert xy[1, 0] == pytest.approx(0.01 * per_lon, rel=1e-5)
    assert xy[2, 1] == pytest.approx(0.01 * per_lat, rel=1e-5)
    assert frame.point_xy(116.38, 39.87) == pytest.approx(tuple(xy[3]), abs=1e-9)


# --- small pure helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("2wh", (2, "working_hours")), ("3wd", (3, "working_days")), ("24h", (24, "hours")), ("20d", (20, "days"))],
)
def test_parse_deadline(spec: str, expected: tuple[int, str]) -> None:
    assert parse_deadline(spec) == expected


@pytest.mark.parametrize("spec", ["", "h", "0h", "2w", "2 h", "2hours", "-1d", "1.5h", "2dh"])
def test_parse_deadline_refuses_malformed_specs(spec: str) -> None:
    with pytest.raises(ValueError, match="bad deadline"):
        parse_deadline(spec)


def test_expand_handlers_sends_street_to_every_office() -> None:
    offices = ["s-b", "s-a"]
    assert expand_handlers(["d-x", "street", "d-x"], offices) == ["d-x", "s-a", "s-b"]
    assert expand_handlers(["u-water"], offices) == ["u-water"]
    assert expand_handlers([], offices) == []


def test_stream_urls_rotate_through_the_three_platform_forms() -> None:
    gb = "11010100081326000042"
    assert stream_url(gb, 0, 3) == f"rtsp://10.11.1.13/live/{gb}"
    assert stream_url(gb, 4, 4) == f"http://vs05.dc.intranet/live/{gb}.live.flv"
    assert stream_url(gb, 16, 5) == f"http://vs17.dc.intranet/hls/{gb}/hls.m3u8"


# --- the catalogue file --------------------------------------------------------------------------


def test_the_packaged_catalogue_is_the_one_in_the_tree() -> None:
    assert default_catalogue_path().resolve() == CATALOGUE.resolve()


def test_catalogue_is_plain_utf8_json_with_a_schema() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "东华门" in text and "\\u" not in text, "Chinese text is written as UTF-8, not escaped"
    assert raw_catalogue()["schema"] == 1


def test_catalogue_streets_and_places(catalogue: Catalogue) -> None:
    assert len(catalogue.streets) == 17
    assert math.isclose(sum(s.official_area_km2 for s in catalogue.streets), 41.84, abs_tol=1e-9)
    assert len({s.pinyin for s in catalogue.streets}) == 17
    minx, miny, maxx, maxy = DISTRICT_BOX
    points = [(h.lon, h.lat) for h in catalogue.hotspots] + [(s.lon, s.lat) for s in catalogue.landmark_sites]
    points += [p for road in catalogue.main_roads for p in road.line]
    assert all(minx < lon < maxx and miny < lat < maxy for lon, lat in points)
    assert {catalogue.street_index(s.street) for s in catalogue.landmark_sites} == {0, 15}  # 东华门, 天坛
    assert catalogue.camera_features


def test_catalogue_grid_vocabularies(catalogue: Catalogue) -> None:
    assert tuple(catalogue.grid_type_names()) == GRID_TYPE_IDS
    assert tuple(catalogue.level_names()) == MANAGEMENT_LEVEL_IDS
    for grid_type in GRID_TYPE_IDS:
        weights = catalogue.level_weights(grid_type)
        assert len(weights) == 4 and math.isclose(sum(weights), 1.0)


def test_every_department_has_an_id_a_name_and_a_kind(catalogue: Catalogue) -> None:
    ids = [d.id for d in catalogue.departments]
    assert len(ids) == len(set(ids)) == 85 - 17  # the street offices follow from the streets
    for d in catalogue.departments:
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", d.id)
        assert d.kind in ("district", "utility", "organisation")
        assert d.name and d.full_name and d.name_en
    council = {d.name for d in catalogue.departments if d.council_member}
    assert council == {"区综治办", "区社会办", "区文明办", "区城管委", "区司法局", "公安分局"}


def test_every_category_leaf_has_a_deadline_urgency_and_handler(catalogue: Catalogue) -> None:
    known = {d.id for d in catalogue.departments} | {"street"}
    assert set(DEADLINE_UNITS.values()) == WORKCAL_UNITS
    assert URGENCIES == ("normal", "urgent", "emergency")
    domains = (catalogue.taxonomy.component, catalogue.taxonomy.event, catalogue.taxonomy.social)
    assert [len(d) for d in domains][:2] == [6, 13]
    for domain in domains:
        for leaf in leaves(domain):
            assert leaf.deadline is not None
            value, unit = parse_deadline(leaf.deadline)
            assert value > 0 and unit in WORKCAL_UNITS
            assert leaf.urgency in (None, *URGENCIES)
            assert set(leaf.handlers) <= known

    def inherited(nodes: tuple[Any, ...], handlers: tuple[str, ...]) -> None:
        for node in nodes:
            own = node.handlers or handlers
            if node.children:
                inherited(node.children, own)
            else:
                assert own, f"{node.name} has no handler"

    for domain in domains:
        inherited(domain, ())


def test_channels(catalogue: Catalogue) -> None:
    assert [c.id for c in catalogue.channels][:2] == ["ch-96010", "ch-12345"]
    assert len({c.id for c in catalogue.channels}) == len(catalogue.channels) == 9


def test_catalogue_alone_makes_the_shipped_taxonomy_departments_and_channels(catalogue: Catalogue) -> None:
    taxonomy, handled = build_taxonomy(catalogue)
    assert dump_json(taxonomy) == (DATA / "taxonomy.json").read_bytes()
    assert dump_json(build_departments(catalogue, handled)) == (DATA / "departments.json").read_bytes()
    assert dump_json(build_channels(catalogue)) == (DATA / "channels.json").read_bytes()


# --- what the catalogue's decoder refuses --------------------------------------------------------


def _first_leaf(c: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = c["taxonomy"]["component"][0]
    while "children" in node:
        node = node["children"][0]
    return node


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(c: dict[str, Any]) -> None:
        path(c)[key] = value

    return edit


def _drop(path: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Callable[[dict[str, Any]], None]:
    def edit(c: dict[str, Any]) -> None:
        del path(c)[key]

    return edit


def _reverse(key: str) -> Callable[[dict[str, Any]], None]:
    def edit(c: dict[str, Any]) -> None:
        c[key].reverse()

    return edit


def _duplicate_department(c: dict[str, Any]) -> None:
    c["departments"].append(dict(c["departments"][0]))


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "unknown field": (_set(lambda c: c["streets"][0], "area", 5.35), "unknown field"),
    "missing department name": (_drop(lambda c: c["departments"][0], "name"), "missing required field `name`"),
    "unknown department kind": (_set(lambda c: c["departments"][0], "kind", "ministry"), "kind"),
    "leaf without deadline": (_drop(_first_leaf, "deadline"), "has no deadline"),
    "malformed deadline": (_set(_first_leaf, "deadline", "3w"), "deadline"),
    "unknown urgency": (_set(_first_leaf, "urgency", "asap"), "urgency"),
    "inner node with a deadline": (_set(lambda c: c["taxonomy"]["event"][0], "deadline", "1d"), "has children"),
    "unknown handler": (_set(_first_leaf, "handlers", ["d-nowhere"]), "unknown departments"),
    "leaf with no handler at all": (
        _drop(lambda c: c["taxonomy"]["component"][0]["children"][0], "handlers"),
        "no handling department",
    ),
    "duplicate department": (_duplicate_department, "duplicate department"),
    "landmark in an unknown street": (_set(lambda c: c["landmark_sites"][0], "street", "西单"), "unknown street"),
    "grid types reordered": (_reverse("grid_types"), "grid types must be"),
    "level weight missing": (_drop(lambda c: c["grid_types"][0]["level_weights"], "daily"), "level_weights"),
    "negative hotspot weight": (_set(lambda c: c["hotspots"][0], "crowd", -1.0), "crowd"),
    "newer schema": (lambda c: c.update(schema=2), "schema"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_decoder_refuses_a_broken_catalogue(case: str) -> None:
    edit, message = BROKEN[case]
    broken = copy.deepcopy(raw_catalogue())
    edit(broken)
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_catalogue(json.dumps(broken, ensure_ascii=False))


def test_decoder_accepts_the_catalogue_round_tripped() -> None:
    again = decode_catalogue(json.dumps(raw_catalogue(), ensure_ascii=False))
    assert again == load_catalogue(CATALOGUE)


# --- the commands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [[str(ROOT / "scripts" / "build_district.py")], ["-m", "server_link.district_build"]],
    ids=["script", "module"],
)
def test_build_commands_start(command: list[str]) -> None:
    result = subprocess.run([sys.executable, *command, "--help"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert "--catalogue" in result.stdout and "--source" in result.stdout


def test_build_refuses_a_missing_catalogue(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server_link.district_build",
            "--catalogue",
            str(tmp_path / "none.json"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2 and "--catalogue" in result.stderr and "none.json" in result.stderr
    assert not any(tmp_path.iterdir())
