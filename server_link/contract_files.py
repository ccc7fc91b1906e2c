"""The files docs/protocol.md publishes beside itself: JSON Schemas and the district's reference data.

``docs/schemas/<kind>.schema.json`` — one self-contained JSON Schema (draft 2020-12) per record
kind, exactly what ``server_link.schema_doc`` renders into the page (and what the decoder checks,
tests/server_link/test_contract_files.py proves it both ways).

``docs/reference/*.csv`` — the codes a backend must share with the console, from the shipped
district data (``resources/district``): streets, communities, unit grids, departments, channels
and the category taxonomy's leaves. UTF-8, a header line, comma-separated, ``\\n`` line ends,
rows sorted by their first column; list-valued cells are space-separated.

Command line::

    python -m server_link.contract_files --write docs   # (re)write docs/schemas and docs/reference
    python -m server_link.contract_files --check docs   # exit 1 if any file differs or is missing
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from server_link import schema_doc
from server_link.district import District, load_district

SCHEMAS = "schemas"
REFERENCE = "reference"


def schema_files() -> dict[str, str]:
    """``schemas/<kind>.schema.json`` → its text (canonical, with a final newline)."""
    return {
        f"{SCHEMAS}/{kind}.schema.json": schema_doc.dump(schema) + "\n"
        for kind, schema in schema_doc.record_schemas().items()
    }


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    cells: list[list[str]] = [[_cell(v) for v in row] for row in rows]
    cells.sort(key=_first)
    writer.writerows(cells)
    return out.getvalue()


def _first(row: list[str]) -> str:
    return row[0]


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else repr(value)
    return str(value)


def reference_files(district: District | None = None) -> dict[str, str]:
    """``reference/<name>.csv`` → its text, from the shipped district data."""
    d = district or load_district()
    return {
        f"{REFERENCE}/streets.csv": _csv(
            ("code", "name", "short_name", "area_km2", "office_department_id"),
            ((s.code, s.name, s.short_name, s.area_km2, s.office) for s in d.streets.values()),
        ),
        f"{REFERENCE}/communities.csv": _csv(
            ("code", "name", "street_code"),
            ((c.code, c.name, c.street) for c in d.communities.values()),
        ),
        f"{REFERENCE}/unit_grids.csv": _csv(
            ("code", "street_code", "community_code", "base_grid_id", "type", "level", "lon", "lat"),
            (
                (u.code, u.street, u.community, u.base_grid, u.type, u.level, u.lon, u.lat)
                for u in d.unit_grids.values()
            ),
        ),
        f"{REFERENCE}/departments.csv": _csv(
            ("id", "name", "type", "council_member", "street_code"),
            ((x.id, x.name, x.kind, x.council_member, x.street) for x in d.departments.values()),
        ),
        f"{REFERENCE}/channels.csv": _csv(
            ("id", "name", "name_en", "public"),
            ((c.id, c.name, c.name_en, c.public) for c in d.channels.values()),
        ),
        f"{REFERENCE}/categories.csv": _csv(
            (
                "code", "major", "major_name", "domain", "name", "name_en", "title", "deadline_value",
                "deadline_unit", "urgency", "handling_level", "departments",
            ),
            (
                (
                    c.code, c.major, c.major_name, c.domain, c.name, c.name_en, c.title, c.deadline_value,
                    c.deadline_unit.value, c.urgency, c.handling_level, " ".join(c.departments),
                )
                for c in d.categories.values()
            ),
        ),
    }  # fmt: skip


def all_files() -> dict[str, str]:
    return {**schema_files(), **reference_files()}


def stale(docs: Path) -> list[str]:
    """The published files under ``docs`` that are missing or differ from what the code gives."""
    out = []
    for name, text in all_files().items():
        path = docs / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def write(docs: Path) -> list[str]:
    """Write the files that are missing or differ; the names written."""
    written = stale(docs)
    files = all_files()
    for name in written:
        path = docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[name], encoding="utf-8", newline="")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server_link.contract_files", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, metavar="DOCS", help="write the files under DOCS")
    mode.add_argument("--check", type=Path, metavar="DOCS", help="exit 1 if a file under DOCS is stale")
    args = parser.parse_args(argv)
    if args.write is not None:
        for name in write(args.write):
            print(f"contract_files: wrote {args.write / name}")
        return 0
    bad = stale(args.check)
    for name in bad:
        print(f"contract_files: {args.check / name} is out of date", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
