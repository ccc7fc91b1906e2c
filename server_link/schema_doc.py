"""The JSON Schemas section of ``docs/protocol.md``, generated from the record structs.

``server_link.records.json_schemas()`` gives one JSON Schema component per struct and enum, with
references of the form ``#/$defs/<Name>``. This module turns it into one self-contained schema
per record kind (the component, plus ``$schema`` and the ``$defs`` it needs, transitively) and
renders them, one fenced ``json`` block each, between the marker lines ``<!-- schemas:begin -->``
and ``<!-- schemas:end -->``. The output is deterministic: sorted keys, indent 2, UTF-8 text
(``ensure_ascii=False``).

Command line::

    python -m server_link.schema_doc --write docs/protocol.md   # rewrite the section in place
    python -m server_link.schema_doc --check docs/protocol.md   # exit 1 if it is out of date
    python -m server_link.schema_doc                            # print the section

Exit status: 0 done / up to date, 1 out of date (``--check``), 2 the file cannot be read or does
not hold each marker line exactly once.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from server_link import records

BEGIN = "<!-- schemas:begin -->"
END = "<!-- schemas:end -->"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REF_PREFIX = "#/$defs/"
_NOTE = (
    "<!-- Generated from server_link/records.py by "
    "`python -m server_link.schema_doc --write docs/protocol.md`; do not edit by hand. -->"
)


def _as_dict(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not a JSON object")
    return value


def _refs(node: object) -> set[str]:
    """Names of the components that ``node`` refers to directly (``#/$defs/<Name>``)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
                found.add(ref[len(_REF_PREFIX) :])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _closure(start: object, components: Mapping[str, object]) -> dict[str, object]:
    """Every component ``start`` needs, transitively, by name."""
    needed: dict[str, object] = {}
    todo = sorted(_refs(start))
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        if name not in components:
            raise KeyError(f"schema refers to #/$defs/{name}, which json_schemas() does not define")
        needed[name] = components[name]
        todo.extend(sorted(_refs(components[name]) - needed.keys()))
    return needed


def kind_of(schema: Mapping[str, object]) -> str:
    """The ``kind`` tag a record schema fixes (its ``properties.kind.enum`` has one value)."""
    props = _as_dict(schema.get("properties"), "properties")
    kind = _as_dict(props.get("kind"), "properties.kind")
    values = kind.get("enum")
    if not (isinstance(values, list) and len(values) == 1 and isinstance(values[0], str)):
        raise ValueError("a record schema must fix exactly one string value of `kind`")
    return values[0]


def record_schemas() -> dict[str, dict[str, object]]:
    """One self-contained JSON Schema per record kind, in ``records.RECORD_TYPES`` order."""
    components = records.json_schemas()
    out: dict[str, dict[str, object]] = {}
    for struct in records.RECORD_TYPES:
        component = _as_dict(components[struct.__name__], struct.__name__)
        schema: dict[str, object] = {"$schema": DIALECT, **component}
        defs = _closure(component, components)
        if defs:
            schema["$defs"] = defs
        out[kind_of(component)] = schema
    return out


def dump(schema: Mapping[str, object]) -> str:
    """The canonical text of a schema: sorted keys, indent 2, UTF-8 kept as is."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False)


def render_section() -> str:
    """The whole generated section, both marker lines included, without a final newline."""
    lines = [BEGIN, _NOTE, ""]
    for kind, schema in record_schemas().items():
        title = schema.get("title", kind)
        lines += [f"#### Kind `{kind}` (struct `{title}`)", "", "```json", dump(schema), "```", ""]
    lines.append(END)
    return "\n".join(lines)


def _span(text: str) -> tuple[int, int]:
    """Start and end offsets of the section in ``text``, markers included (each a whole line)."""
    lines = text.splitlines(keepends=True)
    begins = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == END]
    if len(begins) != 1 or len(ends) != 1 or begins[0] > ends[0]:
        raise ValueError(
            f"expected one line {BEGIN!r} followed by one line {END!r}; found {len(begins)} and {len(ends)}"
        )
    start = sum(len(line) for line in lines[: begins[0]])
    end = sum(len(line) for line in lines[: ends[0]]) + len(END)
    return start, end


def extract_section(text: str) -> str:
    """The section as it stands in a document (``ValueError`` if the markers are wrong)."""
    start, end = _span(text)
    return text[start:end]


def replace_section(text: str, section: str | None = None) -> str:
    """``text`` with its section replaced by ``section`` (default: freshly rendered)."""
    start, end = _span(text)
    return text[:start] + (render_section() if section is None else section) + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m server_link.schema_doc",
        description="Render the JSON Schemas section of docs/protocol.md from server_link.records.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", type=Path, metavar="DOC", help="rewrite the section of DOC in place")
    mode.add_argument("--check", type=Path, metavar="DOC", help="exit 1 if the section of DOC is stale")
    args = parser.parse_args(argv)
    path: Path | None = args.write or args.check
    if path is None:
        print(render_section())
        return 0
    try:
        text = path.read_text(encoding="utf-8")
        current = extract_section(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"schema_doc: {path}: {exc}", file=sys.stderr)
        return 2
    fresh = render_section()
    if args.check is not None:
        if current == fresh:
            return 0
        print(
            f"schema_doc: the JSON Schemas section of {path} is out of date; run "
            f"`python -m server_link.schema_doc --write {path}`",
            file=sys.stderr,
        )
        return 1
    if current != fresh:
        path.write_text(replace_section(text, fresh), encoding="utf-8", newline="")
        print(f"schema_doc: rewrote the JSON Schemas section of {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
