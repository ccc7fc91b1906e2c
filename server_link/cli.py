"""``grid-link``: follow any CHP server (probe), check a backend (conform), run the reference server
(serve), serve one backend to many consoles (relay), make keys."""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import threading
import time
from pathlib import Path

from server_link import chp
from server_link.agent import COLLECTORS, LinkClient, LinkConfig, fetch_snapshot
from server_link.conform import report as conform_report
from server_link.conform.observe import Security
from server_link.curve import KeyPair, client_keys, make_keys
from server_link.endpoints import Endpoints
from server_link.feed import FeedPump, ScriptedFeed
from server_link.link_state import Batch, LinkStats
from server_link.mirror import Mirror
from server_link.relay import Relay
from server_link.server import ChpServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grid-link", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    keys = sub.add_parser("keys", help="make a CurveZMQ key pair (NAME.key, NAME.key_secret)")
    keys.add_argument("--dir", type=Path, required=True)
    keys.add_argument("--name", required=True)
    keys.add_argument(
        "--role",
        help="the role a server authorising this key grants it (commander, council, leader, relay); "
        "written into the key's metadata. Without one the key may follow but not write",
    )

    serve = sub.add_parser("serve", help="run the reference CHP server with a scripted feed")
    serve.add_argument("--endpoint", default="tcp://127.0.0.1:5556")
    serve.add_argument("--rate", type=float, default=100.0, help="case updates per second")
    serve.add_argument("--cases", type=int, default=5000, help="distinct case numbers")
    serve.add_argument("--count", type=int, default=0, help="stop publishing after N updates (0: never)")
    serve.add_argument("--seconds", type=float, default=0.0, help="exit after N seconds (0: never)")
    serve.add_argument("--seed", type=int, default=1)
    serve.add_argument("--keys", type=Path, help="server key pair (NAME.key_secret): turns on CurveZMQ")
    serve.add_argument("--authorized", type=Path, help="folder of authorised console public keys")
    serve.add_argument("--hwm", type=int, default=200_000, help="PUB send high-water mark")

    probe = sub.add_parser("probe", help="follow a CHP server and print its statistics")
    probe.add_argument("--endpoint", required=True)
    probe.add_argument("--subtree", default="/")
    probe.add_argument("--seconds", type=float, default=10.0)
    probe.add_argument("--verify", action="store_true", help="end by comparing with a fresh snapshot")
    probe.add_argument("--server-key", type=Path, help="the server's public key file (pinned)")
    probe.add_argument("--client-key", type=Path, help="this client's key pair (NAME.key_secret)")

    relay = sub.add_parser("relay", help="serve one backend's map to many consoles and their commands to it")
    relay.add_argument("--upstream", required=True, help="the backend, tcp://HOST:PORT")
    relay.add_argument("--endpoint", required=True, help="where the consoles connect, tcp://HOST:PORT (P to P+3)")
    relay.add_argument(
        "--collector", choices=COLLECTORS, default="push", help="how commands go upstream: PUSH to P+2 or PUB to P+3"
    )
    relay.add_argument("--seconds", type=float, default=0.0, help="exit after N seconds (0: never)")
    relay.add_argument("--keys", type=Path, help="the relay's key pair (NAME.key_secret): CurveZMQ for the consoles")
    relay.add_argument("--authorized", type=Path, help="folder of authorised console public keys")
    relay.add_argument("--server-key", type=Path, help="the backend's public key file (pinned)")
    relay.add_argument("--client-key", type=Path, help="the relay's key pair towards the backend (NAME.key_secret)")
    relay.add_argument("--hwm", type=int, default=200_000, help="PUB send high-water mark")

    conform = sub.add_parser("conform", help="check a backend against docs/protocol.md; exit 1 on any failure")
    conform.add_argument("--endpoint", required=True, help="the backend's tcp://HOST:PORT (P; P+1 and P+2 follow)")
    conform.add_argument("--seconds", type=float, default=10.0, help="how long to follow it (default 10)")
    conform.add_argument(
        "--try-commands", action="store_true", help="also send KVSETs: one note decision on an open case, and three "
        "the backend must refuse"
    )  # fmt: skip
    conform.add_argument("--server-key", type=Path, help="the server's public key file (pinned)")
    conform.add_argument("--client-key", type=Path, help="this client's key pair (NAME.key_secret)")

    args = parser.parse_args(argv)
    try:
        if args.command == "keys":
            public, secret = make_keys(args.dir, args.name, args.role)
            role = f" (role {args.role})" if args.role else " (no role: it may follow, not write)"
            print(f"public key: {public}{role}\nsecret key: {secret} (keep it private)")
            return 0
        if args.command == "serve":
            return _serve(args)
        if args.command == "conform":
            return _conform(args)
        if args.command == "relay":
            return _relay(args)
        return _probe(args)
    except (ValueError, OSError, TimeoutError) as exc:
        print(f"grid-link: {exc}", file=sys.stderr)
        return 2


