"""The coordination council's minutes: an A4 PDF in Chinese, to sign.

The meeting's date and time, its attendees; for each case decided, its summary (why it came, its
hand-overs and the time lost to bouncing), its bounce graph as a picture, and the decisions taken;
then the cases of the agenda left open. Laid out as HTML in a ``QTextDocument`` — every text escaped:
titles, names and notes come from the backend and, in the end, from the public — and printed page
by page by ``QPdfWriter``, so the text is text (``pdftotext`` reads it) in the wall's CJK font.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage, QTextDocument

from console.core.council import Dossier, Reason
from console.core.untrusted import one_line
from server_link import records as r
from server_link.workcal import BEIJING
from widgets.bounce_graph import BounceGraph
from widgets.print_font import a4_writer, print_document

ACTION_WORDS: Final = {
    r.DecisionAction.ASSIGN: "指定承办", r.DecisionAction.JOINT: "牵头 + 配合", r.DecisionAction.REROUTE: "改派",
    r.DecisionAction.CLOSE: "结案", r.DecisionAction.NOTE: "仅记录",
}  # fmt: skip
REASON_WORDS: Final = {
    Reason.ADDED: "指挥台提交", Reason.BUCK_PASSING: "推诿", Reason.RETURNS: "多次退回", Reason.OVERDUE: "超期",
    Reason.ESCALATED: "街道上报", Reason.HARD: "疑难",
}  # fmt: skip


@dataclass(frozen=True)
class MinutesItem:
    """A case the meeting discussed: its dossier, why it came, and what was decided (maybe nothing)."""

    dossier: Dossier
    title: str
    reasons: tuple[Reason, ...]
    decisions: tuple[r.Decision, ...]


def _t(text: str) -> str:
    return html.escape(one_line(text, wrap=False))


def _duration(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return f"{days}天{hours}时" if days else f"{hours}时{mins:02d}分"


def graph_image(dossier: Dossier, names: Mapping[str, str]) -> QImage:
    """The case's bounce graph drawn for print."""
    graph = BounceGraph()
    graph.show_dossier(dossier, names)
    graph.resize(max(700, graph.sizeHint().width()), graph.sizeHint().height())
    image = QImage(graph.size(), QImage.Format.Format_RGB32)
    image.fill(0x0D1117)
    graph.render(image)
    return image


def minutes_html(
    started: datetime, attendees: Sequence[str], items: Sequence[MinutesItem], names: Mapping[str, str]
) -> str:
    def dept(d: str | None) -> str:
        return _t(names.get(d, d)) if d else "—"

    local = started.astimezone(BEIJING)
    decided = [i for i in items if i.decisions]
    left = [i for i in items if not i.decisions]
    parts = [
        "<h2>东城区网格化服务管理中心 · 协调会商纪要</h2>",
        f"<p>会议时间：{local:%Y年%m月%d日 %H:%M}　　议题：{len(items)} 件，作出决定 {len(decided)} 件</p>",
        f"<p>参会人员：{'、'.join(_t(a) for a in attendees) or '（未填写）'}</p>",
    ]
    for n, item in enumerate(decided, start=1):
        d = item.dossier
        returns = sum(1 for h in d.hops if h.kind.value == "return")
        reasons = "、".join(REASON_WORDS[x] for x in item.reasons)
        parts += [
            f"<h3>{n}. {_t(d.case_no)}　{_t(item.title)}</h3>",
            f"<p>上会原因：{reasons or '—'}。流转 {len(d.hops)} 次，退回 {returns} 次，推诿耗时 "
            f"{_duration(d.lost_s)}；反映 {d.reports} 次。</p>",
            f'<p><img src="graph:{html.escape(d.case_no, quote=True)}" width="620"></p>',
        ]
        for dec in item.decisions:
            support = f"；配合：{'、'.join(dept(x) for x in dec.supporting)}" if dec.supporting else ""
            deadline = f"；时限：{dec.deadline.astimezone(BEIJING):%Y-%m-%d %H:%M}" if dec.deadline else ""
            parts.append(
                f"<p><b>决定 {dec.n}：{ACTION_WORDS[dec.action]}</b>　牵头：{dept(dec.dept)}{support}{deadline}"
                f"<br>意见：{_t(dec.note) or '—'}　（{_t(dec.by)}，{dec.decided_at.astimezone(BEIJING):%H:%M}）</p>"
            )
    parts.append("<h3>未作决定的议题</h3>")
    if left:
        parts.append("<ul>" + "".join(f"<li>{_t(i.dossier.case_no)}　{_t(i.title)}</li>" for i in left) + "</ul>")
    else:
        parts.append("<p>（无）</p>")
    parts.append("<p><br>主持人签字：＿＿＿＿＿＿＿＿　　记录人签字：＿＿＿＿＿＿＿＿</p>")
    return "\n".join(parts)


def write_minutes(
    path: Path, started: datetime, attendees: Sequence[str], items: Sequence[MinutesItem], names: Mapping[str, str]
) -> None:
    """The minutes as an A4 PDF at ``path`` (``OSError`` if it cannot be written)."""
    writer = a4_writer(path, "东城区网格化服务管理中心 · 协调会商纪要", 15)
    doc = print_document()
    for item in items:
        if item.decisions:
            url = QUrl(f"graph:{item.dossier.case_no}")
            doc.addResource(QTextDocument.ResourceType.ImageResource, url, graph_image(item.dossier, names))
    doc.setHtml(minutes_html(started, attendees, items, names))
    doc.print_(writer)
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"the PDF {path} was not written")
