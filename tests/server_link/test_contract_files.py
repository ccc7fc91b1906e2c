"""The files the page publishes (docs/schemas, docs/reference) are what the code checks and ships."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from server_link import contract_files, records, schema_doc
from server_link import records as r
from server_link.district import load_district
from server_link.sim.engine import Simulation
from server_link.workcal import BEIJING

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGE = (DOCS / "protocol.md").read_text(encoding="utf-8")


def test_the_published_files_are_up_to_date() -> None:
    assert contract_files.stale(DOCS) == []


def test_a_stale_file_is_found_and_rewritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert contract_files.main(["--check", str(tmp_path)]) == 1  # nothing there yet
    assert contract_files.main(["--write", str(tmp_path)]) == 0
    assert contract_files.main(["--check", str(tmp_path)]) == 0
    street = tmp_path / "schemas" / "street.schema.json"
    schema = json.loads(street.read_text(encoding="utf-8"))
    schema["properties"]["escalation_limit"]["maximum"] = 2  # a drift: wider than the decoder allows
    street.write_text(json.dumps(schema), encoding="utf-8")
    assert contract_files.main(["--check", str(tmp_path)]) == 1
    assert "street.schema.json is out of date" in capsys.readouterr().err


def test_the_schema_files_are_the_pages_section() -> None:
    blocks = re.findall(r"^#### Kind `(\w+)` \(struct `\w+`\)\n\n```json\n(.*?)\n```$", PAGE, re.M | re.S)
    assert len(blocks) == len(records.RECORD_TYPES) == 11
    for kind, body in blocks:
        assert json.loads((DOCS / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8")) == json.loads(body)


def _simulated_records() -> list[tuple[str, bytes]]:
    sim = Simulation(load_district(), seed=2, start=datetime(2026, 11, 23, 8, 0, tzinfo=BEIJING))
    sim.run(until=sim.now + timedelta(hours=6))
    return [*sim.reference(), *sim.drain()]


def test_the_schema_files_accept_what_the_decoder_accepts_and_refuse_what_it_refuses() -> None:
    schemas = {
        kind: jsonschema.Draft202012Validator(json.loads((DOCS / "schemas" / f"{kind}.schema.json").read_text()))
        for kind in schema_doc.record_schemas()
    }
    seen = set()
    for key, body in _simulated_records():
        record = r.decode(key, body)
        kind = key.split("/")[1]
        seen.add(kind)
        schemas[kind].validate(json.loads(body))
        broken = json.loads(body) | {"schema": 2}
        assert not schemas[kind].is_valid(broken)
        with pytest.raises(r.RecordError):
            r.decode(key, json.dumps(broken).encode())
        assert record is not None
    assert seen == {"case", "camera", "department", "street"}


def _rows(name: str) -> list[dict[str, str]]:
    with (DOCS / "reference" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_reference_files_hold_every_code_our_backend_uses() -> None:
    codes = {
        "channel": {row["id"] for row in _rows("channels.csv")},
        "category": {row["code"] for row in _rows("categories.csv")},
        "unit_grid": {row["code"] for row in _rows("unit_grids.csv")},
        "street": {row["code"] for row in _rows("streets.csv")},
        "dept": {row["id"] for row in _rows("departments.csv")},
    }
    assert {len(v) for v in codes.values()} >= {9, 205, 2322, 17, 85}
    for key, body in _simulated_records():
        record = r.decode(key, body)
        if isinstance(record, r.Case):
            for field, known in codes.items():
                value = getattr(record, field)
                assert value is None or value in known, (key, field, value)
        elif isinstance(record, r.Department):
            assert record.id in codes["dept"] and set(record.categories) <= codes["category"]


def test_the_page_points_to_every_published_file_and_its_licence() -> None:
    for name in contract_files.all_files():
        assert Path(name).name in PAGE, name
    readme = (DOCS / "reference" / "README.md").read_text(encoding="utf-8")
    assert "CC BY 4.0" in readme and "Vonng/adcode" in readme
    for name in contract_files.reference_files():
        assert f"`{Path(name).name}`" in readme
    assert "docs/reference/README.md" in PAGE or "`README.md` there" in PAGE
