"""The data README (``resources/district/README.md``): provenance, methods and this build's figures."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from server_link.district_build.output import street_records
from server_link.district_build.pipeline import COVERAGE_TOLERANCE, SEED, District
from server_link.district_build.source import ATTRIBUTION


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _share(values: Sequence[str], vocabulary: Sequence[tuple[str, str]]) -> str:
    """'住宅 61.2 %, ...' for a list of vocabulary keys."""
    total = len(values)
    return ", ".join(f"{zh} ({key}) {100.0 * values.count(key) / total:.1f} %" for key, zh in vocabulary)


def readme(d: District) -> str:
    """The data README, with the measured figures of this build."""
    m = d.metrics
    shift = (d.source.outline - d.source.outline_gcj).mean(axis=0)
    positions = [c.position for c in d.communities]
    areas = np.array([u.area_m2 for u in d.units])
    base_areas = np.array([b.area_m2 for b in d.bases])
    street_rows = [
        (
            r["code"],
            r["name"],
            f"{r['official_area_km2']:.2f}",
            f"{r['target_area_km2']:.3f}",
            f"{r['derived_area_km2']:.3f}",
            f"{r['area_error_pct']:+.3f}",
            r["centre_source"],
            r["community_count"],
            r["base_grid_count"],
            r["unit_grid_count"],
        )
        for r in street_records(d)
    ]
    counts = d.taxonomy["counts"]["urban"]
    devices = [c.device_type for c in d.cameras]
    placements = [c.placement for c in d.cameras]
    provenance = [
        ("`outline.geojson`", "district outline (adcode), converted GCJ-02 → WGS84", "—"),
        (
            "`streets.json`, `streets.geojson`",
            "17 codes 110101001…017, names, official areas",
            "street outlines (not public)",
        ),
        (
            "`communities.json`",
            f"{len(d.communities)} codes and names (adcode 2016 list; 177 official in 2020)",
            f"{positions.count('synthetic')} positions (no or duplicate point in the source), "
            f"{positions.count('adcode_adjusted')} adcode points moved inside the derived street; "
            "all areas",
        ),
        (
            "`base_grids.*`, `unit_grids.geojson`",
            "counts 592 / 2322, the 15-digit code layout (DB11)",
            "all geometry, codes, types, levels",
        ),
        (
            "`cameras.json`",
            "id and URL *formats* (GB/T 28181, common platform URLs)",
            "every camera: position, id, name, URL; hosts are fictitious intranet names, never contacted",
        ),
        (
            "`departments.json`",
            "the six council members, the 17 street offices, typical Dongcheng bodies and utilities",
            "the exact set of 85 and which categories each handles",
        ),
        (
            "`taxonomy.json`",
            "the national top classes (public, traffic, city-appearance, landscaping, other facilities; city "
            "appearance, advertising, construction, street order, emergencies, other events), the "
            "social-management categories of DOMAIN.md and the deadlines it quotes",
            "the other majors, every sub/detail/micro entry, codes, the other deadlines and urgencies",
        ),
        ("`channels.json`", "the nine channels", "ids, media"),
    ]
    return README_TEMPLATE.format(
        attribution=ATTRIBUTION,
        provenance_table=_table(("file", "real", "synthetic"), provenance),
        shift_lon=f"{shift[0]:.5f}",
        shift_lat=f"{shift[1]:.5f}",
        outline_km2=f"{m.outline_area_m2 / 1e6:.3f}",
        sites=len(d.sites.xy),
        street_table=_table(
            (
                "code",
                "street",
                "official km²",
                "target km²",
                "derived km²",
                "error %",
                "centre",
                "communities",
                "base grids",
                "unit grids",
            ),
            street_rows,
        ),
        max_error=f"{max(abs(e) for e in m.street_errors):.3f}",
        communities=len(d.communities),
        n_adcode=positions.count("adcode"),
        n_adjusted=positions.count("adcode_adjusted"),
        max_moved=f"{max(c.moved_m for c in d.communities):.0f}",
        n_synthetic=positions.count("synthetic"),
        coverage=f"{100.0 * m.coverage:.4f}",
        tolerance=f"{100.0 * COVERAGE_TOLERANCE:.1f}",
        uncovered=f"{m.uncovered_m2:.1f}",
        outside=f"{m.outside_m2:.1f}",
        overlap=f"{m.overlap_m2:.4f}",
        overlap_pairs=m.overlap_pairs,
        unit_mean=f"{areas.mean():,.0f}",
        unit_min=f"{areas.min():,.0f}",
        unit_max=f"{areas.max():,.0f}",
        base_mean=f"{base_areas.mean():,.0f}",
        base_min=f"{base_areas.min():,.0f}",
        base_max=f"{base_areas.max():,.0f}",
        types=_share([u.grid_type for u in d.units], list(d.catalogue.grid_type_names().items())),
        levels=_share([u.level for u in d.units], list(d.catalogue.level_names().items())),
        cameras=len(d.cameras),
        cam_road=placements.count("road"),
        cam_hotspot=placements.count("hotspot"),
        cam_area=placements.count("area"),
        cam_131=devices.count("131"),
        cam_132=devices.count("132"),
        majors=counts["major"],
        subs=counts["sub"],
        details=counts["detail"],
        micros=counts["micro"],
        leaves=d.taxonomy["counts"]["leaves"],
        social=len(d.taxonomy["social"]),
        departments=len(d.departments["departments"]),
        seed=SEED,
    )


README_TEMPLATE = """\
# Dongcheng district data (generated)

