"""The alarm rules' settings: the shipped defaults, and a center's own file over them.

The defaults are ``resources/alarms/default_rules.toml``; a center's file has the same tables and
only the keys it changes. ``load_settings`` refuses a file it cannot take whole — a TOML error, an
unknown rule or key, a value of the wrong kind or out of range — with a ``SettingsError`` that
names the file, the line and the reason; the caller then runs on the defaults and says so.
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from server_link import records as r

DEFAULTS_FILE: Final = Path(__file__).resolve().parents[3] / "resources" / "alarms" / "default_rules.toml"


class Priority(enum.IntEnum):
    """Three levels, as ISA-18.2 recommends; 1 is the most urgent."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3


class Rule(enum.StrEnum):
    """Every rule the engine evaluates (the settings' table names)."""

    URGENT_NEW = "urgent_new"
    CASE_RED = "case_red"
    GRID_RED = "grid_red"
    BUCK_PASSING = "buck_passing"
    HARD = "hard"
    STREET_ESCALATION = "street_escalation"
    DEPARTMENT_OVERDUE = "department_overdue"
    BURST_GRID = "burst_grid"
    BURST_CATEGORY = "burst_category"
    LINK = "link"
    STORE = "store"
    CAMERA_OFFLINE = "camera_offline"


URGENCY_RANK: Final = {r.Urgency.NORMAL: 0, r.Urgency.URGENT: 1, r.Urgency.EMERGENCY: 2}

# Each rule's thresholds: name → (type, lowest allowed value). Booleans and the priority are common.
_THRESHOLDS: Final[dict[Rule, dict[str, tuple[type, float]]]] = {
    Rule.URGENT_NEW: {"min_urgency": (str, 0), "after_minutes": (float, 0)},
    Rule.CASE_RED: {"min_urgency": (str, 0), "after_minutes": (float, 0)},
    Rule.GRID_RED: {"cases": (int, 1)},
    Rule.BUCK_PASSING: {},
    Rule.HARD: {"min_urgency": (str, 0)},
    Rule.STREET_ESCALATION: {"min_cases": (int, 1)},
    Rule.DEPARTMENT_OVERDUE: {"cases": (int, 1)},
    Rule.BURST_GRID: {"reports": (int, 2)},
    Rule.BURST_CATEGORY: {"reports": (int, 2)},
    Rule.LINK: {"seconds": (float, 0)},
    Rule.STORE: {"share": (float, 0.01)},
    Rule.CAMERA_OFFLINE: {"metres": (float, 1), "min_urgency": (str, 0)},
}


@dataclass(frozen=True)
class RuleSettings:
    """One rule as configured."""

    rule: Rule
    enabled: bool
    priority: Priority
    latch: bool
    thresholds: dict[str, Any] = field(default_factory=dict)

    def threshold(self, name: str) -> Any:
        return self.thresholds[name]


@dataclass(frozen=True)
class SoundSettings:
    """Whether a new unacknowledged alarm sounds a chime, from which priority, and how often again."""

    enabled: bool = False
    priority: Priority = Priority.HIGH  # this priority and the more urgent ones
    repeat_seconds: float = 0.0  # 0: once; else again until acknowledged


@dataclass(frozen=True)
class AlarmSettings:
    """Every rule, when alarms flood, and whether they sound."""

    rules: dict[Rule, RuleSettings]
    flood_alarms: int
    flood_minutes: float
    source: str  # where they came from: the defaults, or a center's file over them
    sound: SoundSettings = field(default_factory=SoundSettings)

    def __getitem__(self, rule: Rule) -> RuleSettings:
        return self.rules[rule]


