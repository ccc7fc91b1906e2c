"""Who reports what, when and where: intake rates, daily and weekly profiles, surges.

Figures are chosen so that a simulated month matches Dongcheng's published volumes (about
40,000 grid cases a month, about 80 % of them in the street small loop); ``calibrate`` checks it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server_link.workcal import BEIJING

# Cases per average day by channel (sum ≈ 1,330/day ≈ 40,000 per 30-day month).
DAILY_RATE: dict[str, float] = {
    "ch-patrol": 760.0,
    "ch-12345": 330.0,
    "ch-96010": 95.0,
    "ch-wechat": 60.0,
    "ch-mayor-mailbox": 22.0,
    "ch-weibo": 22.0,
    "ch-media": 12.0,
    "ch-zfhf": 12.0,
    "ch-instruction": 7.0,
}

# Relative intensity by hour of day (Beijing time), one profile per kind of channel.
_PATROL = (0.05, 0.03, 0.02, 0.02, 0.02, 0.05, 0.3, 0.9, 1.6, 2.0, 2.0, 1.6,
           0.8, 1.0, 1.8, 2.0, 1.8, 1.2, 0.5, 0.3, 0.2, 0.15, 0.1, 0.07)  # fmt: skip
_HOTLINE = (0.25, 0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.9, 1.5, 1.8, 1.8, 1.5,
            1.1, 1.3, 1.6, 1.6, 1.5, 1.3, 1.2, 1.2, 1.1, 0.9, 0.6, 0.4)  # fmt: skip
_ONLINE = (0.5, 0.35, 0.25, 0.2, 0.2, 0.25, 0.5, 0.8, 1.1, 1.3, 1.3, 1.2,
           1.1, 1.2, 1.3, 1.3, 1.3, 1.2, 1.2, 1.4, 1.5, 1.4, 1.1, 0.8)  # fmt: skip
_OFFICE = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 2.0, 2.5, 2.5, 1.5,
           0.5, 1.5, 2.5, 2.5, 2.0, 1.0, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0)  # fmt: skip
HOURLY: dict[str, tuple[float, ...]] = {
    "ch-patrol": _PATROL,
    "ch-12345": _HOTLINE,
    "ch-96010": _HOTLINE,
    "ch-zfhf": _HOTLINE,
    "ch-wechat": _ONLINE,
    "ch-weibo": _ONLINE,
    "ch-mayor-mailbox": _ONLINE,
    "ch-media": _OFFICE,
    "ch-instruction": _OFFICE,
}
# Weekday multipliers Monday..Sunday: patrols thin out at weekends, the public calls anyway.
WEEKLY: dict[str, tuple[float, ...]] = {
    "ch-patrol": (1.12, 1.12, 1.12, 1.12, 1.12, 0.65, 0.65),
    "ch-media": (1.2, 1.2, 1.2, 1.2, 1.2, 0.5, 0.5),
    "ch-instruction": (1.3, 1.3, 1.3, 1.3, 1.3, 0.25, 0.25),
}
_FLAT_WEEK = (1.03, 1.03, 1.03, 1.03, 1.03, 0.925, 0.925)

# Domain mix per channel: (component, event, social).
DOMAIN_MIX: dict[str, tuple[float, float, float]] = {
    "ch-patrol": (0.35, 0.62, 0.03),
    "ch-12345": (0.12, 0.60, 0.28),
    "ch-96010": (0.15, 0.62, 0.23),
    "ch-zfhf": (0.05, 0.45, 0.50),
}
_DEFAULT_MIX = (0.10, 0.55, 0.35)

# Where reports come from, by grid type (× the grid's area share).
GRID_TYPE_WEIGHT: dict[str, dict[str, float]] = {
    "ch-patrol": {"residential": 1.0, "commercial": 1.6, "enterprise_institution": 0.7, "crowded_place": 2.4},
    "default": {"residential": 1.8, "commercial": 1.2, "enterprise_institution": 0.6, "crowded_place": 1.5},
}


def hourly(channel: str) -> tuple[float, ...]:
    profile = HOURLY.get(channel, _ONLINE)
    mean = sum(profile) / 24
    return tuple(v / mean for v in profile)


def weekly(channel: str) -> tuple[float, ...]:
    return WEEKLY.get(channel, _FLAT_WEEK)


def domain_mix(channel: str) -> tuple[float, float, float]:
    return DOMAIN_MIX.get(channel, _DEFAULT_MIX)


def grid_weights(channel: str) -> dict[str, float]:
    return GRID_TYPE_WEIGHT.get(channel, GRID_TYPE_WEIGHT["default"])


@dataclass(frozen=True, slots=True)
class Surge:
    """A window when some categories arrive much faster than usual (a rainstorm, a holiday)."""

    kind: str
    start: datetime
    hours: float
    factor: float  # multiplier of the total intake
    majors: tuple[str, ...]  # major categories the extra cases fall in
    grid_types: tuple[str, ...] = ()  # where they happen (empty: anywhere)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True, slots=True)
class SurgeKind:
    hours: float
    factor: float
    majors: tuple[str, ...]
    grid_types: tuple[str, ...] = ()


SURGE_KINDS: dict[str, SurgeKind] = {
    # 道路积水, 管道破裂, 路面塌陷 under heavy rain: emergencies, utilities, drainage facilities.
    "rainstorm": SurgeKind(8.0, 1.8, ("E05", "E08", "C01")),
    # Crowds at tourist sites: street order and city appearance near crowded places.
    "holiday": SurgeKind(12.0, 1.4, ("E04", "E01"), ("crowded_place", "commercial")),
}


def parse_surge(spec: str) -> Surge:
    """``KIND@ISO-TIME`` (Beijing time if no offset), e.g. ``rainstorm@2026-11-28T14:00``."""
    kind, sep, when = spec.partition("@")
    if not sep or kind not in SURGE_KINDS:
        raise ValueError(f"surge {spec!r} is not KIND@TIME with KIND one of {', '.join(SURGE_KINDS)}")
    try:
        start = datetime.fromisoformat(when)
    except ValueError as exc:
        raise ValueError(f"surge {spec!r}: {when!r} is not an ISO time") from exc
    if start.tzinfo is None:
        start = start.replace(tzinfo=BEIJING)
    k = SURGE_KINDS[kind]
    return Surge(kind, start, k.hours, k.factor, k.majors, k.grid_types)