def _conform(args: argparse.Namespace) -> int:
    security = None
    if args.server_key:
        client_pair, server_key = client_keys(args.server_key, args.client_key)
        security = Security(server_key, client_pair)
    return conform_report.run(
        Endpoints.parse(args.endpoint), args.seconds, try_commands=args.try_commands, security=security
    )


def _serve(args: argparse.Namespace) -> int:
    keys = KeyPair.load(args.keys) if args.keys else None
    server = ChpServer(Endpoints.parse(args.endpoint), keys=keys, authorized=args.authorized, pub_hwm=args.hwm)
    server.start()
    pump = FeedPump(server, ScriptedFeed(cases=args.cases, seed=args.seed), args.rate, args.count).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"serving {args.endpoint} epoch={server.epoch} rate={args.rate:g}/s", flush=True)
    try:
        stop.wait(args.seconds or None)
    except KeyboardInterrupt:
        pass
    finally:
        pump.stop()
        server.stop()
    print(f"published {server.published} updates, sequence {server.sequence}", flush=True)
    return 0


def _relay(args: argparse.Namespace) -> int:
    server_key = client_pair = None
    if args.server_key:
        client_pair, server_key = client_keys(args.server_key, args.client_key)
    upstream = LinkConfig(
        Endpoints.parse(args.upstream), server_key=server_key, client_keys=client_pair, collector=args.collector
    )
    keys = KeyPair.load(args.keys) if args.keys else None
    relay = Relay(Endpoints.parse(args.endpoint), upstream, keys=keys, authorized=args.authorized, pub_hwm=args.hwm)
    relay.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"relaying {args.upstream} to {args.endpoint} (commands upstream by {args.collector})", flush=True)
    deadline = time.monotonic() + args.seconds if args.seconds else None
    try:
        while not stop.wait(1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))):
            print(_relay_line(relay), flush=True)
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        pass
    finally:
        relay.stop()
    return 0


def _relay_line(relay: Relay) -> str:
    up = relay.upstream_stats()
    seq, published, received, forwarded, rejects, dropped = relay.call(
        lambda _: (
            relay.sequence,
            relay.published,
            relay.kvsets_received,
            relay.kvsets_forwarded,
            dict(relay.kvset_rejects),
            relay.requests_dropped,
        )
    )
    refused = ",".join(f"{k}={v}" for k, v in sorted(rejects.items())) or "0"
    return (
        f"upstream {up.state.value:<10} seq={seq} published={published} gaps={up.gaps} resyncs={up.resyncs} "
        f"snapshots={relay.snapshots_served} commands={received} forwarded={forwarded} refused={refused} "
        f"held={up.commands_held} requests_dropped={dropped}"
    )


class _Log:
    """Batches seen after a mark, to rebuild the mirror's map at an exact sequence."""

    def __init__(self) -> None:
        self.active = False
        self.batches: list[Batch] = []

    def __call__(self, batch: Batch) -> None:
        if self.active:
            self.batches.append(batch)


