"""The duty alarms' optional chime (off by default: a center turns it on in its rules file, ``[sound]``).

A new unacknowledged alarm of the configured priority (or a more urgent one) sounds a short two-tone
chime, once, or again every ``repeat_seconds`` until every such alarm is acknowledged. Rings are at
least ``MIN_GAP_S`` apart, so a flood is one chime, not a din. QtMultimedia is imported only when the
chime is first wanted: a machine without it (or without its audio libraries) runs the console
silently and says so once in the log.

The chime is made here (a sine pair, 16-bit mono WAV) into a private temporary file: no sound file
is shipped, and nothing is read from where the console cannot vouch for it.
"""

from __future__ import annotations

import atexit
import logging
import math
import struct
import tempfile
import time
import wave
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Final

from PySide6.QtCore import QObject, QTimer, QUrl

from console.core.alarms.settings import Priority, SoundSettings

log = logging.getLogger(__name__)

MIN_GAP_S: Final = 10.0
RATE: Final = 22050
TONES: Final = ((880.0, 0.18), (660.0, 0.30))  # (Hz, seconds): a falling two-tone, like a door chime
VOLUME: Final = 0.6


def write_chime(path: Path) -> Path:
    """The chime as a WAV file at ``path`` (each tone fades in and out: no click)."""
    frames = bytearray()
    for freq, seconds in TONES:
        n = int(RATE * seconds)
        fade = int(RATE * 0.01)
        for i in range(n):
            envelope = min(1.0, i / fade, (n - i) / fade)
            sample = VOLUME * envelope * math.sin(2 * math.pi * freq * i / RATE)
            frames += struct.pack("<h", int(sample * 32767))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return path


class AlarmSound(QObject):
    """Rings for alarms raised anew; ``still_unacknowledged`` says which of them still call.

    ``rings`` counts the chimes started (what a test and the log can check where no loudspeaker is).
    """

    def __init__(
        self, settings: SoundSettings, *, clock: Callable[[], float] = time.monotonic, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self._now = clock
        self.rings = 0
        self.available: bool | None = None  # unknown until first wanted; then whether QtMultimedia loaded
        self._effect: Any = None
        self._calling: set[str] = set()  # alarms that ring again until acknowledged (repeat_seconds > 0)
        self._last_ring = -math.inf
        self._repeat = QTimer(self)
        self._repeat.timeout.connect(self._again)
        if settings.repeat_seconds > 0:
            self._repeat.setInterval(int(settings.repeat_seconds * 1000))

    def call(self, alarms: Iterable[tuple[str, Priority]]) -> None:
        """Alarms raised anew, by id and priority: a chime if any is urgent enough."""
        if not self.settings.enabled:
            return
        loud = {ident for ident, priority in alarms if priority <= self.settings.priority}
        if not loud:
            return
        if self.settings.repeat_seconds > 0:
            self._calling |= loud
            if not self._repeat.isActive():
                self._repeat.start()
        self._ring()

    def still_unacknowledged(self, ids: Iterable[str]) -> None:
        """The alarms on the list still unacknowledged: the others no longer call."""
        self._calling &= set(ids)
        if not self._calling:
            self._repeat.stop()

    def _again(self) -> None:
        if self._calling:
            self._ring()
        else:
            self._repeat.stop()

    def _ring(self) -> None:
        now = self._now()
        if now - self._last_ring < MIN_GAP_S:
            return
        effect = self._load()
        if effect is None:
            return
        self._last_ring = now
        self.rings += 1
        effect.play()

    def _load(self) -> Any:
        if self.available is None:
            try:
                from PySide6.QtMultimedia import QSoundEffect  # lazily: only a console that chimes needs it
            except ImportError as exc:
                log.warning("the alarm chime is on, but QtMultimedia cannot be loaded (%s): alarms are silent", exc)
                self.available = False
                return None
            folder = Path(tempfile.mkdtemp(prefix="grid-chime-"))
            atexit.register(_remove, folder)
            self._effect = QSoundEffect(self)
            self._effect.statusChanged.connect(self._check)
            self._effect.setSource(QUrl.fromLocalFile(str(write_chime(folder / "chime.wav"))))
            self.available = True
        return self._effect

    def _check(self) -> None:
        if self._effect.status() is self._effect.Status.Error:  # e.g. no audio output on this machine
            log.warning("the alarm chime cannot play here (no audio output?): alarms are silent")


def _remove(folder: Path) -> None:
    for f in folder.glob("*"):
        f.unlink(missing_ok=True)
    folder.rmdir()
