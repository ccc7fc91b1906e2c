"""The camera wall panel: 1, 4, 9 or 16 tiles of live video, filled from a case, a camera or a request.

"Show" from a case fills the tiles with its nearest cameras, in order; from a camera it puts that
camera on the selected tile (or the first empty one). A double-click on a tile shows it alone, and
again brings the others back. Tiles beyond the layout are hidden and so hold no decoder; the tiles'
cameras and the layout are the wall's ``state()``, which the console keeps between runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.core.untrusted import one_line
from server_link import records as r
from widgets.camera_feed import DecoderBudget
from widgets.camera_tile import CameraTile

LAYOUTS: Final = r.WALL_TILES  # 1, 4, 9, 16
MAX_TILES: Final = max(LAYOUTS)


@dataclass
class WallState:
    """What the wall shows: its layout, each tile's camera id ("" for none) and the case they are for."""

    tiles: int = 4
    cameras: list[str] = field(default_factory=list)
    case_no: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"tiles": self.tiles, "cameras": self.cameras, "case_no": self.case_no}

    @classmethod
    def from_json(cls, data: object) -> WallState:
        """A state read back; anything malformed gives the empty wall (the file is the console's own)."""
        if not isinstance(data, dict):
            return cls()
        tiles = data.get("tiles")
        cameras = data.get("cameras")
        case_no = data.get("case_no")
        return cls(
            tiles if tiles in LAYOUTS else 4,
            [c if isinstance(c, str) and c.isascii() and c.isdigit() and len(c) == 20 else "" for c in cameras][
                :MAX_TILES
            ]
            if isinstance(cameras, list)
            else [],
            case_no if isinstance(case_no, str) and len(case_no) <= 32 else None,
        )


def tiles_for(count: int) -> int:
    """The smallest layout that holds ``count`` cameras."""
    return next((n for n in LAYOUTS if n >= count), MAX_TILES)


