"""The camera screenshot: a red case's nearest cameras on the map and live on a 4-tile camera wall.

Run by ``bash scripts/screenshot-cameras [OUT.png]`` (under Xvfb at 1920x1080): the demo console with
the map, the queue, the detail and the camera wall; once the picture is in, the first red case with
cameras near it is selected, the map zooms to it (the camera layer shows from zoom 15), its three
nearest online cameras and the nearest offline one go on the wall, and after a few seconds of video
the window is saved.
"""

from __future__ import annotations

import sys
from pathlib import Path

from demo_console import demo_console  # this folder's sibling (the script's folder is on sys.path)
from PySide6.QtCore import Qt, QTimer

from console.core.camera_index import nearby_cameras
from console.core.case_state import Light
from console.shell.composition import Console
from console.shell.roles import COMMANDER, WindowPlan

PLAN = WindowPlan(("map", "queue", "detail", "cameras"))


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/cameras.png")
    app, console = demo_console(COMMANDER, [PLAN])
    window = console.window
    window.resizeDocks([window.docks["cameras"]], [470], Qt.Orientation.Vertical)
    state = {"case": None, "tries": 0}

    def pick() -> None:
        sit = console.situation
        state["tries"] += 1
        if not sit.pictured or not console.map.is_ready:
            QTimer.singleShot(500, pick)
            return
        for s in sorted(sit.cases.values(), key=lambda s: (-int(s.light), s.no)):
            if not s.open or s.light is not Light.RED:
                continue
            near = nearby_cameras(sit.camera_index, sit.records, s.lon, s.lat, limit=400, within_m=5000)
            online = [n.camera.id for n in near if n.camera.online and n.distance_m <= 1000][:3]
            offline = [n.camera.id for n in near if not n.camera.online][:1]  # the nearest offline one
            if len(online) == 3 and offline:
                state["case"] = s.no
                console.case_clicked_on_map(s.no)  # selected as a click on its symbol does
                console.cameras.show([*online, *offline], case_no=s.no, tiles=4)
                QTimer.singleShot(1500, lambda no=s.no: console.map.select_case(no, reveal=True))
                QTimer.singleShot(9000, shoot)
                return
        print("no red case with three online cameras near it", file=sys.stderr)
        app.exit(1)

    def shoot() -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(out))
        print(f"case {state['case']}: screenshot written to {out}" if ok else f"could not write {out}")
        app.exit(0 if ok else 1)

    QTimer.singleShot(2000, pick)
    code = app.exec()
    close(console)
    return code


def close(console: Console) -> None:
    console.close()
    console.window.close()


if __name__ == "__main__":
    sys.exit(main())
