"""The optional alarm chime: off by default (QtMultimedia never loaded), a ring for a new alarm of the
configured priority, one ring for a flood, repeats until acknowledged, and silence (said in the log)
where QtMultimedia cannot load. The real QSoundEffect plays the real file; this machine has no
loudspeaker, so the rings are counted and the effect's state is read."""

from __future__ import annotations

import logging
import sys
import wave
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtMultimedia import QMediaDevices
from pytestqt.qtbot import QtBot

from console.core.alarms.settings import Priority, SoundSettings
from widgets.alarm_sound import MIN_GAP_S, TONES, AlarmSound, write_chime

# A machine without a loudspeaker (CI, this one) has no audio device for the effect to play on; and
# QtMultimedia's FFmpeg backend reports the video-acceleration libraries it looked for as it loads.
pytestmark = pytest.mark.qt_log_ignore(
    "QSoundEffect: playback of this format is not supported", "PulseAudioService", "Couldn't (load|resolve) va"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_chime_is_a_short_wav_made_here(tmp_path: Path) -> None:
    with wave.open(str(write_chime(tmp_path / "c.wav")), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        seconds = w.getnframes() / w.getframerate()
    assert seconds == pytest.approx(sum(s for _, s in TONES), abs=0.01)


def test_off_by_default_and_then_qtmultimedia_is_never_loaded(qtbot: QtBot) -> None:
    sound = AlarmSound(SoundSettings())
    sound.call([("case_red/DC1", Priority.HIGH)])
    assert sound.rings == 0 and sound.available is None


def test_a_new_urgent_alarm_rings_once_and_a_flood_rings_once(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    clock = Clock()
    sound = AlarmSound(SoundSettings(enabled=True, priority=Priority.HIGH), clock=clock)
    sound.call([("grid_red/110101001001001", Priority.MEDIUM)])  # not urgent enough
    assert sound.rings == 0
    sound.call([("urgent_new/DC1", Priority.HIGH)])
    assert sound.rings == 1 and sound.available is True
    effect = sound._effect
    assert Path(effect.source().toLocalFile()).is_file()
    qtbot.waitUntil(lambda: effect.status() is not effect.Status.Loading, timeout=5000)
    if QMediaDevices.audioOutputs():
        assert effect.status() is effect.Status.Ready  # the file is a sound Qt can play
    else:  # no loudspeaker: the effect cannot play, and the log says the alarms are silent
        assert effect.status() is effect.Status.Error and "cannot play here" in caplog.text
    for k in range(20):  # a flood: twenty in a few seconds
        clock.now += 0.2
        sound.call([(f"urgent_new/DC{k + 2}", Priority.HIGH)])
    assert sound.rings == 1
    clock.now += MIN_GAP_S
    sound.call([("urgent_new/DC99", Priority.HIGH)])
    assert sound.rings == 2


def test_a_repeating_chime_stops_when_acknowledged(qtbot: QtBot) -> None:
    clock = Clock()
    sound = AlarmSound(SoundSettings(enabled=True, repeat_seconds=0.05), clock=clock)
    sound.call([("urgent_new/DC1", Priority.HIGH)])
    for expected in (2, 3):
        clock.now += MIN_GAP_S
        qtbot.waitUntil(lambda n=expected: sound.rings == n, timeout=2000)  # type: ignore[misc]
    sound.still_unacknowledged(["case_red/DC7"])  # DC1 acknowledged: it calls no more
    clock.now += MIN_GAP_S
    qtbot.wait(200)
    assert sound.rings == 3 and not sound._repeat.isActive()


def test_without_qtmultimedia_the_alarms_are_silent_and_the_log_says_so(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)  # as if the module were not installed
    sound = AlarmSound(SoundSettings(enabled=True))
    with caplog.at_level(logging.WARNING):
        sound.call([("urgent_new/DC1", Priority.HIGH)])
    assert sound.available is False and sound.rings == 0
    assert "alarms are silent" in caplog.text


def test_the_console_rings_for_what_its_alarm_service_raises(qtbot: QtBot) -> None:
    from console.shell.composition import _wire_sound

    class Alarm:
        def __init__(self, priority: Priority) -> None:
            self.priority = priority

        def state(self, now: float) -> object:
            from console.core.alarms.states import AlarmState

            return AlarmState.UNACKNOWLEDGED

    class Engine:
        def __init__(self) -> None:
            self.settings = type("S", (), {"sound": SoundSettings(enabled=True)})()
            self.alarms = {"urgent_new/DC1": Alarm(Priority.HIGH), "grid_red/G": Alarm(Priority.LOW)}

    class Service(QObject):
        raised = Signal(list)
        changed = Signal()
        engine = Engine()

    service = Service()
    sound = _wire_sound(service)  # type: ignore[arg-type]
    service.raised.emit(["grid_red/G"])
    assert sound.rings == 0
    service.raised.emit(["urgent_new/DC1", "gone/X"])
    assert sound.rings == 1
