"""The wall's style sheet at the screen's scale, and the command line's size and scale."""

from __future__ import annotations

import re

import pytest
from pytestqt.qtbot import QtBot

from console.shell.app import parse_args
from console.shell.style import auto_scale, style_sheet


@pytest.mark.parametrize(
    ("height", "scale"), [(1080, 1.0), (768, 0.711), (600, 0.7), (1440, 1.333), (2160, 2.0), (4320, 2.0)]
)
def test_the_scale_follows_the_screen_height_within_bounds(height: int, scale: float) -> None:
    assert auto_scale(height) == pytest.approx(scale, abs=0.001)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_every_pixel_size_is_scaled_and_a_border_stays_visible(theme: str) -> None:
    base, small, large = style_sheet(theme), style_sheet(theme, 0.7), style_sheet(theme, 2.0)
    assert "font-size: 18px" in base and "font-size: 13px" in small and "font-size: 36px" in large
    assert "font-size: 56px" in base and "font-size: 39px" in small
    assert "padding: 6px 12px" in base and "padding: 4px 8px" in small
    assert "1px solid" in small  # 0.7 px would vanish: at least one pixel
    sizes = lambda qss: [float(v) for v in re.findall(r"(\d+(?:\.\d+)?)px", qss)]  # noqa: E731
    assert len(sizes(base)) == len(sizes(small)) and all(s >= 1 for s in sizes(small))
    assert re.sub(r"\d+px", "N", base) == re.sub(r"\d+px", "N", large)  # only the numbers changed


def test_size_and_scale_are_checked_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse_args(["--demo", "--size", "1366x768", "--scale", "0.8"])
    assert (args.size, args.scale) == ((1366, 768), 0.8)
    assert (parse_args(["--demo"]).size, parse_args(["--demo"]).scale) == (None, None)  # maximised, from the screen
    for bad, why in ((["--size", "wide"], "is not WIDTHxHEIGHT"), (["--size", "100x100"], "at least 320"),
                     (["--scale", "x"], "is not a number"), (["--scale", "9"], "outside 0.5")):  # fmt: skip
        with pytest.raises(SystemExit):
            parse_args(["--demo", *bad])
        assert why in capsys.readouterr().err


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_control_that_has_the_keys_is_seen_to_have_them(qtbot: QtBot, theme: str) -> None:
    from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

    panel = QWidget()
    qtbot.addWidget(panel)
    panel.setStyleSheet(style_sheet(theme))
    button, line = QPushButton("仅超期"), QLineEdit()
    layout = QVBoxLayout(panel)
    layout.addWidget(button)
    layout.addWidget(line)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow)
    line.setFocus()
    qtbot.waitUntil(line.hasFocus)
    unfocused = button.grab().toImage()
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    assert button.grab().toImage() != unfocused  # the ring is drawn
