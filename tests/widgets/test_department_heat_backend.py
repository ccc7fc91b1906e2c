"""The department heat lists the backend's departments (docs/protocol.md §11.5), by their names."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.core.situation import Situation
from server_link import records as r
from tests.core.test_backend_records import DISTRICT, A, apply, page_case
from widgets.department_heat import DepartmentHeat


def test_a_backends_unknown_department_appears_in_the_heat_by_its_name(qtbot: QtBot) -> None:
    sit = Situation(DISTRICT)
    new = r.Department(schema=1, id="x-new-bureau", name="新设管理局", type=r.DepartmentKind.DISTRICT)
    known = r.Department(schema=1, id="d-cgzf", name="城管执法", type=r.DepartmentKind.DISTRICT)
    apply(sit, [new, known, page_case(1, until=A.FEEDBACK, dept="x-new-bureau")])
    heat = DepartmentHeat()
    qtbot.addWidget(heat)
    heat.show_situation(sit)
    assert sorted(heat.order) == ["d-cgzf", "x-new-bureau"]
    assert heat.values["x-new-bureau"][0] == 1.0  # its open case
    ticks = heat.plot.getAxis("left")._tickLevels[0]
    assert {label for _, label in ticks} == {"新设管理局", "城管执法"}
