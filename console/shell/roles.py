"""The console's three roles: which panels each shows, where by default, and what it may send.

A role is data: the composition root builds the panels a role names (from the registry in
``console.shell.panels``), lays them out as its default wall says unless a wall file says otherwise,
and gives the command service the kinds of command the role may send. The backend, not the console,
decides what a role may really do (it maps each console's CurveZMQ key to a role); the console only
hides what its role may not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from console.store import ActionKind
from widgets.i18n import QT_TRANSLATE_NOOP


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """One window of a wall: the panels it holds (the first is its centre), on which screen."""

    panels: tuple[str, ...]
    screen: int | None = None


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    title: str  # the window title, translated where shown
    panels: tuple[str, ...]
    wall: tuple[WindowPlan, ...]  # the default: one window on the primary screen
    commands: frozenset[ActionKind]


COMMANDER: Final = Role(
    "commander",
    QT_TRANSLATE_NOOP("Roles", "东城区网格化服务管理中心 · 指挥台"),
    ("map", "kpis", "queue", "detail", "alarms", "heat", "streets", "cameras"),
    (WindowPlan(("map", "kpis", "queue", "detail", "alarms", "heat", "streets", "cameras")),),
    frozenset({ActionKind.NOTE, ActionKind.ACKNOWLEDGE, ActionKind.SHELVE, ActionKind.SHOW, ActionKind.PROPOSE}),
)
COUNCIL: Final = Role(
    "council",
    QT_TRANSLATE_NOOP("Roles", "东城区网格化服务管理中心 · 协调会商"),
    ("council", "map", "detail", "cameras"),
    (WindowPlan(("council", "map", "detail", "cameras")),),
    frozenset(
        {
            ActionKind.NOTE,
            ActionKind.DECISION,
            ActionKind.SHOW,
            ActionKind.PROPOSE,
            ActionKind.AGENDA,
            ActionKind.PRESENT,
        }
    ),
)
LEADER: Final = Role(
    "leader",
    QT_TRANSLATE_NOOP("Roles", "东城区网格化服务管理中心 · 领导视图"),
    ("leader", "map"),
    (WindowPlan(("leader", "map")),),
    frozenset(),  # read-only: no command at all
)
ROLES: Final = {r.name: r for r in (COMMANDER, COUNCIL, LEADER)}


def with_camera_window(plans: Sequence[WindowPlan], screens: int) -> list[WindowPlan]:
    """A wall console's windows (``--wall-id``): the camera wall out of the others and in a window of
    its own, on the second screen when there is one."""
    others = [WindowPlan(tuple(p for p in plan.panels if p != "cameras"), plan.screen) for plan in plans]
    return [*(plan for plan in others if plan.panels), WindowPlan(("cameras",), 1 if screens > 1 else None)]
