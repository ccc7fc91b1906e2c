"""The platform's harmless greetings are dropped, every other Qt message passes (to pytest-qt's handler
here, as it would to Qt's own in the console)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QtMsgType, qCritical, qWarning
from pytestqt.qtbot import QtBot

from console.shell.platform_log import HARMLESS, is_noise, quiet_platform_noise

# As Qt, its web engine and Xvfb print them at the start of a wall PC without GPU (scripts/screenshot)
GREETINGS = (
    "QRhiGles2: Failed to create temporary context",
    "Failed to create RHI for backend: OpenGL",
    "This plugin does not support createPlatformVulkanInstance",
    "QVulkanInstance: Failed to initialize Vulkan",
    "Failed to load vulkan: Cannot load library vulkan: vulkan: cannot open shared object file: No such file",
    "initInstance: No Vulkan library available",
    "Failed to create platform Vulkan instance",
    "GBM is not supported with the current configuration and Vulkan is not available. Fallback to software rendering.",
    "Unable to detect GPU vendor for device: Mesa/X.org llvmpipe (LLVM 15.0.6, 256 bits) 4.5 Mesa 22.3.6",
    "GLX: No DRI3 Extension.",
    "GPUInfo not initialized on GpuInfoUpdate",
    "This plugin does not support propagateSizeHints()",
    # and QtMultimedia, when the camera wall plays (no PipeWire, no VA-API, no GPU)
    "Couldn't load pipewire-0.3 library",
    "Couldn't resolve pipewire-0.3 symbols",
    '"No HW decoder found"',
    "Couldn't load va-drm library",
    "Couldn't resolve va-drm symbols",
    "Cannot set loops for non-seekable source",
    "QRhi* {anonymous}::ThreadLocalRhiHolder::ensureRhi(QRhi::Implementation) : No RHI backend. Using CPU conversion.",
)


def test_the_greetings_are_noise_and_nothing_else_is() -> None:
    assert all(is_noise(QtMsgType.QtWarningMsg, line) for line in GREETINGS)
    assert all(any(line.startswith(p) for line in GREETINGS) for p in HARMLESS if "raise()" not in p)
    assert not is_noise(QtMsgType.QtCriticalMsg, GREETINGS[0])  # a critical message always shows
    assert not is_noise(QtMsgType.QtWarningMsg, "QWebEnginePage: the map's page could not load")
    assert not is_noise(QtMsgType.QtWarningMsg, f"grid map: {GREETINGS[0]}")  # only at the start of a line


@pytest.mark.qt_log_ignore("the console's own warning", "QVulkanInstance")
def test_the_handler_drops_the_greetings_and_passes_the_rest(qtbot: QtBot, qtlog: Any) -> None:
    loud_again = quiet_platform_noise()
    try:
        for line in GREETINGS:
            qWarning(line)
        qWarning("the console's own warning")
        qCritical("QVulkanInstance: a critical message starting like a greeting")
    finally:
        loud_again()
    qWarning("the console's own warning, handler gone")
    seen = [record.message for record in qtlog.records]
    assert seen == [
        "the console's own warning",
        "QVulkanInstance: a critical message starting like a greeting",
        "the console's own warning, handler gone",
    ]


@pytest.mark.qt_log_ignore("QVulkanInstance")
def test_with_qt_logging_rules_set_nothing_is_dropped(
    qtbot: QtBot, qtlog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QT_LOGGING_RULES", "qt.webenginecontext.debug=true")  # an engineer looking
    loud_again = quiet_platform_noise()
    try:
        qWarning("QVulkanInstance: Failed to initialize Vulkan")
    finally:
        loud_again()
    assert [record.message for record in qtlog.records] == ["QVulkanInstance: Failed to initialize Vulkan"]