class SettingsError(ValueError):
    """A rules file the console refuses: ``where`` is "file:line", ``reason`` says why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where, self.reason = where, reason


def default_settings() -> AlarmSettings:
    """The rules as the console ships them."""
    return _settings(_parse(DEFAULTS_FILE.read_text(encoding="utf-8"), str(DEFAULTS_FILE)), None, "defaults")


def load_settings(path: Path) -> AlarmSettings:
    """The defaults with ``path``'s values over them; ``SettingsError`` if the file cannot be taken whole.

    A file that does not exist is not an error for the caller to report: it gets the defaults."""
    if not path.exists():
        return default_settings()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(str(path), f"cannot be read: {exc}") from None
    return settings_from(text, str(path))


def settings_from(text: str, name: str) -> AlarmSettings:
    """The defaults with the values of ``text`` (a center's file called ``name``) over them."""
    defaults = _parse(DEFAULTS_FILE.read_text(encoding="utf-8"), str(DEFAULTS_FILE))
    return _settings(defaults, (_parse(text, name), text, name), name)


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_in_message(str(exc))
        raise SettingsError(f"{name}:{line}" if line else name, f"not valid TOML: {exc}") from None


def _line_in_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _settings(defaults: dict[str, Any], own: tuple[dict[str, Any], str, str] | None, source: str) -> AlarmSettings:
    """Check the center's file against the defaults' shape, and merge it over them."""
    merged_rules = {name: dict(values) for name, values in defaults["rules"].items()}
    flood = dict(defaults["flood"])
    sound = dict(defaults["sound"])
    if own is not None:
        data, text, name = own

        def fail(table: str, key: str | None, reason: str) -> SettingsError:
            return SettingsError(f"{name}:{_line_of(text, table, key)}", reason)

        for top, value in data.items():
            if top not in ("rules", "flood", "sound"):
                raise fail(top, None, f"unknown table [{top}] (known: [flood], [sound], [rules.<rule>])")
            if not isinstance(value, dict):
                raise fail(top, None, f"{top} must be a table")
        for key, value in data.get("flood", {}).items():
            if key not in flood:
                raise fail("flood", key, f"unknown key {key!r} in [flood] (known: {', '.join(flood)})")
            if not _is_number(value) or value < 1:
                raise fail("flood", key, f"{key} must be a number of at least 1, not {value!r}")
            flood[key] = value
        for key, value in data.get("sound", {}).items():
            problem = _check_sound(key, value, known=sound)
            if problem:
                raise fail("sound", key, problem)
            sound[key] = value
        for rule_name, values in data.get("rules", {}).items():
            table = f"rules.{rule_name}"
            if rule_name not in merged_rules:
                raise fail(table, None, f"unknown rule {rule_name!r} (known: {', '.join(Rule)})")
            if not isinstance(values, dict):
                raise fail(table, None, f"[{table}] must be a table")
            for key, value in values.items():
                problem = _check(Rule(rule_name), key, value)
                if problem:
                    raise fail(table, key, problem)
                merged_rules[rule_name][key] = value
    rules = {}
    for rule in Rule:
        values = merged_rules[rule.value]
        rules[rule] = RuleSettings(
            rule,
            enabled=bool(values["enabled"]),
            priority=Priority[str(values["priority"]).upper()],
            latch=bool(values["latch"]),
            thresholds={k: v for k, v in values.items() if k not in ("enabled", "priority", "latch")},
        )
    chime = SoundSettings(
        bool(sound["enabled"]), Priority[str(sound["priority"]).upper()], float(sound["repeat_seconds"])
    )
    return AlarmSettings(rules, int(flood["alarms"]), float(flood["minutes"]), source, chime)


def _check_sound(key: str, value: object, known: dict[str, Any]) -> str:
    """Why ``key = value`` cannot be in ``[sound]`` ("" when it can)."""
    if key not in known:
        return f"unknown key {key!r} in [sound] (known: {', '.join(known)})"
    if key == "enabled":
        return "" if isinstance(value, bool) else f"enabled must be true or false, not {value!r}"
    if key == "priority":
        if isinstance(value, str) and value.upper() in Priority.__members__:
            return ""
        return f'priority must be "high", "medium" or "low", not {value!r}'
    if not _is_number(value) or value < 0:  # type: ignore[operator]
        return f"{key} must be a number of seconds, 0 or more, not {value!r}"
    return ""


def _check(rule: Rule, key: str, value: object) -> str:
    """Why ``key = value`` cannot be in ``rule``'s table ("" when it can)."""
    if key in ("enabled", "latch"):
        return "" if isinstance(value, bool) else f"{key} must be true or false, not {value!r}"
    if key == "priority":
        if isinstance(value, str) and value.upper() in Priority.__members__:
            return ""
        return f'priority must be "high", "medium" or "low", not {value!r}'
    known = _THRESHOLDS[rule]
    if key not in known:
        names = ", ".join(["enabled", "priority", "latch", *known])
        return f"unknown key {key!r} for rule {rule.value} (known: {names})"
    kind, lowest = known[key]
    if key == "min_urgency":
        allowed = [u.value for u in r.Urgency]
        return "" if value in allowed else f"min_urgency must be one of {', '.join(allowed)}, not {value!r}"
    if kind is int and not (isinstance(value, int) and not isinstance(value, bool)):
        return f"{key} must be a whole number, not {value!r}"
    if not _is_number(value):
        return f"{key} must be a number, not {value!r}"
    if value < lowest:  # type: ignore[operator]
        return f"{key} must be at least {lowest:g}, not {value!r}"
    return ""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN


def _line_of(text: str, table: str, key: str | None) -> int:
    """The line of ``key`` in ``[table]`` (or of the table's header), 1-based; 1 when not found.

    Good enough for the files people write by hand: headers ``[a.b]`` and ``key = value`` lines."""
    current = ""
    header_line = 1
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            current = stripped[1 : stripped.find("]")].strip().replace(" ", "").replace('"', "")
            if current == table:
                header_line = n
                if key is None:
                    return n
            continue
        if key is not None and current == table and re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line):
            return n
        if (
            key is not None
            and current == table.split(".")[0]
            and re.match(rf"\s*\"?{re.escape(table.split('.', 1)[-1])}\"?\.\"?{re.escape(key)}\"?\s*=", line)
        ):
            return n
    return header_line
