"""The grid map's web page, built once with folium and served from local files only.

folium makes the Leaflet map (canvas renderer, no tile layer unless an intranet tile server is
configured) and the four GeoJSON layers (unit grids, base grids, streets, the district outline);
``resources/map/grid_map.js`` then takes them over (choropleth, legend, labels, case markers) and
talks to Python through QWebChannel. folium has no offline mode, so its CDN lists are replaced by
local ``file://`` URLs: Leaflet from the xstatic-leaflet package, our script and style from
``resources/map``, and ``qwebchannel.js`` from Qt's own resources. jQuery, Bootstrap and the
awesome-markers plugin that folium normally pulls in are not needed and are dropped.

The page is about 1.2 MB (mostly geometry); ``QWebEnginePage.setHtml`` percent-encodes its HTML
into a ``data:`` URL limited to 2 MB, so the page is written once per process to a private
temporary folder instead and loaded from there.

Layer: the views (``widgets``): Qt, folium, xstatic-leaflet, ``server_link.district`` and
``resources.map``; no sockets, no database.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import folium
import xstatic.pkg.leaflet as xstatic_leaflet
from branca.element import MacroElement
from folium.template import Template
from PySide6.QtCore import QCoreApplication

from server_link.district import ATTRIBUTION, data_dir, load_district
from widgets.labels import street_name

Theme = Literal["dark", "light"]

QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"
INDIVIDUAL_ZOOM = 17.0  # from this zoom on every case has its own marker
# From this zoom on each unit grid has its own colour; farther out (the whole district on a wall,
# where a unit grid is 5–10 px across) the colours are the base grids' (each about four unit grids).
UNIT_FROM_ZOOM = 14.5
CAMERA_ZOOM = 15.0  # the district's 2,000 cameras would bury the overview: their layer starts here
CLUSTER_CELL_PX = 72
LINES_PANE = "gridLines"

# Map colours per theme; the choropleth ramp (widgets.grid_map.RAMP) is the same for both.
THEMES: Mapping[Theme, Mapping[str, str]] = {
    "dark": {
        "zero": "#44474c",  # a grid with nothing to show: calm grey
        "unit": "#5b5f65",  # unit-grid outlines
        "base": "#17181a",  # base-grid lines: darker, thin
        "street": "#c9ccd1",  # street outlines: thicker
        "outline": "#eceef0",  # the district
        "selection": "#2f81f7",
    },
    "light": {
        "zero": "#d3d5d8",
        "unit": "#b9bcc1",
        "base": "#5e6268",
        "street": "#2f3236",
        "outline": "#1f2124",
        "selection": "#1565d8",
    },
}


@dataclass(frozen=True, slots=True)
class PageOptions:
    """What the page is built from. ``tile_url`` is an optional intranet tile template
    (``http://tiles.intra:8080/{z}/{x}/{y}.png``); without it the map has a plain grey background."""

    theme: Theme = "dark"
    tile_url: str | None = None
    tile_attribution: str = ""
    tile_subdomains: str = "abc"
    individual_zoom: float = INDIVIDUAL_ZOOM
    unit_from_zoom: float = UNIT_FROM_ZOOM
    cluster_cell_px: int = CLUSTER_CELL_PX
    camera_zoom: float = CAMERA_ZOOM  # the camera layer shows from this zoom on (not at the overview)


def leaflet_dir() -> Path:
    return Path(xstatic_leaflet.BASE_DIR)


def assets_dir() -> Path:
    """``resources/map``: the page's own script and style."""
    return Path(str(resources.files("resources.map")))


def asset_urls() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """folium's ``default_js`` and ``default_css`` lists, every entry local."""
    leaflet, ours = leaflet_dir(), assets_dir()
    js = [
        ("leaflet", (leaflet / "leaflet.js").as_uri()),
        ("qwebchannel", QWEBCHANNEL_JS),
        ("grid_map", (ours / "grid_map.js").as_uri()),
    ]
    css = [
        ("leaflet_css", (leaflet / "leaflet.css").as_uri()),
        ("grid_map_css", (ours / "grid_map.css").as_uri()),
    ]
    return js, css


def tile_origins(options: PageOptions) -> frozenset[tuple[str, str, int]]:
    """The (scheme, host, port) origins the tile template may reach: the allow-list beyond local files.

    ``{s}`` in the host is expanded over ``tile_subdomains``; no other placeholder may be in the host.
    """
    if not options.tile_url:
        return frozenset()
    parts = urlsplit(options.tile_url.replace("{s}", "s-placeholder"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"tile URL {options.tile_url!r} must be an http(s) URL template with a host")
    if "{" in parts.netloc:
        raise ValueError(f"tile URL {options.tile_url!r}: only {{s}} may vary in the host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname
    hosts = [host.replace("s-placeholder", s) for s in options.tile_subdomains] if "s-placeholder" in host else [host]
    return frozenset((parts.scheme, h, port) for h in hosts)


def page_texts() -> dict[str, Any]:
    """The page's own words, in the installed language (the page is built after the translator is installed)."""
    return {
        "title": QCoreApplication.translate("GridMap", "东城区网格地图"),
        "lights": [  # by Light value
            QCoreApplication.translate("GridMap", "无灯"),
            QCoreApplication.translate("GridMap", "绿灯"),
            QCoreApplication.translate("GridMap", "黄灯"),
            QCoreApplication.translate("GridMap", "红灯"),
        ],
        "lightCases": [  # legend
            QCoreApplication.translate("GridMap", "无灯案件"),
            QCoreApplication.translate("GridMap", "绿灯案件"),
            QCoreApplication.translate("GridMap", "黄灯案件"),
            QCoreApplication.translate("GridMap", "红灯案件"),
        ],
        "cluster": QCoreApplication.translate("GridMap", "聚合（件数）"),  # legend
        "clusterCases": QCoreApplication.translate("GridMap", "{n} 件案件"),  # cluster tooltip
        "caseGone": QCoreApplication.translate("GridMap", "案件已不在地图上"),  # popup of a case that left
        "gridCount": QCoreApplication.translate("GridMap", "{n} 格"),  # legend: grids in a class
        "wholeDistrict": QCoreApplication.translate("GridMap", "全区"),  # the button back to the whole district
        "wholeDistrictTip": QCoreApplication.translate("GridMap", "显示全区"),
        "byUnitGrid": QCoreApplication.translate("GridMap", "按单元网格"),  # legend title: what is coloured
        "byBaseGrid": QCoreApplication.translate("GridMap", "按基础网格"),
        "baseGridSum": QCoreApplication.translate("GridMap", "所在基础网格合计：{n}"),  # grid tooltip
        "gridCameras": QCoreApplication.translate("GridMap", "摄像头 {n} 台"),  # grid tooltip
        "cameraOnline": QCoreApplication.translate("GridMap", "摄像头在线"),
        "cameraOffline": QCoreApplication.translate("GridMap", "摄像头离线"),
        "cameraShow": QCoreApplication.translate("GridMap", "单击：上墙；右键地图任意处：附近摄像头上墙"),
        "clusterCameras": QCoreApplication.translate("GridMap", "{n} 台摄像头"),
        "camerasOffline": QCoreApplication.translate("GridMap", "其中离线 {n} 台"),
    }


def _features(name: str, keep: tuple[str, ...]) -> dict[str, Any]:
    """A GeoJSON file with only the properties the page uses (the rest would only add weight)."""
    data = json.loads((data_dir() / name).read_text(encoding="utf-8"))
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {k: f["properties"][k] for k in keep},
                "geometry": f["geometry"],
            }
            for f in data["features"]
        ],
    }


