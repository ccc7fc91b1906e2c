"""The alarm system's own figures, after ISA-18.2 and EEMUA 191: is the room being flooded?

Computed from the raises (annunciations) of a span of time: alarms per hour and per 10 minutes, the
busiest hour, the share of 10-minute periods in flood, the alarms active for more than a day
(stale), those raised three times or more within a minute (chattering), the ten most frequent, and
each rule's share (no rule should make more than a quarter of them).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from console.core.alarms.engine import Raise
from console.core.alarms.settings import Rule
from console.core.alarms.states import Alarm

STALE_SECONDS: Final = 24 * 3600
CHATTER_RAISES: Final = 3
CHATTER_SECONDS: Final = 60.0
HOUR: Final = 3600.0
TEN_MINUTES: Final = 600.0


@dataclass(frozen=True)
class AlarmKpis:
    since: float
    until: float
    total: int
    per_hour: float  # average over the span
    busiest_hour: int  # the most raises in one of the span's hours
    per_ten_minutes: float
    flood_share: float  # of the span's 10-minute periods, those with a flood's number of raises or more
    stale: int  # alarms active for more than a day
    chattering: tuple[str, ...]  # alarms raised CHATTER_RAISES times within CHATTER_SECONDS
    top: tuple[tuple[str, int], ...]  # the ten most frequent alarms, with their raises
    by_rule: dict[Rule, int]

    @property
    def largest_rule_share(self) -> float:
        return max(self.by_rule.values(), default=0) / self.total if self.total else 0.0


def alarm_kpis(
    raises: Sequence[Raise], since: float, until: float, alarms: Iterable[Alarm], flood_alarms: int
) -> AlarmKpis:
    """The figures over the raises in [since, until); ``alarms`` are those held at ``until``."""
    if until <= since:
        raise ValueError("the span must not be empty")
    inside = [x for x in raises if since <= x.at < until]
    hours = (until - since) / HOUR
    n_tens = math.ceil((until - since) / TEN_MINUTES)
    per_hour = Counter(int((x.at - since) // HOUR) for x in inside)
    per_ten = Counter(int((x.at - since) // TEN_MINUTES) for x in inside)
    times: defaultdict[str, list[float]] = defaultdict(list)
    for x in inside:
        times[x.alarm].append(x.at)
    return AlarmKpis(
        since=since,
        until=until,
        total=len(inside),
        per_hour=len(inside) / hours,
        busiest_hour=max(per_hour.values(), default=0),
        per_ten_minutes=len(inside) / ((until - since) / TEN_MINUTES),
        flood_share=sum(1 for n in per_ten.values() if n >= flood_alarms) / n_tens,
        stale=sum(1 for a in alarms if a.active and until - a.raised_at > STALE_SECONDS),
        chattering=tuple(sorted(k for k, ts in times.items() if _chatters(ts))),
        top=tuple(Counter(x.alarm for x in inside).most_common(10)),
        by_rule=dict(Counter(x.rule for x in inside)),
    )


def _chatters(times: list[float]) -> bool:
    times = sorted(times)
    return any(
        times[i + CHATTER_RAISES - 1] - times[i] <= CHATTER_SECONDS for i in range(len(times) - CHATTER_RAISES + 1)
    )
