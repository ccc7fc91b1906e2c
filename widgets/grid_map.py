"""The district map: a choropleth of the 2,322 unit grids, base-grid and street lines, case markers.

A ``QWebEngineView`` shows a Leaflet page built once with folium (``widgets.map_page``); after that
Python only sends what changed, through ``runJavaScript``, coalesced and at most a few times a
second (restyling all polygons costs ~14 ms; a small diff < 1 ms). Everything the page loads is
local: an interceptor on the view's own profile blocks any request that is not file/data/qrc, or
not to the one intranet tile server a setting may name, and records it.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

import msgspec
from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from console.core.case_state import Light
from console.core.untrusted import one_line
from server_link.district import District, load_district
from widgets.map_page import THEMES, UNIT_FROM_ZOOM, PageOptions, Theme, page_file, tile_origins

log = logging.getLogger(__name__)

# One sequential ramp, calm grey to red, for every choropleth (WALL.md); a grid at 0 keeps the
# theme's grey. CIE LCh: lightness 42 → 60 (the classes differ in lightness too, for a colour-blind
# officer or a washed-out projector), chroma 10 + 75·t^1.6 (low classes stay calm, saturation is
# kept for the top), hue 45° → 33°.
RAMP: tuple[str, ...] = ("#735f58", "#8b665a", "#ae6656", "#d85f4d", "#ff4744")
ZERO_COLOUR: Mapping[Theme, str] = {name: colours["zero"] for name, colours in THEMES.items()}
AUTO_QUANTILES = (0.5, 0.75, 0.9, 0.97)  # class edges of an automatic binning, over the positive values
MAX_CLUSTER_CASES = 200_000  # far more than a district holds open: a longer list is not the page's
DEFAULT_FLUSH_INTERVAL_MS = 200  # at most five flushes a second, in step with the repainter
# In a storm the page redraws less often: after a flush of more than STORM_CHANGES changes (grids
# restyled, markers moved), the next one waits STORM_INTERVAL_MS. Redrawing costs the page's renderer
# about the same whatever the size (at 10,000 updates/s it took a quarter of a core at five a second),
# and a core is what the GUI thread then lacks; at 1,000 updates/s flushes carry ~55 changes.
STORM_CHANGES = 300
FILL_CHUNK: Final = 1_500  # markers of a whole new set sent a turn of the event loop (~8 ms of it)
COMPACTS_KEPT: Final = 50_000  # markers whose page form is kept (a busy district's open cases, a few times over)
STORM_INTERVAL_MS = 500
LayerName = Literal["base_grids", "streets"]


_JSON: Final = msgspec.json.Encoder()


class PageReadError(Exception):
    """What ``GridMap.read_page`` hands its callback when the expression threw in the page."""


class CaseMarker(NamedTuple):
    """A case as the map shows it. ``title`` is untrusted text (what a citizen wrote), and so is ``no``.

    The page gets both as ``one_line`` made them (isolated, one line, no controls; long words are
    left to the page's CSS ``overflow-wrap: anywhere``), and the raw number as the marker's key.
    A named tuple: a busy district's past instant makes ten thousand of them at a jump (a frozen
    dataclass took five times as long to make and to compare).
    """

    no: str
    lon: float
    lat: float
    light: Light
    title: str

    def compact(self) -> list[object]:
        shown_no = one_line(self.no, wrap=False)
        return [self.no, self.lon, self.lat, int(self.light), one_line(self.title, wrap=False), shown_no]


class CameraMarker(NamedTuple):
    """A camera as the map shows it; ``name`` is the backend's text (made one line for the page)."""

    id: str
    lon: float
    lat: float
    online: bool
    name: str
    unit_grid: str | None = None

    def compact(self) -> list[object]:
        return [self.id, self.lon, self.lat, int(self.online), one_line(self.name, wrap=False), self.unit_grid or ""]