class _Starter(MacroElement):
    """Hands folium's map and layers to ``startGridMap`` (resources/map/grid_map.js)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        startGridMap(Object.assign({{ this.config|tojson }}, {
            map: {{ this.map.get_name() }},
            units: {{ this.units.get_name() }},
            baseGrids: {{ this.base_grids.get_name() }},
            streets: {{ this.streets.get_name() }},
            outline: {{ this.outline.get_name() }}
        }));
        {% endmacro %}
        """
    )

    def __init__(self, config: dict[str, Any], **layers: Any) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "GridMapStarter"
        self.config = config
        for name, layer in layers.items():
            setattr(self, name, layer)


def build_page(options: PageOptions = PageOptions(), texts: Mapping[str, Any] | None = None) -> str:
    """The page's HTML (about 1.2 MB): every script, style and image it loads is local.

    ``texts`` are the page's words (``page_texts()``, in the installed language, by default).
    """
    text = dict(page_texts() if texts is None else texts)
    district = load_district()
    theme = THEMES[options.theme]
    lon = sum(s.lon for s in district.streets.values()) / len(district.streets)
    lat = sum(s.lat for s in district.streets.values()) / len(district.streets)
    leaflet_options: dict[str, Any] = {"minZoom": 11, "maxZoom": 19}  # folium's min/max_zoom only reach tiles
    m = folium.Map(
        location=(lat, lon),
        tiles=None,
        prefer_canvas=True,
        zoom_start=13,
        zoom_snap=0.25,
        zoom_delta=0.5,
        wheel_px_per_zoom_level=120,
        **leaflet_options,
    )
    js, css = asset_urls()
    m.default_js = js  # new lists: folium's class-level ones point at CDNs
    m.default_css = css
    root: Any = m.get_root()  # a branca Figure
    root.header.add_child(
        folium.Element('<meta http-equiv="x-dns-prefetch-control" content="off">'), name="no_dns_prefetch"
    )
    root.title = text["title"]
    if options.tile_url:
        tile_origins(options)  # validates the template
        folium.TileLayer(
            tiles=options.tile_url,
            attr=options.tile_attribution or "intranet tiles",
            subdomains=options.tile_subdomains,
            max_zoom=19,
            opacity=0.55,
        ).add_to(m)
    # Unit grids on the overlay pane's canvas; the lines that never change colour (base grids,
    # streets, the outline) on a canvas of their own above it, so a restyle repaints only the grids.
    folium.map.CustomPane(LINES_PANE, z_index=420, pointer_events=False).add_to(m)
    units = folium.GeoJson(
        _features("unit_grids.geojson", ("code", "street_code", "base_grid_id")),
        name="unit_grids",
        control=False,
        smooth_factor=0.5,
    ).add_to(m)
    lines: dict[str, Any] = {"control": False, "smooth_factor": 0.5, "pane": LINES_PANE, "interactive": False}
    base_grids = folium.GeoJson(_features("base_grids.geojson", ("id",)), name="base_grids", **lines).add_to(m)
    streets = folium.GeoJson(_features("streets.geojson", ("code", "name")), name="streets", **lines).add_to(m)
    outline = folium.GeoJson(_features("outline.geojson", ("code",)), name="outline", **lines).add_to(m)
    config = {
        "theme": dict(theme),
        "themeName": options.theme,
        "attribution": f"district data: {ATTRIBUTION}",
        "streetLabels": [
            # Short names (东直门, not 东直门街道): every one is a street, and shorter names leave room
            # for more of them among the clusters at the overview zoom.
            {"code": s.code, "name": street_name(district, s.code), "lon": s.label_lon, "lat": s.label_lat}
            for s in district.streets.values()
        ],
        "streetNames": {s.code: street_name(district, s.code, full=True) for s in district.streets.values()},
        "individualZoom": options.individual_zoom,
        "unitFromZoom": options.unit_from_zoom,
        "clusterCell": options.cluster_cell_px,
        "cameraZoom": options.camera_zoom,
        "text": text,
    }
    m.add_child(_Starter(config, map=m, units=units, base_grids=base_grids, streets=streets, outline=outline))
    html: str = root.render()
    return html


_lock = threading.Lock()
_folder: Path | None = None


def _remove_folder() -> None:
    if _folder is not None:
        shutil.rmtree(_folder, ignore_errors=True)


def page_file(options: PageOptions = PageOptions()) -> Path:
    """The page written to this process's private temporary folder (built once per options and language)."""
    return _page_file(options, json.dumps(page_texts(), ensure_ascii=False, sort_keys=True))


@functools.cache
def _page_file(options: PageOptions, texts: str) -> Path:
    global _folder
    html = build_page(options, json.loads(texts))
    with _lock:
        if _folder is None:
            _folder = Path(tempfile.mkdtemp(prefix="grid-map-"))
            atexit.register(_remove_folder)
        digest = hashlib.sha256(html.encode()).hexdigest()[:16]
        path = _folder / f"grid_map-{digest}.html"
        path.write_text(html, encoding="utf-8")
    return path
