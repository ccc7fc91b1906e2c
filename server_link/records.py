"""Typed records carried in CHP bodies, and their strict decoding.

Each record is a JSON object with ``"schema": <version>``. A body that fails any check is
rejected as a whole with a reason word (``RecordError.reason``) and never half-applied:

    oversize  body longer than ``MAX_BODY_BYTES``
    json      not valid JSON
    version   ``schema`` missing or not a version this build reads
    schema    a field missing, of the wrong type or out of range
    key       unknown key space, malformed path, or a key that disagrees with the record
"""

from __future__ import annotations

import enum
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Final, Literal, NoReturn

import msgspec
from msgspec import Meta, Struct

SCHEMA_VERSION: Final = 1
MAX_BODY_BYTES: Final = 256 * 1024
MAX_TIMELINE: Final = 500

# The instants the console computes with: every timestamp of a record MUST lie in
# [TIME_FROM, TIME_UNTIL) and carry an offset of at most MAX_OFFSET either way (docs/protocol.md §18).
# Dongcheng's grid system dates from 2004, so nothing real is older than TIME_FROM; a century ahead is
# beyond any deadline a backend sets, and the whole window plus the longest deadline stays far inside
# what datetime, POSIX float seconds (exact to the microsecond until 2255) and the working calendar
# compute. msgspec has no datetime ranges: the structs check these in ``__post_init__``, and the
# JSON Schema's pattern states the offset and a necessary range of the year for other implementations.
TIME_FROM: Final = datetime(2000, 1, 1, tzinfo=UTC)
TIME_UNTIL: Final = datetime(2100, 1, 1, tzinfo=UTC)
MAX_OFFSET: Final = timedelta(hours=14)
MAX_REPORTS: Final = 999_999
TIMESTAMP_PATTERN: Final = (
    r"^(1999|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?"
    r"([Zz]|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)$"
)
Timestamp = Annotated[
    datetime,
    Meta(
        tz=True,
        description=(
            "RFC 3339 with a UTC offset of at most ±14:00; the instant in [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)"
        ),
        extra_json_schema={"pattern": TIMESTAMP_PATTERN},
    ),
]
Text = Annotated[str, Meta(max_length=4000)]
ShortText = Annotated[str, Meta(max_length=200)]
# Identifiers are length-bounded here; their form is checked once, on the key path, where it is
# cheap (a regex per field would cost more than the rest of the decode on this hardware).
Ident = Annotated[str, Meta(min_length=1, max_length=64)]
CaseNo = Annotated[str, Meta(min_length=4, max_length=32)]
UnitGridCode = Annotated[str, Meta(min_length=15, max_length=15, extra_json_schema={"pattern": r"^110101[0-9]{9}$"})]
StreetCode = Annotated[str, Meta(min_length=9, max_length=9, extra_json_schema={"pattern": r"^110101[0-9]{3}$"})]
DeviceId = Annotated[str, Meta(min_length=20, max_length=20, extra_json_schema={"pattern": r"^[0-9]{20}$"})]
Lon = Annotated[float, Meta(ge=73.0, le=136.0)]
Lat = Annotated[float, Meta(ge=3.0, le=54.0)]
StreamUrl = Annotated[str, Meta(pattern=r"^(rtsp|rtsps|http|https)://[^\s/?#]+[^\s]*$", max_length=1000)]
Version = Literal[1]


class Step(enum.StrEnum):
    """The seven-step closed loop, in order."""

    COLLECTED = "COLLECTED"
    FILED = "FILED"
    DISPATCHED = "DISPATCHED"
    HANDLING = "HANDLING"
    FEEDBACK = "FEEDBACK"
    CLOSED = "CLOSED"
    EVALUATED = "EVALUATED"


class Loop(enum.StrEnum):
    SMALL = "small"  # street sub-center files and dispatches
    BIG = "big"  # district center files and dispatches