@dataclass(frozen=True, slots=True)
class Binning:
    """Classes of a metric: 0 (and below, and NaN) is class 0; then ``(0, e1)``, ``[e1, e2)`` … ``≥ en``.

    ``edges`` are the lower bounds of the positive classes after the first, strictly increasing.
    """

    edges: tuple[float, ...]
    integer: bool
    theme: Theme = "dark"

    def __post_init__(self) -> None:
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)) or any(e <= 0 for e in self.edges):
            raise ValueError(f"bin edges must be positive and strictly increasing: {self.edges}")
        if len(self.edges) + 1 > len(RAMP):
            raise ValueError(f"at most {len(RAMP)} positive classes (got {len(self.edges) + 1})")

    @classmethod
    def from_values(
        cls, values: Iterable[float], quantiles: Sequence[float] = AUTO_QUANTILES, theme: Theme = "dark"
    ) -> Binning:
        """Classes at ``quantiles`` of the positive values (on whole numbers when every value is one).

        The default puts the top class at the top 3 % of the grids that have anything, the next at
        90–97 %: red stays rare, as colour on the wall means something needs attention.
        """
        positive = sorted(v for v in values if v > 0 and math.isfinite(v))
        integer = all(float(v).is_integer() for v in positive)
        if not positive:
            return cls((2.0, 5.0, 10.0) if integer else (), integer, theme)
        distinct = sorted(set(positive))
        if len(distinct) <= len(quantiles) + 1:
            edges = distinct[1:]
        else:
            qs = [positive[min(len(positive) - 1, int(len(positive) * q))] for q in quantiles]
            edges = [float(math.ceil(q)) if integer else _round2(q) for q in qs]
        low = 1.0 if integer else 0.0
        cleaned: list[float] = []
        for e in edges:
            if e > low and (not cleaned or e > cleaned[-1]):
                cleaned.append(float(e))
        return cls(tuple(cleaned), integer, theme)

    @property
    def colours(self) -> tuple[str, ...]:
        """Class 0's grey, then the ramp spread over the positive classes (the top one red, if two or more)."""
        n = len(self.edges) + 1
        picks = [len(RAMP) // 2] if n == 1 else [round(i * (len(RAMP) - 1) / (n - 1)) for i in range(n)]
        return (ZERO_COLOUR[self.theme], *(RAMP[i] for i in picks))

    @property
    def labels(self) -> tuple[str, ...]:
        lows = (1.0 if self.integer else 0.0, *self.edges)
        out = ["0"]
        for i, lo in enumerate(lows):
            if i == len(self.edges):
                out.append(f"≥ {_fmt(lo)}" if i else f"> {_fmt(0)}")
            elif self.integer:
                hi = self.edges[i] - 1
                out.append(_fmt(lo) if hi <= lo else f"{_fmt(lo)}–{_fmt(hi)}")
            else:
                out.append(f"{_fmt(lo)}–{_fmt(self.edges[i])}")
        return tuple(out)

    def class_of(self, value: float) -> int:
        if not value > 0:  # 0, negatives and NaN
            return 0
        return 1 + bisect.bisect_right(self.edges, value)

    def colour_of(self, value: float) -> str:
        return self.colours[self.class_of(value)]


def _round2(x: float) -> float:
    """Two significant figures."""
    if x <= 0:
        return x
    digits = 1 - math.floor(math.log10(x))
    return round(x, digits)


def _fmt(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,.1f}"


class LocalOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request that is not local (file without a host, data, qrc) or to an allowed origin.

    The allow-list is explicit: ``allowed_origins`` holds (scheme, host, port) triples — only the
    intranet tile server when one is configured. Blocked URLs are recorded and reported.
    """

    LOCAL_SCHEMES = frozenset({"file", "data", "qrc"})

    def __init__(
        self,
        allowed_origins: Iterable[tuple[str, str, int]] = (),
        on_blocked: Callable[[str], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.allowed_origins = frozenset(allowed_origins)
        self._on_blocked = on_blocked
        self._lock = threading.Lock()
        self._blocked: list[str] = []

    def allows(self, url: QUrl) -> bool:
        scheme = url.scheme().lower()
        if scheme in self.LOCAL_SCHEMES:
            return scheme != "file" or url.host().lower() in ("", "localhost")
        if scheme in ("http", "https"):
            port = url.port(443 if scheme == "https" else 80)
            return (scheme, url.host().lower(), port) in self.allowed_origins
        return False

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        if self.allows(url):
            return
        info.block(True)
        text = url.toString()
        with self._lock:
            self._blocked.append(text)
        log.warning("grid map: blocked a request to %s", text[:200])
        if self._on_blocked is not None:
            self._on_blocked(text)

    @property
    def blocked(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._blocked)


class _MapPage(QWebEnginePage):
    """The page: console messages go to Python logging, and it never navigates away from the map."""

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.home = QUrl()
        self.errors: deque[str] = deque(maxlen=100)

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        text = f"{source.rsplit('/', 1)[-1]}:{line}: {message}"
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.errors.append(text)
            log.warning("grid map page: %s", text)
        else:
            log.debug("grid map page: %s", text)

    def acceptNavigationRequest(self, url: QUrl | str, kind: QWebEnginePage.NavigationType, main_frame: bool) -> bool:
        target = QUrl(url)
        if target.isLocalFile() and target.toLocalFile() == self.home.toLocalFile():
            return True
        log.warning("grid map: refused to navigate to %s", target.toString()[:200])
        return False


class _Bridge(QObject):
    """The object the page sees as ``bridge`` (QWebChannel); it only re-emits what the page says."""

    ready_received = Signal(str)
    grid_received = Signal(str)
    case_received = Signal(str)
    cluster_received = Signal(str)
    flush_received = Signal(int)
    camera_received = Signal(str)
    point_received = Signal(str)

    @Slot(str)
    def ready(self, info: str) -> None:
        self.ready_received.emit(info)

    @Slot(str)
    def gridClicked(self, code: str) -> None:
        self.grid_received.emit(str(code))

    @Slot(str)
    def caseClicked(self, no: str) -> None:
        self.case_received.emit(str(no))

    @Slot(str)
    def clusterClicked(self, nos: str) -> None:
        self.cluster_received.emit(str(nos))

    @Slot(str)
    def cameraClicked(self, camera_id: str) -> None:
        self.camera_received.emit(camera_id)

    @Slot(str)
    def pointPicked(self, lon_lat: str) -> None:
        self.point_received.emit(lon_lat)

    @Slot(int)
    def flushApplied(self, flush_id: int) -> None:
        self.flush_received.emit(int(flush_id))


class GridMap(QWidget):
    """The district map panel: choropleth by one metric, base-grid and street layers, case markers.

    Call ``set_metric`` for a new metric and ``update_values`` for live changes (only changed grids
    reach the page, at most every ``flush_interval_ms``, or ``STORM_INTERVAL_MS`` after a flush of
    more than ``STORM_CHANGES`` changes); ``set_cases``/``update_cases`` for markers;
    ``select_grid``/``select_case`` to highlight (in blue). A click in the page only emits a signal:
    the owner decides what is selected and calls back. Calls made before the page is ready are kept
    and applied once it is; after a renderer crash the page reloads and gets the whole state again.

    Signals:
        grid_clicked(str): the operator clicked a unit grid (its 15-digit code), or, at the overview
            zoom where the base grids are shaded, a base grid (its id, e.g. 110101001J001).
        case_clicked(str): the operator clicked a case marker (the case number).
        cluster_clicked(object): the operator clicked a cluster: the frozenset of its case numbers
            (the page also zooms to it). What the page sends is checked: a list of at most
            ``MAX_CLUSTER_CASES`` strings, each a case this map holds; anything else is dropped.
        page_loaded(): the page finished building its layers and connected; state was pushed to it.
        values_sent(int, object): a flush went to the page — its id and the tuple of grid codes it carried.
        values_applied(int): the page finished restyling that flush (reported from its next frame).
        request_blocked(str): the page tried to load a non-local URL; it was blocked.
        camera_clicked(str): the operator clicked a camera symbol (its device id, one this map holds).
        point_picked(float, float): the operator right-clicked a point of the map (lon, lat), to see
            the cameras nearest it.
    """

    grid_clicked = Signal(str)
    case_clicked = Signal(str)
    cluster_clicked = Signal(object)
    page_loaded = Signal()
    values_sent = Signal(int, object)
    values_applied = Signal(int)
    request_blocked = Signal(str)
    camera_clicked = Signal(str)
    point_picked = Signal(float, float)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        theme: Theme = "dark",
        tile_url: str | None = None,
        tile_attribution: str = "",
        flush_interval_ms: int = DEFAULT_FLUSH_INTERVAL_MS,
        district: District | None = None,
        unit_from_zoom: float = UNIT_FROM_ZOOM,
    ) -> None:
        super().__init__(parent)
        self._options = PageOptions(
            theme=theme, tile_url=tile_url, tile_attribution=tile_attribution, unit_from_zoom=unit_from_zoom
        )
        self._theme: Theme = theme
        d = district or load_district()
        self._known = frozenset(d.unit_grids)
        self._base_of = {code: g.base_grid for code, g in d.unit_grids.items()}
        self._selectable = self._known | frozenset(d.base_grids)
        self._streets = frozenset(d.streets)
        self._interval_ms = flush_interval_ms
        self._ready = False

        # model: what the page should show
        self._metric_name = ""
        self._legend_title = ""
        self._binning = Binning((), True, theme)
        self._base_binning = Binning((), True, theme)  # the classes of the base grids' sums (overview zoom)
        self._values: dict[str, float] = {}
        self._cases: dict[str, CaseMarker] = {}
        self._compacts: dict[CaseMarker, list[object]] = {}  # what the page got for a marker, kept
        self._cameras: dict[str, CameraMarker] = {}
        self._camera_upserts: dict[str, CameraMarker] = {}
        self._cameras_forced: bool | None = None
        self._wall_cameras: list[str] = []
        self._selected_grid: str | None = None
        self._stale = False  # the link is STALE: the page dims
        self._selected_case: str | None = None
        self._layers: dict[LayerName, bool] = {"base_grids": True, "streets": True}
        self._fit: tuple[str, str | None] = ("district", None)
        # what the page has, and what waits for the next flush
        self._page_values: dict[str, float] = {}
        self._dirty: set[str] = set()
        self._upserts: dict[str, CaseMarker] = {}
        self._removals: set[str] = set()
        self._last_flush = -math.inf
        self._next_flush_at = -math.inf  # monotonic: no flush before (a storm's pacing)
        self._flush_id = 0
        self.flushes_sent = 0
        self.values_sent_total = 0
        self.last_flush_size = 0
        self.unknown_codes = 0

        # the web view, on a profile of its own (the page owns the profile, so the page goes first)
        self._view = QWebEngineView(self)
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        profile = QWebEngineProfile()  # off the record: nothing written to disk
        self._page = _MapPage(profile, self._view)
        profile.setParent(self._page)
        self._interceptor = LocalOnlyInterceptor(tile_origins(self._options), self.request_blocked.emit, profile)
        profile.setUrlRequestInterceptor(self._interceptor)
        settings = self._page.settings()
        attr = QWebEngineSettings.WebAttribute
        # Chromium itself keeps a file:// page off the network unless tiles need it; the interceptor
        # is the second line, and the only one once a tile server is configured.
        settings.setAttribute(attr.LocalContentCanAccessRemoteUrls, tile_url is not None)
        settings.setAttribute(attr.LocalContentCanAccessFileUrls, True)
        settings.setAttribute(attr.DnsPrefetchEnabled, False)
        settings.setAttribute(attr.JavascriptCanOpenWindows, False)
        settings.setAttribute(attr.PluginsEnabled, False)
        settings.setAttribute(attr.NavigateOnDropEnabled, False)
        settings.setAttribute(attr.ErrorPageEnabled, False)
        self._bridge = _Bridge(self._page)
        self._bridge.ready_received.connect(self._on_page_ready)
        self._bridge.grid_received.connect(self.grid_clicked)
        self._bridge.case_received.connect(self.case_clicked)
        self._bridge.cluster_received.connect(self._on_cluster)
        self._bridge.flush_received.connect(self.values_applied)
        self._bridge.camera_received.connect(self._on_camera)
        self._bridge.point_received.connect(self._on_point)
        self._channel = QWebChannel(self._page)
        self._channel.registerObject("bridge", self._bridge)
        self._page.setWebChannel(self._channel)
        self._page.renderProcessTerminated.connect(self._on_renderer_gone)
        self._view.setPage(self._page)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._view)

        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush)
        self._filling: list[str] = []  # a whole new set's cases not sent yet, a chunk a turn (``set_cases``)
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill_next)

        url = QUrl.fromLocalFile(str(page_file(self._options)))
        self._page.home = url
        self._page.load(url)

    # ------------------------------------------------------------------ public state
    @property
    def is_ready(self) -> bool:
        return self._ready

    @property
    def blocked_requests(self) -> tuple[str, ...]:
        """Every URL the page tried to load and the interceptor blocked (should stay empty)."""
        return self._interceptor.blocked

    @property
    def console_errors(self) -> tuple[str, ...]:
        """JavaScript errors the page reported (the last 100)."""
        return tuple(self._page.errors)

    @property
    def binning(self) -> Binning:
        return self._binning

    @property
    def metric_name(self) -> str:
        return self._metric_name  # (not ``metric``: QWidget.metric is the paint-device query)

    @property
    def page_url(self) -> QUrl:
        return self._page.home

    @property
    def base_binning(self) -> Binning:
        """The classes of the base grids' sums, shown at the overview zoom."""
        return self._base_binning

    def colour_for(self, value: float) -> str:
        """The fill colour a grid with ``value`` gets under the current metric."""
        return self._binning.colour_of(value)

    def base_sums(self) -> dict[str, float]:
        """Each base grid's sum of its unit grids' current values (absent = 0)."""
        sums: dict[str, float] = {}
        for code, v in self._values.items():
            base = self._base_of[code]
            sums[base] = sums.get(base, 0.0) + v
        return sums

    # ------------------------------------------------------------------ choropleth
    def set_metric(
        self, name: str, values: Mapping[str, float], legend_title: str, bins: Sequence[float] | None = None
    ) -> None:
        """Colour every unit grid by ``values`` (absent = 0) under a new metric and legend.

        Classes come from ``bins`` (lower bounds of the positive classes after the first) or from
        the values' quantiles; they stay fixed until the next ``set_metric``, so the legend does not
        shift under live updates (values above the top edge fall in the top class).
        """
        clean = self._clean(values)
        if bins is None:
            self._binning = Binning.from_values(clean.values(), theme=self._theme)
        else:
            edges = tuple(float(b) for b in bins)
            integer = all(v.is_integer() for v in (*clean.values(), *edges))
            self._binning = Binning(edges, integer, self._theme)
        self._metric_name = name
        self._legend_title = legend_title
        self._values = {c: v for c, v in clean.items() if v != 0.0}
        self._base_binning = Binning.from_values(self.base_sums().values(), theme=self._theme)
        self._dirty.clear()
        if self._ready:
            self._send_metric()

    def update_values(self, changed: Mapping[str, float]) -> None:
        """Live changes of the current metric; coalesced, only grids whose value differs are sent."""
        for code, v in self._clean(changed).items():
            if v == 0.0:
                self._values.pop(code, None)
            else:
                self._values[code] = v
            self._dirty.add(code)
        self._schedule_flush()

    def _clean(self, values: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for code, v in values.items():
            if code not in self._known:
                self.unknown_codes += 1
                continue
            x = float(v)
            out[code] = x if math.isfinite(x) else 0.0
        return out

    # ------------------------------------------------------------------ cases
    def set_cases(self, cases: Iterable[CaseMarker]) -> None:
        """Replace every case marker. When the page already shows most of them as given (a whole
        new picture of the same district: the replay's next instant), only the difference is sent,
        at once: a busy district's ten thousand markers took ~0.1 s of the GUI thread to send whole."""
        new = {c.no: c for c in cases}
        if len(self._compacts) > COMPACTS_KEPT:
            self._compacts.clear()
        if self._ready and self._cases:
            changed = [c for no, c in new.items() if self._cases.get(no) != c]
            gone = self._cases.keys() - new.keys()
            if len(changed) + len(gone) < len(new) // 2:
                for case in changed[FILL_CHUNK:]:  # sent a chunk a turn, as a whole new set is
                    self._cases[case.no] = case
                    self._filling.append(case.no)
                self.update_cases(changed[:FILL_CHUNK], gone)
                self._flush_now()
                if self._filling:
                    self._fill_timer.start()
                return
        self._cases = new
        self._upserts.clear()
        self._removals.clear()
        self._filling = []
        if self._ready:  # the first chunk replaces the page's set; the others follow, a turn each
            order = list(new)
            self._js("gridMap.setCases", [self._compact(new[no]) for no in order[:FILL_CHUNK]])
            self._filling = order[FILL_CHUNK:]
            if self._filling:
                self._fill_timer.start()

    @property
    def filling(self) -> bool:
        """A whole new set of cases is still on its way to the page."""
        return bool(self._filling)

    def _fill_next(self) -> None:
        chunk, self._filling = self._filling[:FILL_CHUNK], self._filling[FILL_CHUNK:]
        for no in chunk:  # as they are now: a case updated or gone meanwhile went with its update
            case = self._cases.get(no)
            if case is not None:
                self._upserts.setdefault(no, case)
        self._flush_now()
        if self._filling:
            self._fill_timer.start()

    def update_cases(self, upserts: Iterable[CaseMarker], removals: Iterable[str] = ()) -> None:
        """Add or move cases and remove others; sent with the next flush (markers already shown as given are not)."""
        for c in upserts:
            if self._cases.get(c.no) == c:
                continue  # most updates of a case change nothing the marker shows
            self._cases[c.no] = c
            self._upserts[c.no] = c
            self._removals.discard(c.no)
        for no in removals:
            if self._cases.pop(no, None) is not None or no in self._upserts:
                self._upserts.pop(no, None)
                self._removals.add(no)
        self._schedule_flush()

    # ------------------------------------------------------------------ cameras
    def _compact(self, case: CaseMarker) -> list[object]:
        """``case.compact()``, kept: the replay's jumps show the same cases again and again."""
        made = self._compacts.get(case)
        if made is None:
            made = self._compacts[case] = case.compact()
        return made

    def set_cameras(self, cameras: Iterable[CameraMarker]) -> None:
        """Replace every camera symbol (only the ones that changed are sent when none went)."""
        new = {c.id: c for c in cameras}
        if self._ready and self._cameras and new.keys() >= self._cameras.keys():
            self.update_cameras(new.values())
            self._flush_now()
            return
        self._cameras = new
        self._camera_upserts.clear()
        if self._ready:
            self._js("gridMap.setCameras", [c.compact() for c in self._cameras.values()])

    def update_cameras(self, upserts: Iterable[CameraMarker]) -> None:
        """Cameras that came, moved or went on- or offline: sent with the next flush."""
        for c in upserts:
            if self._cameras.get(c.id) != c:
                self._cameras[c.id] = c
                self._camera_upserts[c.id] = c
        self._schedule_flush()

    def mark_wall_cameras(self, camera_ids: Iterable[str]) -> None:
        """Number the cameras on the console's camera wall (tile order; "" for an empty tile)."""
        self._wall_cameras = list(camera_ids)
        if self._ready:
            self._js("gridMap.setWallCameras", self._wall_cameras)

    def show_cameras(self, shown: bool | None) -> None:
        """The camera layer on or off (None: on from ``CAMERA_ZOOM``, off at the overview)."""
        self._cameras_forced = shown
        if self._ready:
            self._js("gridMap.showCameras", shown)

    # ------------------------------------------------------------------ selection and view
    def select_grid(self, code: str | None) -> None:
        """Outline one unit grid, or one base grid by its id, in blue (None clears)."""
        if code is not None and code not in self._selectable:
            raise KeyError(f"no unit or base grid {code!r}")
        self._selected_grid = code
        if self._ready:
            self._js("gridMap.selectGrid", code)

    def select_case(self, no: str | None, reveal: bool = False) -> None:
        """Ring one case marker (or the cluster holding it) in blue; ``reveal`` zooms to it."""
        self._selected_case = no
        if self._ready:
            self._flush_now()  # the case may still be waiting in the next flush
            self._js("gridMap.selectCase", no, reveal)

    def fit_street(self, code: str) -> None:
        if code not in self._streets:
            raise KeyError(f"no street {code!r}")
        self._fit = ("street", code)
        if self._ready:
            self._js("gridMap.fitStreet", code)

    def fit_district(self) -> None:
        self._fit = ("district", None)
        if self._ready:
            self._js("gridMap.fitDistrict")

    def set_stale(self, stale: bool) -> None:
        """Dim the grids and the case symbols while the data is old (the link is STALE)."""
        self._stale = stale
        if self._ready:
            self._js("gridMap.setStale", stale)

    def set_layer_visible(self, layer: LayerName, visible: bool) -> None:
        """Show or hide the base-grid lines or the street outlines (with their names)."""
        if layer not in self._layers:
            raise KeyError(f"no toggleable layer {layer!r}")
        self._layers[layer] = visible
        if self._ready:
            self._js("gridMap.setLayerVisible", layer, visible)

    def layer_visible(self, layer: LayerName) -> bool:
        return self._layers[layer]

    # ------------------------------------------------------------------ reading the page back
    def read_page(self, expression: str, callback: Callable[[Any], None]) -> None:
        """Evaluate ``expression`` in the page and hand its JSON-decoded value to ``callback``.

        ``runJavaScript`` returns '' for objects, so the page stringifies; an expression that throws
        gives the callback a ``PageReadError``. Exceptions raised by ``callback`` are logged (PySide
        would swallow them silently).
        """
        script = (
            "JSON.stringify((function () { try { return {ok: true, value: (" + expression + ")}; }"
            " catch (e) { return {ok: false, error: String(e && e.stack || e)}; } })())"
        )

        def done(result: object) -> None:
            try:
                if not isinstance(result, str) or not result:
                    value: Any = PageReadError(f"no result for {expression!r}: {result!r}")
                else:
                    answer = json.loads(result)
                    value = answer.get("value") if answer.get("ok") else PageReadError(answer.get("error", "?"))
                if isinstance(value, PageReadError):
                    log.warning("grid map: reading %r failed: %s", expression, value)
                callback(value)
            except Exception:
                log.exception("grid map: the callback for %r raised", expression)

        self._page.runJavaScript(script, 0, done)

    # ------------------------------------------------------------------ internals
    def _on_cluster(self, text: str) -> None:
        """The page's list of a cluster's cases, checked before anyone sees it."""
        if len(text) > MAX_CLUSTER_CASES * 40:
            return
        try:
            nos = json.loads(text)
        except ValueError:
            return
        if not isinstance(nos, list) or len(nos) > MAX_CLUSTER_CASES:
            return
        held = frozenset(no for no in nos if isinstance(no, str) and no in self._cases)
        if held:
            self.cluster_clicked.emit(held)

    def _on_camera(self, camera_id: str) -> None:
        if camera_id in self._cameras:  # only a camera this map holds
            self.camera_clicked.emit(camera_id)

    def _on_point(self, text: str) -> None:
        """The page's [lon, lat], checked before anyone sees it."""
        if len(text) > 100:
            return
        try:
            point = json.loads(text)
        except ValueError:
            return
        if (
            isinstance(point, list) and len(point) == 2
            and all(isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in point)
            and -180 <= point[0] <= 180 and -90 <= point[1] <= 90
        ):  # fmt: skip
            self.point_picked.emit(float(point[0]), float(point[1]))

    def _js(self, function: str, *args: object) -> None:
        """Call a page function with JSON arguments (JSON is valid JavaScript)."""
        params = ", ".join(_JSON.encode(a).decode() for a in args)  # msgspec: ~3× json's speed
        self._page.runJavaScript(f"{function}({params});", 0)

    def _send_metric(self) -> None:
        b, base = self._binning, self._base_binning
        self._js(
            "gridMap.setMetric",
            {
                "name": self._metric_name,
                "title": self._legend_title,
                "edges": list(b.edges),
                "colors": list(b.colours),
                "labels": list(b.labels),
                "base": {"edges": list(base.edges), "colors": list(base.colours), "labels": list(base.labels)},
                "values": self._values,
            },
        )
        self._page_values = dict(self._values)

    def _schedule_flush(self) -> None:
        if not self._ready or self._flush_timer.isActive():
            return
        now = time.monotonic()
        since_ms = (now - self._last_flush) * 1000
        wait_ms = max(self._interval_ms - min(since_ms, self._interval_ms), (self._next_flush_at - now) * 1000)
        self._flush_timer.start(max(0, math.ceil(wait_ms)))

    def flush(self) -> None:
        """Send what is waiting now (in a storm: when its pacing allows). A caller that already
        throttles its repaints (the console's repainter) calls this after each paint, so a second
        throttle cannot add its own phase lag."""
        if time.monotonic() < self._next_flush_at:
            self._schedule_flush()
            return
        self._flush_now()

    def _flush_now(self) -> None:
        self._flush_timer.stop()
        self._flush()

    def _flush(self) -> None:
        if not self._ready:
            return
        values: dict[str, float] = {}
        for code in self._dirty:
            v = self._values.get(code, 0.0)
            if self._page_values.get(code, 0.0) != v:
                values[code] = v
        self._dirty.clear()
        upserts = [self._compact(c) for c in self._upserts.values()]
        removals = sorted(self._removals)
        self._upserts.clear()
        self._removals.clear()
        if self._camera_upserts:
            self._js("gridMap.updateCameras", [c.compact() for c in self._camera_upserts.values()])
            self._camera_upserts.clear()
        if not values and not upserts and not removals:
            return
        for code, v in values.items():
            if v == 0.0:
                self._page_values.pop(code, None)
            else:
                self._page_values[code] = v
        self._flush_id += 1
        self._last_flush = time.monotonic()
        storm = len(values) + len(upserts) + len(removals) > STORM_CHANGES
        self._next_flush_at = self._last_flush + STORM_INTERVAL_MS / 1000 if storm else -math.inf
        payload: dict[str, object] = {"id": self._flush_id, "values": values}
        if upserts or removals:
            payload["upserts"] = upserts
            payload["removals"] = removals
        self.flushes_sent += 1
        self.values_sent_total += len(values)
        self.last_flush_size = len(values)
        self.values_sent.emit(self._flush_id, tuple(values))
        self._js("gridMap.apply", payload)

    @Slot(str)
    def _on_page_ready(self, info: str) -> None:
        log.info("grid map page ready: %s", info)
        self._ready = True
        self._page_values = {}
        if self._metric_name:
            self._send_metric()
        self._filling = []
        self._js("gridMap.setCases", [self._compact(c) for c in self._cases.values()])
        self._js("gridMap.setCameras", [c.compact() for c in self._cameras.values()])
        self._camera_upserts.clear()
        if self._cameras_forced is not None:
            self._js("gridMap.showCameras", self._cameras_forced)
        if self._wall_cameras:
            self._js("gridMap.setWallCameras", self._wall_cameras)
        self._upserts.clear()
        self._removals.clear()
        self._dirty.clear()
        for layer, visible in self._layers.items():
            if not visible:
                self._js("gridMap.setLayerVisible", layer, False)
        if self._selected_grid is not None:
            self._js("gridMap.selectGrid", self._selected_grid)
        if self._selected_case is not None:
            self._js("gridMap.selectCase", self._selected_case, False)
        if self._fit[0] == "street":
            self._js("gridMap.fitStreet", self._fit[1])
        if self._stale:
            self._js("gridMap.setStale", True)
        self.page_loaded.emit()

    def _on_renderer_gone(self, status: QWebEnginePage.RenderProcessTerminationStatus, code: int) -> None:
        log.error("grid map: the page's renderer ended (%s, %d); reloading", status, code)
        self._ready = False
        self._flush_timer.stop()
        QTimer.singleShot(1000, self, self._reload)

    def _reload(self) -> None:
        self._page.load(self._page.home)
