"""Calibration: simulate a month at full speed and set its figures beside the published ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

from server_link import records as r
from server_link.district import District
from server_link.sim import profiles
from server_link.sim.engine import CaseSummary, Simulation
from server_link.workcal import BEIJING

START = datetime(2026, 10, 12, 0, 0, tzinfo=BEIJING)  # a Monday, after the National Day holiday


@dataclass(frozen=True)
class Figure:
    name: str
    simulated: float
    target: float
    source: str
    unit: str = ""

    @property
    def within_10pct(self) -> bool:
        return abs(self.simulated - self.target) <= 0.10 * abs(self.target)


def calibrate(district: District, days: float, seed: int) -> tuple[list[Figure], list[float], list[float]]:
    """Run ``days`` of simulated time from an empty district; return figures and hourly profiles."""
    sim = Simulation(district, seed=seed, start=START)
    end = START + timedelta(days=days)
    step = timedelta(hours=6)
    t = START
    while t < end:  # drain as we go so the change log stays small
        t = min(t + step, end)
        sim.run(until=t)
        sim.discard_changes()
    cases = [c for c in sim.stats.cases.values() if START <= c.received_at < end]
    return _figures(cases, days), _hourly(cases), _expected_hourly()


def _figures(cases: list[CaseSummary], days: float) -> list[Figure]:
    closed = [c for c in cases if c.closed_at is not None]
    hotline = [c for c in cases if c.channel == "ch-12345"]
    called = [c for c in hotline if c.resolved is not None]
    filed = [c for c in cases if c.loop_at_filing is not None]
    small = [c for c in filed if c.loop_at_filing is r.Loop.SMALL]
    hours = [(c.closed_at - c.received_at).total_seconds() / 3600 for c in closed if c.closed_at]

    def pct(part: int, whole: int) -> float:
        return 100.0 * part / whole if whole else 0.0

    return [
        Figure("grid cases per month", len(cases) * 30 / days, 40_000, "about 40,000 a month (to 2015)"),
        Figure("closure rate", pct(len(closed), len(cases)), 97.0, "above 95 % (target 97 %)", "%"),
        Figure("average handling time", fmean(hours) if hours else 0.0, 6.5, "under 7 h (target 6.5 h)", "h"),
        Figure(
            "12345 response rate",
            pct(sum(1 for c in hotline if c.responded), len(hotline)),
            100.0,
            "100 % (2024)",
            "%",
        ),
        Figure(
            "12345 resolution rate",
            pct(sum(1 for c in called if c.resolved), len(called)),
            98.01,
            "98.01 % (2024)",
            "%",
        ),
        Figure(
            "12345 satisfaction rate",
            pct(sum(1 for c in called if c.satisfied), len(called)),
            98.25,
            "98.25 % (2024)",
            "%",
        ),
        Figure("small-loop share", pct(len(small), len(filed)), 79.5, "496,000 of 624,000 (2022)", "%"),
        Figure(
            "buck-passing share",
            pct(sum(1 for c in cases if c.buck_passing), len(cases)),
            1.0,
            "no public figure; our assumption 1 %",
            "%",
        ),
        Figure(
            "escalated share",
            pct(sum(1 for c in cases if c.escalated), len(small)),
            5.0,
            "no public figure; our assumption 5 % of the small loop",
            "%",
        ),
    ]


def _hourly(cases: list[CaseSummary]) -> list[float]:
    counts = [0] * 24
    for c in cases:
        counts[c.received_at.astimezone(BEIJING).hour] += 1
    total = sum(counts) or 1
    return [100.0 * n / total for n in counts]


def _expected_hourly() -> list[float]:
    weights = [0.0] * 24
    for channel, daily in profiles.DAILY_RATE.items():
        week = sum(profiles.weekly(channel)) / 7
        for h, v in enumerate(profiles.hourly(channel)):
            weights[h] += daily * v * week
    total = sum(weights)
    return [100.0 * w / total for w in weights]


def profile_similarity(simulated: list[float], expected: list[float]) -> float:
    """1 − half the L1 distance between two percentage profiles (1.0 = identical)."""
    return 1.0 - sum(abs(a - b) for a, b in zip(simulated, expected, strict=True)) / 200.0


def report(figures: list[Figure], hourly: list[float], expected: list[float]) -> str:
    lines = [f"{'figure':<26}{'simulated':>12}{'target':>10}  within ±10 %  published", "-" * 92]
    figures = [
        *figures,
        Figure(
            "hourly profile similarity",
            profile_similarity(hourly, expected),
            1.0,
            "intake by hour vs the configured profiles",
        ),
    ]
    for f in figures:
        mark = "yes" if f.within_10pct else "NO"
        lines.append(f"{f.name:<26}{f.simulated:>10,.2f}{f.unit:<2}{f.target:>9,.2f}  {mark:<12}  {f.source}")
    lines.append("")
    lines.append("hour  simulated %  profile %")
    lines += [f"{h:02d}    {s:9.2f}  {e:9.2f}" for h, (s, e) in enumerate(zip(hourly, expected, strict=True))]
    k = sum(f.within_10pct for f in figures)
    lines.append(f"RESULT calibrate within_10pct={k}/{len(figures)}")
    return "\n".join(lines)
