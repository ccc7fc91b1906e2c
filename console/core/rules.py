"""The configurable rules the situation derives with: lights, buck-passing, hard cases, scores."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScoreWeights:
    """The department composite score, in the manner of digital urban-management evaluation.

    score = 100 × (on_time × on-time closure rate + closure × closure rate
                   + rework × (1 − rework rate) + satisfaction × satisfaction rate
                   + returns × (1 − return rate))
    The weights are normalised to sum to 1; a rate with no cases behind it counts as perfect, so a
    department is not punished for having had nothing to do.
    """

    on_time: float = 0.35
    closure: float = 0.25
    rework: float = 0.15
    satisfaction: float = 0.15
    returns: float = 0.10

    def normalised(self) -> ScoreWeights:
        total = self.on_time + self.closure + self.rework + self.satisfaction + self.returns
        if total <= 0:
            raise ValueError("score weights must not all be zero")
        return ScoreWeights(
            *(w / total for w in (self.on_time, self.closure, self.rework, self.satisfaction, self.returns))
        )


@dataclass(frozen=True)
class Rules:
    yellow_share: float = 0.8  # a case turns yellow after this share of its allowed time
    buck_passing_departments: int = 2  # returns by this many different departments = buck-passing
    hard_after_returns: int = 3  # a case returned this often is hard even if the backend has not said so
    recent_hours: float = 1.0  # "new in the last hour"
    escalation_limit: float = 0.08  # the district's cap, when the backend publishes none for a street
    hotline_channel: str = "ch-12345"
    weights: ScoreWeights = field(default_factory=ScoreWeights)

    def __post_init__(self) -> None:
        if not 0 < self.yellow_share < 1:
            raise ValueError(f"yellow_share {self.yellow_share} must be between 0 and 1")
        if self.buck_passing_departments < 2:
            raise ValueError("buck-passing needs returns by at least two departments")