class Urgency(enum.StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class Action(enum.StrEnum):
    """What one timeline event did to a case."""

    COLLECT = "collect"
    FILE = "file"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    RETURN = "return"  # the department says it is not its business (退回)
    HANDLE = "handle"
    FEEDBACK = "feedback"
    VERIFY_PASS = "verify_pass"
    VERIFY_FAIL = "verify_fail"  # rework (返工)
    CLOSE = "close"
    CALLBACK = "callback"  # 回访 with satisfaction
    EVALUATE = "evaluate"
    ESCALATE = "escalate"  # small loop → big loop
    FLAG_HARD = "flag_hard"  # sent to the coordination council
    DECISION = "decision"  # a council decision applied


class DepartmentKind(enum.StrEnum):
    DISTRICT = "district"
    STREET = "street"
    UTILITY = "utility"
    ORGANISATION = "organisation"


class DecisionAction(enum.StrEnum):
    ASSIGN = "assign"  # dispatch to the named department, ending buck-passing
    REROUTE = "reroute"  # take back and dispatch elsewhere
    JOINT = "joint"  # lead department plus supporting ones
    CLOSE = "close"  # close as resolved or not actionable
    NOTE = "note"  # recorded, no change of route


class Event(Struct, frozen=True, kw_only=True, gc=False):
    """One entry of a case's timeline."""

    at: Timestamp
    step: Step
    action: Action
    dept: Ident | None = None
    actor: ShortText = ""
    note: Text = ""


class Case(Struct, frozen=True, kw_only=True, gc=False, tag="case", tag_field="kind"):
    """A case, whole, timeline included (key ``/case/<no>``)."""

    schema: Version
    no: CaseNo
    channel: Ident
    category: Ident
    title: ShortText
    text: Text = ""
    address: ShortText = ""
    lon: Lon
    lat: Lat
    unit_grid: UnitGridCode
    street: StreetCode
    step: Step
    loop: Loop
    dept: Ident | None = None
    urgency: Urgency = Urgency.NORMAL
    received_at: Timestamp
    step_at: Timestamp
    deadline: Timestamp | None = None
    escalated: bool = False
    hard: bool = False
    reports: Annotated[int, Meta(ge=1, le=MAX_REPORTS)] = 1
    satisfied: bool | None = None  # from the callback (回访)
    resolved: bool | None = None  # the reporter says it was solved (12345 解决率)
    timeline: Annotated[list[Event], Meta(max_length=MAX_TIMELINE)] = []

    def __post_init__(self) -> None:
        _check_code(self.unit_grid, "unit_grid")
        _check_code(self.street, "street")
        if not self.unit_grid.startswith(self.street):
            raise ValueError(f"unit_grid {self.unit_grid} is not in street {self.street}")
        # Hot (every case of every update): _in_window's fast test inlined, no call per timestamp
        # and no __post_init__ per event; anything it does not settle takes the exact path.
        offsets = _OFFSETS
        for at in (self.received_at, self.step_at, self.deadline):
            if not (at is None or (at.tzinfo in offsets and 2000 < at.year < 2099) or _in_window_exactly(at)):
                _time_error(self)
        for event in self.timeline:
            at = event.at
            if not ((at.tzinfo in offsets and 2000 < at.year < 2099) or _in_window_exactly(at)):
                _time_error(self)


class Camera(Struct, frozen=True, kw_only=True, gc=False, tag="camera", tag_field="kind"):
    """A public camera point (key ``/camera/<device-id>``)."""

    schema: Version
    id: DeviceId
    name: ShortText
    lon: Lon
    lat: Lat
    unit_grid: UnitGridCode | None = None
    url: StreamUrl
    online: bool = True

    def __post_init__(self) -> None:
        if not (self.id.isascii() and self.id.isdigit()):
            raise ValueError(f"device id {self.id!r} is not 20 digits")
        if self.unit_grid is not None:
            _check_code(self.unit_grid, "unit_grid")


class Department(Struct, frozen=True, kw_only=True, gc=False, tag="department", tag_field="kind"):
    """A department that handles cases (key ``/department/<id>``)."""

    schema: Version
    id: Ident
    name: ShortText
    type: DepartmentKind
    council_member: bool = False
    street: StreetCode | None = None
    categories: Annotated[list[Ident], Meta(max_length=2000)] = []


class Street(Struct, frozen=True, kw_only=True, gc=False, tag="street", tag_field="kind"):
    """A street (街道) and its escalation limit (key ``/street/<code>``)."""

    schema: Version
    code: StreetCode
    name: ShortText
    area_km2: Annotated[float, Meta(gt=0)]
    escalation_limit: Annotated[float, Meta(ge=0, le=1)]

    def __post_init__(self) -> None:
        _check_code(self.code, "code")


class Decision(Struct, frozen=True, kw_only=True, gc=False, tag="decision", tag_field="kind"):
    """A coordination-council decision on a case (key ``/decision/<case-no>/<n>``)."""

    schema: Version
    case_no: CaseNo
    n: Annotated[int, Meta(ge=1, le=999_999)]
    decided_at: Timestamp
    action: DecisionAction
    dept: Ident | None = None
    supporting: Annotated[list[Ident], Meta(max_length=20)] = []
    deadline: Timestamp | None = None  # since 1.6: the new deadline the council set, if it set one
    note: Text = ""
    by: ShortText
    role: Ident

    def __post_init__(self) -> None:
        if not _in_window(self.decided_at) or (self.deadline is not None and not _in_window(self.deadline)):
            _time_error(self)


AlarmRule = Annotated[str, Meta(min_length=1, max_length=32, extra_json_schema={"pattern": r"^[a-z][a-z_]{0,31}$"})]
AlarmSubject = Annotated[
    str, Meta(min_length=1, max_length=64, extra_json_schema={"pattern": r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"})
]


class AlarmHandling(Struct, frozen=True, kw_only=True, gc=False, tag="alarm", tag_field="kind"):
    """What operators did with one duty alarm (key ``/alarm/<rule>/<subject>``), shared by every console.

    Each console evaluates the alarms itself; this record carries only the operators' part, whole
    (the newest ``changed_at`` wins): the acknowledgement (which counts for the activation under
    way at ``acknowledged_at``), the shelving, out of service, and a comment."""

    schema: Version
    rule: AlarmRule
    subject: AlarmSubject
    acknowledged_at: Timestamp | None = None
    acknowledged_by: ShortText = ""
    shelved_until: Timestamp | None = None
    shelved_by: ShortText = ""
    shelve_reason: ShortText = ""
    out_of_service_by: ShortText = ""
    comment: Text = ""
    comment_by: ShortText = ""
    changed_at: Timestamp
    by: ShortText
    role: Ident

    def __post_init__(self) -> None:
        for at in (self.acknowledged_at, self.shelved_until, self.changed_at):
            if at is not None and not _in_window(at):
                _time_error(self)


WallId = Annotated[str, Meta(min_length=1, max_length=32, extra_json_schema={"pattern": r"^[a-z0-9][a-z0-9-]{0,31}$"})]
WALL_TILES: Final = (1, 4, 9, 16)


class ShowRequest(Struct, frozen=True, kw_only=True, gc=False, tag="show", tag_field="kind"):
    """What a wall's camera panel is asked to show (key ``/show/<wall>``): the newest request addressed
    to a wall replaces the one before, so the record is what that wall shows. ``cameras`` fill its
    tiles in order; ``case_no`` names the case they were chosen for, if any; ``tiles`` asks for a
    layout (1, 4, 9 or 16 tiles), or leaves the wall's own."""

    schema: Version
    wall: WallId
    cameras: Annotated[list[DeviceId], Meta(min_length=1, max_length=16)]
    case_no: CaseNo | None = None
    tiles: Literal[1, 4, 9, 16] | None = None
    requested_at: Timestamp
    console: Ident
    by: ShortText
    role: Ident

    def __post_init__(self) -> None:
        if not _in_window(self.requested_at):
            _time_error(self)
        for device in self.cameras:
            if not (device.isascii() and device.isdigit()):
                raise ValueError(f"device id {device!r} is not 20 digits")


class AgendaItem(Struct, frozen=True, kw_only=True, gc=False, tag="agenda", tag_field="kind"):
    """A case on (or taken off) the coordination council's agenda (key ``/agenda/<case-no>``), since 1.7.

    The agenda every console shows is the cases its rules gather plus those ``listed`` here, less
    those not ``listed`` here, in ``rank`` order (items without a record after those with one). The
    newest ``changed_at`` wins; a commander's console may only list a case, the council's may also
    move and remove it."""

    schema: Version
    case_no: CaseNo
    listed: bool
    rank: Annotated[float, Meta(ge=-1e9, le=1e9)] | None = None  # None: where the rules' order puts it
    reason: ShortText = ""
    changed_at: Timestamp
    by: ShortText
    role: Ident

    def __post_init__(self) -> None:
        if not _in_window(self.changed_at):
            _time_error(self)


class Presentation(Struct, frozen=True, kw_only=True, gc=False, tag="present", tag_field="kind"):
    """The case a council room's wall shows (key ``/present/<room>``), since 1.7: the console that
    drives the meeting writes it, every other council console of the room follows it."""

    schema: Version
    room: WallId
    case_no: CaseNo | None = None
    presented_at: Timestamp
    console: Ident
    by: ShortText
    role: Ident

    def __post_init__(self) -> None:
        if not _in_window(self.presented_at):
            _time_error(self)


CommandUuid = Annotated[str, Meta(min_length=32, max_length=32, extra_json_schema={"pattern": r"^[0-9a-f]{32}$"})]


class Refusal(Struct, frozen=True, kw_only=True, gc=False, tag="refusal", tag_field="kind"):
    """A console's command the server refused (key ``/refusal/<uuid>``), since 1.7: published by the
    server, never by a console, for a KVSET that carried a 16-byte UUID, so that the console which
    sent it can say why; it expires after ten minutes. ``key`` and ``role`` are as the command gave
    them (untrusted text)."""

    schema: Version
    uuid: CommandUuid
    key: Annotated[str, Meta(max_length=255)]
    reason: Annotated[str, Meta(min_length=1, max_length=32)]
    detail: ShortText = ""
    role: Annotated[str, Meta(max_length=64)] = ""
    refused_at: Timestamp

    def __post_init__(self) -> None:
        if not _in_window(self.refused_at):
            _time_error(self)
        if not (self.uuid.isascii() and all(c in "0123456789abcdef" for c in self.uuid)):
            raise ValueError(f"uuid {self.uuid!r} is not 32 lower-case hex digits")


class ServerMeta(Struct, frozen=True, kw_only=True, gc=False, tag="meta", tag_field="kind"):
    """What the backend says about itself (key ``/meta/<name>``)."""

    schema: Version
    name: Ident
    district: Annotated[str, Meta(min_length=6, max_length=12)]
    clock: Timestamp
    speed: Annotated[float, Meta(gt=0)] = 1.0
    simulated: bool = False

    def __post_init__(self) -> None:
        if not _in_window(self.clock):
            _time_error(self)


# Every offset a timestamp may carry, as the timezone objects msgspec decodes to (equal by offset).
_OFFSETS: Final = frozenset(timezone(timedelta(minutes=m)) for m in range(-14 * 60, 14 * 60 + 1))


def _in_window(at: datetime, offsets: frozenset[timezone] = _OFFSETS) -> bool:
    """Whether ``at`` has an offset within ±14:00 and lies in [TIME_FROM, TIME_UNTIL).

    Hot (every timestamp of every record): a set lookup and the year as written, which settle it
    for years 2001..2098 at any offset within ±14:00; the rest takes the exact path.
    """
    return (at.tzinfo in offsets and 2000 < at.year < 2099) or _in_window_exactly(at)


def _in_window_exactly(at: datetime) -> bool:
    offset = at.utcoffset()  # a tzinfo of another class (records built in Python), or none
    return offset is not None and abs(offset) <= MAX_OFFSET and TIME_FROM <= at < TIME_UNTIL


def _time_error(
    record: Case | Decision | AlarmHandling | ShowRequest | AgendaItem | Presentation | Refusal | ServerMeta,
) -> NoReturn:
    """Raise for the first timestamp of ``record`` outside the window (msgspec reports it as a schema fault)."""
    stamps: list[tuple[str, datetime | None]] = []
    match record:
        case Case():
            stamps += [("received_at", record.received_at), ("step_at", record.step_at), ("deadline", record.deadline)]
            stamps += [(f"timeline[{i}].at", e.at) for i, e in enumerate(record.timeline)]
        case Decision():
            stamps += [("decided_at", record.decided_at), ("deadline", record.deadline)]
        case AlarmHandling():
            stamps += [("acknowledged_at", record.acknowledged_at), ("shelved_until", record.shelved_until)]
            stamps.append(("changed_at", record.changed_at))
        case ShowRequest():
            stamps.append(("requested_at", record.requested_at))
        case AgendaItem():
            stamps.append(("changed_at", record.changed_at))
        case Presentation():
            stamps.append(("presented_at", record.presented_at))
        case Refusal():
            stamps.append(("refused_at", record.refused_at))
        case ServerMeta():
            stamps.append(("clock", record.clock))
    field, at = next(((f, at) for f, at in stamps if at is not None and not _in_window(at)), ("?", None))
    raise ValueError(
        f"{field} {at.isoformat() if at else '?'} is outside [2000-01-01T00:00:00Z, 2100-01-01T00:00:00Z)"
        " or its offset is beyond ±14:00"
    )


def _check_code(code: str, field: str) -> None:
    """District codes: digits, starting with Dongcheng's 110101 (length is checked by the type)."""
    if not (code.isascii() and code.isdigit() and code.startswith("110101")):
        raise ValueError(f"{field} {code!r} is not a Dongcheng code (110101 + digits)")


Record = (
    Case | Camera | Department | Street | Decision | AlarmHandling | ShowRequest | AgendaItem | Presentation
    | Refusal | ServerMeta
)  # fmt: skip
RECORD_TYPES: Final[tuple[type[Struct], ...]] = (
    Case, Camera, Department, Street, Decision, AlarmHandling, ShowRequest, AgendaItem, Presentation, Refusal,
    ServerMeta,
)  # fmt: skip

_KEY = re.compile(
    r"^/(?:(?P<case>case)/[A-Za-z0-9][A-Za-z0-9_-]{3,31}"
    r"|(?P<camera>camera)/\d{20}"
    r"|(?P<department>department)/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
    r"|(?P<street>street)/110101\d{3}"
    r"|(?P<decision>decision)/[A-Za-z0-9][A-Za-z0-9_-]{3,31}/[1-9]\d{0,5}"
    r"|(?P<alarm>alarm)/[a-z][a-z_]{0,31}/[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}"
    r"|(?P<show>show)/[a-z0-9][a-z0-9-]{0,31}"
    r"|(?P<agenda>agenda)/[A-Za-z0-9][A-Za-z0-9_-]{3,31}"
    r"|(?P<present>present)/[a-z0-9][a-z0-9-]{0,31}"
    r"|(?P<refusal>refusal)/[0-9a-f]{32}"
    r"|(?P<meta>meta)/[A-Za-z0-9][A-Za-z0-9_.-]{0,63})\Z",
    re.ASCII,
)
# One decoder over the tagged union: the "kind" member is required and picks the type.
_DECODER: Final[msgspec.json.Decoder[Record]] = msgspec.json.Decoder(Record)
_KIND: Final = {t: str(t.__struct_config__.tag) for t in RECORD_TYPES}


class _VersionProbe(Struct):
    """Read only when a body failed: was it a schema version this build does not know?"""

    schema: object = None


_ENCODER: Final = msgspec.json.Encoder()


class RecordError(ValueError):
    """A body rejected with a reason word (see the module docstring)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def key_of(record: Record) -> str:
    """The CHP path a record lives at."""
    match record:
        case Case():
            return f"/case/{record.no}"
        case Camera():
            return f"/camera/{record.id}"
        case Department():
            return f"/department/{record.id}"
        case Street():
            return f"/street/{record.code}"
        case Decision():
            return f"/decision/{record.case_no}/{record.n}"
        case AlarmHandling():
            return f"/alarm/{record.rule}/{record.subject}"
        case ShowRequest():
            return f"/show/{record.wall}"
        case AgendaItem():
            return f"/agenda/{record.case_no}"
        case Presentation():
            return f"/present/{record.room}"
        case Refusal():
            return f"/refusal/{record.uuid}"
        case ServerMeta():
            return f"/meta/{record.name}"
    raise TypeError(f"not a record: {type(record).__name__}")


def is_key(key: str) -> bool:
    """Whether ``key`` is a well-formed path in our key space."""
    return _KEY.match(key) is not None


def encode(record: Record) -> bytes:
    return _ENCODER.encode(record)


def decode(key: str, body: bytes) -> Record:
    """Decode and validate the body stored at ``key``; raise ``RecordError`` on any fault."""
    m = _KEY.match(key)
    if m is None:
        raise RecordError("key", f"{key[:80]!r} is not a known key path")
    if len(body) > MAX_BODY_BYTES:
        raise RecordError("oversize", f"{len(body)} bytes, limit {MAX_BODY_BYTES}")
    try:
        record = _DECODER.decode(body)
    except msgspec.ValidationError as exc:
        raise RecordError(_version_or_schema(body), str(exc)) from None
    except msgspec.DecodeError as exc:
        raise RecordError("json", str(exc)) from None
    except RecursionError:
        raise RecordError("json", "nested too deeply to decode") from None
    except Exception as exc:  # noqa: BLE001 - whatever a decoder raises is a bad body, never a dead thread
        raise RecordError("json", f"{type(exc).__name__}: {exc}") from None
    if _KIND[type(record)] != m.lastgroup:
        raise RecordError("key", f"a {_KIND[type(record)]} record cannot live at {key!r}")
    if key_of(record) != key:
        raise RecordError("key", f"record belongs at {key_of(record)!r}, not {key!r}")
    return record


def _version_or_schema(body: bytes) -> str:
    try:
        probe = msgspec.json.decode(body, type=_VersionProbe)
    except Exception:  # noqa: BLE001 - only a guess at the reason; the body is rejected either way
        return "schema"
    return "version" if probe.schema != SCHEMA_VERSION else "schema"


def json_schemas() -> dict[str, object]:
    """JSON Schema components for the records, keyed by struct name (with their enums and Event)."""
    _, components = msgspec.json.schema_components(RECORD_TYPES)
    return dict(components)
