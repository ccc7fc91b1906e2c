"""Names and formats the panels share: steps, loops, actions, lights, countdowns, times.

The tables hold the Chinese source strings, marked for lupdate with ``QT_TRANSLATE_NOOP``: they are
built at import time, before a translator is installed, so the functions below translate at use time.
"""

from __future__ import annotations

import math
from datetime import datetime

from PySide6.QtCore import QCoreApplication

from console.core import catalogue
from console.core.rules import Light, is_overdue
from console.core.situation import Situation
from server_link import records as r
from server_link.district import District
from server_link.workcal import BEIJING
from widgets.i18n import QT_TRANSLATE_NOOP

CONTEXT = "labels"

STEP_NAMES = {
    r.Step.COLLECTED: QT_TRANSLATE_NOOP("labels", "信息收集"),
    r.Step.FILED: QT_TRANSLATE_NOOP("labels", "案件建立"),
    r.Step.DISPATCHED: QT_TRANSLATE_NOOP("labels", "任务派遣"),
    r.Step.HANDLING: QT_TRANSLATE_NOOP("labels", "任务处理"),
    r.Step.FEEDBACK: QT_TRANSLATE_NOOP("labels", "处理反馈"),
    r.Step.CLOSED: QT_TRANSLATE_NOOP("labels", "核查结案"),
    r.Step.EVALUATED: QT_TRANSLATE_NOOP("labels", "综合评价"),
}
LOOP_NAMES = {r.Loop.SMALL: QT_TRANSLATE_NOOP("labels", "小循环"), r.Loop.BIG: QT_TRANSLATE_NOOP("labels", "大循环")}
ACTION_NAMES = {
    r.Action.COLLECT: QT_TRANSLATE_NOOP("labels", "受理"),
    r.Action.FILE: QT_TRANSLATE_NOOP("labels", "立案"),
    r.Action.DISPATCH: QT_TRANSLATE_NOOP("labels", "派遣"),
    r.Action.ACCEPT: QT_TRANSLATE_NOOP("labels", "接收"),
    r.Action.RETURN: QT_TRANSLATE_NOOP("labels", "退回"),
    r.Action.HANDLE: QT_TRANSLATE_NOOP("labels", "处置"),
    r.Action.FEEDBACK: QT_TRANSLATE_NOOP("labels", "反馈"),
    r.Action.VERIFY_PASS: QT_TRANSLATE_NOOP("labels", "核查通过"),
    r.Action.VERIFY_FAIL: QT_TRANSLATE_NOOP("labels", "核查未通过（返工）"),
    r.Action.CLOSE: QT_TRANSLATE_NOOP("labels", "结案"),
    r.Action.CALLBACK: QT_TRANSLATE_NOOP("labels", "回访"),
    r.Action.EVALUATE: QT_TRANSLATE_NOOP("labels", "评价"),
    r.Action.ESCALATE: QT_TRANSLATE_NOOP("labels", "上报区级"),
    r.Action.FLAG_HARD: QT_TRANSLATE_NOOP("labels", "提交会商"),
    r.Action.DECISION: QT_TRANSLATE_NOOP("labels", "会商决定"),
}
# A light is never colour alone: a word and a shape go with it (WALL.md).
LIGHT_TEXT = {
    Light.NONE: "—",
    Light.GREEN: QT_TRANSLATE_NOOP("labels", "● 绿"),
    Light.YELLOW: QT_TRANSLATE_NOOP("labels", "▲ 黄"),
    Light.RED: QT_TRANSLATE_NOOP("labels", "■ 红"),
}


def _translate(text: str) -> str:
    """``text`` (a string marked in context ``labels``) in the installed language."""
    return QCoreApplication.translate(CONTEXT, text)


def step_name(step: r.Step) -> str:
    return _translate(STEP_NAMES[step])


def loop_name(loop: r.Loop) -> str:
    return _translate(LOOP_NAMES[loop])


def action_name(action: r.Action) -> str:
    return _translate(ACTION_NAMES[action])


def light_text(light: Light) -> str:
    return _translate(LIGHT_TEXT[light])


def duration(seconds: float) -> str:
    """``2时05分`` (or ``3天4时`` past a day); ``—`` when unknown."""
    if math.isnan(seconds):
        return "—"
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return QCoreApplication.translate("labels", "{0}天{1}时").format(days, hours)
    return QCoreApplication.translate("labels", "{0}时{1:02d}分").format(hours, mins)


