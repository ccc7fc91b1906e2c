"""The hand-written catalogue of the district build, read from ``resources/district/source/catalogue.json``.

The public sources give the outline and the administrative codes; everything a person had to write
down -- street names, pinyin and official areas, landmark anchors, busy places, main roads, the grid
vocabularies, the departments, the case taxonomy with its deadlines and the intake channels -- lives
in that file. Decoding checks its shape (msgspec, unknown fields refused); ``load_catalogue`` then
checks that its tables agree with each other.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal, get_args

import msgspec
from msgspec import Meta, Struct

CATALOGUE_SCHEMA: Final = 1
# Deadline shorthand: a positive count and a unit (wh working hours, wd working days, h hours, d days).
DEADLINE_PATTERN: Final = r"^[1-9][0-9]*(wh|wd|h|d)$"
DEADLINE_UNITS: Final = {"wh": "working_hours", "wd": "working_days", "h": "hours", "d": "days"}
STREET_HANDLER: Final = "street"  # a handler token meaning every street office, in its own street
# The ids (and their order) that the consumers of the data and the build's draw of grid types and levels
# (grids.classify_grids) are written for; the catalogue gives their names and weights.
GRID_TYPE_IDS: Final = ("residential", "commercial", "enterprise_institution", "crowded_place")
MANAGEMENT_LEVEL_IDS: Final = ("daily", "general_prevention", "key_attention", "comprehensive_governance")

Name = Annotated[str, Meta(min_length=1)]
DepartmentId = Annotated[str, Meta(pattern=r"^[a-z]+(-[a-z0-9]+)+$")]
Handler = Annotated[str, Meta(pattern=r"^(street|[a-z]+(-[a-z0-9]+)+)$")]
Deadline = Annotated[str, Meta(pattern=DEADLINE_PATTERN)]
Weight = Annotated[float, Meta(ge=0.0)]
Urgency = Literal["normal", "urgent", "emergency"]
URGENCIES: Final[tuple[str, ...]] = get_args(Urgency)
LonLat = tuple[float, float]


class Street(Struct, frozen=True, forbid_unknown_fields=True):
    """One of the 17 streets, in the order of the statistical codes 110101001...017."""

    short_name: Name
    pinyin: Annotated[str, Meta(pattern=r"^[A-Z][a-z]+$")]
    official_area_km2: Annotated[float, Meta(gt=0.0)]


class LandmarkSite(Struct, frozen=True, forbid_unknown_fields=True):
    """An extra power-diagram site for a landmark whose street is certain but that the source does
    not locate (the Temple of Heaven park in 天坛, the Palace Museum in 东华门)."""

    name: Name
    street: Name  # a street's short name
    lon: float
    lat: float


class Hotspot(Struct, frozen=True, forbid_unknown_fields=True):
    """A busy place that raises nearby grid types, levels and camera density (rough WGS84 point)."""

    name: Name
    lon: float
    lat: float
    commercial: Weight
    crowd: Weight
    institution: Weight


class MainRoad(Struct, frozen=True, forbid_unknown_fields=True):
    """An approximate WGS84 polyline of a main road (cameras are denser along it)."""

    name: Name
    line: Annotated[tuple[LonLat, ...], Meta(min_length=2)]


class GridType(Struct, frozen=True, forbid_unknown_fields=True):
    """A unit-grid type with the base weights of the management levels for grids of that type."""

    id: Name
    name: Name
    level_weights: dict[str, Weight]


class ManagementLevel(Struct, frozen=True, forbid_unknown_fields=True):
    """A management level of a unit grid."""

    id: Name
    name: Name


class Channel(Struct, frozen=True, forbid_unknown_fields=True):
    """An intake channel through which cases reach the center."""

    id: Annotated[str, Meta(pattern=r"^ch-[a-z0-9-]+$")]
    name: Name
    name_en: Name
    public: bool
    medium: Literal["phone", "online", "media", "document", "radio", "field_terminal"]


class Department(Struct, frozen=True, forbid_unknown_fields=True):
    """A department other than the street offices (those follow from the streets)."""

    id: DepartmentId
    kind: Literal["district", "utility", "organisation"]
    name: Name
    full_name: Name
    name_en: Name
    council_member: bool = False


class Category(Struct, frozen=True, forbid_unknown_fields=True):
    """A taxonomy node: an inner node has children, a leaf a deadline (and an urgency).

    ``handlers`` are department ids (or ``street``: every street office); a node without them inherits
    its parent's.
    """

    name: Name
    name_en: Name
    handlers: tuple[Handler, ...] = ()
    children: tuple[Category, ...] = ()
    deadline: Deadline | None = None
    urgency: Urgency | None = None  # a leaf without one is "normal"

    def __post_init__(self) -> None:
        if self.children and (self.deadline is not None or self.urgency is not None):
            raise ValueError(f"category {self.name!r} has children and a deadline or urgency")
        if not self.children and self.deadline is None:
            raise ValueError(f"leaf category {self.name!r} has no deadline")

    @property
    def is_leaf(self) -> bool:
        return not self.children


class Taxonomy(Struct, frozen=True, forbid_unknown_fields=True):
    """The major categories of the three domains (codes C, E and S)."""

    component: tuple[Category, ...]
    event: tuple[Category, ...]
    social: tuple[Category, ...]


class Catalogue(Struct, frozen=True, forbid_unknown_fields=True):
    """The whole hand-written catalogue (``catalogue.json``)."""

    schema: Literal[1]
    about: str
    streets: tuple[Street, ...]
    landmark_sites: tuple[LandmarkSite, ...]
    hotspots: tuple[Hotspot, ...]
    main_roads: tuple[MainRoad, ...]
    grid_types: tuple[GridType, ...]
    management_levels: tuple[ManagementLevel, ...]
    camera_features: tuple[Name, ...]
    channels: tuple[Channel, ...]
    departments: tuple[Department, ...]
    taxonomy: Taxonomy

    def street_index(self, short_name: str) -> int:
        """0-based index of the street called ``short_name``."""
        for index, street in enumerate(self.streets):
            if street.short_name == short_name:
                return index
        raise ValueError(f"no street called {short_name!r}")

    def grid_type_names(self) -> dict[str, str]:
        """Grid type id -> Chinese name, in catalogue order."""
        return {t.id: t.name for t in self.grid_types}

    def level_names(self) -> dict[str, str]:
        """Management level id -> Chinese name, in catalogue order."""
        return {level.id: level.name for level in self.management_levels}

    def level_weights(self, grid_type: str) -> tuple[float, ...]:
        """Base weights of the management levels (in level order) for a grid type."""
        weights = next(t.level_weights for t in self.grid_types if t.id == grid_type)
        return tuple(weights[level.id] for level in self.management_levels)


def default_catalogue_path() -> Path:
    """``resources/district/source/catalogue.json`` of the installed package."""
    return Path(str(resources.files("resources.district") / "source" / "catalogue.json"))


def parse_deadline(spec: str) -> tuple[int, str]:
    """'2wh' -> (2, 'working_hours')."""
    match = re.fullmatch(DEADLINE_PATTERN, spec)
    if not match:
        raise ValueError(f"bad deadline {spec!r}")
    return int(spec[: match.start(1)]), DEADLINE_UNITS[match.group(1)]


def decode_catalogue(data: bytes | str) -> Catalogue:
    """Decode and check a catalogue; ValueError gives msgspec's first error or every cross-table problem."""
    try:
        catalogue = msgspec.json.decode(data, type=Catalogue)
    except msgspec.ValidationError as exc:
        raise ValueError(f"catalogue: {exc}") from exc
    problems = check_catalogue(catalogue)
    if problems:
        raise ValueError("catalogue: " + "; ".join(problems))
    return catalogue


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and check the catalogue file (default: the packaged one)."""
    path = path or default_catalogue_path()
    return decode_catalogue(path.read_bytes())


def leaves(nodes: tuple[Category, ...]) -> list[Category]:
    """Every leaf below ``nodes``, depth first."""
    out: list[Category] = []
    for node in nodes:
        out.extend(leaves(node.children) if node.children else [node])
    return out


def check_catalogue(c: Catalogue) -> list[str]:
    """Cross-table problems: duplicate ids, unknown references, incomplete vocabularies."""
    problems: list[str] = []

    def unique(what: str, keys: list[str]) -> None:
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                problems.append(f"duplicate {what} {key!r}")
            seen.add(key)

    unique("street", [s.short_name for s in c.streets])
    unique("street pinyin", [s.pinyin.lower() for s in c.streets])
    unique("grid type", [t.id for t in c.grid_types])
    unique("management level", [level.id for level in c.management_levels])
    unique("channel", [ch.id for ch in c.channels])
    unique("department", [d.id for d in c.departments])
    streets = {s.short_name for s in c.streets}
    problems += [
        f"landmark {s.name!r} names unknown street {s.street!r}" for s in c.landmark_sites if s.street not in streets
    ]
    if tuple(t.id for t in c.grid_types) != GRID_TYPE_IDS:
        problems.append(f"grid types must be {list(GRID_TYPE_IDS)} in this order")
    if tuple(level.id for level in c.management_levels) != MANAGEMENT_LEVEL_IDS:
        problems.append(f"management levels must be {list(MANAGEMENT_LEVEL_IDS)} in this order")
    levels = {level.id for level in c.management_levels}
    for grid_type in c.grid_types:
        if set(grid_type.level_weights) != levels:
            problems.append(f"grid type {grid_type.id!r}: level_weights must name exactly {sorted(levels)}")
        elif sum(grid_type.level_weights.values()) <= 0:
            problems.append(f"grid type {grid_type.id!r}: level weights sum to zero")
    if not c.camera_features:
        problems.append("no camera features")
    known = {d.id for d in c.departments} | {STREET_HANDLER}
    problems += [_check_handlers(major, (), known) for domain in _domains(c) for major in domain]
    return [p for p in problems if p]


def _domains(c: Catalogue) -> tuple[tuple[Category, ...], ...]:
    return c.taxonomy.component, c.taxonomy.event, c.taxonomy.social


def _check_handlers(node: Category, inherited: tuple[str, ...], known: set[str]) -> str:
    """The first handler problem below ``node``: an unknown department, or a leaf with none."""
    unknown = [h for h in node.handlers if h not in known]
    if unknown:
        return f"category {node.name!r} names unknown departments {unknown}"
    handlers = node.handlers or inherited
    if node.is_leaf:
        return "" if handlers else f"leaf category {node.name!r} has no handling department"
    for child in node.children:
        problem = _check_handlers(child, handlers, known)
        if problem:
            return problem
    return ""
