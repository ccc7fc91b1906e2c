"""Chinese names and formats the panels share: steps, loops, actions, lights, countdowns, times."""

from __future__ import annotations

import math
from datetime import datetime

from console.core.case_state import Light
from server_link import records as r
from server_link.workcal import BEIJING

STEP_NAMES = {
    r.Step.COLLECTED: "信息收集",
    r.Step.FILED: "案件建立",
    r.Step.DISPATCHED: "任务派遣",
    r.Step.HANDLING: "任务处理",
    r.Step.FEEDBACK: "处理反馈",
    r.Step.CLOSED: "核查结案",
    r.Step.EVALUATED: "综合评价",
}
LOOP_NAMES = {r.Loop.SMALL: "小循环", r.Loop.BIG: "大循环"}
ACTION_NAMES = {
    r.Action.COLLECT: "受理",
    r.Action.FILE: "立案",
    r.Action.DISPATCH: "派遣",
    r.Action.ACCEPT: "接收",
    r.Action.RETURN: "退回",
    r.Action.HANDLE: "处置",
    r.Action.FEEDBACK: "反馈",
    r.Action.VERIFY_PASS: "核查通过",
    r.Action.VERIFY_FAIL: "核查未通过（返工）",
    r.Action.CLOSE: "结案",
    r.Action.CALLBACK: "回访",
    r.Action.EVALUATE: "评价",
    r.Action.ESCALATE: "上报区级",
    r.Action.FLAG_HARD: "提交会商",
    r.Action.DECISION: "会商决定",
}
# A light is never colour alone: a word and a shape go with it (WALL.md).
LIGHT_TEXT = {Light.NONE: "—", Light.GREEN: "● 绿", Light.YELLOW: "▲ 黄", Light.RED: "■ 红"}


def duration(seconds: float) -> str:
    """``2时05分`` (or ``3天4时`` past a day); ``—`` when unknown."""
    if math.isnan(seconds):
        return "—"
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return f"{days}天{hours}时" if days else f"{hours}时{mins:02d}分"


def countdown(deadline: float, now: float) -> str:
    """``剩 1时23分`` before the deadline, ``超 2时05分`` after it."""
    if math.isnan(deadline):
        return "—"
    left = deadline - now
    return f"剩 {duration(left)}" if left >= 0 else f"超 {duration(-left)}"


def clock(ts: float | datetime, with_date: bool = True) -> str:
    """Beijing time, absolute (for details)."""
    at = ts if isinstance(ts, datetime) else datetime.fromtimestamp(ts, BEIJING)
    return at.astimezone(BEIJING).strftime("%m-%d %H:%M" if with_date else "%H:%M")


def percent(rate: float) -> str:
    """One decimal, ``—`` when there is nothing to divide."""
    return "—" if math.isnan(rate) else f"{100 * rate:.1f}%"