Generated by `server_link/district_build/` from `source/`: the public adcode files and the
hand-written catalogue `source/catalogue.json` (street names and areas, landmarks, busy places, main
roads, grid vocabularies, departments, the taxonomy with its deadlines, channels). Do not edit the
generated files by hand; edit the catalogue and regenerate with

    .venv/bin/python -m server_link.district_build      # reads resources/district/source
    .venv/bin/python -m server_link.district_build --source DIR --out DIR [--catalogue FILE]

(`scripts/build_district.py` takes the same options.) The build is deterministic (seed {seed}, no
network): two runs on the same machine give byte-identical files (`tests/test_district_data.py`
checks this). It needs numpy and shapely >= 2.2 (GEOS >= 3.14, for `coverage_clean`).

## Provenance and licence

The district outline and the street/community codes, names and centre points come from the
public repository **Vonng/adcode** (`data/fences/110101.json`, `data/adcode/110101.csv`; National
Bureau of Statistics 2016 codes, Ministry of Civil Affairs, Amap boundaries), licensed under
Creative Commons Attribution 4.0 International. Every file derived from it carries
`"attribution": "{attribution}"`; show that credit wherever these data or maps drawn from them are
shipped or displayed. Official street areas, grid counts, channel names, the coordination-council
members and the deadlines quoted below are public figures restated in `DOMAIN.md`.

## What is real and what is synthetic

{provenance_table}

## Methods

**GCJ-02 → WGS84.** The standard GCJ-02 forward transform is inverted by fixed-point iteration
(w ← w − (gcj(w) − g)) to 1e-11°. Mean shift over the outline: {shift_lon}° longitude,
{shift_lat}° latitude. The WGS84 outline encloses {outline_km2} km² (official: 41.84 km²).

**Local frame.** Geometry is built in an affine equirectangular frame centred on 116.41 E,
39.92 N (WGS84 metres per degree at that latitude; area distortion < 0.1 % across the district)
and written as lon/lat rounded to 6 decimals (≈ 0.1 m). Every `area_m2` uses this frame.

**Streets.** A power (additively weighted) Voronoi diagram of {sites} sites: each street's adcode
centre (or, where missing, the mean of its located communities), its located community points
and two landmark anchors (Palace Museum → 东华门, Temple of Heaven → 天坛). All sites of a street
share one weight; the weights are fitted with sign-adaptive (Rprop) steps on the exact diagram
until each street's area is within 0.01 % of its official share of the real outline area
(official km² / 41.84 × outline area).
Cells are clipped to the outline; detached fragments go to the neighbour with the longest
shared border. Street polygons in `streets.geojson` are the unions of their unit grids.
Maximum area error {max_error} %:

{street_table}

