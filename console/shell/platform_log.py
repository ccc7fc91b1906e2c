"""Qt's messages, less the greetings of a machine without a GPU, Vulkan or DRI3.

On a wall PC with software rendering, under Xvfb and offscreen, Qt and its web engine announce at
every start that they looked for Vulkan, a GPU or DRI3 and fell back to software: five or so warnings
that are no error of the console's, and that a reader of its output (an operator, a support engineer)
takes for one. They are uncategorised warnings (Qt's ``default`` category), so ``QT_LOGGING_RULES``
cannot silence them without silencing every other warning too: a message handler drops exactly these
lines and passes everything else on as Qt would have written it. Chromium's own log is kept to fatal
errors by ``--log-level`` (``app._chromium_flags``). The test suite ignores the same lines
(``qt_log_ignore`` in pyproject.toml).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QMessageLogContext, QtMsgType, qFormatLogMessage, qInstallMessageHandler

HARMLESS: Final = (
    # no OpenGL context (offscreen): the web engine's compositor falls back to software
    "QRhiGles2: Failed to create",
    "Failed to create RHI for backend",
    # no Vulkan driver or loader
    "This plugin does not support createPlatformVulkanInstance",
    "QVulkanInstance: Failed to initialize Vulkan",
    "Failed to load vulkan:",
    "initInstance: No Vulkan library available",
    "Failed to create platform Vulkan instance",
    "GBM is not supported with the current configuration and Vulkan is not available",
    # a software renderer (llvmpipe) or an X server without DRI3 (Xvfb)
    "Unable to detect GPU vendor for device",
    "GLX: No DRI3 Extension",
    "GPUInfo not initialized on GpuInfoUpdate",
    # QtMultimedia (the camera wall) on a machine without PipeWire: it plays through PulseAudio, and
    # the wall plays no sound at all; and no hardware video decoder (it decodes in software)
    "Couldn't load pipewire-0.3 library",
    "Couldn't resolve pipewire-0.3 symbols",
    '"No HW decoder found"',
    "Couldn't load va",  # VA-API (hardware decoding) libraries: absent, so software decoding
    "Couldn't resolve va",
    "Cannot set loops for non-seekable source",  # a live stream has no loops to set
    "QRhi* {anonymous}::ThreadLocalRhiHolder::ensureRhi",  # no GPU: frames are converted on the CPU
    # the offscreen platform (tests, screenshots) has no window manager to hint
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
)
"""The beginnings of the messages dropped: warnings only, never a critical or fatal message."""

Handler = Callable[[QtMsgType, QMessageLogContext, str], None]
_DROPPED: Final = frozenset({QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg, QtMsgType.QtWarningMsg})


def is_noise(kind: QtMsgType, message: str) -> bool:
    """A harmless platform message (see ``HARMLESS``)."""
    return kind in _DROPPED and message.startswith(HARMLESS)


def quiet_platform_noise() -> Callable[[], None]:
    """Drop the platform's harmless messages from here on, unless ``QT_LOGGING_RULES`` is set (an
    engineer who asks for Qt's logging sees all of it). Returns the way back: the handler before."""
    if os.environ.get("QT_LOGGING_RULES"):
        return lambda: None
    previous: Handler | None = None

    def handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if is_noise(kind, message):
            return
        if previous is not None:
            previous(kind, context, message)
        else:  # as Qt's own handler writes it (QT_MESSAGE_PATTERN included)
            print(qFormatLogMessage(kind, context, message), file=sys.stderr, flush=True)

    previous = qInstallMessageHandler(handle)

    def loud_again() -> None:
        qInstallMessageHandler(previous)

    return loud_again
