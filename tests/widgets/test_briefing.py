"""The leaders' briefing: an A4 PDF whose text (pdftotext) holds the figures and the time of the
data, says whether it was live, shows names as text, and renders (pdftoppm); and the headless
command: written from a live backend, refused with a clear line when there is none."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from server_link.endpoints import Endpoints
from server_link.workcal import BEIJING
from tests.widgets.test_leader_board import board
from widgets.briefing import write_briefing

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"), reason="poppler-utils (pdftotext) not installed"
)  # (the test command installs it; in CI its absence fails below)


def pdf_text(path: Path) -> str:
    """The PDF's text. NFKC: Qt's PDF maps some glyphs the Noto CJK font shares between a Kangxi
    radical and its ideograph back to the radical (⽇ U+2F47 for 日), which NFKC folds to the ideograph."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFKC", done.stdout)


def test_the_briefing_holds_the_figures_the_time_and_renders(qtbot: QtBot, tmp_path: Path) -> None:
    view = board(qtbot).view
    assert view is not None
    as_of = datetime(2026, 12, 3, 16, 10, tzinfo=BEIJING).timestamp()
    out = tmp_path / "briefing.pdf"
    hostile = "<b>景山</b>\u202e"  # a backend's name: shown as text, no markup, no override
    write_briefing(
        out, view, {"110101001": "东华门", "110101002": hostile}, {}, as_of, live=False, live_since=as_of - 600
    )
    text = pdf_text(out)
    for expected in ("97.0%", "95.0%", "≥ 99.0%", "2026-12-03 16:10", "非实时", "16:00", "<b>景山</b>"):
        assert expected in text, expected
    assert "\u202e" not in text
    assert subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout.count("Pages:") == 1
    assert "A4" in subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(out), str(tmp_path / "page")], check=True)
    (page,) = tmp_path.glob("page*.png")
    image = QImage(str(page))
    assert image.width() > 300 and image.height() > image.width()  # portrait
    pixels = [
        image.pixelColor(x, y).lightness() for y in range(0, image.height(), 2) for x in range(0, image.width(), 2)
    ]
    dark = sum(1 for v in pixels if v < 160) / len(pixels)
    assert 0.01 < dark < 0.5, dark  # text, tables and charts drawn: neither a blank page nor a black one


def grid_console(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "console.shell.app", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


def test_the_headless_briefing_is_written_from_a_live_backend(tmp_path: Path) -> None:
    out = tmp_path / "daily" / "briefing.pdf"
    done = grid_console("--demo", "--role", "leader", "--db", str(tmp_path / "c.db"), "--briefing", str(out))
    assert done.returncode == 0, done.stderr
    assert f"briefing written to {out}" in done.stdout
    text = pdf_text(out)
    assert "每日简报" in text and "(实时数据)" in text  # (NFKC: full-width brackets folded too)


def test_without_a_backend_the_headless_briefing_says_so_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "briefing.pdf"
    nobody = Endpoints.free_loopback()
    done = grid_console(
        "--endpoint", str(nobody), "--role", "leader", "--db", str(tmp_path / "c.db"), "--briefing", str(out),
        "--briefing-timeout", "3", timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"the backend at {nobody.snapshot}" in done.stderr or "could not be reached within 3 s" in done.stderr
    assert "no briefing written" in done.stderr and not out.exists()
