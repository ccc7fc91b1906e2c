"""The wall's style sheet, scaled to the screen it is shown on.

The themes (resources/styles/*.qss) are written for a 1920×1080 wall screen read from across the
room. On a district leader's laptop (1366×768) the same pixel sizes crowd the panels; on a 4K wall
screen without desktop scaling they are small. Every pixel size in the sheet (type, padding, widths)
is multiplied by the scale; borders stay at least a pixel.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Final

BASE_HEIGHT: Final = 1080  # the screen height the themes are written for
MIN_SCALE: Final = 0.7
MAX_SCALE: Final = 2.0
_PX = re.compile(r"(?<![\w.#-])(\d+(?:\.\d+)?)px\b")


def auto_scale(screen_height: int) -> float:
    """The scale for a screen ``screen_height`` logical pixels high (1.0 at 1080), within 0.7 … 2."""
    return min(MAX_SCALE, max(MIN_SCALE, screen_height / BASE_HEIGHT))


def style_sheet(theme: str, scale: float = 1.0) -> str:
    """The ``theme`` style sheet with every pixel size multiplied by ``scale``."""
    qss = (resources.files("resources.styles") / f"{theme}.qss").read_text(encoding="utf-8")
    return _PX.sub(lambda m: f"{max(1, round(float(m[1]) * scale))}px", qss)
