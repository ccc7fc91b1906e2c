"""The alarm system's own figures on a diagnostics view (ISA-18.2 / EEMUA 191): is the room flooded?

Alarms per hour and per 10 minutes against the targets (about 6 an hour, at most 12; about one per
10 minutes), the busiest hour, the share of 10-minute periods in flood, stale and chattering alarms,
the ten most frequent and each rule's share — over the last 24 hours and the last 7 days.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from console.core.alarms.kpis import AlarmKpis
from widgets.alarm_list import RULE_NAMES

TARGET_PER_HOUR = 6.0
CEILING_PER_HOUR = 12


def _translated(text: str) -> str:
    """A text marked for translation where it was defined (QT_TRANSLATE_NOOP), translated now."""
    return QCoreApplication.translate("AlarmFigures", text)


class AlarmFigures(QDialog):
    """Two spans side by side (the last day, the last week); ``show_figures`` fills them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmFigures")
        self.setWindowTitle(self.tr("告警系统运行指标"))
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("指标"),
                self.tr("近 24 小时"),
                self.tr("近 7 天"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.note = QLabel(
            QCoreApplication.translate(
                "AlarmFigures",
                "目标（ISA-18.2 / EEMUA 191）：平均每小时约 6 条，最忙的一小时不超过 12 条；单一规则不超过 25 %。",
            )
        )
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note)
        self.resize(720, 560)

    def show_figures(self, day: AlarmKpis, week: AlarmKpis) -> None:
        rows: list[tuple[str, str, str, bool]] = [
            (self.tr("告警总数"), f"{day.total:,}", f"{week.total:,}", False),
            (self.tr("平均每小时"), f"{day.per_hour:.1f}", f"{week.per_hour:.1f}",
             max(day.per_hour, week.per_hour) > TARGET_PER_HOUR),
            (self.tr("最忙的一小时"), f"{day.busiest_hour}", f"{week.busiest_hour}",
             max(day.busiest_hour, week.busiest_hour) > CEILING_PER_HOUR),
            (self.tr("平均每 10 分钟"), f"{day.per_ten_minutes:.2f}", f"{week.per_ten_minutes:.2f}", False),
            (self.tr("泛滥时段占比"), f"{100 * day.flood_share:.1f}%", f"{100 * week.flood_share:.1f}%",
             max(day.flood_share, week.flood_share) > 0.01),
            (self.tr("长期未消除（> 24 小时）"), f"{day.stale}", f"{week.stale}", week.stale > 0),
            (self.tr("抖动告警（1 分钟内 3 次）"), f"{len(day.chattering)}", f"{len(week.chattering)}",
             bool(week.chattering)),
            (self.tr("最大单一规则占比"), f"{100 * day.largest_rule_share:.0f}%",
             f"{100 * week.largest_rule_share:.0f}%", week.largest_rule_share > 0.25),
        ]  # fmt: skip
        for rule in sorted(week.by_rule, key=lambda x: -week.by_rule[x]):
            rows.append(
                ("  " + self.tr("规则：{0}").format(QCoreApplication.translate("AlarmList", RULE_NAMES[rule])),
                 f"{day.by_rule.get(rule, 0):,}", f"{week.by_rule[rule]:,}", False)
            )  # fmt: skip
        for ident, n in week.top:
            rows.append(("  " + self.tr("最频繁：{0}").format(ident), "", f"{n:,}", False))
        self.table.setRowCount(len(rows))
        for i, (name, a, b, over) in enumerate(rows):
            for col, text in enumerate((name, a, b)):
                item = QTableWidgetItem(text)
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if over and col:
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(i, col, item)
