"""The catalogue's registers as data files: the case taxonomy with codes, deadlines and handlers, the
departments with the leaves each handles, and the intake channels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from server_link.district_build.catalogue import (
    DEADLINE_UNITS,
    STREET_HANDLER,
    URGENCIES,
    Catalogue,
    Category,
    parse_deadline,
)
from server_link.district_build.source import ATTRIBUTION, SCHEMA, street_code

Json = dict[str, Any]

LEVELS = ("major", "sub", "detail", "micro")


def street_office_id(catalogue: Catalogue, index: int) -> str:
    """Department id of the street office of the street at ``index``."""
    return f"s-{catalogue.streets[index].pinyin.lower()}"


def build_taxonomy(catalogue: Catalogue) -> tuple[Json, dict[str, list[str]]]:
    """Taxonomy JSON and the mapping leaf code -> handling department ids."""
    handled: dict[str, list[str]] = {}
    counts = dict.fromkeys(LEVELS, 0)
    offices = [street_office_id(catalogue, i) for i in range(len(catalogue.streets))]

    def emit(node: Category, code: str, depth: int, inherited: tuple[str, ...]) -> Json:
        counts[LEVELS[depth]] += 1
        handlers = node.handlers or inherited
        out: Json = {"code": code, "level": LEVELS[depth], "name": node.name, "name_en": node.name_en}
        if node.children:
            out["children"] = [
                emit(child, f"{code}{i:02d}", depth + 1, handlers) for i, child in enumerate(node.children, start=1)
            ]
            return out
        departments = expand_handlers(handlers, offices)
        if not departments or node.deadline is None:
            raise ValueError(f"leaf {code} has no handling department or no deadline")
        handled[code] = departments
        value, unit = parse_deadline(node.deadline)
        out.update(
            deadline={"value": value, "unit": unit},
            urgency=node.urgency or "normal",
            handling_level="street" if STREET_HANDLER in handlers else "district",
            departments=departments,
        )
        return out

    def tree(prefix: str, majors: Sequence[Category], domain: str) -> list[Json]:
        return [{"domain": domain} | emit(major, f"{prefix}{i:02d}", 0, ()) for i, major in enumerate(majors, start=1)]

    urban = tree("C", catalogue.taxonomy.component, "component") + tree("E", catalogue.taxonomy.event, "event")
    urban_counts = dict(counts)
    social = tree("S", catalogue.taxonomy.social, "social")
    payload: Json = {
        "schema": SCHEMA,
        "levels": list(LEVELS),
        "deadline_units": sorted(DEADLINE_UNITS.values()),
        "urgencies": list(URGENCIES),
        "code_scheme": "domain letter (C component, E event, S social) + 2 digits per level",
        "counts": {"urban": urban_counts, "leaves": len(handled)},
        "majors": urban,
        "social": social,
    }
    return payload, handled


def expand_handlers(handlers: Sequence[str], street_offices: Sequence[str]) -> list[str]:
    """Sorted department ids for a list of handlers; ``street`` means every street office."""
    ids: set[str] = set()
    for token in handlers:
        if token == STREET_HANDLER:
            ids.update(street_offices)
        else:
            ids.add(token)
    return sorted(ids)


def build_departments(catalogue: Catalogue, handled: dict[str, list[str]]) -> Json:
    """The departments (the catalogue's and one office per street) with the leaf codes each handles."""
    rows: list[Json] = [
        _department(d.id, d.name, d.full_name, d.name_en, d.kind, None, council_member=d.council_member)
        for d in catalogue.departments
    ]
    for index, street in enumerate(catalogue.streets):
        rows.append(
            _department(
                street_office_id(catalogue, index),
                f"{street.short_name}街道办事处",
                f"东城区{street.short_name}街道办事处",
                f"{street.pinyin} Street Office",
                "street",
                street_code(index),
            )
        )
    by_id = {row["id"]: row for row in rows}
    if len(by_id) != len(rows):
        raise ValueError("a department id is used twice (a street office's id clashes with another)")
    for code, departments in sorted(handled.items()):
        for dept_id in departments:
            if dept_id not in by_id:
                raise ValueError(f"leaf {code} names unknown department {dept_id}")
            by_id[dept_id]["handles"].append(code)
    idle = [d for d, row in by_id.items() if not row["handles"]]
    if idle:
        raise ValueError(f"departments without categories: {idle}")
    return {"schema": SCHEMA, "attribution": ATTRIBUTION, "departments": sorted(rows, key=lambda r: r["id"])}


def _department(
    dept_id: str,
    name: str,
    full_name: str,
    name_en: str,
    kind: str,
    street: str | None,
    *,
    council_member: bool = False,
) -> Json:
    """One department record (``handles`` is filled in afterwards)."""
    return {
        "id": dept_id,
        "name": name,
        "full_name": full_name,
        "name_en": name_en,
        "kind": kind,
        "council_member": council_member,
        "street_code": street,
        "handles": [],
    }


def build_channels(catalogue: Catalogue) -> Json:
    """The intake channels, in catalogue order."""
    return {
        "schema": SCHEMA,
        "channels": [
            {"id": ch.id, "name": ch.name, "name_en": ch.name_en, "public": ch.public, "medium": ch.medium}
            for ch in catalogue.channels
        ],
    }
