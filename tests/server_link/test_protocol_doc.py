"""docs/protocol.md: its generated JSON Schemas are current and agree with the record structs.

No Qt, no network: the document, ``server_link.schema_doc`` and ``server_link.records`` only.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any, cast

import jsonschema
import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server_link import records as r
from server_link import schema_doc
from server_link.feed import ScriptedFeed

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
BEIJING = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 27, 9, 30, tzinfo=BEIJING)
_BLOCK = re.compile(r"^#### Kind `(?P<kind>\w+)` \(struct `\w+`\)\n\n```json\n(?P<body>.*?)\n```$", re.M | re.S)

Json = dict[str, Any]


def _sample_records() -> dict[str, r.Record]:
    """One real record of each kind, with optional fields filled in where it matters."""
    case = r.Case(
        schema=1,
        no="DC2026112700017",
        channel="12345",
        category="c.01.01.01",
        title="井盖破损",
        text="市民反映：人行道井盖破损。",
        address="东城区东华门大街 12 号",
        lon=116.4012,
        lat=39.9142,
        unit_grid="110101001001001",
        street="110101001",
        step=r.Step.DISPATCHED,
        loop=r.Loop.BIG,
        dept="housing-bureau",
        urgency=r.Urgency.URGENT,
        received_at=T0,
        step_at=T0 + timedelta(minutes=20),
        deadline=(T0 + timedelta(days=1)).astimezone(UTC),
        escalated=True,
        reports=3,
        satisfied=None,
        timeline=[
            r.Event(at=T0, step=r.Step.COLLECTED, action=r.Action.COLLECT, actor="网格员"),
            r.Event(at=T0 + timedelta(minutes=5), step=r.Step.FILED, action=r.Action.FILE),
            r.Event(
                at=T0 + timedelta(minutes=20),
                step=r.Step.DISPATCHED,
                action=r.Action.DISPATCH,
                dept="housing-bureau",
                note="派遣至房管局",
            ),
        ],
    )
    return {
        "case": case,
        "camera": r.Camera(
            schema=1,
            id="11010100001320000001",
            name="东华门大街路口",
            lon=116.4012,
            lat=39.9142,
            unit_grid="110101001001001",
            url="rtsp://10.12.3.4/live/ch1",
        ),
        "department": r.Department(
            schema=1,
            id="housing-bureau",
            name="区房管局",
            type=r.DepartmentKind.DISTRICT,
            council_member=True,
            categories=["c.01.01.01", "c.01.02"],
        ),
        "street": r.Street(schema=1, code="110101001", name="东华门", area_km2=5.35, escalation_limit=0.15),
        "decision": r.Decision(
            schema=1,
            case_no="DC2026112700017",
            n=1,
            decided_at=T0 + timedelta(hours=1),
            action=r.DecisionAction.JOINT,
            dept="housing-bureau",
            supporting=["dongcheng-water"],
            note="房管局牵头，水务配合",
            by="王主任",
            role="commander",
        ),
        "alarm": r.AlarmHandling(
            schema=1,
            rule="grid_red",
            subject="110101001001001",
            acknowledged_at=T0 + timedelta(minutes=3),
            acknowledged_by="李值班",
            shelved_until=T0 + timedelta(hours=2),
            shelved_by="李值班",
            shelve_reason="施工占道，已报街道",
            changed_at=T0 + timedelta(minutes=4),
            by="李值班",
            role="commander",
        ),
        "show": r.ShowRequest(
            schema=1,
            wall="wall-1",
            cameras=["11010100001320000001", "11010100001320000002"],
            case_no="DC2026112700017",
            tiles=4,
            requested_at=T0 + timedelta(minutes=6),
            console="desk-2",
            by="李值班",
            role="commander",
        ),
        "agenda": r.AgendaItem(
            schema=1, case_no="DC2026112700017", listed=True, rank=3.5, reason="两部门互相推诿",
            changed_at=T0 + timedelta(minutes=7), by="李值班", role="commander",
        ),
        "present": r.Presentation(
            schema=1, room="council-1", case_no="DC2026112700017", presented_at=T0 + timedelta(minutes=8),
            console="council-desk", by="张主任", role="council",
        ),
        "refusal": r.Refusal(
            schema=1, uuid="0f" * 16, key="/decision/DC2026112700017/2", reason="role",
            detail="the leader role sends no commands", role="leader", refused_at=T0 + timedelta(minutes=9),
        ),
        "meta": r.ServerMeta(schema=1, name="backend", district="110101", clock=T0, speed=60.0, simulated=True),
    }  # fmt: skip


SAMPLES = _sample_records()


def _instance(record: r.Record) -> Json:
    """What travels on the wire, parsed back: ``records.encode`` then ``json.loads``."""
    value = json.loads(r.encode(record))
    assert isinstance(value, dict)
    return value


def _doc_schemas() -> dict[str, Json]:
    section = schema_doc.extract_section(DOC.read_text(encoding="utf-8"))
    found: dict[str, Json] = {}
    for m in _BLOCK.finditer(section):
        assert m["kind"] not in found, f"two schema blocks for kind {m['kind']}"
        found[m["kind"]] = json.loads(m["body"])
    return found


DOC_SCHEMAS = _doc_schemas()


def _rfc3339_with_offset(value: object) -> bool:
    """``format: date-time`` as §18 means it (jsonschema checks it only with an optional package)."""
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value
    ):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


_FORMATS = jsonschema.FormatChecker()
_FORMATS.checks("date-time")(_rfc3339_with_offset)


def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = DOC_SCHEMAS[kind]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=_FORMATS)


# ------------------------------------------------------------------ the section is current


def test_generated_section_in_the_document_is_current() -> None:
    in_doc = schema_doc.extract_section(DOC.read_text(encoding="utf-8"))
    fresh = schema_doc.render_section()
    assert in_doc == fresh, "run: python -m server_link.schema_doc --write docs/protocol.md"


def test_check_fails_on_a_stale_section_and_write_repairs_it(tmp_path: Path) -> None:
    original = DOC.read_text(encoding="utf-8")
    stale = original.replace('"maximum": 136.0', '"maximum": 137.0', 1)
    assert stale != original
    doc = tmp_path / "protocol.md"
    doc.write_text(stale, encoding="utf-8")
    assert schema_doc.main(["--check", str(doc)]) == 1
    assert schema_doc.main(["--write", str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == original  # only the section changed, back to current
    assert schema_doc.main(["--check", str(doc)]) == 0


def test_check_refuses_a_document_without_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "protocol.md"
    doc.write_text("# no schemas here\n", encoding="utf-8")
    assert schema_doc.main(["--check", str(doc)]) == 2
    doc.write_text(f"{schema_doc.BEGIN}\n{schema_doc.END}\n{schema_doc.END}\n", encoding="utf-8")
    assert schema_doc.main(["--check", str(doc)]) == 2


def test_rendering_is_deterministic_and_canonical() -> None:
    assert schema_doc.render_section() == schema_doc.render_section()
    section = schema_doc.render_section()
    assert section.startswith(schema_doc.BEGIN + "\n") and section.endswith("\n" + schema_doc.END)
    for m in _BLOCK.finditer(section):
        assert m["body"] == json.dumps(json.loads(m["body"]), sort_keys=True, indent=2, ensure_ascii=False)


def test_one_schema_per_record_kind() -> None:
    kinds = {r.key_of(rec).split("/")[1] for rec in SAMPLES.values()}
    assert set(DOC_SCHEMAS) == set(SAMPLES) == kinds
    assert len(DOC_SCHEMAS) == len(r.RECORD_TYPES)
    for kind, schema in DOC_SCHEMAS.items():
        assert schema["properties"]["kind"] == {"enum": [kind]}
        assert schema["properties"]["schema"] == {"enum": [r.SCHEMA_VERSION]}
        assert {"kind", "schema"} <= set(schema["required"])


# ------------------------------------------------------------------ schemas accept real records


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_schema_accepts_an_encoded_record_of_its_kind(kind: str) -> None:
    record = SAMPLES[kind]
    body = r.encode(record)
    assert r.decode(r.key_of(record), body) == record  # a genuinely valid record
    _validator(kind).validate(json.loads(body))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_schema_accepts_the_record_with_defaults_omitted(kind: str) -> None:
    instance = _instance(SAMPLES[kind])
    required = set(DOC_SCHEMAS[kind]["required"])
    minimal = {k: v for k, v in instance.items() if k in required}
    _validator(kind).validate(minimal)
    r.decode(r.key_of(SAMPLES[kind]), json.dumps(minimal).encode())


def test_case_schema_accepts_a_stream_of_scripted_cases() -> None:
    feed = ScriptedFeed(cases=50, seed=11)
    validator = _validator("case")
    for key, body in islice(feed.updates(), 300):
        assert key.startswith("/case/")
        validator.validate(json.loads(body))
    street = _validator("street")
    for _, body in feed.reference():
        street.validate(json.loads(body))


# ------------------------------------------------------------------ schemas reject wrong instances


def _set(field: str, value: object) -> Callable[[Json], None]:
    def mutate(obj: Json) -> None:
        obj[field] = value

    return mutate


def _drop(field: str) -> Callable[[Json], None]:
    def mutate(obj: Json) -> None:
        del obj[field]

    return mutate


def _first_event(field: str, value: object) -> Callable[[Json], None]:
    def mutate(obj: Json) -> None:
        obj["timeline"][0][field] = value

    return mutate


_ANY_KIND = [
    ("schema version 2", _set("schema", 2)),
    ("schema version as a string", _set("schema", "1")),
    ("schema missing", _drop("schema")),
    ("kind of another record", _set("kind", "other")),
]
_BY_KIND: dict[str, list[tuple[str, Callable[[Json], None]]]] = {
    "case": [
        ("lon as a string", _set("lon", "116.4012")),
        ("lat out of range", _set("lat", 91.0)),
        ("unknown step", _set("step", "ARCHIVED")),
        ("street not a Dongcheng code", _set("street", "110102001")),
        ("title missing", _drop("title")),
        ("reports zero", _set("reports", 0)),
        ("event action unknown", _first_event("action", "teleport")),
        (
            "timeline too long",
            _set("timeline", [{"at": "2026-11-27T09:30:00+08:00", "step": "FILED", "action": "file"}] * 501),
        ),
        ("received_at at the calendar's start", _set("received_at", "0001-01-01T00:00:00+14:00")),
        ("step_at at the calendar's end", _set("step_at", "9999-12-31T23:59:59-14:00")),
        ("deadline with an offset of +23:59", _set("deadline", "2026-11-27T09:30:00+23:59")),
        ("event before the window", _first_event("at", "1970-01-01T00:00:00Z")),
        ("reports past their bound", _set("reports", r.MAX_REPORTS + 1)),
    ],
    "camera": [
        ("lon as a string", _set("lon", "116.4012")),
        ("id too short", _set("id", "1101010000132")),
        ("url not a stream", _set("url", "ftp://10.12.3.4/x")),
        ("online as a string", _set("online", "yes")),
    ],
    "department": [
        ("unknown type", _set("type", "ministry")),
        ("empty id", _set("id", "")),
        ("categories not a list", _set("categories", "c.01.01.01")),
    ],
    "street": [
        ("area as a string", _set("area_km2", "5.35")),
        ("area zero", _set("area_km2", 0)),
        ("escalation limit above one", _set("escalation_limit", 1.5)),
    ],
    "decision": [
        ("n zero", _set("n", 0)),
        ("unknown action", _set("action", "ignore")),
        ("by missing", _drop("by")),
        ("too many supporting departments", _set("supporting", [f"d{i}" for i in range(21)])),
        ("decided_at after the window", _set("decided_at", "2101-01-01T00:00:00+08:00")),
    ],
    "alarm": [
        ("changed_at missing", _drop("changed_at")),
        ("shelved_until after the window", _set("shelved_until", "2101-01-01T00:00:00+08:00")),
        ("subject too long", _set("subject", "x" * 65)),
        ("acknowledged_at not a time", _set("acknowledged_at", "soon")),
    ],
    "show": [
        ("no camera", _set("cameras", [])),
        ("seventeen cameras", _set("cameras", ["11010100001320000001"] * 17)),
        ("a camera id of 19 digits", _set("cameras", ["1101010000132000000"])),
        ("tiles not a square", _set("tiles", 6)),
        ("requested_at missing", _drop("requested_at")),
        ("console empty", _set("console", "")),
    ],
    "agenda": [
        ("listed as a string", _set("listed", "yes")),
        ("rank beyond its bound", _set("rank", 2e9)),
        ("changed_at missing", _drop("changed_at")),
        ("reason too long", _set("reason", "x" * 201)),
    ],
    "present": [
        ("case_no too short", _set("case_no", "DC1")),
        ("presented_at missing", _drop("presented_at")),
        ("console empty", _set("console", "")),
    ],
    "refusal": [
        ("uuid too short", _set("uuid", "0f" * 15)),
        ("reason empty", _set("reason", "")),
        ("refused_at not a time", _set("refused_at", "now")),
    ],
    "meta": [
        ("speed zero", _set("speed", 0)),
        ("district too short", _set("district", "11")),
        ("simulated as a number", _set("simulated", 1)),
        ("clock offset beyond 14:00", _set("clock", "2026-11-27T09:30:00-14:30")),
    ],
}
_CASES = [
    pytest.param(kind, mutate, id=f"{kind}: {label}")
    for kind in sorted(SAMPLES)
    for label, mutate in [*_ANY_KIND, *_BY_KIND[kind]]
]


@pytest.mark.parametrize(("kind", "mutate"), _CASES)
def test_schema_rejects_a_wrong_instance_and_so_does_the_decoder(kind: str, mutate: Callable[[Json], None]) -> None:
    record = SAMPLES[kind]
    wrong = copy.deepcopy(_instance(record))
    mutate(wrong)
    assert not _validator(kind).is_valid(wrong)
    with pytest.raises(r.RecordError) as err:
        r.decode(r.key_of(record), json.dumps(wrong, ensure_ascii=False).encode())
    assert err.value.reason in {"version", "schema"}


def test_a_newer_version_is_rejected_as_version() -> None:
    newer = _instance(SAMPLES["case"]) | {"schema": 2}
    assert not _validator("case").is_valid(newer)
    with pytest.raises(r.RecordError) as err:
        r.decode(r.key_of(SAMPLES["case"]), json.dumps(newer).encode())
    assert err.value.reason == "version"


@pytest.mark.parametrize("stamp", ["2026-11-27T09:30:00", "27.11.2026 09:30", "2026-11-27T09:30:00+0800x"])
def test_a_timestamp_without_an_offset_is_rejected(stamp: str) -> None:
    wrong = _instance(SAMPLES["decision"]) | {"decided_at": stamp}
    assert not _validator("decision").is_valid(wrong)
    with pytest.raises(r.RecordError) as err:
        r.decode(r.key_of(SAMPLES["decision"]), json.dumps(wrong).encode())
    assert err.value.reason == "schema"


def test_timestamps_with_any_offset_are_accepted() -> None:
    for stamp in ("2026-11-27T09:30:00+08:00", "2026-11-27T01:30:00Z", "2026-11-27T01:30:00.250-05:00"):
        ok = _instance(SAMPLES["decision"]) | {"decided_at": stamp}
        _validator("decision").validate(ok)
        r.decode(r.key_of(SAMPLES["decision"]), json.dumps(ok).encode())


def test_unknown_members_are_allowed_within_a_version() -> None:
    """§15: adding an optional member within a version is compatible; receivers ignore it."""
    for kind, record in SAMPLES.items():
        extended = _instance(record) | {"added_later": {"any": ["thing"]}}
        _validator(kind).validate(extended)
        assert r.decode(r.key_of(record), json.dumps(extended).encode()) == record


def test_worked_example_bodies_are_exact_encodings_of_valid_records() -> None:
    """§19 claims byte accuracy: each body decodes at its key and re-encodes to the same bytes."""
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## 19. Worked example")
    example = text[start : text.index("## 20.", start)]
    bodies = re.findall(r"^\| 4 \| (\d+) \| see below \|.*?^```json\n([^\n]+)\n```$", example, re.M | re.S)
    assert len(bodies) == 6
    for size, body in bodies:
        raw = body.encode()
        assert len(raw) == int(size)
        value = json.loads(raw)
        record = r.decode(r.key_of(_decode_any(value["kind"], raw)), raw)
        assert r.encode(record) == raw


def _decode_any(kind: str, raw: bytes) -> r.Record:
    for rec_type in r.RECORD_TYPES:
        if rec_type.__name__ == DOC_SCHEMAS[kind]["title"]:
            return cast(r.Record, msgspec.json.decode(raw, type=rec_type))
    raise AssertionError(f"no struct for kind {kind}")


# ------------------------------------------------------------------ §18.1: the bounds the console computes within


def test_section_18_1_states_the_bounds_the_decoder_checks() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### 18.1") : text.index("## 19.")]
    window = f"[`{r.TIME_FROM:%Y-%m-%dT%H:%M:%SZ}`, `{r.TIME_UNTIL:%Y-%m-%dT%H:%M:%SZ}`)"
    assert window in section
    assert timedelta(hours=14) == r.MAX_OFFSET and "±14:00" in section
    assert f"`reports` MUST be 1 … {r.MAX_REPORTS:,}" in section
    decision = _instance(SAMPLES["decision"])
    for quoted, stamp, accepted in [  # the section's examples, decided as it says
        ("2000-01-01T07:59:59+08:00", "2000-01-01T07:59:59+08:00", False),
        ("1999-12-31T20:00:00-04:00", "1999-12-31T20:00:00-04:00", True),
        ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+14:00", False),
        ("9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59-14:00", False),
        ("+23:59", "2026-11-27T09:30:00+23:59", False),
    ]:
        assert f"`{quoted}`" in section
        body = json.dumps(decision | {"decided_at": stamp}).encode()
        if accepted:
            r.decode(r.key_of(SAMPLES["decision"]), body)
        else:
            with pytest.raises(r.RecordError, match="schema"):
                r.decode(r.key_of(SAMPLES["decision"]), body)


_ALLOWED_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


@settings(max_examples=300)
@given(st.datetimes(datetime(1999, 12, 30), datetime(2100, 1, 2), timezones=_ALLOWED_OFFSETS))
def test_the_schemas_pattern_admits_every_timestamp_the_decoder_accepts(at: datetime) -> None:
    """The pattern is a necessary condition: what fails it, the decoder rejects too."""
    instance = _instance(SAMPLES["decision"]) | {"decided_at": at.isoformat()}
    try:
        r.decode(r.key_of(SAMPLES["decision"]), json.dumps(instance).encode())
    except r.RecordError:
        assert not r.TIME_FROM <= at < r.TIME_UNTIL
        return
    assert r.TIME_FROM <= at < r.TIME_UNTIL
    _validator("decision").validate(instance)