class CameraWall(QWidget):
    """Tiles of live video; see the module docstring.

    Signals:
        changed(): the layout or a tile's camera changed (the console saves ``state()``).
        still_wanted(CameraTile): keep this tile's picture as evidence of its case.
        external_wanted(str): open this checked link in the external player.
    """

    changed = Signal()
    still_wanted = Signal(object)
    external_wanted = Signal(str)

    def __init__(
        self, budget: DecoderBudget, check: Callable[[str], str], *, wall_id: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cameraWall")
        self.wall_id = wall_id
        self.budget = budget
        self.tiles = [CameraTile(budget, check) for _ in range(MAX_TILES)]
        self.count = 4
        self.solo: CameraTile | None = None
        self.case_no: str | None = None
        self._records: Callable[[], Mapping[str, r.Record]] = dict

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 4)
        self.title = QLabel()  # which wall, and which case its cameras are for
        self.title.setObjectName("wallTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setMinimumWidth(0)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.title, 1)
        # one compact button (the wall may sit in a narrow dock): the layouts and 清空 in its menu
        self.menu_button = QToolButton()
        self.menu_button.setObjectName("wallLayout")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        self.layout_actions: dict[int, QAction] = {}
        group = QActionGroup(self)
        for n in LAYOUTS:
            action = menu.addAction(self.tr("{0} 画面").format(n))
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, n=n: self.set_tiles(n))
            group.addAction(action)
            self.layout_actions[n] = action
        menu.addSeparator()
        menu.addAction(self.tr("清空")).triggered.connect(self.clear)
        self.menu_button.setMenu(menu)
        bar.addWidget(self.menu_button)

        self.grid = QGridLayout()
        self.grid.setSpacing(2)
        self.grid.setContentsMargins(0, 0, 0, 0)
        for tile in self.tiles:
            tile.hide()
            tile.solo_toggled.connect(lambda t=tile: self._toggle_solo(t))
            tile.cleared.connect(lambda t=tile: self._clear_tile(t))
            tile.still_wanted.connect(lambda t=tile: self.still_wanted.emit(t))
            tile.external_wanted.connect(self.external_wanted)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addLayout(self.grid, 1)
        self._arrange()
        self._show_title()

    # ------------------------------------------------------------------ reading
    @property
    def shown(self) -> list[CameraTile]:
        """The tiles on show, in order."""
        return [self.solo] if self.solo is not None else self.tiles[: self.count]

    def state(self) -> WallState:
        return WallState(self.count, [t.camera_id for t in self.tiles[: self.count]], self.case_no)

    # ------------------------------------------------------------------ filling
    def set_records(self, records: Callable[[], Mapping[str, r.Record]]) -> None:
        """Where the cameras' current records are (the live situation's, which a new picture replaces
        whole): tiles follow their online state."""
        self._records = records
        self.refresh()

    def refresh(self, keys: set[str] | None = None) -> None:
        """Tiles take their cameras' current records (only those of ``keys`` when given)."""
        for tile in self.tiles:
            if tile.camera_id and (keys is None or f"/camera/{tile.camera_id}" in keys):
                camera = self._camera(tile.camera_id)
                if camera != tile.camera:
                    tile.set_camera(camera, tile.camera_id, tile.case_no)

    def show_cameras(self, camera_ids: Sequence[str], *, case_no: str | None = None, tiles: int | None = None) -> None:
        """Fill the tiles with these cameras in order (a layout that holds them, or ``tiles``); the
        tiles after them are emptied."""
        ids = list(camera_ids)[:MAX_TILES]
        count = tiles if tiles in LAYOUTS else max(self.count, tiles_for(len(ids)))
        self.case_no = case_no
        self.solo = None
        for i, tile in enumerate(self.tiles):
            cid = ids[i] if i < len(ids) and i < count else ""
            tile.set_camera(self._camera(cid) if cid else None, cid, case_no if cid else None)
        self._set_count(count)
        self._show_title()
        self.changed.emit()

    def show_camera(self, camera_id: str, *, case_no: str | None = None) -> None:
        """Put one camera on the selected tile, else on the first empty one, else on the first."""
        shown = self.shown
        target = next((t for t in shown if t.selected), None) or next((t for t in shown if not t.camera_id), shown[0])
        target.set_camera(self._camera(camera_id), camera_id, case_no)
        self._select(target)
        self.changed.emit()

    def _show_title(self) -> None:
        parts = [self.tr("墙 {0}").format(self.wall_id)] if self.wall_id else []
        if self.case_no:
            parts.append(self.tr("案件 {0} 附近的摄像头").format(one_line(self.case_no, 32)))
        self.title.setText(" · ".join(parts))

    def restore(self, state: WallState) -> None:
        self.show_cameras(state.cameras, case_no=state.case_no, tiles=state.tiles)

    def clear(self) -> None:
        self.show_cameras([], tiles=self.count)

    def set_tiles(self, count: int) -> None:
        if count in LAYOUTS:
            self.solo = None
            self._set_count(count)
            self.changed.emit()

    # ------------------------------------------------------------------ internals
    def _camera(self, camera_id: str) -> r.Camera | None:
        record = self._records().get(f"/camera/{camera_id}")
        return record if isinstance(record, r.Camera) else None

    def _set_count(self, count: int) -> None:
        self.count = count
        self.layout_actions[count].setChecked(True)
        self.menu_button.setText(self.tr("{0} 画面").format(count))
        self._arrange()

    def _arrange(self) -> None:
        """Lay out the tiles on show in a square; hide the others (so they give their decoders back)."""
        shown = self.shown
        for tile in self.tiles:
            if tile not in shown:
                tile.hide()
                self.grid.removeWidget(tile)
        side = {1: 1, 4: 2, 9: 3, 16: 4}[len(shown)]
        for i, tile in enumerate(shown):
            self.grid.addWidget(tile, i // side, i % side)
            tile.show()

    def _toggle_solo(self, tile: CameraTile) -> None:
        self.solo = None if self.solo is tile else tile
        self._arrange()

    def _clear_tile(self, tile: CameraTile) -> None:
        tile.set_camera(None)
        self.changed.emit()

    def _select(self, tile: CameraTile) -> None:
        for t in self.tiles:
            t.set_selected(t is tile)

    def mousePressEvent(self, event: Any) -> None:  # a click on a tile selects it
        child = self.childAt(event.position().toPoint())
        while child is not None and not isinstance(child, CameraTile):
            child = child.parentWidget()
        if isinstance(child, CameraTile):
            self._select(child)
        super().mousePressEvent(event)
