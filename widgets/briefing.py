"""The leaders' one-page briefing: an A4 PDF in Chinese of the leaders' view (issue 17).

The figures with their denominators, changes and targets; the last seven days of each; a thirty-day
chart per figure; the best and worst five streets and departments; the time of the data and whether
the link was live when it was taken. Laid out as HTML in a ``QTextDocument`` (every text escaped:
names can come from the backend) and printed by ``QPdfWriter``, so the PDF's text is text
(``pdftotext`` reads it) in the wall's font. It is in Chinese whatever the console's language (a
document for the district's leaders), with the names the backend gives.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QTextDocument,
)

from console.core.leader import FIGURES, Figure, LeaderView, Ranked
from console.core.untrusted import one_line
from server_link.workcal import BEIJING
from widgets.leader_board import CAPTIONS, rate_text
from widgets.print_font import FAMILIES, a4_writer, print_document

CHART_PX: Final = (260, 110)  # each figure's thirty-day chart, drawn at twice this for print


def _figure_text(f: Figure, value: float) -> str:
    if math.isnan(value):
        return "—"
    return rate_text(value) if f.is_rate else f"{value:,.0f}"


def _change_text(f: Figure, then: float) -> str:
    if math.isnan(f.value) or math.isnan(then):
        return "—"
    delta = f.value - then
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "＝"
    return f"{arrow}{abs(delta) * 100:.1f}" if f.is_rate else f"{arrow}{abs(delta):,.0f}"


def chart(view: LeaderView, name: str) -> QImage:
    """A figure's thirty days as a line (gaps where no row is kept), its target dashed."""
    w, h = CHART_PX[0] * 2, CHART_PX[1] * 2
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    f = view.figure(name)
    points = view.trends[name]
    values = [v for _, v in points if not math.isnan(v)]
    if f.target is not None:
        values.append(f.target)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#b0b3b8"), 2))
    p.drawRect(QRectF(1, 1, w - 2, h - 2))
    if values:
        lo, hi = min(values), max(values)
        if hi - lo < 1e-9:
            lo, hi = lo - 1, hi + 1
        pad = (hi - lo) * 0.15
        lo, hi = lo - pad, hi + pad

        def at(i: int, v: float) -> QPointF:
            return QPointF(12 + i * (w - 24) / max(1, len(points) - 1), h - 12 - (v - lo) / (hi - lo) * (h - 24))

        if f.target is not None:
            p.setPen(QPen(QColor("#c07a00"), 3, Qt.PenStyle.DashLine))
            p.drawLine(at(0, f.target), at(len(points) - 1, f.target))
        p.setPen(QPen(QColor("#1f2124"), 4))
        path = QPainterPath()
        drawing = False
        for i, (_, v) in enumerate(points):
            if math.isnan(v):
                drawing = False
                continue
            if drawing:
                path.lineTo(at(i, v))
            else:
                path.moveTo(at(i, v))
                drawing = True
            p.drawEllipse(at(i, v), 3, 3)
        p.drawPath(path)
    p.end()
    return image


