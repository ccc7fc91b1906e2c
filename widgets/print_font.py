"""How the console writes its PDFs (the leaders' briefing, the council's minutes): an A4 writer at
150 dpi, and a text document in the PDFs' font.

Latin letters and digits come from DejaVu Sans, Chinese from Noto Sans CJK SC: with the CJK font alone,
Qt writes no text mapping for its digits, so a case number copied or searched in the PDF came out as
"DC" and nothing after it (seen with ``pdftotext``); DejaVu's glyphs map back to their characters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPdfWriter, QTextDocument

FAMILIES: Final = ("DejaVu Sans", "Noto Sans CJK SC")


def print_font(points: float) -> QFont:
    font = QFont()
    font.setFamilies(list(FAMILIES))
    font.setPointSizeF(points)
    return font


def a4_writer(path: Path, title: str, margin_mm: float) -> QPdfWriter:
    """A portrait A4 PDF writer at ``path`` (its folder made), 150 dpi, with ``title``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    margins = QMarginsF(margin_mm, margin_mm, margin_mm, margin_mm)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait, margins))
    writer.setResolution(150)
    writer.setTitle(title)
    writer.setCreator("grid-console")
    return writer


def print_document(points: float = 10) -> QTextDocument:
    """An empty document in the PDFs' font."""
    doc = QTextDocument()
    doc.setDefaultFont(print_font(points))
    return doc