def countdown(deadline: float, now: float) -> str:
    """``剩 1时23分`` before the deadline, ``超 2时05分`` once overdue (``rules.is_overdue``: from the
    deadline's instant on, as the red light)."""
    if math.isnan(deadline):
        return "—"
    if not is_overdue(deadline, now):
        return QCoreApplication.translate("labels", "剩 {0}").format(duration(deadline - now))
    return QCoreApplication.translate("labels", "超 {0}").format(duration(now - deadline))


def clock(ts: float | datetime, with_date: bool = True) -> str:
    """Beijing time, absolute (for details)."""
    at = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, BEIJING)
    return at.astimezone(BEIJING).strftime("%m-%d %H:%M" if with_date else "%H:%M")


def percent(rate: float) -> str:
    """One decimal, ``—`` when there is nothing to divide."""
    return "—" if math.isnan(rate) else f"{100 * rate:.1f}%"


def grid_name(district: District, code: str) -> str:
    """A unit grid by where it is ("东华门·多福巷 011号"), not by its 15 digits; an unknown code as is."""
    u = district.unit_grids.get(code)
    if u is None:
        return code
    community = district.communities.get(u.community)
    return QCoreApplication.translate("labels", "{street}·{community} {n}号").format(
        street=street_name(district, u.street), community=community.name if community else u.community,
        n=code[-3:],
    )  # fmt: skip


def english() -> bool:
    """English is on show ("zh" is translated as the translation's own language code)."""
    return QCoreApplication.translate("labels", "zh", "the language of this translation: zh or en") == "en"


def channel_name(district: District, code: str) -> str:
    """A channel's name in the language on show (the district data has both); an unknown code as is."""
    channel = district.channels.get(code)
    if channel is None:
        return code
    return channel.name_en if english() else channel.name


def category_name(district: District, code: str, *, with_major: bool = False) -> str:
    """A category's title (上水井盖 破损) in the language on show, ``with_major`` behind its major
    category (公用设施 / 上水井盖 破损); an unknown code as is."""
    c = district.categories.get(code)
    if c is None:
        return code
    title, major = (c.title_en, c.major_name_en) if english() else (c.title, c.major_name)
    return f"{major} / {title}" if with_major else title


def street_name(district: District, code: str, *, full: bool = False) -> str:
    """A shipped street's name in the language on show: short (东华门) or ``full`` (东华门街道) in
    Chinese, its pinyin (Donghuamen) in English either way; an unknown code as is."""
    street = district.streets.get(code)
    if street is None:
        return code
    if english():
        return street.name_en
    return street.name if full else street.short_name


def base_grid_name(district: District, grid_id: str) -> str:
    """A base grid's name ("东华门街道基础网格001" as shipped; in English its street's English name
    and number); an unknown id as is."""
    grid = district.base_grids.get(grid_id)
    if grid is None:
        return grid_id
    if not english():
        return grid.name
    return QCoreApplication.translate("labels", "{street}基础网格{n}").format(
        street=street_name(district, grid.street, full=True), n=grid_id[-3:]
    )


def street_names(sit: Situation) -> dict[str, str]:
    """Every street to list (``catalogue.street_names``: the backend's names over the shipped ones),
    code → name in the language on show. A street the backend calls by its shipped name, short or
    full, has the shipped short name (the lists say 街道 in their header), or in English the district
    data's English one; a name the backend changed, or a street the district does not ship, stays as
    the backend wrote it."""
    names = catalogue.street_names(sit)
    shipped = sit.district.streets
    return {
        code: street_name(sit.district, code) if (s := shipped.get(code)) and name in (s.short_name, s.name) else name
        for code, name in names.items()
    }


def department_names(sit: Situation) -> dict[str, str]:
    """Every department to list, id → name in the language on show: the backend's names where it
    publishes them, else the shipped ones (``catalogue.department_names``). In English, the district
    data's English name of a department the backend calls by its shipped Chinese name (a name the
    backend changed, or a department the district does not ship, stays as the backend wrote it)."""
    names = catalogue.department_names(sit)
    if not english():
        return names
    shipped = sit.district.departments
    return {i: d.name_en if (d := shipped.get(i)) and d.name == name else name for i, name in names.items()}


def short_department_name(name: str) -> str:
    """A department's name for a narrow column (the heat's names, the queue's column): in English
    without the "District " most names start with, which on the district's own wall says nothing."""
    return name.removeprefix("District ") if english() else name
