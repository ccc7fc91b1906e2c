"""The closed loop's rules for a case's timeline: which step each action leads to, and from where.

docs/protocol.md §11.3 states these rules as a table (a test keeps the two equal); the simulated
backend follows them and ``grid-link conform`` checks a backend's cases against them. Consoles do
not reject a case that breaks them (they compute with whatever the record says); a backend that
breaks them shows the room a loop that did not happen.

An event's ``step`` is the step the case stands at once the action has taken effect. For each
action, ``ACTION_RULES`` gives the steps the case may come from (the previous event's step) and the
step it leads to (``None``: the step does not change).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Final

from server_link.records import MAX_TIMELINE, Action, Case, Event, Loop, Step

S, A = Step, Action
OPEN: Final = frozenset({S.COLLECTED, S.FILED, S.DISPATCHED, S.HANDLING, S.FEEDBACK})
"""The steps of an open case (a case at CLOSED or EVALUATED is closed)."""


@dataclass(frozen=True, slots=True)
class ActionRule:
    """Where an action may happen (``came_from``) and the step it leads to (``None``: unchanged)."""

    came_from: frozenset[Step]
    leads_to: Step | None


def _rule(came_from: set[Step] | frozenset[Step], leads_to: Step | None) -> ActionRule:
    return ActionRule(frozenset(came_from), leads_to)


ACTION_RULES: Final[dict[Action, ActionRule]] = {
    A.COLLECT: _rule(OPEN, None),  # first event: at COLLECTED; later: the same problem reported again
    A.FILE: _rule({S.COLLECTED}, S.FILED),
    A.DISPATCH: _rule({S.FILED}, S.DISPATCHED),
    A.ACCEPT: _rule({S.DISPATCHED}, S.HANDLING),
    A.RETURN: _rule({S.DISPATCHED, S.HANDLING}, S.FILED),
    A.HANDLE: _rule({S.HANDLING}, None),
    A.FEEDBACK: _rule({S.HANDLING}, S.FEEDBACK),
    A.VERIFY_PASS: _rule({S.FEEDBACK}, None),
    A.VERIFY_FAIL: _rule({S.FEEDBACK}, S.HANDLING),
    A.CLOSE: _rule({S.FEEDBACK}, S.CLOSED),  # or from any open step right after a `decision`
    A.CALLBACK: _rule({S.CLOSED, S.EVALUATED}, None),
    A.EVALUATE: _rule({S.CLOSED}, S.EVALUATED),
    A.ESCALATE: _rule({S.FILED, S.DISPATCHED, S.HANDLING}, S.FILED),
    A.FLAG_HARD: _rule(OPEN, None),
    A.DECISION: _rule(OPEN, None),  # unchanged, or DISPATCHED for a decision that routes a filed case
}


def faults(case: Case) -> list[str]:
    """What in ``case`` breaks the timeline rules (empty when it keeps them), in words."""
    out: list[str] = []
    events = case.timeline
    if not events:
        return out
    first = events[0]
    if len(events) < MAX_TIMELINE and (first.action is not A.COLLECT or first.step is not S.COLLECTED):
        out.append(f"the first event is {first.action.value}@{first.step.value}, not collect@COLLECTED")
    for i, (before, event) in enumerate(itertools.pairwise(events), start=1):
        if event.at < before.at:
            out.append(f"event {i} ({event.action.value}) is earlier than event {i - 1}")
        fault = _step_fault(before, event)
        if fault:
            out.append(f"event {i}: {fault}")
    if case.step is not events[-1].step:
        out.append(f"the case is at {case.step.value} but its last event at {events[-1].step.value}")
    if case.escalated and case.loop is not Loop.BIG:
        out.append("escalated but in the small loop")
    actions = {e.action for e in events}
    if A.ESCALATE in actions and not (case.escalated and case.loop is Loop.BIG):
        out.append("an escalate event, but not escalated in the big loop")
    if A.FLAG_HARD in actions and not case.hard:
        out.append("a flag_hard event, but not hard")
    return out


def _step_fault(before: Event, event: Event) -> str:
    """Why ``event`` cannot follow ``before`` ("" when it can)."""
    rule = ACTION_RULES[event.action]
    came, went = before.step, event.step
    if event.action is A.CLOSE and before.action is A.DECISION and came in OPEN and went is S.CLOSED:
        return ""  # the council decided to close
    if (
        event.action is A.DECISION
        and came in OPEN
        and (went is came or (went is S.DISPATCHED and came is not S.COLLECTED))
    ):
        return ""  # a decision routes only a filed case (docs/protocol.md §11.4)
    if came not in rule.came_from:
        return f"{event.action.value} from {came.value} (allowed from {', '.join(sorted(rule.came_from))})"
    expected = came if rule.leads_to is None else rule.leads_to
    if went is not expected:
        return f"{event.action.value} from {came.value} leads to {expected.value}, not {went.value}"
    return ""