def briefing_html(
    view: LeaderView, street_names: Mapping[str, str], department_names: Mapping[str, str], as_of: float,
    live: bool, live_since: float | None = None,
) -> str:  # fmt: skip
    """The briefing's page as HTML (every text escaped). ``live``: the link was live when the data
    was taken; else ``live_since`` is the time of the newest data, where known."""
    e = html.escape
    when = datetime.fromtimestamp(as_of, BEIJING).strftime("%Y-%m-%d %H:%M")
    if live:
        state = "实时数据"
    elif live_since is not None:
        newest = datetime.fromtimestamp(live_since, BEIJING).strftime("%Y-%m-%d %H:%M")
        state = f"非实时：最新数据 {newest}"
    else:
        state = "非实时"
    days = [d for d, _ in view.trends[FIGURES[0]][-7:]]
    head = "".join(f"<th>{e(d.strftime('%m-%d'))}</th>" for d in days)
    rows = []
    for f in view.figures:
        target = e(f"≥ {rate_text(f.target)}") if f.target is not None else "—"
        base = f"{f.denominator:,}" if f.denominator is not None else ""
        mark = " class='miss'" if f.misses_target else ""
        rows.append(
            f"<tr><td>{e(CAPTIONS[f.name])}</td><td class='n'><b{mark}>{e(_figure_text(f, f.value))}</b></td>"
            f"<td class='n'>{e(base)}</td><td class='n'>{e(_change_text(f, f.yesterday))}</td>"
            f"<td class='n'>{e(_change_text(f, f.last_week))}</td><td class='n'>{target}</td></tr>"
        )
    history = []
    for f in view.figures:
        last7 = "".join(f"<td class='n'>{e(_figure_text(f, v))}</td>" for _, v in view.trends[f.name][-7:])
        history.append(f"<tr><td>{e(CAPTIONS[f.name])}</td>{last7}</tr>")
    charts = "".join(
        f"<td><b>{e(CAPTIONS[name])}</b><br><img src='chart:{name}' width='{CHART_PX[0]}' "
        f"height='{CHART_PX[1]}'></td>" + ("</tr><tr>" if i % 3 == 2 else "")
        for i, name in enumerate(FIGURES)
    )

    def ranking(title: str, items: Sequence[Ranked], names: Mapping[str, str]) -> str:
        def line(x: Ranked) -> str:
            name = e(one_line(names.get(x.scope_id, x.scope_id), 24))
            change = "—" if math.isnan(x.change) else f"{'▲' if x.change > 0 else '▼'}{abs(x.change) * 100:.1f}"
            return (
                f"<tr><td>{name}</td><td class='n'>{e(rate_text(x.rate))}</td><td class='n'>{x.closed:,}</td>"
                f"<td class='n'>{e(change)}</td></tr>"
            )

        body = "".join(line(x) for x in items) or "<tr><td colspan='4'>（案件不足，未排名）</td></tr>"
        return (
            f"<td width='50%'><div class='c'>{e(title)}</div><table class='t'><tr><th>{e('名称')}</th>"
            f"<th>{e('按期结案率')}</th><th>{e('结案数')}</th><th>{e('较前七天')}</th></tr>{body}</table></td>"
        )

    return f"""<html><head><style>
body {{ font-family: '{FAMILIES[0]}', '{FAMILIES[1]}'; font-size: 10pt; color: #1f2124; }}
h1 {{ font-size: 16pt; margin: 0; }}
.sub {{ color: #55585e; font-size: 9pt; }}
table.t {{ border-collapse: collapse; }}
table.t td, table.t th {{ border: 1px solid #b0b3b8; padding: 2px 5px; }}
th {{ background: #eceef0; font-weight: normal; }}
.n {{ text-align: right; }}
.miss {{ color: #b35c00; }}
.c {{ font-weight: bold; margin: 4px 0 2px; }}
</style></head><body>
<h1>{e("东城区网格化服务管理 · 每日简报")}</h1>
<p class='sub'>{e(f"数据截至 {when}（{state}）· 今日为截至此时，昨日与上周同日为全天")}</p>
<div class='c'>{e("核心指标")}</div>
<table class='t' width='100%'><tr><th>{e("指标")}</th><th>{e("今日")}</th><th>{e("分母（件）")}</th>
<th>{e("较昨日")}</th><th>{e("较上周同日")}</th><th>{e("目标")}</th></tr>{"".join(rows)}</table>
<div class='c'>{e("近七日")}</div>
<table class='t' width='100%'><tr><th>{e("指标")}</th>{head}</tr>{"".join(history)}</table>
<div class='c'>{e("近三十日走势（虚线为目标）")}</div>
<table><tr>{charts}</tr></table>
<table width='100%'><tr>{ranking("街道 · 前五", view.best_streets, street_names)}
{ranking("街道 · 后五", view.worst_streets, street_names)}</tr>
<tr>{ranking("部门 · 前五", view.best_departments, department_names)}
{ranking("部门 · 后五", view.worst_departments, department_names)}</tr></table>
<p class='sub'>{e("排名：近七天按期结案率，结案五件以上；百分点变化较前七天。")}</p>
</body></html>"""


def write_briefing(
    path: Path, view: LeaderView, street_names: Mapping[str, str], department_names: Mapping[str, str],
    as_of: float, live: bool, live_since: float | None = None,
) -> None:  # fmt: skip
    """The briefing as an A4 PDF at ``path`` (``OSError`` if it cannot be written)."""
    writer = a4_writer(path, "东城区网格化服务管理 · 每日简报", 12)
    doc = print_document()
    for name in FIGURES:
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"chart:{name}"), chart(view, name))
    doc.setHtml(briefing_html(view, street_names, department_names, as_of, live, live_since))
    layout = writer.pageLayout()
    rect = layout.paintRectPixels(writer.resolution())
    doc.setPageSize(QSizeF(rect.width(), rect.height()))
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot write a PDF to {path}")
    doc.drawContents(painter)
    painter.end()
    if not path.exists() or path.stat().st_size == 0:
        raise OSError(f"the PDF {path} was not written")
