"""The real console (``console.shell.composition.build``) in a process of its own, for the fault tests:
the process that holds the link, which a test can freeze (SIGSTOP) or watch while it kills the
backend or the store's process. Offscreen, with a wall of the queue, the detail and the alarm list
(no map page: no Chromium on a two-core machine already running a backend at 10,000 updates/s).

Run: ``python -m tests.support.console_child --endpoint tcp://127.0.0.1:P --db PATH``

Lines on stdout (each flushed at once)::

    READY <store pid>                   the console is built and its window shown
    STATE {json}                        answer to "STATE": link, picture, store and alarm (see ``state``)
    CASES {json}                        answer to "CASES no,no": each case's light, overdue and open
    NOTED <action id>                   answer to "NOTE": a note on an open case, stored durably and sent
    NOTE_FAILED <notice>                answer to "NOTE": none sent, and what the wall said why
    CONFIRMED <action id>               the backend echoed a command
    REFUSED <action id>                 no echo came after every attempt
    STORE_ALARM <kind> <needs_resync> <banner>   the store raised an alarm; the wall's banner then
    BYE                                 answer to "QUIT": the console closed as the program does

Commands come on stdin, one a line; end of input is ``QUIT``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6.QtWebEngineWidgets  # noqa: F401 - before the QApplication (ARCHITECTURE.md)
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from console.shell.app import parse_args
from console.shell.composition import Console, build
from console.shell.roles import WindowPlan
from console.store import StoreStats
from server_link import chp

PANELS = ("queue", "detail", "alarms")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Commands(QObject):
    """Lines read from stdin by a thread, handed to the GUI thread by a queued signal."""

    line = Signal(str)

    def read(self) -> None:
        for text in sys.stdin:
            self.line.emit(text.strip())
        self.line.emit("QUIT")


def state(console: Console) -> dict[str, Any]:
    """What the tests compare: the live picture's cases (digest over ``/case/<no>``, as the backend
    keys them), where the link is, and what the wall says of the store."""
    link = console.link.stats()
    sit = console.situation
    window = console.window
    age = link.newest_age()
    return {
        "link": link.state.value,
        "epoch": link.epoch,
        "link_sequence": link.last_sequence,
        "link_updates": link.updates_total,  # updates taken: with the sequence, what was lost shows
        "gaps": link.gaps,
        "resyncs": link.resyncs,
        "last_resync": link.last_resync,
        "link_rejects": link.rejects_total,
        "newest_age": age,
        "sequence": sit.sequence,
        "situation_epoch": sit.epoch,
        "provenance": sit.provenance.value,
        "cases": len(sit.bodies),
        "digest": chp.map_digest((f"/case/{no}", body) for no, body in sit.bodies.items()),
        "rejects": sum(sit.rejects.values()),
        "backlog": console.ingest.backlog,
        "store_pid": console.store.pid,
        "store_alarm": window.alarm.text() if window.alarm.isVisibleTo(window) else "",
        "alarms": sorted(console.alarms.engine.alarms),
        "pending": sorted(console.commands.pending),
        "now": time.time(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--db", required=True)
    args = ap.parse_args(argv)

    app = QApplication(sys.argv[:1])
    console = build(
        parse_args(["--endpoint", args.endpoint, "--db", args.db, "--operator", "faults"]), plans=[WindowPlan(PANELS)]
    )
    console.window.resize(1600, 1000)
    console.window.show()
    notes = [0]

    def note() -> None:
        sit = console.situation
        open_cases = sorted(no for no, s in sit.cases.items() if s.open)
        before = set(console.commands.pending)
        notes[0] += 1
        # each note on a case of its own: two notes on one case before the first's echo would both
        # be its decision n + 1, and the backend keeps only the first (decisions are write-once)
        chosen = open_cases[notes[0] * 97 % len(open_cases)] if open_cases else ""
        if chosen and console.note_case(chosen, f"故障演练批注 {notes[0]}"):
            (new,) = set(console.commands.pending) - before
            say(f"NOTED {new}")
        else:
            say(f"NOTE_FAILED {console.window.notice.text()}")

    def cases(numbers: str) -> None:
        held = console.situation.cases
        out = {no: None if no not in held else [held[no].light.name.lower(), held[no].overdue, held[no].open]
               for no in numbers.split(",")}  # fmt: skip
        say(f"CASES {json.dumps(out)}")

    def on_line(text: str) -> None:
        command, _, rest = text.partition(" ")
        if command == "STATE":
            say(f"STATE {json.dumps(state(console))}")
        elif command == "NOTE":
            note()
        elif command == "CASES":
            cases(rest)
        elif command == "QUIT" and not console.closed:
            console.close()
            for window in console.windows:
                window.close()
            say("BYE")
            app.quit()

    def on_alarm(stats: StoreStats) -> None:
        window = console.window  # its banner was set by the composition's slot, connected before this one
        banner = window.alarm.text() if window.alarm.isVisibleTo(window) else ""
        say(f"STORE_ALARM {stats.alarm_kind} {stats.needs_resync} {banner}")

    console.commands.confirmed.connect(lambda action_id: say(f"CONFIRMED {action_id}"))
    console.commands.refused.connect(lambda action_id: say(f"REFUSED {action_id}"))
    console.store.alarm_raised.connect(on_alarm)
    commands = Commands()
    commands.line.connect(on_line)
    threading.Thread(target=commands.read, name="console-child-stdin", daemon=True).start()
    say(f"READY {console.store.pid}")
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
