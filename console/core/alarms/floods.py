"""Alarm floods: the list groups what floods, so the room reads ten lines, not a hundred.

In a flood (``AlarmEngine.in_flood``) alarms of the same rule in the same street become one group
with a count, most urgent first; outside a flood every alarm is its own line.
"""

from __future__ import annotations

from dataclasses import dataclass

from console.core.alarms.settings import Priority, Rule
from console.core.alarms.states import Alarm


@dataclass(frozen=True)
class AlarmGroup:
    """One line of the alarm list: one alarm, or in a flood all of one rule in one street."""

    rule: Rule
    street: str
    alarms: tuple[Alarm, ...]

    @property
    def priority(self) -> Priority:
        return min(a.priority for a in self.alarms)

    @property
    def newest(self) -> float:
        return max(a.raised_at for a in self.alarms)

    @property
    def grouped(self) -> bool:
        return len(self.alarms) > 1


def grouped(alarms: list[Alarm], flood: bool) -> list[AlarmGroup]:
    """The lines of the list: in a flood, one per (rule, street) with every alarm of it; otherwise
    one per alarm. In the order of ``alarms`` (by the first alarm of each group)."""
    if not flood:
        return [AlarmGroup(a.rule, a.street, (a,)) for a in alarms]
    groups: dict[tuple[Rule, str], list[Alarm]] = {}
    for a in alarms:
        groups.setdefault((a.rule, a.street), []).append(a)
    return [AlarmGroup(rule, street, tuple(members)) for (rule, street), members in groups.items()]