**Communities.** All {communities} communities of the adcode list are kept (the list dates from
2016 and has 182 entries; 177 were official in 2020). {n_adcode} keep their adcode point as given;
{n_adjusted} whose point falls outside the derived street are moved to the nearest point at least
20 m inside it (by at most {max_moved} m); the {n_synthetic} without a usable point (missing, or
within 60 m of another community's point) are placed by a constrained k-means that fills the part
of the street not served by located communities. Each unit grid belongs to the community whose
point is nearest to its centroid within the street (every community gets at least one grid); a
community's area is the sum of its grids.

**Tiling.** Base grids (592) and unit grids (2322) are apportioned to streets by area (largest
remainder); unit grids to base grids likewise. A street is split into its base grids, and each
base grid into its unit grids, by the Voronoi cells of k-means centroids of a lattice inside the
polygon (k exactly the target), clipped to the parent, fragments merged. The lon/lat polygons are
snapped to the 1e-6° grid and passed through GEOS coverage cleaning so neighbours share
identical edges. Base-grid polygons are unions of their unit grids, so every unit grid lies in
exactly one base grid and one street. Unit grids average {unit_mean} m² (min {unit_min}, max
{unit_max}): the seed speaks of about 10,000 m², but 2322 cells that tile the whole outline
(parks and the Palace Museum included) must average about 18,000 m². Base grids average {base_mean} m² (min
{base_min}, max {base_max}).

**Codes.** Unit grid: `110101` + 3-digit street + 3-digit community (last 3 digits of the
community's 12-digit code) + 3-digit sequence, numbered within street+community in rows of about
one grid height from north to south and west to east inside a row. Base grid id: 9-digit street
code + `J` + 3-digit sequence in the same reading order within the street (e.g. `110101001J001`).

**Types and levels.** Drawn per unit grid with weights raised near rough coordinates of busy
places (王府井, 前门, 东直门, 簋街, 南锣鼓巷, 北京站, 故宫, 天坛, hospitals, ministries …):
{types}. Levels: {levels}.

**Cameras.** {cameras} cameras: {cam_road} along approximate main-road lines (Chang'an Avenue,
the 2nd Ring, Dongsi–Dongdan, Qianmen–Yongdingmen, Ping'an Avenue …), {cam_hotspot} in
crowded-place and commercial grids, {cam_area} spread by area. Ids: centre code `11010100`,
industry `08`, type `131` ({cam_131}) or `132` ({cam_132}), network digit `6`, 6-digit serial
(north to south). Stream URLs rotate through `rtsp://host/app/stream`,
`http://host/app/stream.live.flv` and `http://host/app/stream/hls.m3u8`.

**Catalogue.** `taxonomy.json` holds 19 urban-management majors ({majors} majors, {subs} subs,
{details} details, {micros} micros — a representative subset of the seed's 19/220/651/883) and
{social} social-management categories, {leaves} leaves in all. Codes: `C` component, `E` event,
`S` social, then two digits per level (`E0101`, `E010101` …); codes are positional, so append new
entries at the end of a list. Each leaf has a deadline (`working_hours`, `working_days`, `hours`
or `days`), an urgency and its departments; a department handles a leaf if listed on it.
`departments.json` holds {departments} departments (district, street, utility, organisation);
street offices handle the street-level leaves (`handling_level: street`) in their own street.

## Files

All files are compact UTF-8 JSON with `"schema": 1`; coordinates are WGS84 `[lon, lat]`; records are
sorted by code or id (channels and taxonomy children keep their defined order); GeoJSON files
carry `schema`/`attribution` as foreign members.

- `outline.geojson` — one feature: `code`, `name`, `area_m2`.
- `streets.json` — `streets[]`: `code`, `name`, `short_name`, `name_en`, `office_name`,
  `office_department_id`, `official_area_km2`, `target_area_km2`, `derived_area_km2`,
  `area_error_pct`, `centroid`, `label_point` (the point inside the street farthest from its
  border, where the map writes its name), `centre_source`, `community_count`, `base_grid_count`,
  `unit_grid_count`. `streets.geojson` — one polygon per street (`code`, `name`).
- `communities.json` — `communities[]`: `code` (12 digits), `code3`, `name`, `street_code`, `point`,
  `position` (`adcode` | `adcode_adjusted` | `synthetic`), `area_m2`, `unit_grid_count`.
- `base_grids.json` / `.geojson` — `id`, `name`, `street_code`, `community_codes`,
  `unit_grid_count`, `centroid`, `area_m2`.
- `unit_grids.geojson` — `code`, `street_code`, `community_code`, `base_grid_id`, `type`,
  `type_zh`, `level`, `level_zh`, `centroid`, `area_m2`; the vocabularies are in `grid_types` and
  `management_levels`.
- `cameras.json` — `cameras[]`: `id`, `name`, `device_type` (131/132), `device_kind`, `lon`, `lat`,
  `unit_grid_code`, `street_code`, `placement` (`road` | `hotspot` | `area`), `stream_url`.
- `departments.json` — `departments[]`: `id`, `name`, `full_name`, `name_en`, `kind`,
  `council_member`, `street_code` (street offices only), `handles` (leaf codes).
- `taxonomy.json` — `majors[]` (urban) and `social[]`: nested nodes `code`, `level`, `name`,
  `name_en`, `children`; top nodes add `domain`; leaves add `deadline {{value, unit}}`, `urgency`,
  `handling_level`, `departments`.
- `channels.json` — `channels[]`: `id`, `name`, `name_en`, `public`, `medium`.

## Measured figures

- Coverage of the outline by the union of unit grids: {coverage} % (tolerance ≥ {tolerance} %);
  uncovered {uncovered} m², outside the outline {outside} m².
- Pairwise overlap of unit grids: {overlap} m² in total ({overlap_pairs} pairs with more than
  1e-6 m²).
- Per-street area errors: see the table above.
"""
