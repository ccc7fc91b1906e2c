"""Smoke-run every entry point as a user would, in child processes on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from console.shell.platform_log import HARMLESS
from server_link.endpoints import Endpoints

BIN = Path(sys.executable).parent


def run(*cmd: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def test_probe_verify_against_serve(endpoints: Endpoints) -> None:
    serve = subprocess.Popen(
        [str(BIN / "grid-link"), "serve", "--endpoint", str(endpoints), "--rate", "3000", "--seconds", "30"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert serve.stdout is not None and serve.stdout.readline().startswith("serving")
        probe = run(str(BIN / "grid-link"), "probe", "--endpoint", str(endpoints), "--seconds", "3", "--verify")
        assert probe.returncode == 0, probe.stdout + probe.stderr
        assert "VERIFY OK" in probe.stdout
        assert "LIVE" in probe.stdout
    finally:
        serve.terminate()
        serve.wait(10)
    assert "published" in serve.stdout.read()  # type: ignore[union-attr]


def test_probe_verify_fails_without_a_server(endpoints: Endpoints) -> None:
    probe = run(str(BIN / "grid-link"), "probe", "--endpoint", str(endpoints), "--seconds", "1", "--verify")
    assert probe.returncode != 0
    assert "no complete snapshot" in probe.stderr


def test_bad_input_gets_a_clear_error(tmp_path: Path) -> None:
    bad = run(str(BIN / "grid-link"), "probe", "--endpoint", "udp://nowhere")
    assert bad.returncode == 2 and "is not tcp://HOST:PORT" in bad.stderr
    off = run(str(BIN / "grid-link"), "probe", "--endpoint", "tcp://10.1.2.3:5556")
    assert off.returncode == 2 and "CurveZMQ is required" in off.stderr
    keys = run(str(BIN / "grid-link"), "keys", "--dir", str(tmp_path), "--name", "wall1")
    assert keys.returncode == 0
    assert (tmp_path / "wall1.key").is_file() and (tmp_path / "wall1.key_secret").is_file()
    console = run(str(BIN / "grid-console"), "--endpoint", "tcp://10.1.2.3:5556")
    assert console.returncode == 2 and "CurveZMQ is required" in console.stderr


def test_console_demo_screenshot_and_a_start_without_the_platforms_greetings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shot = tmp_path / "wall.png"
    db = str(tmp_path / "c.db")
    args = ("--demo", "--db", db, "--screenshot", str(shot), "--after", "3", "--size", "1280x720")
    monkeypatch.delenv("QT_LOGGING_RULES", raising=False)  # set, it would let every Qt message through
    result = run(str(BIN / "grid-console"), *args)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280, 720)
    # no GPU, Vulkan or window manager here (offscreen): Qt and its web engine fell back, and said
    # nothing about it; what the console says is still there
    noise = [line for line in result.stderr.splitlines() if line.startswith(HARMLESS)]
    assert not noise, result.stderr
    assert "grid-console: window 1 on screen" in result.stderr


def test_chromium_keeps_its_log_to_fatal_errors_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from console.shell.app import _chromium_flags

    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
    _chromium_flags()
    flags = os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
    assert flags[:2] == ["--disable-gpu", "--log-level=3"]
    assert ("--no-sandbox" in flags) == (os.geteuid() == 0)  # only as root
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--log-level=0")  # an engineer who wants it all
    _chromium_flags()
    assert "--log-level=3" not in os.environ["QTWEBENGINE_CHROMIUM_FLAGS"]
