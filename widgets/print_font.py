"""The font of the console's PDFs (the briefing, the minutes).

Latin letters and digits come from DejaVu Sans, Chinese from Noto Sans CJK SC: with the CJK font alone,
Qt writes no text mapping for its digits, so a case number copied or searched in the PDF came out as
"DC" and nothing after it (seen with ``pdftotext``); DejaVu's glyphs map back to their characters.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtGui import QFont

FAMILIES: Final = ("DejaVu Sans", "Noto Sans CJK SC")


def print_font(points: float) -> QFont:
    font = QFont()
    font.setFamilies(list(FAMILIES))
    font.setPointSizeF(points)
    return font
