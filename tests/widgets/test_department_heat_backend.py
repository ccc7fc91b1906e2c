"""The department heat lists the backend's departments (docs/protocol.md §11.5), by their names."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from console.core.situation import Situation
from server_link import records as r
from tests.core.test_backend_records import DISTRICT, A, apply, page_case
from widgets.case_queue import CaseQueue
from widgets.case_queue_model import Column
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


def test_the_queue_names_departments_as_the_heat_does(qtbot: QtBot) -> None:
    sit = Situation(DISTRICT)
    renamed = r.Department(schema=1, id="d-cgzf", name="城管执法", type=r.DepartmentKind.DISTRICT)
    new = r.Department(schema=1, id="x-new-bureau", name="新设管理局", type=r.DepartmentKind.DISTRICT)
    apply(
        sit,
        [
            renamed,
            new,
            page_case(1, until=A.FEEDBACK, dept="d-cgzf"),
            page_case(2, until=A.FEEDBACK, dept="x-new-bureau"),
        ],
    )
    heat, queue = DepartmentHeat(), CaseQueue(sit)
    for w in (heat, queue):
        qtbot.addWidget(w)
    heat.show_situation(sit)
    model = queue.model
    shown = {model.data(model.index(row, Column.DEPT)) for row in range(model.rowCount())}
    assert shown == {heat.names["d-cgzf"], heat.names["x-new-bureau"]} == {"城管执法", "新设管理局"}  # not 区城管执法局
    queue.filter_to_department("d-cgzf")
    assert "城管执法" in queue.breadcrumb.text()
