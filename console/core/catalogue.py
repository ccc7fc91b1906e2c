"""Departments and streets as the backend names them, over the console's shipped district.

The backend's records rule (docs/protocol.md §11.5): where the backend publishes ``/department/``
or ``/street/`` records, they say which departments and streets there are and what they are
called; the shipped district data is the default where it publishes none, and stays the source of
geometry. A department or street that cases name but no record or shipped entry knows is still
listed, by its id or code, so that no figure is ever left out of a view.
"""

from __future__ import annotations

from console.core.situation import Situation
from server_link import records as r


def department_names(sit: Situation) -> dict[str, str]:
    """Every department to list, id → name: the backend's if it publishes any, else the shipped
    ones; plus any department the cases name (as handler or returner) under its id."""
    published = {x.id: x.name or x.id for x in sit.records.values() if isinstance(x, r.Department)}
    names = published or {d.id: d.name for d in sit.district.departments.values()}
    for dept in sit.aggregates.departments:
        names.setdefault(dept, dept)
    return names


def street_names(sit: Situation) -> dict[str, str]:
    """Every street to list, code → short name: the shipped streets (the map draws them), the
    backend's names over them, its streets the district does not ship, and any street cases name."""
    names = {code: s.short_name for code, s in sit.district.streets.items()}
    for x in sit.records.values():
        if isinstance(x, r.Street):
            names[x.code] = x.name or x.code
    for code in sit.aggregates.streets:
        names.setdefault(code, code)
    return names
