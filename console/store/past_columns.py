"""What a checkpoint keeps of its cases derived: the case table's columns, beside their bodies.

Rebuilding a past instant from bodies alone decodes and derives every case its checkpoint holds:
at ten times the demo's rate (about 100,000 cases) that took seconds a jump (docs/performance.md).
So when the store takes a checkpoint it also keeps its cases derived, as the case table's columns
(``CaseTable.packed``), with the bodies of its other records; a jump loads those and derives only
the journal's rows after the checkpoint (``time_travel.situation_at``).

Derived columns depend on what derived them: the district, the working calendar and the rules.
Each set names its ``basis`` (a digest of those and of ``DERIVATION``, which is raised whenever
deriving changes what it makes of a body); columns of another basis are derived again from the
checkpoint's bodies. The blob is Zstandard-compressed msgpack (no pickle: a database may be shared).
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Mapping
from typing import Final

import msgspec
import zstandard

from console.core.case_table import PackedTable
from console.core.derived_cases import DerivedCases
from console.core.rules import Rules
from console.core.situation import Picture, Situation
from server_link.district import District
from server_link.workcal import WorkCalendar

DERIVATION: Final = 1  # raise it when ``case_state.derive`` makes something else of the same body
LEVEL: Final = 3


class PastColumns(msgspec.Struct, frozen=True):
    """A checkpoint's cases derived (its table), its other records' bodies, and the cases whose
    bodies could not be derived (by reason), for ``basis``."""

    basis: str
    table: PackedTable
    records: list[tuple[str, bytes]]
    rejects: dict[str, int]


_ENCODER: Final = msgspec.msgpack.Encoder()
_DECODER: Final = msgspec.msgpack.Decoder(PastColumns)


def basis_of(district: District, calendar: WorkCalendar, rules: Rules) -> str:
    """What a case's derived columns depend on, as a digest: the grids' and categories' fields that
    deriving reads, the working calendar, the rules, and ``DERIVATION``."""
    grids = sorted((g.code, g.base_grid, g.community) for g in district.unit_grids.values())
    categories = sorted((c.code, c.major, c.deadline_value, str(c.deadline_unit)) for c in district.categories.values())
    days = sorted(calendar.holidays), sorted(calendar.workdays)
    text = repr((DERIVATION, grids, categories, calendar.periods, days, rules))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def making_columns(
    state: Mapping[str, bytes], district: District, basis: str, derived: DerivedCases | None = None, step: int = 1000
) -> Generator[None, None, PastColumns]:
    """The derived columns of a checkpoint's map (with the default calendar and rules, as every past
    situation is derived), made ``step`` cases at a time: the generator yields between two steps
    and returns the columns (``columns_of`` makes them at once)."""
    sit = Situation.past_at(district, 0.0, as_of=None)
    if derived is not None:
        derived.bind(district, sit.calendar, sit.rules)
    picture = Picture(sit, {}, {})
    records = []
    for i, (key, body) in enumerate(state.items(), start=1):
        if not key.startswith("/case/"):
            records.append((key, body))
            continue
        if (case := sit.derived_state(key, body, derived)) is not None:
            picture.cases[key[6:]] = case
        if i % step == 0:
            yield
    table = picture.table()
    yield
    return PastColumns(basis, table.packed(), records, dict(sit.rejects))


def columns_of(
    state: Mapping[str, bytes], district: District, basis: str, derived: DerivedCases | None = None
) -> PastColumns:
    """``making_columns`` at once."""
    making = making_columns(state, district, basis, derived)
    while True:
        try:
            next(making)
        except StopIteration as made:
            columns: PastColumns = made.value
            return columns


def encode_columns(columns: PastColumns) -> bytes:
    return zstandard.ZstdCompressor(level=LEVEL).compress(_ENCODER.encode(columns))


def decode_columns(blob: bytes) -> PastColumns:
    """The columns a blob holds (``CaseTable.unpacked`` makes their table); ``ValueError`` for a
    damaged one."""
    try:
        return _DECODER.decode(zstandard.decompress(blob))
    except (zstandard.ZstdError, msgspec.DecodeError) as exc:
        raise ValueError(f"damaged checkpoint columns: {exc}") from exc
