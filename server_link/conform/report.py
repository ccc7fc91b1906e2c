"""Run the conformance checks against a backend and print one line per check.

Exit status: 0 when no check failed (warnings and skips allowed), 1 when any failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from server_link.conform import commands
from server_link.conform.checks import Result, Status, run_checks
from server_link.conform.evidence import gather
from server_link.conform.observe import Security, follow
from server_link.endpoints import Endpoints


def conform(
    endpoints: Endpoints, seconds: float, *, try_commands: bool = False, security: Security | None = None
) -> list[Result]:
    """Follow the backend for ``seconds`` and judge what it sent."""
    obs = follow(endpoints, seconds, commander=commands.plan if try_commands else None, security=security)
    return run_checks(gather(obs))


def format_result(res: Result) -> str:
    return f"{res.status.value:<4}  {res.name:<20} {res.section:<28} {res.evidence}"


def exit_status(results: list[Result]) -> int:
    return 1 if any(res.status is Status.FAIL for res in results) else 0


def summary(results: list[Result]) -> str:
    n = Counter(res.status for res in results)
    verdict = "FAIL" if n[Status.FAIL] else "OK"
    return (
        f"conform: {n[Status.PASS]} passed, {n[Status.FAIL]} failed, {n[Status.WARN]} warnings, "
        f"{n[Status.SKIP]} skipped: {verdict}"
    )


def run(
    endpoints: Endpoints,
    seconds: float,
    *,
    try_commands: bool = False,
    security: Security | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """``conform``, printed; the exit status."""
    out(f"conform: following {endpoints} for {seconds:g} s{' and trying commands' if try_commands else ''}")
    results = conform(endpoints, seconds, try_commands=try_commands, security=security)
    for res in results:
        out(format_result(res))
    out(summary(results))
    return exit_status(results)