def _probe(args: argparse.Namespace) -> int:
    server_key = client_pair = None
    if args.server_key:
        client_pair, server_key = client_keys(args.server_key, args.client_key)
    cfg = LinkConfig(
        Endpoints.parse(args.endpoint), subtree=args.subtree, server_key=server_key, client_keys=client_pair
    )
    log = _Log()
    mirror = Mirror(on_batch=log)
    client = LinkClient(cfg, mirror).start()
    try:
        deadline = time.monotonic() + args.seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(1.0, left))
            print(_format(client.stats(), len(mirror.bodies)), flush=True)
        if not args.verify:
            return 0
        return _verify(cfg, client, mirror, log)
    finally:
        client.stop()


def _verify(cfg: LinkConfig, client: LinkClient, mirror: Mirror, log: _Log) -> int:
    for attempt in range(1, 4):
        with mirror._cond:  # mark: the map as of mirror.sequence, then log what follows
            base, base_seq = dict(mirror.bodies), mirror.sequence
            log.batches, log.active = [], True
        seq, epoch, fresh = fetch_snapshot(cfg)
        ok = mirror.wait_for(functools.partial(_caught_up, seq=seq, epoch=epoch), 15)
        with mirror._cond:
            log.active = False
            batches = list(log.batches)
        if not ok or mirror.epoch != epoch or seq < base_seq or any(b.reset for b in batches):
            print(f"verify attempt {attempt}: the link re-synced meanwhile, trying again", flush=True)
            continue
        for batch in batches:
            for u in batch.updates:
                if u.sequence > seq:
                    break
                if u.body:
                    base[u.key] = u.body
                else:
                    base.pop(u.key, None)
        mine, theirs = chp.map_digest(base.items()), chp.map_digest(fresh.items())
        stats = client.stats()
        print(f"verify: sequence {seq}, {len(base)} keys here, {len(fresh)} in the snapshot")
        print(f"verify: digest here {mine[:16]}, snapshot {theirs[:16]}; rejects {stats.rejects_total}")
        if mine == theirs:
            print("VERIFY OK")
            return 0
        missing = sorted(set(fresh) - set(base))[:5]
        extra = sorted(set(base) - set(fresh))[:5]
        changed = sorted(k for k in set(base) & set(fresh) if base[k] != fresh[k])[:5]
        print(f"VERIFY FAILED: missing {missing} extra {extra} different {changed}")
        return 1
    print("VERIFY FAILED: could not hold a stable link for the comparison")
    return 1


def _caught_up(mirror: Mirror, seq: int, epoch: str) -> bool:
    return mirror.sequence >= seq or mirror.epoch != epoch


def _format(s: LinkStats, keys: int) -> str:
    age = s.newest_age()
    age_text = "-" if age is None else f"{age:.1f}s"
    rejects = ",".join(f"{k}={v}" for k, v in sorted(s.rejects.items())) or "0"
    line = (
        f"{s.state.value:<10} seq={s.last_sequence} server_seq={s.server_sequence} keys={keys} "
        f"rate={s.updates_per_s:,.0f}/s newest={age_text} gaps={s.gaps} resyncs={s.resyncs} rejects={rejects}"
    )
    if s.snapshot_bytes or s.buffered_updates:
        line += (
            f" snapshot={s.syncing_records}/{s.snapshot_bytes / 2**20:.1f}MiB"
            f" held={s.buffered_updates}/{s.buffered_bytes / 2**20:.1f}MiB"
        )
    if s.retry_in is not None:
        line += f" retry_in={s.retry_in:.1f}s"
    if s.disconnects:
        line += f" disconnects={s.disconnects}"
    if s.crashes:
        line += f" crashes={s.crashes} ({s.last_crash[:80]!r})"
    if s.last_resync:
        line += f" last_resync={s.last_resync[:80]!r}"
    return line


if __name__ == "__main__":
    raise SystemExit(main())
