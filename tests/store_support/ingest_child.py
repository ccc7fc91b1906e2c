"""A headless console for the crash test: a ``LinkClient`` feeding a ``Store``, plus an operator
action every ``--actions-every`` seconds (it lives here, not in ``console.store``, because the store
layer may not import ``server_link.agent``).

Run: ``python -m tests.store_support.ingest_child --endpoint tcp://127.0.0.1:P --db PATH``

Lines on stdout (each flushed at once)::

    RESUMED <keys> <sequence> <epoch>   what last_known() held at start ("RESUMED 0 0 -" when empty)
    READY                               the store is open and the link started
    CONFIRMED <id>                      an operator action was committed durably
    PROGRESS <written> <queued> <sequence> <alarms>   about twice a second
    CAUGHT_UP <sequence> <digest>       answer to "SYNC <sequence>": the committed state's map digest

Commands on stdin: ``SYNC <sequence>`` (wait until the committed state holds that sequence of the
link's current epoch), ``QUIT`` or end of input (close the link and the store, exit 0).
"""

from __future__ import annotations

import argparse
import selectors
import sys
import time

from console.store import Store
from server_link import chp
from server_link.agent import LinkClient, LinkConfig
from server_link.endpoints import Endpoints
from server_link.link_state import Batch, LinkStats

_SYNC_TIMEOUT = 120.0


class StoreSink:
    """The ``LinkSink``: every batch goes to the store; a refused batch asks the link to re-sync."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.client: LinkClient | None = None

    def deliver_batch(self, batch: Batch) -> None:
        if not self.store.submit(batch) and self.client is not None:
            self.client.resync()

    def deliver_state(self, stats: LinkStats) -> None:
        pass

    def deliver_stats(self, stats: LinkStats) -> None:
        pass

    def backlog_bytes(self) -> int:
        return 0


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--actions-every", type=float, default=0.1, help="seconds between operator actions; 0: none")
    args = ap.parse_args(argv)

    store = Store(args.db).open()
    known = store.last_known()
    say(f"RESUMED {len(known.bodies)} {known.sequence} {known.epoch or '-'}")
    sink = StoreSink(store)
    client = LinkClient(LinkConfig(Endpoints.parse(args.endpoint)), sink)
    sink.client = client
    store.on_resync_needed = client.resync
    client.start()
    say("READY")
    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ)
    now = time.monotonic()
    next_action = now + args.actions_every if args.actions_every > 0 else float("inf")
    next_progress = now
    n = 0
    try:
        while True:
            now = time.monotonic()
            if now >= next_action:
                n += 1
                action = store.record_action("note", "crash-test", "operator", f"note {n}", case_no=f"F{n:09d}")
                say(f"CONFIRMED {action.id}")
                next_action += args.actions_every
            if now >= next_progress:
                s = store.stats()
                say(f"PROGRESS {s.written_updates} {s.queued_updates} {s.sequence} {s.alarms}")
                next_progress = now + 0.5
            wait = max(0.0, min(next_action, next_progress) - time.monotonic())
            if not sel.select(wait):
                continue
            line = sys.stdin.readline()
            if not line or line.strip() == "QUIT":
                return 0
            if line.startswith("SYNC "):
                target = int(line.split()[1])
                say(catch_up(store, client, target))
    finally:
        client.stop()
        store.close()


def catch_up(store: Store, client: LinkClient, target: int) -> str:
    """Wait until the store has committed ``target`` in the link's epoch; the committed map's digest."""
    deadline = time.monotonic() + _SYNC_TIMEOUT
    while time.monotonic() < deadline:
        link = client.stats()
        s = store.stats()
        if link.epoch and s.epoch == link.epoch and s.sequence >= target and not s.queued_batches:
            known = store.last_known()
            return f"CAUGHT_UP {known.sequence} {chp.map_digest(known.bodies.items())}"
        store.flush(1.0)
        time.sleep(0.05)  # the link delivers in batches every 50 ms; nothing to wait on across processes
    return f"TIMEOUT {store.stats()}"


if __name__ == "__main__":
    raise SystemExit(main())
