"""The checks: each a MUST of docs/protocol.md that a client can observe, judged on the evidence.

A check gives PASS or FAIL with the evidence in a line, or SKIP when the run gave nothing to judge
(for example no command was sent). A few SHOULDs are reported as WARN, which never fails a run.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from server_link import records as r
from server_link import timeline
from server_link.conform.evidence import Evidence, SnapshotEvidence, decode_all
from server_link.district import load_district

# HUGZ "at least once per second" (§4.5), allowing this much for scheduling on a busy machine.
HUGZ_SLACK_S = 0.5
_EPOCH = re.compile(rb"[\x21-\x3c\x3e-\x7e]{1,64}")  # printable ASCII without "=" or space
_KIND_FIRST = re.compile(rb'\A\s*\{\s*"kind"\s*:\s*"[a-z]+"\s*,\s*"schema"\s*:')


class Status(enum.StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    WARN = "WARN"
    SKIP = "SKIP"


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    section: str  # where docs/protocol.md states the rule
    status: Status
    evidence: str


Check = Callable[[Evidence], Result]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def _judge(name: str, section: str, faults: list[str], good: str, *, warn: bool = False) -> Result:
    if not faults:
        return Result(name, section, Status.PASS, good)
    shown = "; ".join(faults[:3]) + (f"; … {len(faults) - 3} more" if len(faults) > 3 else "")
    return Result(name, section, Status.WARN if warn else Status.FAIL, f"{len(faults)} fault(s): {shown}")


def _skip(name: str, section: str, why: str) -> Result:
    return Result(name, section, Status.SKIP, why)


# ---------------------------------------------------------------------- snapshot
@check
def snapshot_complete(ev: Evidence) -> Result:
    name, section = "snapshot.complete", "§4.3, §20"
    snap = ev.snapshot
    if snap is None or snap.kthxbai is None:
        got = 0 if snap is None else len(snap.asked.messages)
        return Result(name, section, Status.FAIL, f"no KTHXBAI within 10 s of ICANHAZ? ({got} messages came)")
    took = snap.asked.messages[-1].at - snap.asked.asked_at
    return Result(
        name, section, Status.PASS, f"{len(snap.kvsyncs)} keys at sequence {snap.kthxbai.sequence} in {took:.2f} s"
    )


def _snapshot_faults(snap: SnapshotEvidence) -> list[str]:
    faults = list(snap.faults)
    k, raw = snap.kthxbai, snap.kthxbai_raw
    if k is not None:
        if raw[2]:
            faults.append(f"KTHXBAI uuid frame holds {len(raw[2])} bytes, not 0")
        if "epoch" not in k.properties:
            faults.append(f"KTHXBAI properties {raw[3][:60]!r} have no epoch=")
        if raw[4] != snap.asked.subtree:
            faults.append(f"KTHXBAI frame 4 is {raw[4][:40]!r}, not the subtree asked for {snap.asked.subtree!r}")
    keys = [m.key for m in snap.kvsyncs]
    if len(set(keys)) != len(keys):
        dup = next(k for k, n in Counter(keys).items() if n > 1)
        faults.append(f"key {dup!r} sent twice in one snapshot")
    return faults


@check
def snapshot_framing(ev: Evidence) -> Result:
    name, section = "snapshot.framing", "§3, §4.2, §4.3"
    if ev.snapshot is None or ev.snapshot.kthxbai is None:
        return _skip(name, section, "no complete snapshot")
    faults = _snapshot_faults(ev.snapshot)
    if ev.subtree is not None and ev.subtree.kthxbai is not None:
        faults += [f"{ev.subtree.asked.subtree.decode()} snapshot: {f}" for f in _snapshot_faults(ev.subtree)]
    n = len(ev.snapshot.kvsyncs)
    return _judge(name, section, faults, f"{n} KVSYNCs and the KTHXBAI five frames each, epoch and subtree given")


@check
def snapshot_subtree(ev: Evidence) -> Result:
    name, section = "snapshot.subtree", "§4.1, §9"
    sub = ev.subtree
    if sub is None or sub.kthxbai is None:
        return Result(name, section, Status.FAIL if sub is not None else Status.SKIP, "no complete subtree snapshot")
    prefix = sub.asked.subtree.decode()
    outside = [m.key for m in sub.kvsyncs if not m.key.startswith(prefix)]
    whole = ev.snapshot.items if ev.snapshot else {}
    expected = sum(1 for k in whole if k.startswith(prefix))
    faults = [f"key {k!r} is outside {prefix}" for k in outside]
    return _judge(name, section, faults, f"{len(sub.kvsyncs)} keys, all under {prefix} (the whole map had {expected})")


@check
def snapshot_sequence(ev: Evidence) -> Result:
    """KTHXBAI carries the server's current sequence (A2): not behind a KVPUB published before the
    request, and the stream goes on from it by one."""
    name, section = "snapshot.sequence", "§4.3 (A2), §5"
    snap = ev.snapshot
    if snap is None or snap.kthxbai is None:
        return _skip(name, section, "no complete snapshot")
    s = snap.kthxbai.sequence
    faults = []
    if s < snap.asked.seen_before:
        faults.append(f"KTHXBAI carries {s}, behind KVPUB {snap.asked.seen_before} read before the request")
    after = next((x.msg.sequence for x in ev.kvpubs if x.msg.sequence > s), None)
    if after is not None and after != s + 1:
        faults.append(f"the first KVPUB after KTHXBAI {s} is {after}, not {s + 1}")
    tail = f"; the stream went on at {after}" if after is not None else "; no KVPUB after it (a quiet server)"
    return _judge(name, section, faults, f"KTHXBAI {s}, not behind {snap.asked.seen_before} seen before{tail}")


@check
def snapshot_consistent(ev: Evidence) -> Result:
    """The snapshot is the map at exactly S: each key as the last KVPUB up to S left it."""
    name, section = "snapshot.consistent", "§4.3"
    snap = ev.snapshot
    if snap is None or snap.kthxbai is None:
        return _skip(name, section, "no complete snapshot")
    s = snap.kthxbai.sequence
    before = [x.msg for x in ev.kvpubs if x.msg.sequence <= s]
    if not before:
        return _skip(name, section, "no KVPUB up to the snapshot's sequence was seen to compare with")
    if any(b.sequence != a.sequence + 1 for a, b in itertools.pairwise(before)):
        return _skip(name, section, "the KVPUBs up to the snapshot were not contiguous (see sequence.one_by_one)")
    last: dict[str, bytes] = {}
    for m in before:
        last[m.key] = m.body
    items = snap.items
    faults = []
    for key, body in last.items():
        held = items.get(key)
        if body and held != body:
            faults.append(f"{key} differs from its KVPUB at or before {s}" if held else f"{key} is missing")
        elif not body and held is not None:
            faults.append(f"{key} was deleted at or before {s} but is in the snapshot")
    return _judge(name, section, faults, f"{len(last)} keys updated in KVPUBs {before[0].sequence}..{s} agree")


# ---------------------------------------------------------------------- updates
@check
def updates_framing(ev: Evidence) -> Result:
    name, section = "updates.framing", "§3, §4.4, §4.5"
    if not ev.obs.updates:
        return Result(name, section, Status.FAIL, "nothing at all arrived on the PUB socket (P+1)")
    n = len(ev.kvpubs)
    return _judge(name, section, ev.update_faults, f"{n} KVPUBs and {len(ev.hugz)} HUGZ well framed")


@check
def sequence_one_by_one(ev: Evidence) -> Result:
    name, section = "sequence.one_by_one", "§5 (A1)"
    if len(ev.kvpubs) < 2:
        return _skip(name, section, f"{len(ev.kvpubs)} KVPUB(s) seen: nothing to compare")
    faults = [
        f"KVPUB {b.msg.sequence} ({b.msg.key[:40]}) followed {a.msg.sequence}"
        for a, b in itertools.pairwise(ev.kvpubs)
        if b.msg.sequence != a.msg.sequence + 1
    ]
    first, last = ev.kvpubs[0].msg.sequence, ev.kvpubs[-1].msg.sequence
    return _judge(name, section, faults, f"{len(ev.kvpubs)} KVPUBs, {first}..{last}, each one more than the last")


# ---------------------------------------------------------------------- heartbeats and epochs
@check
def heartbeat_interval(ev: Evidence) -> Result:
    name, section = "heartbeat.interval", "§4.5, §8"
    obs = ev.obs
    if not ev.hugz:
        return Result(name, section, Status.FAIL, f"no HUGZ in {obs.ended - obs.started:.1f} s")
    start = obs.subscribed_at if obs.subscribed_at is not None else obs.started
    times = [start, *(h.at for h, _ in ev.hugz if h.at > start), obs.ended]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    worst = max(gaps)
    limit = 1.0 + HUGZ_SLACK_S
    faults = (
        [f"{worst:.2f} s without a HUGZ (limit 1 s, {HUGZ_SLACK_S} s allowed for scheduling)"] if worst > limit else []
    )
    return _judge(name, section, faults, f"{len(ev.hugz)} HUGZ, at most {worst:.2f} s apart")


@check
def heartbeat_content(ev: Evidence) -> Result:
    """HUGZ: empty uuid and body, an epoch, and the current sequence (that of the last KVPUB)."""
    name, section = "heartbeat.content", "§4.5 (A3)"
    if not ev.hugz:
        return _skip(name, section, "no HUGZ")
    faults = []
    snap_seq = ev.snapshot.kthxbai.sequence if ev.snapshot and ev.snapshot.kthxbai else None
    for (seen, last), raw in zip(ev.hugz, ev.hugz_raw, strict=True):
        h = seen.msg
        if raw[2] or raw[4]:
            faults.append(f"HUGZ {h.sequence} has a uuid of {len(raw[2])} and a body of {len(raw[4])} bytes")
        if "epoch" not in h.properties:
            faults.append(f"HUGZ {h.sequence} properties {raw[3][:40]!r} have no epoch=")
        expected = last if last is not None else (snap_seq if not ev.kvpubs else None)
        if expected is not None and h.sequence != expected:
            faults.append(f"HUGZ carries {h.sequence} but the last KVPUB was {expected}")
    return _judge(name, section, faults, f"{len(ev.hugz)} HUGZ, each with the epoch and the current sequence")


@check
def epoch_stable(ev: Evidence) -> Result:
    name, section = "epoch", "§7"
    epochs: list[tuple[str, bytes]] = []
    if ev.snapshot and ev.snapshot.kthxbai:
        epochs.append(("KTHXBAI", ev.snapshot.kthxbai.properties.get("epoch", "").encode()))
    epochs += [(f"HUGZ {h.msg.sequence}", h.msg.properties.get("epoch", "").encode()) for h, _ in ev.hugz]
    if not epochs:
        return _skip(name, section, "no KTHXBAI or HUGZ")
    faults = [
        f"{where}: epoch {e[:70]!r} is not 1..64 printable ASCII without '='"
        for where, e in epochs
        if not _EPOCH.fullmatch(e)
    ]
    distinct = list(dict.fromkeys(e for _, e in epochs))
    if len(distinct) > 1:
        faults.append(
            f"the epoch changed without a restart: {', '.join(repr(e.decode(errors='replace')) for e in distinct[:3])}"
        )
    return _judge(
        name, section, faults, f"one epoch {distinct[0].decode(errors='replace')!r} on {len(epochs)} messages"
    )


# ---------------------------------------------------------------------- content
@check
def keys(ev: Evidence) -> Result:
    name, section = "keys", "§10"
    seen = [(w, k) for w, k, _ in ev.records()] + [
        (f"KVPUB {s.msg.sequence}", s.msg.key) for s in ev.kvpubs if not s.msg.body
    ]
    faults = [f"{where}: {key[:60]!r} is not in the key space" for where, key in seen if not r.is_key(key)]
    return _judge(name, section, faults, f"{len(seen)} keys, all in the key space")


@check
def bodies(ev: Evidence) -> Result:
    name, section = "bodies", "§11, §12, §13, §18, docs/schemas"
    good, bad = decode_all(ev)
    kinds = Counter(type(x).__name__ for _, _, x in good)
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "no bodies"
    return _judge(name, section, bad, f"every body valid: {summary}")


@check
def bodies_member_order(ev: Evidence) -> Result:
    name, section = "bodies.member_order", "§11"
    faults = [
        f"{where} {key[:60]}: does not begin with kind, then schema"
        for where, key, body in ev.records()
        if not _KIND_FIRST.match(body)
    ]
    return _judge(name, section, faults, 'every body begins with "kind", then "schema"')


def _cases(ev: Evidence) -> Iterable[tuple[str, r.Case]]:
    good, _ = decode_all(ev)
    return ((where, x) for where, _, x in good if isinstance(x, r.Case))


@check
def cases_timeline(ev: Evidence) -> Result:
    name, section = "cases.timeline", "§11.2, §11.3"
    faults: list[str] = []
    n = 0
    for where, case in _cases(ev):
        n += 1
        faults += [f"{where} /case/{case.no}: {f}" for f in timeline.faults(case)]
    if not n:
        return _skip(name, section, "no case records seen")
    return _judge(name, section, faults, f"{n} case records: steps reached by their actions, in order")


# ---------------------------------------------------------------------- commands
@check
def commands_echoed(ev: Evidence) -> Result:
    name, section = "commands.echo", "§16"
    if not ev.obs.tried_commands:
        return _skip(name, section, "not asked (--try-commands)")
    wanted = [c for c in ev.obs.commands if c.published]
    if not wanted:
        return Result(name, section, Status.FAIL, f"no command could be sent: {ev.obs.command_note}")
    faults = []
    for c in wanted:
        echo = next((s for s in ev.kvpubs if s.at >= c.sent_at and s.msg.key == c.key and s.msg.body == c.body), None)
        if echo is None:
            faults.append(f"{c.purpose} {c.key}: no KVPUB of it within {ev.obs.ended - c.sent_at:.1f} s")
    took = ", ".join(c.key for c in wanted)
    return _judge(name, section, faults, f"published as sent: {took}")


@check
def commands_refused(ev: Evidence) -> Result:
    name, section = "commands.refused", "§16, §16.3"
    if not ev.obs.tried_commands:
        return _skip(name, section, "not asked (--try-commands)")
    refused = [c for c in ev.obs.commands if not c.published]
    if not refused:
        return _skip(name, section, f"no command was sent: {ev.obs.command_note}")
    faults = []
    for c in refused:
        echo = next((s for s in ev.kvpubs if s.at >= c.sent_at and s.msg.key == c.key and s.msg.body == c.body), None)
        if echo is not None:
            faults.append(f"{c.purpose}: published as KVPUB {echo.msg.sequence}")
        answer = next((s for s in ev.kvpubs if s.at >= c.sent_at and s.msg.key == f"/refusal/{c.uuid.hex()}"), None)
        try:
            refusal = r.decode(answer.msg.key, answer.msg.body) if answer is not None else None
        except r.RecordError as exc:
            refusal = None
            faults.append(f"{c.purpose}: its refusal is not a valid record ({exc})")
        if answer is None:
            faults.append(f"{c.purpose}: no refusal published at /refusal/{c.uuid.hex()} (§16.3)")
        elif isinstance(refusal, r.Refusal) and refusal.key != c.key:
            faults.append(f"{c.purpose}: its refusal names {refusal.key!r}, not {c.key!r}")
    return _judge(
        name,
        section,
        faults,
        f"{len(refused)} commands the page forbids, none published, each answered by a refusal: "
        + ", ".join(c.purpose for c in refused),
    )


# ---------------------------------------------------------------------- SHOULDs (warnings only)
@check
def reference_codes(ev: Evidence) -> Result:
    name, section = "codes.reference", "§11.5 (SHOULD)"
    d = load_district()
    published = {x.id for _, _, x in decode_all(ev)[0] if isinstance(x, r.Department)}
    faults: list[str] = []
    n = 0
    for where, case in _cases(ev):
        n += 1
        unknown = [
            f"{field} {value!r}"
            for field, value, known in (
                ("channel", case.channel, d.channels),
                ("category", case.category, d.categories),
                ("unit_grid", case.unit_grid, d.unit_grids),
            )
            if value not in known
        ]
        if case.dept is not None and case.dept not in published and case.dept not in d.departments:
            unknown.append(f"dept {case.dept!r} (no /department/ record)")
        if unknown:
            faults.append(f"{where} /case/{case.no}: {', '.join(unknown)}")
    if not n:
        return _skip(name, section, "no case records seen")
    return _judge(name, section, faults, f"{n} case records use codes of docs/reference", warn=True)


@check
def meta_backend(ev: Evidence) -> Result:
    name, section = "meta.backend", "§11.7 (SHOULD)"
    held = ev.current_map()
    if not held:
        return _skip(name, section, "no complete snapshot")
    faults = [] if "/meta/backend" in held else ["no /meta/backend record"]
    return _judge(name, section, faults, "/meta/backend is published", warn=True)


def run_checks(ev: Evidence) -> list[Result]:
    return [fn(ev) for fn in CHECKS]
