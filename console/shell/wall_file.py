"""Wall files: which windows a console opens, on which screens, with which panels, laid out how.

A wall file is JSON with a schema version::

    {"schema": 2, "role": "commander",
     "windows": [{"screen": 0, "panels": ["map"], "layout": {...}},
                 {"screen": 1, "panels": ["queue", "detail"], "layout": {...}},
                 {"screen": 2, "panels": ["heat", "streets", "kpis"], "layout": {...}}]}

Each window's first panel is its centre; the others dock around it. ``layout`` is what the window
saved of itself (``WallWindow.layout_state``: dock arrangement, geometry, the queue's columns).
Version 1 — the single-window layout file of earlier builds — is migrated, never dropped: it becomes
one window holding every panel of the role, with its layout kept.

``plan_windows`` fits a wall to this machine and role: a window whose screen is missing gives its
panels to the first window; panels of the role that no window names join the first window; panels
the role does not have are left out. Each such change is reported, so the wall can say it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from console.shell.roles import Role, WindowPlan

WALL_SCHEMA: Final = 2


@dataclass(frozen=True)
class Wall:
    """A wall file's content, at the current schema."""

    role: str
    windows: tuple[WindowPlan, ...]
    layouts: tuple[Mapping[str, Any] | None, ...]  # each window's saved layout, if any

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": WALL_SCHEMA,
            "role": self.role,
            "windows": [
                {"screen": w.screen, "panels": list(w.panels), "layout": layout}
                for w, layout in zip(self.windows, self.layouts, strict=True)
            ],
        }


def migrate(data: Mapping[str, Any], role: Role) -> dict[str, Any]:
    """A wall file's data at the current schema; ``ValueError`` for data of no known schema."""
    schema = data.get("schema")
    if schema == WALL_SCHEMA:
        return dict(data)
    if schema == 1:  # a single window's layout (builds before several screens)
        return {
            "schema": WALL_SCHEMA,
            "role": role.name,
            "windows": [{"screen": None, "panels": list(role.wall[0].panels), "layout": dict(data)}],
        }
    raise ValueError(f"wall file schema {schema!r} is not one this console reads (1 or {WALL_SCHEMA})")


def parse(data: Mapping[str, Any], role: Role) -> Wall:
    """Read (and migrate) a wall file's data; ``ValueError`` saying what is wrong."""
    current = migrate(data, role)
    windows = current.get("windows")
    if not isinstance(windows, list) or not windows:
        raise ValueError("a wall file needs a non-empty list of windows")
    plans, layouts = [], []
    for i, w in enumerate(windows):
        if not isinstance(w, dict):
            raise ValueError(f"window {i} is not an object")
        screen = w.get("screen")
        if screen is not None and (not isinstance(screen, int) or isinstance(screen, bool) or screen < 0):
            raise ValueError(f"window {i}: screen {screen!r} is not a screen number (0, 1, …) or null")
        panels = w.get("panels")
        if not isinstance(panels, list) or not all(isinstance(p, str) for p in panels):
            raise ValueError(f"window {i}: panels must be a list of panel ids")
        layout = w.get("layout")
        if layout is not None and not isinstance(layout, dict):
            raise ValueError(f"window {i}: layout must be an object")
        plans.append(WindowPlan(tuple(panels), screen))
        layouts.append(layout)
    name = current.get("role", role.name)
    return Wall(name if isinstance(name, str) else role.name, tuple(plans), tuple(layouts))


def load(path: Path, role: Role) -> Wall:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"wall file {path} cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError(f"wall file {path} does not hold a wall")
    try:
        return parse(data, role)
    except ValueError as exc:
        raise ValueError(f"wall file {path}: {exc}") from exc


def save(path: Path, wall: Wall) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(wall.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)  # a crash mid-save never leaves half a file


def plan_windows(
    wall: Wall | None, role: Role, screens: int
) -> tuple[list[WindowPlan], list[Mapping[str, Any] | None], list[str]]:
    """The windows to open on a machine with ``screens`` screens: (plans, layouts, what was changed)."""
    if wall is None:
        return list(role.wall), [None] * len(role.wall), []
    notes: list[str] = []
    allowed = set(role.panels)
    plans: list[list[str]] = []
    screens_of: list[int | None] = []
    layouts: list[Mapping[str, Any] | None] = []
    seen: set[str] = set()
    for plan, layout in zip(wall.windows, wall.layouts, strict=True):
        panels = []
        for p in plan.panels:
            if p not in allowed:
                notes.append(f"panel {p!r} is not one of the {role.name} role's: left out")
            elif p in seen:
                notes.append(f"panel {p!r} is named twice: shown once")
            else:
                panels.append(p)
                seen.add(p)
        if plan.screen is not None and plan.screen >= screens:
            notes.append(
                f"screen {plan.screen} is missing (this machine has {screens}): its panels join the first window"
            )
            if plans:
                plans[0] += panels
                continue
            panels_screen: int | None = None
        else:
            panels_screen = plan.screen
        if not panels:
            continue
        plans.append(panels)
        screens_of.append(panels_screen)
        layouts.append(layout)
    missing = [p for p in role.panels if p not in seen]
    if missing:
        notes.append(f"panels {', '.join(missing)} are in no window: they join the first")
    if not plans:
        return (
            list(role.wall),
            [None] * len(role.wall),
            [*notes, "the wall file names no window with a panel: the default"],
        )
    plans[0] += missing
    return [WindowPlan(tuple(p), s) for p, s in zip(plans, screens_of, strict=True)], layouts, notes
